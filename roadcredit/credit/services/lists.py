"""The red list (守信激励名单) and the serious-dishonesty list (严重失信主体名单).

Candidates come from the rule sets' ``[lists]`` criteria over current data
(``grading.list_membership``, via ``selectors_cases.list_candidates``); ``lists_refresh`` (the
``credit_lists refresh`` command) applies them:

* red list — applied directly, audited: a qualifying subject is listed, one that no longer
  qualifies is removed;
* serious list — only proposed. The officer then notifies the subject (``listing_notify``: a
  notice with a statement deadline in working days), records its statement
  (``listing_statement_record``; the subject may also state it itself), and decides
  (``listing_decide``: list or not list, with reasons that answer the statement). A listing runs
  from the decision date for the serious publication period (``publication_window``) and ends on
  expiry (``lists_refresh``), when every basis record is repaired or deleted
  (``listing_review_after_record_change``) or by an officer (``listing_remove``).

Listing flags the basis records ``on_serious_list`` (through ``credit_record_update``, so the
grade veto applies and the subject is regraded); removal clears the flags it set.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from roadcredit.audit.services import audit_record
from roadcredit.core import clock
from roadcredit.core.errors import Conflict, PermissionDenied, ValidationFailed
from roadcredit.credit.conditions import (
    date_zh,
    listing_decision_blocker,
    listing_transition_allowed,
)
from roadcredit.credit.models import (
    CreditRecord,
    ListEntry,
    ListEntryStatus,
    ListKind,
    NoticeKind,
    RecordStatus,
)
from roadcredit.credit.models.cases import LIST_OPEN_STATUSES
from roadcredit.credit.publication import publication_window
from roadcredit.credit.services.notices import (
    CaseSubjectType,
    case_rules,
    case_subject_columns,
    deadline_after,
    holds,
    notice_send,
)

if TYPE_CHECKING:
    from roadcredit.accounts.models import User
    from roadcredit.credit.selectors_cases import ListCandidate

__all__ = [
    "COUNTING_STATUSES",
    "RefreshSummary",
    "listing_cancel",
    "listing_decide",
    "listing_notify",
    "listing_remove",
    "listing_review_after_record_change",
    "listing_statement_record",
    "listings_expire",
    "lists_refresh",
]

REASON_MAX = 2000
STATEMENT_MAX = 5000
COUNTING_STATUSES = (RecordStatus.ACTIVE, RecordStatus.UNDER_OBJECTION)


def _snapshot(entry: ListEntry) -> dict[str, Any]:
    return {
        "list": entry.list_kind,
        "subject": entry.subject.public_id,
        "status": entry.status,
        "criteria": entry.criteria,
        "statement_due_on": entry.statement_due_on,
        "statement_received": entry.statement_received_at is not None,
        "listed_from": entry.listed_from,
        "listed_until": entry.listed_until,
        "decision_reason": entry.decision_reason,
        "removal_reason": entry.removal_reason,
    }


def _reason(reason: str, *, field: str = "reason", maximum: int = REASON_MAX) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed.for_fields(
            _("The decision has errors; see the fields."),
            {field: [_("Give the reasons for the decision.")]},
        )
    if len(reason) > maximum:
        raise ValidationFailed.for_fields(
            _("The decision has errors; see the fields."),
            {field: [_("At most %(max)d characters.") % {"max": maximum}]},
        )
    return reason


def _lock(entry: ListEntry) -> ListEntry:
    return (
        ListEntry.objects.select_for_update(of=("self",))
        .select_related("operator", "practitioner")
        .get(pk=entry.pk)
    )


def _move(entry: ListEntry, status: str) -> None:
    if not listing_transition_allowed(entry.status, status):
        raise Conflict(
            _("This list entry cannot move from %(from)s to that state.")
            % {"from": entry.get_status_display()},
            {"from": entry.status, "to": status},
        )
    entry.status = status


def _open_entry(subject: CaseSubjectType, kind: str) -> ListEntry | None:
    filters = {k: v for k, v in case_subject_columns(subject).items() if k != "subject_kind"}
    return ListEntry.objects.filter(
        list_kind=kind, status__in=LIST_OPEN_STATUSES, **filters
    ).first()


# --- red list ------------------------------------------------------------------------------------


def _red_add(candidate: ListCandidate, *, actor: User | None, at: dt.datetime) -> ListEntry:
    entry = ListEntry(
        **case_subject_columns(candidate.subject),
        list_kind=ListKind.RED,
        status=ListEntryStatus.LISTED,
        criteria=candidate.criteria,
        ruleset_label=candidate.ruleset_label,
        proposed_by=actor,
        decided_by=actor,
        decided_at=at,
        decision_reason=candidate.red_reason_zh,
        listed_from=timezone.localdate(at),
    )
    entry.save(force_insert=True)
    audit_record(
        actor=actor, action="credit.red_list_added", target=entry, after=_snapshot(entry), at=at
    )
    notice_send(
        subject=candidate.subject,
        kind=NoticeKind.RED_LIST,
        title="已列入守信激励名单",
        body=f"根据信用评价结果（{candidate.red_reason_zh}），您已列入守信激励名单，可享受相应激励措施。",
        case_ref=entry.public_id,
        actor=actor,
        at=at,
    )
    return entry


def _close(
    entry: ListEntry, *, status: str, reason: str, actor: User | None, at: dt.datetime
) -> None:
    """Remove a listing or cancel a proposal (the entry is locked by the caller)."""
    from roadcredit.credit.services.objections import record_data
    from roadcredit.credit.services.records import credit_record_update

    before = _snapshot(entry)
    _move(entry, status)
    if status == ListEntryStatus.REMOVED:
        entry.removed_at = at
        entry.removal_reason = reason[:300]
        for record in CreditRecord.objects.filter(public_id__in=entry.flagged_records).exclude(
            status__in=(RecordStatus.WITHDRAWN, RecordStatus.EXPIRED)
        ):
            if record.on_serious_list:
                credit_record_update(
                    actor=actor,
                    record=record,
                    data=record_data(record, on_serious_list=False),
                    at=at,
                )
    else:
        entry.decision_reason = reason
        entry.decided_by = actor
        entry.decided_at = at
    entry.save()
    audit_record(
        actor=actor,
        action=f"credit.{entry.list_kind}_list_{status}",
        target=entry,
        before=before,
        after=_snapshot(entry),
        at=at,
    )
    if status == ListEntryStatus.REMOVED:
        name = "守信激励名单" if entry.list_kind == ListKind.RED else "严重失信主体名单"
        notice_send(
            subject=entry.subject,
            kind=NoticeKind.RED_LIST if entry.list_kind == ListKind.RED else NoticeKind.LISTING,
            title=f"已移出{name}",
            body=f"您已于{date_zh(timezone.localdate(at))}移出{name}。原因：{reason}",
            case_ref=entry.public_id,
            actor=actor,
            at=at,
        )


# --- refresh ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RefreshSummary:
    red_added: int = 0
    red_removed: int = 0
    serious_proposed: int = 0
    serious_cancelled: int = 0
    serious_expired: int = 0


def lists_refresh(*, actor: User | None, at: dt.datetime | None = None) -> RefreshSummary:
    """Apply the rule-set criteria over current data (see the module docstring)."""
    from roadcredit.credit.selectors_cases import list_candidates

    at = at or clock.now()
    today = timezone.localdate(at)
    counts = {"red_added": 0, "red_removed": 0, "proposed": 0, "cancelled": 0, "expired": 0}

    counts["expired"] = listings_expire(actor=actor, at=at)

    candidates = {(type(c.subject), c.subject.pk): c for c in list_candidates(as_of=today)}

    for candidate in candidates.values():
        with transaction.atomic():
            serious_open = _open_entry(candidate.subject, ListKind.SERIOUS)
            red_open = _open_entry(candidate.subject, ListKind.RED)
            on_serious = serious_open is not None and serious_open.status == ListEntryStatus.LISTED
            if candidate.red and red_open is None and not on_serious:
                try:
                    with transaction.atomic():
                        _red_add(candidate, actor=actor, at=at)
                except IntegrityError:
                    pass  # listed meanwhile by a concurrent refresh
                else:
                    counts["red_added"] += 1
            if (
                candidate.serious
                and serious_open is None
                and not _already_decided(candidate)
                and _propose(candidate, actor=actor, at=at)
            ):
                counts["proposed"] += 1

    # Red entries whose subject no longer qualifies; proposals whose basis fell away.
    for entry in ListEntry.objects.filter(status__in=LIST_OPEN_STATUSES).order_by("pk"):
        still = candidates.get((type(entry.subject), entry.subject.pk))
        if entry.list_kind == ListKind.RED and (still is None or not still.red):
            with transaction.atomic():
                locked = _lock(entry)
                if locked.status == ListEntryStatus.LISTED:
                    _close(
                        locked,
                        status=ListEntryStatus.REMOVED,
                        reason="不再符合守信激励名单条件",
                        actor=actor,
                        at=at,
                    )
                    counts["red_removed"] += 1
        elif (
            entry.list_kind == ListKind.SERIOUS
            and entry.status == ListEntryStatus.PROPOSED
            and (still is None or not still.serious)
        ):
            with transaction.atomic():
                locked = _lock(entry)
                if locked.status == ListEntryStatus.PROPOSED:
                    _close(
                        locked,
                        status=ListEntryStatus.CANCELLED,
                        reason="不再符合列入条件",
                        actor=actor,
                        at=at,
                    )
                    counts["cancelled"] += 1
    return RefreshSummary(
        red_added=counts["red_added"],
        red_removed=counts["red_removed"],
        serious_proposed=counts["proposed"],
        serious_cancelled=counts["cancelled"],
        serious_expired=counts["expired"],
    )


def listings_expire(*, actor: User | None, at: dt.datetime | None = None) -> int:
    """Remove every serious-dishonesty listing whose period has run out; returns how many."""
    at = at or clock.now()
    today = timezone.localdate(at)
    count = 0
    expired = ListEntry.objects.filter(
        list_kind=ListKind.SERIOUS, status=ListEntryStatus.LISTED, listed_until__lte=today
    )
    for stale in expired.order_by("pk"):
        with transaction.atomic():
            # Lock the entry: an officer removing it at the same time must not remove it twice.
            entry = _lock(stale)
            if entry.status == ListEntryStatus.LISTED:
                _close(
                    entry, status=ListEntryStatus.REMOVED, reason="公示期届满", actor=actor, at=at
                )
                count += 1
    return count


def _already_decided(candidate: ListCandidate) -> bool:
    """A closed serious entry already covered exactly these basis records (the officer decided
    not to list, or the listing ended): do not propose again until a new record arrives."""
    filters = {
        k: v for k, v in case_subject_columns(candidate.subject).items() if k != "subject_kind"
    }
    current = {record.pk for record in candidate.basis_records}
    for entry in ListEntry.objects.filter(
        list_kind=ListKind.SERIOUS,
        status__in=(ListEntryStatus.NOT_LISTED, ListEntryStatus.REMOVED, ListEntryStatus.CANCELLED),
        **filters,
    ).prefetch_related("basis_records"):
        if current <= {record.pk for record in entry.basis_records.all()}:
            return True
    return False


def _propose(candidate: ListCandidate, *, actor: User | None, at: dt.datetime) -> ListEntry | None:
    entry = ListEntry(
        **case_subject_columns(candidate.subject),
        list_kind=ListKind.SERIOUS,
        status=ListEntryStatus.PROPOSED,
        criteria=candidate.criteria,
        ruleset_label=candidate.ruleset_label,
        proposed_by=actor,
    )
    try:
        with transaction.atomic():
            entry.save(force_insert=True)
    except IntegrityError:
        return None  # proposed meanwhile by a concurrent refresh
    entry.basis_records.set(candidate.basis_records)
    audit_record(
        actor=actor,
        action="credit.serious_list_proposed",
        target=entry,
        after={**_snapshot(entry), "basis": [r.public_id for r in candidate.basis_records]},
        at=at,
    )
    return entry


# --- the serious-list procedure --------------------------------------------------------------------


def listing_notify(*, actor: User, entry: ListEntry, at: dt.datetime | None = None) -> ListEntry:
    """Notify the subject before listing (告知): facts, criteria and its right to state its case
    (陈述申辩) within the statement deadline."""
    at = at or clock.now()
    today = timezone.localdate(at)
    with transaction.atomic():
        # Lock the entry: two officers moving one case at once must not both act.
        locked = _lock(entry)
        before = _snapshot(locked)
        _move(locked, ListEntryStatus.NOTIFIED)
        locked.notified_at = at
        locked.statement_due_on = deadline_after(today, case_rules().statement_working_days)
        locked.save()
        audit_record(
            actor=actor,
            action="credit.serious_list_notified",
            target=locked,
            before=before,
            after=_snapshot(locked),
            at=at,
        )
        facts = "；".join(
            f"{r.behaviour_name}（{date_zh(r.occurred_on)}，决定文书号 {r.decision_number}）"
            for r in locked.basis_records.order_by("occurred_on", "pk")
        )
        criteria = "；".join(str(c.get("note_zh", "")) for c in locked.criteria if c.get("note_zh"))
        notice_send(
            subject=locked.subject,
            kind=NoticeKind.LISTING,
            title="拟列入严重失信主体名单告知书",
            body=(
                f"经核查，您存在以下失信行为：{facts or '见信用记录'}。依据评价规则（{criteria}），"
                f"本局拟将您列入严重失信主体名单。您有权在{date_zh(locked.statement_due_on)}前"
                "提出陈述和申辩；逾期未提出的，视为放弃陈述申辩的权利。"
            ),
            case_ref=locked.public_id,
            actor=actor,
            at=at,
        )
        return locked


def listing_statement_record(
    *, actor: User, entry: ListEntry, text: str, at: dt.datetime | None = None
) -> ListEntry:
    """Record the subject's statement (陈述申辩): by the subject itself or entered by staff from a
    written statement; only before the deadline."""
    at = at or clock.now()
    text = _reason(text, field="text", maximum=STATEMENT_MAX)
    from roadcredit.accounts.access import user_role
    from roadcredit.accounts.roles import BUSINESS_STAFF

    with transaction.atomic():
        locked = _lock(entry)
        if user_role(actor) not in BUSINESS_STAFF and not holds(actor, locked.subject):
            raise PermissionDenied(_("Only the subject itself or bureau staff may do this."))
        if locked.status != ListEntryStatus.NOTIFIED:
            raise Conflict(
                _("A statement can only be made after the notice and before the decision.")
            )
        if locked.statement_due_on is not None and timezone.localdate(at) > locked.statement_due_on:
            raise Conflict(
                _("The statement deadline (%(date)s) has passed.")
                % {"date": locked.statement_due_on.isoformat()}
            )
        before = _snapshot(locked)
        _move(locked, ListEntryStatus.STATEMENT_RECEIVED)
        locked.statement_text = text
        locked.statement_received_at = at
        locked.save()
        audit_record(
            actor=actor,
            action="credit.serious_list_statement",
            target=locked,
            before=before,
            after={**_snapshot(locked), "statement_length": len(text)},
            at=at,
        )
        return locked


def listing_decide(
    *,
    actor: User,
    entry: ListEntry,
    listed: bool,
    reason: str,
    at: dt.datetime | None = None,
) -> ListEntry:
    """The officer's decision after the statement (or after its deadline): list or not list.
    ``reason`` records the answer to the subject's statement."""
    from roadcredit.credit.services.objections import record_data
    from roadcredit.credit.services.records import credit_record_update

    at = at or clock.now()
    today = timezone.localdate(at)
    reason = _reason(reason)
    with transaction.atomic():
        locked = _lock(entry)
        if locked.list_kind != ListKind.SERIOUS:
            raise Conflict(_("Only the serious-dishonesty list is decided this way."))
        blocker = listing_decision_blocker(
            status=locked.status, statement_due_on=locked.statement_due_on, today=today
        )
        if blocker is not None:
            raise Conflict(blocker)
        before = _snapshot(locked)
        _move(locked, ListEntryStatus.LISTED if listed else ListEntryStatus.NOT_LISTED)
        locked.decided_by = actor
        locked.decided_at = at
        locked.decision_reason = reason
        flagged: list[str] = []
        if listed:
            locked.listed_from = today
            locked.listed_until = publication_window("serious", today).takedown
            for record in locked.basis_records.filter(status__in=COUNTING_STATUSES).order_by("pk"):
                if not record.on_serious_list:
                    credit_record_update(
                        actor=actor,
                        record=record,
                        data=record_data(record, on_serious_list=True),
                        at=at,
                    )
                    flagged.append(record.public_id)
            locked.flagged_records = flagged
        locked.save()
        audit_record(
            actor=actor,
            action="credit.serious_list_listed" if listed else "credit.serious_list_not_listed",
            target=locked,
            before=before,
            after={**_snapshot(locked), "flagged": flagged},
            at=at,
        )
        if listed:
            red = _open_entry(locked.subject, ListKind.RED)
            if red is not None:
                _close(
                    _lock(red),
                    status=ListEntryStatus.REMOVED,
                    reason="列入严重失信主体名单",
                    actor=actor,
                    at=at,
                )
            assert locked.listed_until is not None
            title = "列入严重失信主体名单决定书"
            body = (
                f"经审查，本局决定将您列入严重失信主体名单，期限自{date_zh(today)}至"
                f"{date_zh(locked.listed_until)}（届满自动移出；失信行为经信用修复的，可提前移出）。"
                f"理由：{reason}"
            )
        else:
            title = "不予列入严重失信主体名单决定"
            body = f"经审查，本局决定不将您列入严重失信主体名单。理由：{reason}"
        notice_send(
            subject=locked.subject,
            kind=NoticeKind.LISTING,
            title=title,
            body=body,
            case_ref=locked.public_id,
            actor=actor,
            at=at,
        )
        return locked


