"""Credit repair: application (holder or clerk), conditions, the officer's decision, effects."""

from __future__ import annotations

import pytest

from roadcredit.accounts.roles import Role
from roadcredit.audit.models import AuditEntry
from roadcredit.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from roadcredit.credit.models import (
    Notice,
    RecordStatus,
    RepairApplication,
    RepairStatus,
)
from roadcredit.credit.services.grading import grade_current
from roadcredit.credit.services.repair import repair_apply, repair_decide
from roadcredit.credit.tests.cases.helpers import days_ago, holder_of, penalty_item
from roadcredit.credit.tests.factories import make_record, rated_operator, rated_practitioner

pytestmark = pytest.mark.django_db

EVIDENCE = "罚款2000元已缴清，缴款书编号 3706122026000123；车辆已卸载至核定载质量"


@pytest.fixture
def shuntong():
    """烟台顺通物流: rated, with an overloading record decided 200 days ago (general: the
    3-month minimum has passed)."""
    operator = rated_operator(name="烟台顺通物流有限公司")
    record = make_record(
        operator, behaviour_code="RT-N-008", occurred_on=days_ago(210), decided_on=days_ago(200)
    )
    return operator, record


def apply(
    actor,
    record,
    *,
    obligations_fulfilled: bool = True,
    obligations_evidence: str = EVIDENCE,
    commitment_accepted: bool = True,
):
    return repair_apply(
        actor=actor,
        record=record,
        obligations_fulfilled=obligations_fulfilled,
        obligations_evidence=obligations_evidence,
        commitment_accepted=commitment_accepted,
    )


def test_a_holder_applies_and_the_commitment_is_kept_as_signed(shuntong):
    operator, record = shuntong
    holder = holder_of(operator)

    application = apply(holder, record)

    assert application.status == RepairStatus.SUBMITTED
    assert application.operator == operator
    assert not application.on_behalf
    assert application.commitment_signed_by == holder
    assert application.commitment_signed_at is not None
    assert "郑重承诺" in application.commitment_text
    assert application.due_on is not None and application.due_on > days_ago(0)
    assert AuditEntry.objects.filter(
        action="credit.repair_applied", target_id=application.public_id
    ).exists()
    assert Notice.objects.get(operator=operator).title == "信用修复申请已受理（超限超载运输）"


def test_a_clerk_applies_on_the_subjects_behalf(shuntong, personas):
    _operator, record = shuntong

    application = apply(personas[Role.CLERK], record)

    assert application.on_behalf
    assert application.status == RepairStatus.SUBMITTED


def test_a_holder_cannot_apply_for_another_subjects_record(shuntong):
    _operator, record = shuntong
    stranger = holder_of(rated_operator(name="牟平区宏达运输有限公司"))

    with pytest.raises(NotFound):
        apply(stranger, record)


def test_a_credit_officer_does_not_apply_for_a_subject(shuntong, personas):
    _operator, record = shuntong

    with pytest.raises(PermissionDenied):
        apply(personas[Role.CREDIT_OFFICER], record)


def test_missing_declarations_are_form_errors_and_nothing_is_stored(shuntong):
    operator, record = shuntong

    with pytest.raises(ValidationFailed) as info:
        apply(
            holder_of(operator),
            record,
            obligations_fulfilled=False,
            obligations_evidence=" ",
            commitment_accepted=False,
        )

    assert set(info.value.extra["fields"]) == {
        "obligations_fulfilled",
        "obligations_evidence",
        "commitment",
    }
    assert not RepairApplication.objects.exists()


def test_an_application_before_the_minimum_period_is_refused_with_the_reason():
    operator = rated_operator()
    fresh = make_record(
        operator, behaviour_code="RT-N-008", occurred_on=days_ago(20), decided_on=days_ago(10)
    )

    application = apply(holder_of(operator), fresh)

    assert fresh.earliest_repair_on is not None
    assert application.status == RepairStatus.REFUSED
    assert application.refusal_reasons == [
        "最短公示期未满，自"
        f"{fresh.earliest_repair_on.year}年{fresh.earliest_repair_on.month}月"
        f"{fresh.earliest_repair_on.day}日起方可申请信用修复"
    ]
    assert application.due_on is None
    assert Notice.objects.get(operator=operator).title.startswith("信用修复申请未予受理")
    assert AuditEntry.objects.filter(action="credit.repair_refused").count() == 1


