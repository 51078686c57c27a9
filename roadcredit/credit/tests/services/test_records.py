"""Credit records: entry, validation, decision, status moves, evidence, regrade on change."""

from __future__ import annotations

import datetime as dt

import pytest

from roadcredit.audit.models import AuditEntry
from roadcredit.core import clock
from roadcredit.core.errors import Conflict, ValidationFailed
from roadcredit.credit.models import RecordStatus, RecordStatusChange
from roadcredit.credit.services.grading import grade_current, grade_explain, grade_history
from roadcredit.credit.services.records import (
    credit_evidence_add,
    credit_record_create,
    credit_record_decide,
    credit_record_set_status,
    credit_record_update,
    credit_record_withdraw,
)
from roadcredit.credit.tests.factories import (
    make_record,
    owned_vehicle,
    rated_operator,
    rated_practitioner,
)

pytestmark = pytest.mark.django_db

TODAY = clock.today()
LAST_MONTH = TODAY - dt.timedelta(days=30)
LAST_WEEK = TODAY - dt.timedelta(days=7)


def _fields(exc: pytest.ExceptionInfo[ValidationFailed]) -> dict[str, list[str]]:
    fields = exc.value.extra["fields"]
    assert isinstance(fields, dict)
    return fields


def test_a_decided_negative_record_is_active_and_gets_its_publication_window() -> None:
    operator = rated_operator()
    record = make_record(
        operator, behaviour_code="RT-N-008", occurred_on=LAST_MONTH, decided_on=LAST_WEEK
    )
    assert record.status == RecordStatus.ACTIVE
    assert record.points == 10 or record.points > 0
    assert record.earliest_repair_on is not None and record.takedown_on is not None
    assert record.takedown_on > record.earliest_repair_on >= LAST_WEEK
    assert record.publication_rule_id


def test_a_record_lowers_the_operators_grade_at_once() -> None:
    operator = rated_operator()
    before = grade_current(operator)
    assert before is None
    make_record(
        operator, behaviour_code="RT-N-008", points=25, occurred_on=LAST_MONTH, decided_on=LAST_WEEK
    )
    current = grade_current(operator)
    assert current is not None and current.rated
    assert current.score == 75
    assert current.grade == "B"


def test_a_pending_finding_does_not_count_until_its_decision_is_entered() -> None:
    operator = rated_operator()
    make_record(operator, behaviour_code="RT-N-011", occurred_on=LAST_MONTH, decided_on=LAST_MONTH)
    first = grade_current(operator)
    pending = make_record(
        operator,
        behaviour_code="RT-N-008",
        points=30,
        occurred_on=LAST_MONTH,
        decided_on=None,
        status="pending",
    )
    assert pending.status == RecordStatus.PENDING
    assert grade_current(operator) == first  # nothing changed, no new snapshot
    decided = credit_record_decide(
        actor=None, record=pending, decision_number="牟交罚决字〔2026〕0099号", decided_on=LAST_WEEK
    )
    assert decided.status == RecordStatus.ACTIVE
    assert decided.takedown_on is not None
    current = grade_current(operator)
    assert current is not None and first is not None and first.score is not None
    assert current.score == first.score - 30
    assert RecordStatusChange.objects.filter(
        record=decided, from_status="pending", to_status="active"
    ).exists()


def test_it_writes_a_snapshot_only_when_the_grade_changes() -> None:
    operator = rated_operator()
    make_record(
        operator, behaviour_code="RT-P-001", points=10, occurred_on=LAST_MONTH, decided_on=LAST_WEEK
    )
    make_record(
        operator, behaviour_code="RT-P-001", points=10, occurred_on=LAST_MONTH, decided_on=LAST_WEEK
    )
    history = grade_history(operator)
    assert len(history) == 1  # 110 (bonus capped at 10) both times: one snapshot
    assert [s.is_current for s in history] == [True]


