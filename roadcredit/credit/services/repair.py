"""Credit repair (信用修复): a subject applies, the conditions are checked, a credit officer decides.

* ``repair_apply`` — the holder (for its own records) or a clerk on its behalf. Missing
  declarations (obligations, evidence, the signed commitment) are form errors and nothing is
  stored. When the record or the subject fails a condition (minimum period not passed, record
  not active, barred as a repeat offender or for a false commitment) the application is kept as
  ``refused`` with the reasons and the subject is told.
* ``repair_decide`` — a credit officer approves (the record becomes ``repaired`` through
  ``credit_record_set_status``: it stops counting, its penalty publicity is taken down, a
  serious-dishonesty listing resting only on it ends, the subject is regraded) or rejects with
  reasons. The subject is notified either way.

The conditions are the pure ``conditions.check_repair``; the periods come from the record's
publication window (``earliest_repair_on``).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from roadcredit.audit.services import audit_record
from roadcredit.core import clock
from roadcredit.core.errors import Conflict, ValidationFailed
from roadcredit.credit.conditions import (
    PriorRecord,
    RepairCheck,
    RepairDeclaration,
    RepairTarget,
    check_repair,
)
from roadcredit.credit.models import (
    CreditRecord,
    NoticeKind,
    RecordStatus,
    RepairApplication,
    RepairStatus,
)
from roadcredit.credit.services.notices import (
    case_rules,
    case_subject_columns,
    case_subject_of_record,
    deadline_after,
    ensure_may_act_for,
    is_on_behalf,
    notice_send,
)

if TYPE_CHECKING:
    from roadcredit.accounts.models import User

__all__ = ["EVIDENCE_MAX", "REASON_MAX", "repair_apply", "repair_check", "repair_decide"]

EVIDENCE_MAX = 2000
REASON_MAX = 2000
# Failures of the declaration itself: the applicant corrects the form; nothing is stored.
_FORM_FAILURES = frozenset({"obligations", "evidence", "commitment", "signature"})


def _target(record: CreditRecord) -> RepairTarget:
    return RepairTarget(
        record_id=record.public_id,
        behaviour_code=record.behaviour_code,
        behaviour_name_zh=record.behaviour_name,
        direction=record.direction,
        severity=record.severity,
        status=record.status,
        decided_on=record.decided_on,
        earliest_repair_on=record.earliest_repair_on,
    )


def _history(record: CreditRecord) -> list[PriorRecord]:
    subject = case_subject_of_record(record)
    field = "practitioner" if record.subject_kind == "practitioner" else "operator"
    others = CreditRecord.objects.filter(**{field: subject}, direction="negative").exclude(
        pk=record.pk
    )
    return [
        PriorRecord(r.public_id, r.behaviour_code, r.decided_on, r.status)
        for r in others.only("public_id", "behaviour_code", "decided_on", "status")
    ]


def repair_check(
    *, record: CreditRecord, declaration: RepairDeclaration, today: dt.date
) -> RepairCheck:
    """Every repair condition ``record`` and ``declaration`` fail on ``today`` (a read)."""
    return check_repair(
        target=_target(record),
        declaration=declaration,
        history=_history(record),
        rules=case_rules(),
        today=today,
    )


def _snapshot(application: RepairApplication) -> dict[str, Any]:
    return {
        "record": application.record.public_id,
        "subject": application.subject.public_id,
        "status": application.status,
        "on_behalf": application.on_behalf,
        "obligations_fulfilled": application.obligations_fulfilled,
        "commitment_signed_at": application.commitment_signed_at,
        "commitment_signed_by": application.commitment_signed_by.get_username(),
        "refusal_reasons": application.refusal_reasons,
        "due_on": application.due_on,
        "decision_reason": application.decision_reason,
    }


def repair_apply(
    *,
    actor: User,
    record: CreditRecord,
    obligations_fulfilled: bool,
    obligations_evidence: str,
    commitment_accepted: bool,
    at: dt.datetime | None = None,
) -> RepairApplication:
    """Apply to repair ``record``. ``commitment_accepted``: the applicant signs the published
    credit commitment (stored with the time and the signing account)."""
    at = at or clock.now()
    today = timezone.localdate(at)
    subject = case_subject_of_record(record)
    ensure_may_act_for(actor, subject)
    evidence = (obligations_evidence or "").strip()
    if len(evidence) > EVIDENCE_MAX:
        raise ValidationFailed.for_fields(
            _("The application has errors; see the fields."),
            {"obligations_evidence": [_("At most %(max)d characters.") % {"max": EVIDENCE_MAX}]},
        )
    rules = case_rules()
    declaration = RepairDeclaration(
        obligations_fulfilled=bool(obligations_fulfilled),
        obligations_evidence=evidence,
        commitment_text=rules.commitment_text_zh if commitment_accepted else "",
        commitment_signed_at=at if commitment_accepted else None,
        commitment_signed_by=actor.get_username() if commitment_accepted else "",
    )
    with transaction.atomic():
        # Lock the record: two applications for one record (or an application racing an
        # objection) would otherwise both pass the "no open case" check.
        locked = CreditRecord.objects.select_for_update().get(pk=record.pk)
        if RepairApplication.objects.filter(record=locked, status=RepairStatus.SUBMITTED).exists():
            raise Conflict(
                _("A repair application for this record is already awaiting a decision.")
            )
        check = repair_check(record=locked, declaration=declaration, today=today)
        form = [f for f in check.failures if f.code in _FORM_FAILURES]
        if form:
            fields: dict[str, list[str]] = {}
            for failure in form:
                fields.setdefault(failure.field, []).append(failure.message_zh)
            raise ValidationFailed.for_fields(
                _("The application has errors; see the fields."), fields
            )
        refused = not check.ok
        application = RepairApplication(
            **case_subject_columns(subject),
            record=locked,
            applicant=actor,
            on_behalf=is_on_behalf(actor),
            obligations_fulfilled=declaration.obligations_fulfilled,
            obligations_evidence=evidence,
            commitment_text=declaration.commitment_text,
            commitment_signed_at=at,
            commitment_signed_by=actor,
            status=RepairStatus.REFUSED if refused else RepairStatus.SUBMITTED,
            refusal_reasons=list(check.reasons_zh),
            due_on=None if refused else deadline_after(today, rules.repair_decision_working_days),
        )
        try:
            with transaction.atomic():
                application.save(force_insert=True)
        except IntegrityError as exc:
            raise Conflict(
                _("A repair application for this record is already awaiting a decision.")
            ) from exc
        audit_record(
            actor=actor,
            action="credit.repair_refused" if refused else "credit.repair_applied",
            target=application,
            after=_snapshot(application),
            at=at,
        )
        if refused:
            notice_send(
                subject=subject,
                kind=NoticeKind.REPAIR,
                title=f"信用修复申请未予受理（{locked.behaviour_name}）",
                body="您的信用修复申请未予受理，原因：" + "；".join(check.reasons_zh) + "。",
                case_ref=application.public_id,
                actor=actor,
                at=at,
            )
        else:
            assert application.due_on is not None
            notice_send(
                subject=subject,
                kind=NoticeKind.REPAIR,
                title=f"信用修复申请已受理（{locked.behaviour_name}）",
                body=(
                    f"您对“{locked.behaviour_name}”（决定文书号 {locked.decision_number}）的"
                    f"信用修复申请已受理，将于{application.due_on.year}年{application.due_on.month}月"
                    f"{application.due_on.day}日前作出决定。"
                ),
                case_ref=application.public_id,
                actor=actor,
                at=at,
            )
        return application


def repair_decide(
    *,
    actor: User,
    application: RepairApplication,
    approve: bool,
    reason: str,
    at: dt.datetime | None = None,
) -> RepairApplication:
    """The credit officer's decision. Approval re-checks the record's conditions as of now (the
    record may have changed since the application) and repairs the record."""
    from roadcredit.credit.services.lists import listing_review_after_record_change
    from roadcredit.credit.services.publicity import publicity_withdraw_for_record
    from roadcredit.credit.services.records import credit_record_set_status

    at = at or clock.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed.for_fields(
            _("The decision has errors; see the fields."),
            {"reason": [_("Give the reasons for the decision.")]},
        )
    if len(reason) > REASON_MAX:
        raise ValidationFailed.for_fields(
            _("The decision has errors; see the fields."),
            {"reason": [_("At most %(max)d characters.") % {"max": REASON_MAX}]},
        )
    with transaction.atomic():
        # Lock the application: two officers deciding at once must not both act on it.
        locked = (
            RepairApplication.objects.select_for_update(of=("self",))
            .select_related("record", "operator", "practitioner", "commitment_signed_by")
            .get(pk=application.pk)
        )
        if locked.status != RepairStatus.SUBMITTED:
            raise Conflict(_("This application has already been decided."))
        # Lock the record too, and check it as it is now: an objection filed at the same moment
        # would otherwise move it to "under objection" after our check and before our repair.
        record = CreditRecord.objects.select_for_update().get(pk=locked.record_id)
        before = _snapshot(locked)
        if approve:
            declaration = RepairDeclaration(
                obligations_fulfilled=locked.obligations_fulfilled,
                obligations_evidence=locked.obligations_evidence,
                commitment_text=locked.commitment_text,
                commitment_signed_at=locked.commitment_signed_at,
                commitment_signed_by=locked.commitment_signed_by.get_username(),
            )
            check = repair_check(
                record=record, declaration=declaration, today=timezone.localdate(at)
            )
            if not check.ok:
                raise Conflict(
                    _("The record no longer meets the repair conditions."),
                    {"reasons": list(check.reasons_zh)},
                )
            credit_record_set_status(
                actor=actor,
                record=record,
                status=RecordStatus.REPAIRED,
                reason=f"信用修复（申请 {locked.public_id}）",
                at=at,
            )
            publicity_withdraw_for_record(record=record, actor=actor, reason="信用修复", at=at)
            listing_review_after_record_change(record=record, actor=actor, reason="信用修复", at=at)
        locked.status = RepairStatus.APPROVED if approve else RepairStatus.REJECTED
        locked.decided_by = actor
        locked.decided_at = at
        locked.decision_reason = reason
        locked.save(
            update_fields=["status", "decided_by", "decided_at", "decision_reason", "updated_at"]
        )
        audit_record(
            actor=actor,
            action="credit.repair_approved" if approve else "credit.repair_rejected",
            target=locked,
            before=before,
            after=_snapshot(locked),
            at=at,
        )
        if approve:
            title = f"信用修复申请已通过（{record.behaviour_name}）"
            body = (
                f"您对“{record.behaviour_name}”（决定文书号 {record.decision_number}）的信用修复申请"
                f"已通过：该记录不再计入信用评价，并停止公示。说明：{reason}"
            )
        else:
            title = f"信用修复申请未通过（{record.behaviour_name}）"
            body = f"您对“{record.behaviour_name}”的信用修复申请未通过。理由：{reason}"
        notice_send(
            subject=locked.subject,
            kind=NoticeKind.REPAIR,
            title=title,
            body=body,
            case_ref=locked.public_id,
            actor=actor,
            at=at,
        )
        return locked