def listing_remove(
    *, actor: User | None, entry: ListEntry, reason: str, at: dt.datetime | None = None
) -> ListEntry:
    """Remove a listed subject (red or serious) before the listing ends by itself."""
    at = at or clock.now()
    reason = _reason(reason)
    with transaction.atomic():
        locked = _lock(entry)
        if locked.status != ListEntryStatus.LISTED:
            raise Conflict(_("Only a listed subject can be removed."))
        _close(locked, status=ListEntryStatus.REMOVED, reason=reason, actor=actor, at=at)
        return locked


def listing_cancel(
    *, actor: User | None, entry: ListEntry, reason: str, at: dt.datetime | None = None
) -> ListEntry:
    """Drop a serious-list proposal before any decision."""
    at = at or clock.now()
    reason = _reason(reason)
    with transaction.atomic():
        locked = _lock(entry)
        _close(locked, status=ListEntryStatus.CANCELLED, reason=reason, actor=actor, at=at)
        return locked


def listing_review_after_record_change(
    *, record: CreditRecord, actor: User | None, reason: str, at: dt.datetime | None = None
) -> None:
    """After ``record`` stopped counting (repaired, deleted, expired): end every open serious
    entry whose basis records no longer count — a listing is removed, a proposal cancelled."""
    at = at or clock.now()
    for entry in record.list_entries.filter(
        list_kind=ListKind.SERIOUS, status__in=LIST_OPEN_STATUSES
    ).order_by("pk"):
        with transaction.atomic():
            locked = _lock(entry)
            if locked.basis_records.filter(status__in=COUNTING_STATUSES).exists():
                continue
            if locked.status == ListEntryStatus.LISTED:
                _close(locked, status=ListEntryStatus.REMOVED, reason=reason, actor=actor, at=at)
            elif locked.status in (ListEntryStatus.PROPOSED, ListEntryStatus.NOTIFIED):
                _close(locked, status=ListEntryStatus.CANCELLED, reason=reason, actor=actor, at=at)
            else:
                # statement received: the officer decides (most likely "not listed").
                continue
