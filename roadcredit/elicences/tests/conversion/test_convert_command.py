"""``manage.py convert_paper_licences``: progress bar, report, resume after a crash."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from roadcredit.core import pii
from roadcredit.elicences.models import Licence
from roadcredit.elicences.services import licence_register_existing
from roadcredit.elicences.tests.conversion.support import small_district, write_ledger
from roadcredit.subjects.models import Operator, Practitioner, Vehicle

pytestmark = pytest.mark.django_db
TARGET = "roadcredit.elicences.services.conversion.licence_register_existing"


def test_it_converts_the_ledger_and_prints_the_summary(tmp_path):
    district = small_district(operators=2, vehicles=2, practitioners=2)
    ledger = write_ledger(tmp_path, district.rows())
    out, err = io.StringIO(), io.StringIO()
    call_command("convert_paper_licences", str(ledger), stdout=out, stderr=err)
    assert "已生成电子证照: 6" in out.getvalue()
    assert "100.0%" in err.getvalue()
    assert Licence.objects.filter(has_electronic=True).count() == 6


def test_a_bad_ledger_exits_with_the_problems_and_a_report(tmp_path):
    district = small_district(operators=1, vehicles=1, practitioners=0)
    rows = district.rows()
    rows[1][5] = "紫色"
    ledger = write_ledger(tmp_path, rows)
    report = tmp_path / "错误报告.xlsx"
    err = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command(
            "convert_paper_licences",
            str(ledger),
            "--report",
            str(report),
            stdout=io.StringIO(),
            stderr=err,
        )
    assert caught.value.returncode == 1
    assert "第 3 行" in err.getvalue() or "Row 3" in err.getvalue()
    sheet = load_workbook(report)["错误报告"]
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["车牌颜色"]
    assert Licence.objects.count() == 0


def test_run_again_after_a_crash_it_resumes_and_converts_nothing_twice(tmp_path, monkeypatch):
    district = small_district()
    ledger = write_ledger(tmp_path, district.rows())
    calls = {"n": 0}

    def crashing(**kwargs):
        calls["n"] += 1
        if calls["n"] == 5:
            raise RuntimeError("kill -9")
        return licence_register_existing(**kwargs)

    monkeypatch.setattr(TARGET, crashing)
    with pytest.raises(CommandError) as caught:
        call_command(
            "convert_paper_licences",
            str(ledger),
            "--chunk-rows",
            "3",
            "--quiet",
            stdout=io.StringIO(),
        )
    assert "kill -9" in str(caught.value)
    assert Licence.objects.count() == 3
    monkeypatch.setattr(TARGET, licence_register_existing)
    out = io.StringIO()
    call_command("convert_paper_licences", str(ledger), "--quiet", stdout=out)
    assert "继续" in out.getvalue() or "continuing" in out.getvalue()
    assert Licence.objects.count() == 9
    assert len(set(Licence.objects.values_list("number_key", flat=True))) == 9


def test_it_writes_the_empty_ledger_template(tmp_path):
    out = tmp_path / "台账模板.xlsx"
    call_command("convert_paper_licences", "--template", str(out), stdout=io.StringIO())
    assert load_workbook(out).worksheets[0]["A1"].value == "证照类型*"


def test_the_paper_only_licences_exported_as_a_ledger_convert_back(tmp_path):
    district = small_district(operators=1, vehicles=1, practitioners=1)
    start = dt.date(2024, 3, 4)
    paper: list[tuple[str, Operator | Vehicle | Practitioner, str, dt.date | None]] = [
        (
            "business_licence",
            district.operators[0],
            "鲁交运管许可烟字370612000321号",
            dt.date(2028, 3, 3),
        ),
        ("transport_certificate", district.vehicles[0], "370612000654", None),
        (
            "qualification_certificate",
            district.practitioners[0],
            pii.decrypt(district.practitioners[0].id_number_encrypted, purpose="id_number"),
            dt.date(2030, 3, 3),
        ),
    ]
    for type_key, holder, number, until in paper:
        licence_register_existing(
            actor=None,
            type_key=type_key,
            holder=holder,
            number=number,
            issued_on=start,
            valid_from=start,
            valid_until=until,
            electronic=False,
        )
    ledger = tmp_path / "仅纸质.xlsx"
    call_command("convert_paper_licences", "--export-paper-only", str(ledger), stdout=io.StringIO())
    call_command("convert_paper_licences", str(ledger), "--quiet", stdout=io.StringIO())
    assert Licence.objects.count() == 3
    assert Licence.objects.filter(has_electronic=True, origin="converted").count() == 3