def test_a_new_operator_is_not_yet_rated_rather_than_excellent() -> None:
    from roadcredit.subjects.tests.factories import make_operator

    operator = make_operator()
    make_record(operator, behaviour_code="RT-P-001", occurred_on=LAST_MONTH, decided_on=LAST_WEEK)
    current = grade_current(operator)
    assert current is not None
    assert current.rated is False and current.grade == "UNRATED" and current.score is None
    explanation = grade_explain(operator)
    assert any(a.kind == "unrated" for a in explanation.adjustments)


def test_a_vehicle_record_counts_toward_its_owning_operator() -> None:
    operator = rated_operator()
    vehicle = owned_vehicle(operator)
    record = make_record(
        vehicle, behaviour_code="RT-N-008", points=15, occurred_on=LAST_MONTH, decided_on=LAST_WEEK
    )
    assert record.subject_kind == "vehicle" and record.operator == operator
    current = grade_current(operator)
    assert current is not None and current.score == 85
    assert [c.record_id for c in grade_explain(operator).contributions] == [record.public_id]


def test_a_driver_record_grades_the_practitioner_under_the_driver_scheme() -> None:
    driver = rated_practitioner()
    last_cycle_day = TODAY - dt.timedelta(days=400)
    make_record(
        driver,
        behaviour_code="RT-N-008",
        points=5,
        occurred_on=last_cycle_day,
        decided_on=last_cycle_day,
    )
    current = grade_current(driver)
    assert current is not None and current.ruleset.scheme == "driver"
    assert current.grade in ("AAA", "AA")


@pytest.mark.parametrize(
    ("data", "field", "fragment"),
    [
        ({"behaviour_code": "RT-X-999", "occurred_on": "2026-01-05"}, "behaviour_code", "RT-X-999"),
        (
            {
                "behaviour_code": "RT-N-008",
                "occurred_on": (TODAY + dt.timedelta(days=3)).isoformat(),
            },
            "occurred_on",
            "将来",
        ),
        (
            {
                "behaviour_code": "RT-N-008",
                "occurred_on": "2026-01-05",
                "decision_number": "牟交罚决字〔2026〕1号",
                "decided_on": "2026-01-02",
            },
            "decided_on",
            "早于行为发生日期",
        ),
        ({"behaviour_code": "RT-N-008", "occurred_on": "2026-02-30"}, "occurred_on", "2026-02-30"),
        (
            {"behaviour_code": "RT-N-008", "occurred_on": "2026-01-05", "decided_on": "2026-01-09"},
            "decision_number",
            "必填",
        ),
        (
            {"behaviour_code": "RT-N-008", "occurred_on": "2026-01-05", "points": "-3"},
            "points",
            "负数",
        ),
        (
            {"behaviour_code": "RT-P-001", "occurred_on": "2026-01-05", "on_serious_list": True},
            "on_serious_list",
            "正面记录",
        ),
    ],
)
def test_it_rejects_bad_record_fields_with_a_message_naming_the_field(
    data: dict[str, object], field: str, fragment: str
) -> None:
    operator = rated_operator()
    with pytest.raises(ValidationFailed) as exc:
        credit_record_create(actor=None, subject=operator, data=data)
    messages = _fields(exc)[field]
    assert any(fragment in m for m in messages), messages


def test_it_collects_every_problem_of_a_record_at_once() -> None:
    operator = rated_operator()
    with pytest.raises(ValidationFailed) as exc:
        credit_record_create(
            actor=None, subject=operator, data={"behaviour_code": "", "occurred_on": ""}
        )
    assert set(_fields(exc)) >= {"behaviour_code", "occurred_on"}


def test_an_operator_only_behaviour_is_refused_for_a_driver() -> None:
    from roadcredit.credit.services.grading import active_ruleset

    catalogue = active_ruleset("driver")[1].catalogue
    operator_only = next(
        b for b in catalogue.behaviours.values() if "driver" not in b.default_points
    )
    with pytest.raises(ValidationFailed) as exc:
        credit_record_create(
            actor=None,
            subject=rated_practitioner(),
            data={"behaviour_code": operator_only.code, "occurred_on": "2026-01-05"},
        )
    assert "不适用于从业人员" in _fields(exc)["behaviour_code"][0]


