"""The credit_lists, credit_expire and publicity_export commands."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from roadcredit.credit.models import (
    ListEntry,
    ListEntryStatus,
    ListKind,
    PublicityItem,
    RecordStatus,
)
from roadcredit.credit.services.grading import grade_current
from roadcredit.credit.tests.cases.helpers import (
    commended,
    days_ago,
    penalty_item,
    sheet_rows,
)
from roadcredit.credit.tests.factories import make_record, rated_operator

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_credit_lists_shows_candidates_then_refreshes():
    clean = rated_operator(name="烟台安捷危险货物运输有限公司")
    commended(clean)
    unlicensed = rated_operator(name="烟台市牟平区金海岸客运有限公司")
    make_record(
        unlicensed, behaviour_code="RT-N-001", occurred_on=days_ago(60), decided_on=days_ago(45)
    )

    shown = run("credit_lists", "candidates")
    assert clean.public_id in shown and unlicensed.public_id in shown
    assert not ListEntry.objects.exists()

    summary = run("credit_lists", "refresh")

    assert ListEntry.objects.get(operator=clean).list_kind == ListKind.RED
    assert ListEntry.objects.get(operator=unlicensed).status == ListEntryStatus.PROPOSED
    assert summary.strip()


def test_credit_lists_refuses_an_unknown_actor():
    with pytest.raises(CommandError):
        run("credit_lists", "refresh", "--actor", "no-such-user")


def test_credit_expire_ends_records_past_their_publication_period():
    operator = rated_operator()
    old_minor = make_record(
        operator, behaviour_code="RT-N-020", occurred_on=days_ago(140), decided_on=days_ago(130)
    )
    old_general = make_record(
        operator, behaviour_code="RT-N-016", occurred_on=days_ago(400), decided_on=days_ago(390)
    )
    recent = make_record(
        operator, behaviour_code="RT-N-008", occurred_on=days_ago(40), decided_on=days_ago(30)
    )
    item = penalty_item(old_general)
    before = grade_current(operator)

    message = run("credit_expire")

    for record in (old_minor, old_general, recent):
        record.refresh_from_db()
    item.refresh_from_db()
    after = grade_current(operator)
    assert old_minor.status == RecordStatus.EXPIRED  # minor: 3 months
    assert old_general.status == RecordStatus.EXPIRED  # general: 12 months
    assert recent.status == RecordStatus.ACTIVE
    assert item.withdrawn_at is not None
    assert before is not None and after is not None
    assert before.score is not None and after.score is not None
    assert after.score == before.score + 1  # the minor record (1 point) was still in the window
    assert message.startswith("2")


def test_expiry_without_regrade_leaves_the_grade_to_a_batch_regrade_that_agrees():
    """The demo expires thousands of records at once and regrades everyone right after:
    ``regrade=False`` skips the per-record regrade, and the batch then gives the same grade as
    the daily command's path."""
    from roadcredit.credit.services.grading_batch import subjects_regrade
    from roadcredit.credit.services.publicity import publication_expire

    operator = rated_operator(name="烟台市牟平区鑫源货运有限公司")
    old_minor = make_record(
        operator, behaviour_code="RT-N-020", occurred_on=days_ago(140), decided_on=days_ago(130)
    )
    before = grade_current(operator)

    summary = publication_expire(actor=None, regrade=False)

    old_minor.refresh_from_db()
    assert summary.records_expired == 1 and old_minor.status == RecordStatus.EXPIRED
    unchanged = grade_current(operator)
    assert unchanged is not None and before is not None and unchanged.score == before.score
    subjects_regrade(operator_ids=[operator.pk], practitioner_ids=[], reason="批量重新评级")
    after = grade_current(operator)
    assert after is not None and before.score is not None
    assert after.score == before.score + 1  # as test_credit_expire_ends_records_… finds


def test_publicity_export_writes_xlsx_and_json_and_marks_published(tmp_path):
    operator = rated_operator(name="烟台顺通物流有限公司")
    make_record(
        operator, behaviour_code="RT-N-008", occurred_on=days_ago(30), decided_on=days_ago(20)
    )
    out = tmp_path / "双公示.xlsx"

    message = run("publicity_export", "--out", str(out), "--sync", "--publish")

    rows = sheet_rows(out)
    assert rows[0][0] == "公示类别"
    assert rows[1][1] == "烟台顺通物流有限公司"
    assert PublicityItem.objects.get().published_at is not None
    assert "1" in message

    json_out = tmp_path / "feed.json"
    run("publicity_export", "--out", str(json_out), "--kind", "penalty")
    [row] = json.loads(json_out.read_text(encoding="utf-8"))
    assert row["subject_code"] == operator.uscc
    assert row["published_at"]


def test_publicity_export_refuses_other_formats(tmp_path):
    with pytest.raises(CommandError):
        run("publicity_export", "--out", str(tmp_path / "feed.csv"))
    with pytest.raises(CommandError):
        run("publicity_export", "--out", str(tmp_path / "feed.json"), "--since", "2026/10/01")
