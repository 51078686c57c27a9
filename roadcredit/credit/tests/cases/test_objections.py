"""Objections: filing flags the record, a working-day deadline, correct / delete / keep."""

from __future__ import annotations

import datetime as dt

import pytest

from roadcredit.accounts.roles import Role
from roadcredit.audit.models import AuditEntry
from roadcredit.core.errors import Conflict, NotFound, ValidationFailed
from roadcredit.core.workdays import get_calendar
from roadcredit.credit.models import (
    Notice,
    ObjectionOutcome,
    ObjectionStatus,
    RecordStatus,
)
from roadcredit.credit.selectors_cases import objections_for
from roadcredit.credit.services.grading import grade_current
from roadcredit.credit.services.objections import objection_decide, objection_submit
from roadcredit.credit.tests.cases.helpers import days_ago, holder_of, penalty_item, today
from roadcredit.credit.tests.factories import make_record, rated_operator, rated_practitioner

pytestmark = pytest.mark.django_db

GROUNDS = "处罚决定书所列车辆鲁F3K682当日在维修厂保养，有维修单据为证，并非本车超载"


@pytest.fixture
def hongda():
    """牟平区宏达运输: an overloading record (5 points) decided 40 days ago."""
    operator = rated_operator(name="牟平区宏达运输有限公司")
    record = make_record(
        operator, behaviour_code="RT-N-008", occurred_on=days_ago(50), decided_on=days_ago(40)
    )
    return operator, record


def test_filing_flags_the_record_and_sets_a_deadline_in_working_days(hongda):
    operator, record = hongda

    objection = objection_submit(actor=holder_of(operator), record=record, grounds=GROUNDS)

    record.refresh_from_db()
    assert record.status == RecordStatus.UNDER_OBJECTION
    assert objection.status == ObjectionStatus.OPEN
    assert objection.received_on == today()
    assert objection.due_on == get_calendar().add_working_days(today(), 15)
    assert Notice.objects.get(operator=operator).title == "异议申请已受理（超限超载运输）"
    assert AuditEntry.objects.filter(action="credit.objection_submitted").count() == 1


def september_record(operator):
    return make_record(
        operator,
        behaviour_code="RT-N-008",
        occurred_on=dt.date(2026, 8, 20),
        decided_on=dt.date(2026, 9, 1),
    )


RECEIVED = dt.datetime(2026, 9, 28, 10, 0, tzinfo=dt.UTC)


def test_the_deadline_skips_the_national_day_holiday():
    operator = rated_operator()
    record = september_record(operator)

    objection = objection_submit(
        actor=holder_of(operator), record=record, grounds=GROUNDS, at=RECEIVED
    )

    # 15 working days after Mon 28 Sep 2026: 29–30 Sep, 8–10 Oct (1–7 Oct off, Sat 10 Oct worked),
    # 12–16 Oct, 19–23 Oct.
    assert objection.due_on == dt.date(2026, 10, 23)


def test_how_the_record_counts_meanwhile_follows_the_rule_set(hongda):
    operator, record = hongda
    before = grade_current(operator)

    objection_submit(actor=holder_of(operator), record=record, grounds=GROUNDS)

    after = grade_current(operator)
    assert before is not None and after is not None
    assert before.score == after.score == 95  # [objection] mode = "count"


def test_a_holder_cannot_dispute_another_subjects_record(hongda):
    _operator, record = hongda
    stranger = holder_of(rated_practitioner(name="赵国庆"))

    with pytest.raises(NotFound):
        objection_submit(actor=stranger, record=record, grounds=GROUNDS)


def test_grounds_are_required_and_one_objection_at_a_time(hongda):
    operator, record = hongda
    holder = holder_of(operator)

    with pytest.raises(ValidationFailed):
        objection_submit(actor=holder, record=record, grounds="")
    objection_submit(actor=holder, record=record, grounds=GROUNDS)
    with pytest.raises(Conflict):
        objection_submit(actor=holder, record=record, grounds=GROUNDS)


def test_a_pending_finding_cannot_be_disputed_yet():
    operator = rated_operator()
    pending = make_record(
        operator,
        behaviour_code="RT-N-020",
        occurred_on=days_ago(3),
        decided_on=None,
        status="pending",
    )

    with pytest.raises(Conflict):
        objection_submit(actor=holder_of(operator), record=pending, grounds=GROUNDS)


def test_keeping_the_record_returns_it_to_active_and_tells_the_subject(hongda, personas):
    operator, record = hongda
    objection = objection_submit(actor=holder_of(operator), record=record, grounds=GROUNDS)

    decided = objection_decide(
        actor=personas[Role.CREDIT_OFFICER],
        objection=objection,
        outcome=ObjectionOutcome.KEPT,
        reason="经调取治超站称重记录和现场照片，核实为本车超载，维持原记录",
    )

    record.refresh_from_db()
    assert decided.status == ObjectionStatus.DECIDED
    assert decided.outcome == ObjectionOutcome.KEPT
    assert record.status == RecordStatus.ACTIVE
    notice = Notice.objects.filter(operator=operator).order_by("-pk").first()
    assert notice is not None
    assert notice.title == "异议处理结果：维持原记录（超限超载运输）"
    assert "治超站称重记录" in notice.body