def test_status_moves_follow_the_transition_table_and_regrade() -> None:
    operator = rated_operator()
    record = make_record(
        operator, behaviour_code="RT-N-008", points=25, occurred_on=LAST_MONTH, decided_on=LAST_WEEK
    )
    assert grade_current(operator).score == 75  # type: ignore[union-attr]
    credit_record_set_status(actor=None, record=record, status="repaired", reason="已完成信用修复")
    assert grade_current(operator).score == 100  # type: ignore[union-attr]
    assert len(grade_history(operator)) == 2
    with pytest.raises(Conflict):
        credit_record_set_status(actor=None, record=record, status="under_objection", reason="异议")
    entry = AuditEntry.objects.filter(action="credit.record_status").latest("seq")
    assert entry.target_id == record.public_id


def test_moving_a_status_needs_a_reason() -> None:
    record = make_record(
        rated_operator(), behaviour_code="RT-N-008", occurred_on=LAST_MONTH, decided_on=LAST_WEEK
    )
    with pytest.raises(ValidationFailed):
        credit_record_set_status(actor=None, record=record, status="withdrawn", reason="  ")


def test_a_withdrawn_record_stops_counting_and_cannot_be_changed() -> None:
    operator = rated_operator()
    record = make_record(
        operator, behaviour_code="RT-N-008", points=25, occurred_on=LAST_MONTH, decided_on=LAST_WEEK
    )
    credit_record_withdraw(actor=None, record=record, reason="录入错误")
    assert grade_current(operator).score == 100  # type: ignore[union-attr]
    with pytest.raises(Conflict):
        credit_record_update(
            actor=None,
            record=record,
            data={"behaviour_code": "RT-N-008", "occurred_on": LAST_MONTH},
        )


def test_a_past_grade_is_explained_with_the_statuses_of_that_day() -> None:
    operator = rated_operator()
    record = make_record(
        operator, behaviour_code="RT-N-008", points=25, occurred_on=LAST_MONTH, decided_on=LAST_WEEK
    )
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    credit_record_set_status(
        actor=None, record=record, status="repaired", reason="已完成信用修复", at=later
    )
    assert grade_explain(operator, as_of=TODAY).score == 75
    assert grade_explain(operator, as_of=TODAY + dt.timedelta(days=2)).score == 100


def test_evidence_must_be_a_pdf_jpg_or_png_of_at_most_ten_megabytes() -> None:
    record = make_record(
        rated_operator(), behaviour_code="RT-N-008", occurred_on=LAST_MONTH, decided_on=LAST_WEEK
    )
    pdf = b"%PDF-1.7\n" + b"0" * 100
    evidence = credit_evidence_add(
        actor=None,
        record=record,
        file_name="处罚决定书.pdf",
        content=pdf,
        content_type="application/pdf",
    )
    assert evidence.size == len(pdf) and str(evidence.file.name).startswith(
        f"credit/evidence/{record.public_id}/"
    )
    with pytest.raises(ValidationFailed):
        credit_evidence_add(
            actor=None,
            record=record,
            file_name="a.exe",
            content=b"MZ",
            content_type="application/x-msdownload",
        )
    with pytest.raises(ValidationFailed):
        credit_evidence_add(
            actor=None,
            record=record,
            file_name="fake.pdf",
            content=b"GIF89a",
            content_type="application/pdf",
        )
    with pytest.raises(ValidationFailed):
        big = b"\x89PNG\r\n\x1a\n" + b"0" * (10 * 1024 * 1024)
        credit_evidence_add(
            actor=None, record=record, file_name="big.png", content=big, content_type="image/png"
        )
