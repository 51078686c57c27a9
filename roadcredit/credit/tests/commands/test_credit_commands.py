"""The credit_intake, credit_regrade and credit_rulesets commands."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from roadcredit.core import clock
from roadcredit.credit.grading import RULES_DIR
from roadcredit.credit.models import CreditRecord, RuleSetVersion, Source
from roadcredit.credit.services.grading import grade_current
from roadcredit.credit.tests.factories import rated_operator

pytestmark = pytest.mark.django_db

OCCURRED = (clock.today() - dt.timedelta(days=40)).isoformat()


def test_sources_are_registered_and_a_file_is_taken_in(tmp_path: Path) -> None:
    operator = rated_operator()
    out = io.StringIO()
    call_command(
        "credit_intake",
        "--add-source",
        "zfxt",
        "--name",
        "牟平区交通运输执法系统",
        "--kind",
        "enforcement",
        stdout=out,
    )
    assert Source.objects.get(code="zfxt").kind == "enforcement"
    token = io.StringIO()
    call_command("credit_intake", "--issue-token", "zfxt", stdout=token)
    assert token.getvalue().startswith("rcs_")
    path = tmp_path / "执法.csv"
    path.write_text(
        f"来源记录编号,统一社会信用代码,行为代码,发生日期\nZF-1,{operator.uscc},RT-N-008,{OCCURRED}\n",
        encoding="utf-8",
    )
    out = io.StringIO()
    call_command("credit_intake", "--source", "zfxt", str(path), stdout=out)
    assert CreditRecord.objects.filter(source__code="zfxt").count() == 1
    assert "1" in out.getvalue()


def test_a_rejected_file_exits_1_and_writes_the_report(tmp_path: Path) -> None:
    call_command(
        "credit_intake", "--add-source", "zfxt", "--name", "执法系统", stdout=io.StringIO()
    )
    path = tmp_path / "bad.csv"
    path.write_text(
        "来源记录编号,统一社会信用代码,行为代码,发生日期\nZF-1,91370612XXXX,RT-N-008,2026-01-01\n",
        encoding="utf-8",
    )
    report = tmp_path / "错误报告.xlsx"
    with pytest.raises(SystemExit) as exc:
        call_command(
            "credit_intake",
            "--source",
            "zfxt",
            str(path),
            "--report",
            str(report),
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    assert exc.value.code == 1 and report.exists()


def test_an_unknown_source_is_a_command_error(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("x\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("credit_intake", "--source", "nope", str(path))


def test_credit_regrade_all_grades_everyone_with_a_progress_bar() -> None:
    operator = rated_operator()
    out, err = io.StringIO(), io.StringIO()
    call_command("credit_regrade", "--all", stdout=out, stderr=err)
    assert grade_current(operator) is not None
    assert "1" in out.getvalue() and err.getvalue()


def test_credit_rulesets_loads_lists_previews_and_activates(
    tmp_path: Path, personas: object
) -> None:
    path = tmp_path / "enterprise-2026.toml"
    path.write_text(
        (RULES_DIR / "enterprise-jiangsu-2024.toml")
        .read_text(encoding="utf-8")
        .replace('version = "2024.2"', 'version = "2026.3"', 1),
        encoding="utf-8",
    )
    (tmp_path / "behaviours.toml").write_text(
        (RULES_DIR / "behaviours.toml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    call_command("credit_rulesets", "load", str(path), stdout=io.StringIO())
    draft = RuleSetVersion.objects.get(version="2026.3")
    out = io.StringIO()
    call_command("credit_rulesets", "list", stdout=out)
    assert "2026.3" in out.getvalue()
    call_command("credit_rulesets", "preview", str(draft.pk), stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("credit_rulesets", "activate", str(draft.pk))
    call_command(
        "credit_rulesets", "activate", str(draft.pk), "--user", "credit", stdout=io.StringIO()
    )
    draft.refresh_from_db()
    assert draft.status == "active"