def test_deleting_withdraws_the_record_regrades_and_takes_down_the_publicity(hongda, personas):
    operator, record = hongda
    item = penalty_item(record)
    objection = objection_submit(actor=holder_of(operator), record=record, grounds=GROUNDS)

    objection_decide(
        actor=personas[Role.CREDIT_OFFICER],
        objection=objection,
        outcome=ObjectionOutcome.DELETED,
        reason="经核实车辆当日在维修厂，记录有误，予以删除",
    )

    record.refresh_from_db()
    item.refresh_from_db()
    current = grade_current(operator)
    assert record.status == RecordStatus.WITHDRAWN
    assert current is not None and current.score == 100
    assert item.withdrawn_at is not None


def test_correcting_edits_the_record_and_keeps_before_and_after(hongda, personas):
    operator, record = hongda
    objection = objection_submit(actor=holder_of(operator), record=record, grounds=GROUNDS)

    decided = objection_decide(
        actor=personas[Role.CREDIT_OFFICER],
        objection=objection,
        outcome=ObjectionOutcome.CORRECTED,
        reason="行为定性有误，应为未随车携带道路运输证，予以更正",
        corrections={"behaviour_code": "RT-N-020"},
    )

    record.refresh_from_db()
    current = grade_current(operator)
    assert record.status == RecordStatus.ACTIVE
    assert record.behaviour_code == "RT-N-020"
    assert record.points == 5  # the recorded points stay unless corrected too
    assert decided.record_before is not None and decided.record_after is not None
    assert decided.record_before["behaviour_code"] == "RT-N-008"
    assert decided.record_after["behaviour_code"] == "RT-N-020"
    entry = AuditEntry.objects.get(action="credit.objection_corrected")
    assert isinstance(entry.before, dict) and isinstance(entry.after, dict)
    assert entry.before["record"]["behaviour_code"] == "RT-N-008"
    assert entry.after["record"]["behaviour_code"] == "RT-N-020"
    assert current is not None and current.score == 95


def test_correcting_points_changes_the_grade(hongda, personas):
    operator, record = hongda
    objection = objection_submit(actor=holder_of(operator), record=record, grounds=GROUNDS)

    objection_decide(
        actor=personas[Role.CREDIT_OFFICER],
        objection=objection,
        outcome=ObjectionOutcome.CORRECTED,
        reason="超载比例核减，分值更正为2分",
        corrections={"points": 2},
    )

    current = grade_current(operator)
    assert current is not None and current.score == 98


def test_a_correction_must_change_something_and_use_known_fields(hongda, personas):
    operator, record = hongda
    objection = objection_submit(actor=holder_of(operator), record=record, grounds=GROUNDS)
    officer = personas[Role.CREDIT_OFFICER]

    with pytest.raises(ValidationFailed) as info:
        objection_decide(
            actor=officer, objection=objection, outcome="corrected", reason="更正", corrections={}
        )
    assert "corrections" in info.value.extra["fields"]
    with pytest.raises(ValidationFailed) as info:
        objection_decide(
            actor=officer,
            objection=objection,
            outcome="corrected",
            reason="更正",
            corrections={"status": "repaired"},
        )
    assert "status" in info.value.extra["fields"]
    with pytest.raises(ValidationFailed):
        objection_decide(
            actor=officer,
            objection=objection,
            outcome="corrected",
            reason="更正",
            corrections={"points": record.points},
        )
    objection.refresh_from_db()
    record.refresh_from_db()
    assert objection.status == ObjectionStatus.OPEN
    assert record.status == RecordStatus.UNDER_OBJECTION


def test_a_bad_correction_names_the_field(hongda, personas):
    operator, record = hongda
    objection = objection_submit(actor=holder_of(operator), record=record, grounds=GROUNDS)

    with pytest.raises(ValidationFailed) as info:
        objection_decide(
            actor=personas[Role.CREDIT_OFFICER],
            objection=objection,
            outcome="corrected",
            reason="更正",
            corrections={"behaviour_code": "RT-X-999"},
        )

    assert "behaviour_code" in info.value.extra["fields"]


def test_an_overdue_objection_is_flagged():
    operator = rated_operator()
    record = september_record(operator)
    objection_submit(actor=holder_of(operator), record=record, grounds=GROUNDS, at=RECEIVED)

    from roadcredit.accounts.tests.factories import make_persona

    officer = make_persona(Role.CREDIT_OFFICER)
    assert list(objections_for(viewer=officer, overdue_on=dt.date(2026, 10, 23))) == []
    assert len(objections_for(viewer=officer, overdue_on=dt.date(2026, 10, 24))) == 1
