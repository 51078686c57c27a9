"""Objections (异议): a subject disputes a record; the officer corrects, deletes or keeps it.

* ``objection_submit`` — the holder (own records) or a clerk on its behalf. The record moves to
  ``under_objection`` (how it counts meanwhile is the grading rule set's ``[objection] mode``);
  the decision is due ``objection.deadline_working_days`` working days after receipt
  (``rules/cases.toml``, the official calendar). The subject gets a receipt notice.
* ``objection_decide`` — a credit officer: ``corrected`` (points / behaviour / decision data
  edited through ``credit_record_update``, the record back to ``active``; before and after kept
  on the objection and in the audit trail), ``deleted`` (the record is ``withdrawn``, its
  publicity taken down) or ``kept`` (back to ``active``). The subject is told the outcome.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from roadcredit.audit.services import audit_record
from roadcredit.core import clock
from roadcredit.core.errors import Conflict, ValidationFailed
from roadcredit.credit.conditions import date_zh
from roadcredit.credit.models import (
    CreditRecord,
    NoticeKind,
    Objection,
    ObjectionOutcome,
    ObjectionStatus,
    RecordStatus,
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

__all__ = [
    "CORRECTABLE_FIELDS",
    "GROUNDS_MAX",
    "objection_decide",
    "objection_submit",
    "record_data",
]

GROUNDS_MAX = 2000
REASON_MAX = 2000
# What an officer may correct on an objection (the rest of the record stays as recorded).
CORRECTABLE_FIELDS = (
    "behaviour_code",
    "points",
    "occurred_on",
    "decision_number",
    "decided_on",
    "description",
)
_OUTCOME_LABELS: dict[str, str] = {
    ObjectionOutcome.CORRECTED: "予以更正",
    ObjectionOutcome.DELETED: "予以删除",
    ObjectionOutcome.KEPT: "维持原记录",
}


def record_data(record: CreditRecord, **changes: object) -> dict[str, object]:
    """The full input of ``record`` for ``credit_record_update``, with ``changes`` applied."""
    data: dict[str, object] = {
        "source_ref": record.source_ref,
        "behaviour_code": record.behaviour_code,
        "points": record.points,
        "occurred_on": record.occurred_on,
        "decision_number": record.decision_number,
        "decided_on": record.decided_on,
        "description": record.description,
        "on_serious_list": record.on_serious_list,
    }
    data.update(changes)
    return data


def _record_view(record: CreditRecord) -> dict[str, Any]:
    """The record as kept on the objection (JSON: dates as ISO strings)."""
    from roadcredit.credit.services.records import record_snapshot

    view = {
        **record_snapshot(record),
        "behaviour_name": record.behaviour_name,
        "description": record.description,
    }
    loaded: dict[str, Any] = json.loads(json.dumps(view, ensure_ascii=False, default=str))
    return loaded


def _snapshot(objection: Objection) -> dict[str, Any]:
    return {
        "record": objection.record.public_id,
        "subject": objection.subject.public_id,
        "status": objection.status,
        "outcome": objection.outcome,
        "on_behalf": objection.on_behalf,
        "received_on": objection.received_on,
        "due_on": objection.due_on,
        "decision_reason": objection.decision_reason,
    }


def _invalid(fields: dict[str, list[str]]) -> ValidationFailed:
    return ValidationFailed.for_fields(_("The objection has errors; see the fields."), fields)


def objection_submit(
    *,
    actor: User,
    record: CreditRecord,
    grounds: str,
    at: dt.datetime | None = None,
) -> Objection:
    """File an objection to ``record``: it is flagged ``under_objection`` until decided."""
    from roadcredit.credit.services.records import credit_record_set_status

    at = at or clock.now()
    today = timezone.localdate(at)
    subject = case_subject_of_record(record)
    ensure_may_act_for(actor, subject)
    grounds = (grounds or "").strip()
    if not grounds:
        raise _invalid({"grounds": [_("State why the record is wrong.")]})
    if len(grounds) > GROUNDS_MAX:
        raise _invalid({"grounds": [_("At most %(max)d characters.") % {"max": GROUNDS_MAX}]})
    due_on = deadline_after(today, case_rules().objection_deadline_working_days)
    with transaction.atomic():
        # Lock the record: two objections (or an objection and a repair decision) at once would
        # otherwise both see the record active.
        locked = CreditRecord.objects.select_for_update().get(pk=record.pk)
        if Objection.objects.filter(record=locked, status=ObjectionStatus.OPEN).exists():
            raise Conflict(_("An objection to this record is already under review."))
        if locked.status != RecordStatus.ACTIVE:
            raise Conflict(
                _("Only an active record can be disputed (this one is %(status)s).")
                % {"status": locked.get_status_display()}
            )
        objection = Objection(
            **case_subject_columns(subject),
            record=locked,
            submitted_by=actor,
            on_behalf=is_on_behalf(actor),
            grounds=grounds,
            received_on=today,
            due_on=due_on,
        )
        try:
            with transaction.atomic():
                objection.save(force_insert=True)
        except IntegrityError as exc:
            raise Conflict(_("An objection to this record is already under review.")) from exc
        credit_record_set_status(
            actor=actor,
            record=locked,
            status=RecordStatus.UNDER_OBJECTION,
            reason=f"异议申请 {objection.public_id}",
            at=at,
        )
        audit_record(
            actor=actor,
            action="credit.objection_submitted",
            target=objection,
            after=_snapshot(objection),
            at=at,
        )
        notice_send(
            subject=subject,
            kind=NoticeKind.OBJECTION,
            title=f"异议申请已受理（{locked.behaviour_name}）",
            body=(
                f"您对“{locked.behaviour_name}”（{date_zh(locked.occurred_on)}）提出的异议已受理，"
                f"该记录在处理期间标注为“异议处理中”，将于{date_zh(due_on)}前办结并告知结果。"
            ),
            case_ref=objection.public_id,
            actor=actor,
            at=at,
        )
        return objection


def _parse_corrections(corrections: Mapping[str, object] | None) -> dict[str, object]:
    unknown = sorted(set(corrections or {}) - set(CORRECTABLE_FIELDS))
    if unknown:
        raise _invalid({name: [_("This field cannot be corrected here.")] for name in unknown})
    return {
        name: value
        for name, value in (corrections or {}).items()
        if (value is not None and value != "") or name == "description"
    }


def objection_decide(
    *,
    actor: User,
    objection: Objection,
    outcome: str,
    reason: str,
    corrections: Mapping[str, object] | None = None,
    at: dt.datetime | None = None,
) -> Objection:
    """Decide ``objection``: ``corrected`` (with ``corrections``: any of ``CORRECTABLE_FIELDS``),
    ``deleted`` or ``kept``; ``reason`` is told to the subject."""
    from roadcredit.credit.services.lists import listing_review_after_record_change
    from roadcredit.credit.services.publicity import (
        publicity_record_penalty_decision,
        publicity_withdraw_for_record,
    )
    from roadcredit.credit.services.records import credit_record_set_status, credit_record_update

    at = at or clock.now()
    reason = (reason or "").strip()
    problems: dict[str, list[str]] = {}
    if outcome not in (ObjectionOutcome.CORRECTED, ObjectionOutcome.DELETED, ObjectionOutcome.KEPT):
        problems["outcome"] = [_("Choose correct, delete or keep.")]
    if not reason:
        problems["reason"] = [_("Give the reasons for the decision.")]
    elif len(reason) > REASON_MAX:
        problems["reason"] = [_("At most %(max)d characters.") % {"max": REASON_MAX}]
    changes = _parse_corrections(corrections) if outcome == ObjectionOutcome.CORRECTED else {}
    if outcome == ObjectionOutcome.CORRECTED and not changes:
        problems["corrections"] = [_("Say what is corrected.")]
    if problems:
        raise _invalid(problems)

    with transaction.atomic():
        # Lock the objection: two officers deciding at once must not both act on it.
        locked = (
            Objection.objects.select_for_update(of=("self",))
            .select_related("record", "operator", "practitioner")
            .get(pk=objection.pk)
        )
        if locked.status != ObjectionStatus.OPEN:
            raise Conflict(_("This objection has already been decided."))
        # Lock the record as well: the before-view kept on the objection must be the record the
        # decision acts on (not one a concurrent change has moved on).
        record = (
            CreditRecord.objects.select_for_update(of=("self",))
            .select_related("source")
            .get(pk=locked.record_id)
        )
        before = _snapshot(locked)
        record_before = _record_view(record)
        label = f"异议 {locked.public_id}：{_OUTCOME_LABELS[outcome]}"
        if outcome == ObjectionOutcome.CORRECTED:
            record = credit_record_update(
                actor=actor, record=record, data=record_data(record, **changes), at=at
            )
            if _record_view(record) == record_before:
                raise _invalid({"corrections": [_("The corrections change nothing.")]})
            record = credit_record_set_status(
                actor=actor, record=record, status=RecordStatus.ACTIVE, reason=label, at=at
            )
            if publicity_record_penalty_decision(record=record, actor=actor, at=at) is None:
                publicity_withdraw_for_record(record=record, actor=actor, reason=label, at=at)
        elif outcome == ObjectionOutcome.DELETED:
            record = credit_record_set_status(
                actor=actor, record=record, status=RecordStatus.WITHDRAWN, reason=label, at=at
            )
            publicity_withdraw_for_record(record=record, actor=actor, reason=label, at=at)
            listing_review_after_record_change(record=record, actor=actor, reason=label, at=at)
        else:
            record = credit_record_set_status(
                actor=actor, record=record, status=RecordStatus.ACTIVE, reason=label, at=at
            )
        locked.status = ObjectionStatus.DECIDED
        locked.outcome = outcome
        locked.decided_by = actor
        locked.decided_at = at
        locked.decision_reason = reason
        locked.record_before = record_before
        locked.record_after = _record_view(record)
        locked.save()
        audit_record(
            actor=actor,
            action=f"credit.objection_{outcome}",
            target=locked,
            before={**before, "record": record_before},
            after={**_snapshot(locked), "record": locked.record_after},
            at=at,
        )
        notice_send(
            subject=locked.subject,
            kind=NoticeKind.OBJECTION,
            title=f"异议处理结果：{_OUTCOME_LABELS[outcome]}（{record_before['behaviour_name']}）",
            body=(
                f"您对“{record_before['behaviour_name']}”提出的异议已办结，处理结果：{_OUTCOME_LABELS[outcome]}。"
                f"理由：{reason}"
            ),
            case_ref=locked.public_id,
            actor=actor,
            at=at,
        )
        return locked
