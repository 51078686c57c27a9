"""Batch conversion of the paper-licence ledger: check first, then resumable chunks."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from openpyxl import load_workbook

from roadcredit.audit.models import AuditEntry
from roadcredit.core.jobs import job_run
from roadcredit.core.models import Job, JobStatus
from roadcredit.elicences.models import Licence, LicenceEvent, LicenceOrigin, LicenceStatus
from roadcredit.elicences.services import licence_register_existing
from roadcredit.elicences.services.conversion import (
    conversion_report_path,
    conversion_submit,
)
from roadcredit.elicences.tests.conversion.support import (
    business_row,
    certificate_row,
    ledger_xlsx,
    qualification_row,
    small_district,
)
from roadcredit.subjects.tests.factories import valid_uscc

pytestmark = pytest.mark.django_db
TARGET = "roadcredit.elicences.services.conversion.licence_register_existing"


def _submit(rows, *, chunk_rows=2, name="牟平区纸质证照台账.xlsx", content=None, **kwargs) -> Job:
    content = content or ledger_xlsx(rows)
    return conversion_submit(
        actor=None, chunks=[content], file_name=name, run="defer", chunk_rows=chunk_rows, **kwargs
    )


def _result(job: Job) -> dict[str, Any]:
    result: dict[str, Any] | None = job.result
    assert result is not None
    return result


def _signature() -> list[tuple[str, str, str, bool, str]]:
    return sorted(
        (lic.type_key, lic.number_key, lic.origin, lic.has_electronic, lic.status)
        for lic in Licence.objects.all()
    )


def test_it_converts_every_row_of_a_clean_ledger_into_an_e_licence():
    district = small_district()
    job = job_run(_submit(district.rows()))
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert _result(job)["registered"] == 9
    assert _result(job)["errors"] == []
    licences = list(Licence.objects.all())
    assert len(licences) == 9
    for licence in licences:
        assert licence.origin == LicenceOrigin.CONVERTED
        assert licence.has_electronic
        assert licence.identifier and licence.qr_text and licence.status_index is not None
        assert [e.kind for e in LicenceEvent.objects.filter(licence=licence)] == ["convert"]
    business = Licence.objects.get(operator=district.operators[0])
    assert business.paper_number == "鲁交运管许可烟字370612000101号"
    qualification = Licence.objects.get(practitioner=district.practitioners[0])
    assert qualification.paper_number.startswith("370612") and "*" in qualification.paper_number
    assert AuditEntry.objects.filter(action="elicences.conversion_finish").count() == 1


def test_a_bad_row_converts_nothing_and_the_report_names_every_problem():
    district = small_district(operators=2, vehicles=1, practitioners=1)
    rows = district.rows()
    rows[1][1] = "鲁交运管许可烟字37061200010号"  # one digit short
    rows.append(business_row(district.operators[0], 900))  # same holder, another live licence
    rows.append(
        [
            "道路运输经营许可证",
            "鲁交运管许可烟字370612000777号",
            valid_uscc(),
            "",
            "",
            "",
            dt.date(2022, 3, 1),
            dt.date(2022, 3, 1),
            dt.date(2026, 2, 28),
        ]
    )
    job = job_run(_submit(rows))
    assert job.status == JobStatus.SUCCEEDED
    assert Licence.objects.count() == 0
    errors = _result(job)["errors"]
    assert [(e["row"], e["column_label"]) for e in errors] == [
        (3, "证照编号"),
        (6, "持证主体统一社会信用代码"),
        (7, "持证主体统一社会信用代码"),
    ]
    assert "第 2 行" in errors[1]["message"] or "row 2" in errors[1]["message"].lower()
    report = load_workbook(io.BytesIO(conversion_report_path(job.public_id).read_bytes()))
    lines = [tuple(row) for row in report["错误报告"].iter_rows(min_row=2, values_only=True)]
    assert [line[0] for line in lines] == [3, 6, 7]


def test_a_ledger_with_wrong_headers_is_refused_as_a_whole():
    job = job_run(
        conversion_submit(
            actor=None,
            chunks=[ledger_xlsx([["x"]], headers=("证照类型", "编号呀"))],
            file_name="台账.xlsx",
            run="defer",
        )
    )
    assert _result(job)["errors"][0]["row"] is None
    assert "证照编号" in _result(job)["errors"][0]["message"]


def test_a_job_killed_midway_resumes_and_ends_as_an_uninterrupted_run(monkeypatch):
    district = small_district()
    rows = district.rows()
    calls = {"n": 0}
    real = licence_register_existing

    def dying(**kwargs):
        calls["n"] += 1
        if calls["n"] == 6:  # mid-chunk: the chunk's two earlier rows roll back with it
            raise RuntimeError("the process was killed")
        return real(**kwargs)

    monkeypatch.setattr(TARGET, dying)
    content = ledger_xlsx(rows)
    job = job_run(_submit(rows, content=content))
    assert job.status == JobStatus.FAILED
    assert Licence.objects.count() == 4  # two chunks of two rows committed
    assert job.checkpoint["after_row"] == 5

    monkeypatch.setattr(TARGET, real)
    job = job_run(job)
    assert job.status == JobStatus.SUCCEEDED
    assert Licence.objects.count() == 9
    interrupted = _signature()

    # The same file again is the same job; a changed file is a new job that finds every row
    # already converted: nothing is duplicated.
    again = job_run(_submit(rows, name="再次导入.xlsx", chunk_rows=50, content=content))
    assert again.pk == job.pk  # same bytes: the same job
    fresh = job_run(
        conversion_submit(
            actor=None, chunks=[ledger_xlsx(rows[::-1])], file_name="副本.xlsx", run="defer"
        )
    )
    assert fresh.status == JobStatus.SUCCEEDED, fresh.error
    assert _result(fresh)["skipped"] == 9
    assert _signature() == interrupted
    assert Licence.objects.count() == 9


def test_a_row_matching_a_paper_only_record_converts_that_record():
    district = small_district(operators=1, vehicles=0, practitioners=0)
    operator = district.operators[0]
    paper = licence_register_existing(
        actor=None,
        type_key="business_licence",
        holder=operator,
        number="鲁交运管许可烟字370612000101号",
        issued_on=dt.date(2024, 4, 12),
        valid_from=dt.date(2024, 4, 12),
        valid_until=dt.date(2028, 4, 11),
        electronic=False,
    )
    job = job_run(_submit([business_row(operator, 101)]))
    assert _result(job)["converted"] == 1
    paper.refresh_from_db()
    assert paper.has_electronic and paper.origin == LicenceOrigin.CONVERTED
    assert Licence.objects.count() == 1


def test_an_expired_paper_licence_is_recorded_without_an_e_licence():
    district = small_district(operators=1, vehicles=1, practitioners=1)
    old = business_row(district.operators[0], 7, issued=dt.date(2015, 3, 1))
    job = job_run(
        _submit(
            [
                old,
                certificate_row(district.vehicles[0], 8),
                qualification_row(district.practitioners[0], id_column=False),
            ]
        )
    )
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert (_result(job)["registered"], _result(job)["recorded"]) == (2, 1)
    expired = Licence.objects.get(operator=district.operators[0])
    assert expired.status == LicenceStatus.EXPIRED
    assert not expired.has_electronic
    assert expired.origin == LicenceOrigin.LEGACY_PAPER


def test_a_dry_run_checks_the_ledger_and_converts_nothing():
    district = small_district(operators=1, vehicles=1, practitioners=1)
    job = job_run(_submit(district.rows(), dry_run=True))
    assert _result(job)["dry_run"] is True
    assert _result(job)["to_register"] == 3
    assert Licence.objects.count() == 0