def test_a_repeat_offender_is_refused():
    operator = rated_operator()
    first = make_record(
        operator, behaviour_code="RT-N-008", occurred_on=days_ago(320), decided_on=days_ago(300)
    )
    make_record(
        operator, behaviour_code="RT-N-008", occurred_on=days_ago(190), decided_on=days_ago(180)
    )

    application = apply(holder_of(operator), first)

    assert application.status == RepairStatus.REFUSED
    assert "属屡犯" in application.refusal_reasons[0]


def test_a_subject_with_a_false_commitment_is_barred():
    driver = rated_practitioner(name="李秀英")
    record = make_record(
        driver, behaviour_code="RT-N-016", occurred_on=days_ago(250), decided_on=days_ago(240)
    )
    make_record(
        driver, behaviour_code="RT-N-005", occurred_on=days_ago(100), decided_on=days_ago(90)
    )

    application = apply(holder_of(driver), record)

    assert application.status == RepairStatus.REFUSED
    assert "信用承诺不实" in application.refusal_reasons[0]


def test_only_one_application_per_record_awaits_a_decision(shuntong):
    operator, record = shuntong
    holder = holder_of(operator)
    apply(holder, record)

    with pytest.raises(Conflict):
        apply(holder, record)


def test_approval_repairs_the_record_regrades_and_takes_down_the_publicity(shuntong, personas):
    operator, record = shuntong
    before = grade_current(operator)
    item = penalty_item(record)
    application = apply(holder_of(operator), record)
    officer = personas[Role.CREDIT_OFFICER]

    decided = repair_decide(
        actor=officer,
        application=application,
        approve=True,
        reason="已纠正失信行为，罚款缴清，同意修复",
    )

    record.refresh_from_db()
    item.refresh_from_db()
    after = grade_current(operator)
    assert decided.status == RepairStatus.APPROVED
    assert decided.decided_by == officer
    assert record.status == RecordStatus.REPAIRED
    assert before is not None and after is not None
    assert before.score == 95 and after.score == 100
    assert item.withdrawn_at is not None
    assert Notice.objects.filter(operator=operator, title__startswith="信用修复申请已通过").exists()
    assert AuditEntry.objects.filter(
        action="credit.repair_approved", target_id=decided.public_id
    ).exists()


def test_rejection_keeps_the_record_and_tells_the_subject_why(shuntong, personas):
    operator, record = shuntong
    application = apply(holder_of(operator), record)

    decided = repair_decide(
        actor=personas[Role.CREDIT_OFFICER],
        application=application,
        approve=False,
        reason="提供的缴款书编号与执法系统不符",
    )

    record.refresh_from_db()
    assert decided.status == RepairStatus.REJECTED
    assert record.status == RecordStatus.ACTIVE
    notice = Notice.objects.filter(operator=operator).order_by("-pk").first()
    assert notice is not None and "提供的缴款书编号与执法系统不符" in notice.body


def test_a_decision_needs_reasons_and_happens_once(shuntong, personas):
    operator, record = shuntong
    application = apply(holder_of(operator), record)
    officer = personas[Role.CREDIT_OFFICER]

    with pytest.raises(ValidationFailed):
        repair_decide(actor=officer, application=application, approve=True, reason="  ")
    repair_decide(actor=officer, application=application, approve=True, reason="同意修复")
    with pytest.raises(Conflict):
        repair_decide(actor=officer, application=application, approve=False, reason="重复")


def test_approval_is_refused_when_the_record_is_under_objection_meanwhile(shuntong, personas):
    from roadcredit.credit.services.objections import objection_submit

    operator, record = shuntong
    holder = holder_of(operator)
    application = apply(holder, record)
    objection_submit(actor=holder, record=record, grounds="当日车辆停放在停车场，未上路行驶")

    with pytest.raises(Conflict) as info:
        repair_decide(
            actor=personas[Role.CREDIT_OFFICER],
            application=application,
            approve=True,
            reason="同意",
        )

    assert info.value.extra["reasons"] == ["该记录正在异议处理中，请待异议办结后再申请信用修复"]


def test_a_vehicle_record_is_repaired_for_the_owning_operator():
    from roadcredit.credit.tests.factories import owned_vehicle

    operator = rated_operator()
    vehicle = owned_vehicle(operator)
    record = make_record(
        vehicle, behaviour_code="RT-N-015", occurred_on=days_ago(150), decided_on=days_ago(140)
    )

    application = apply(holder_of(operator), record)

    assert application.operator == operator
    assert application.status == RepairStatus.SUBMITTED
