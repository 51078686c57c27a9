"""Shared pieces of the credit cases: the case subject of a record, who may act for a subject,
working-day deadlines, and notices to subjects (the holder portal shows them).

Writes here (``notice_send``, ``notice_mark_read``) follow the house rule: keyword-only, audited in
the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from roadcredit.accounts.access import user_role
from roadcredit.accounts.roles import BUSINESS_STAFF, Role
from roadcredit.audit.services import audit_record
from roadcredit.core import clock
from roadcredit.core.calendar import CalendarYearMissing
from roadcredit.core.errors import ApplicationError, NotFound, PermissionDenied
from roadcredit.core.workdays import get_calendar
from roadcredit.credit.conditions import CaseRules, default_case_rules
from roadcredit.credit.models import CreditRecord, GradedKind, Notice
from roadcredit.subjects.models import Operator, Practitioner

if TYPE_CHECKING:
    from roadcredit.accounts.models import User

__all__ = [
    "CaseSubjectType",
    "case_rules",
    "case_subject_columns",
    "case_subject_of_record",
    "deadline_after",
    "ensure_may_act_for",
    "is_on_behalf",
    "notice_mark_read",
    "notice_send",
]

CaseSubjectType = Operator | Practitioner
# Roles that may file a repair application or an objection for a subject (窗口代办).
ON_BEHALF_ROLES = frozenset({Role.CLERK})


def case_rules() -> CaseRules:
    """The case rules in force (``rules/cases.toml``)."""
    return default_case_rules()


def case_subject_of_record(record: CreditRecord) -> CaseSubjectType:
    """The subject a case about ``record`` belongs to: the graded subject (a vehicle's record
    belongs to the operator that owned the vehicle when it was recorded)."""
    subject = record.graded_subject
    if subject is None:
        raise NotFound(_("This record belongs to no operator or practitioner."))
    assert isinstance(subject, Operator | Practitioner)
    return subject


def case_subject_columns(subject: CaseSubjectType) -> dict[str, Any]:
    if isinstance(subject, Operator):
        return {"subject_kind": GradedKind.OPERATOR, "operator": subject, "practitioner": None}
    return {"subject_kind": GradedKind.PRACTITIONER, "operator": None, "practitioner": subject}


def holds(actor: Any, subject: CaseSubjectType) -> bool:
    """Whether ``actor`` is the holder account of ``subject``."""
    role = user_role(actor)
    if role == Role.OPERATOR:
        return isinstance(subject, Operator) and actor.operator_id == subject.pk
    if role == Role.PRACTITIONER:
        return isinstance(subject, Practitioner) and actor.practitioner_id == subject.pk
    return False


def is_on_behalf(actor: Any) -> bool:
    return user_role(actor) in ON_BEHALF_ROLES


def ensure_may_act_for(actor: Any, subject: CaseSubjectType) -> None:
    """A holder acts only for its own subject (anything else is "not found", so it cannot learn
    whether another subject's record exists); a clerk may act on any subject's behalf."""
    if holds(actor, subject) or is_on_behalf(actor):
        return
    if user_role(actor) in BUSINESS_STAFF:
        raise PermissionDenied(_("Only the subject itself or a clerk on its behalf may do this."))
    raise NotFound(_("No such credit record."))


class DeadlineUnavailable(ApplicationError):
    """The working-day calendar has no data for the year a deadline falls in."""

    status_code = 409


def deadline_after(start: dt.date, working_days: int, *, strict: bool = True) -> dt.date:
    """``start`` plus ``working_days`` working days (the official calendar, with make-up days).

    When the calendar has no data for the year: ``strict`` raises (a legal deadline must not be
    guessed); otherwise weekends alone are skipped (used for double-publicity due dates of
    decisions older than the calendar data, which are overdue anyway).
    """
    try:
        return get_calendar().add_working_days(start, working_days)
    except CalendarYearMissing as exc:
        if strict:
            raise DeadlineUnavailable(
                _(
                    "The working-day calendar has no data for %(year)s; ask the system administrator to add it."
                )
                % {"year": exc.year},
                {"year": exc.year},
            ) from exc
    day = start
    remaining = working_days
    while remaining > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            remaining -= 1
    return day


def notice_send(
    *,
    subject: CaseSubjectType,
    kind: str,
    title: str,
    body: str,
    case_ref: str = "",
    actor: User | None,
    at: dt.datetime | None = None,
) -> Notice:
    """Leave a notice for ``subject`` (shown in its portal). Audited; runs in the caller's
    transaction when there is one."""
    at = at or clock.now()
    with transaction.atomic():
        notice = Notice.objects.create(
            **case_subject_columns(subject),
            kind=kind,
            title=title[:200],
            body=body,
            case_ref=case_ref,
        )
        audit_record(
            actor=actor,
            action="credit.notice_sent",
            target=notice,
            after={"subject": subject.public_id, "kind": kind, "title": notice.title},
            at=at,
        )
    return notice


def notice_mark_read(*, actor: User, notice: Notice, at: dt.datetime | None = None) -> Notice:
    """The holder opened the notice (the first time counts)."""
    at = at or clock.now()
    subject = notice.subject
    if not holds(actor, subject):
        raise NotFound(_("No such notice."))
    with transaction.atomic():
        # Lock the notice: two devices opening it at once must record one reading time.
        locked = Notice.objects.select_for_update().get(pk=notice.pk)
        if locked.read_at is None:
            locked.read_at = at
            locked.save(update_fields=["read_at", "updated_at"])
            audit_record(actor=actor, action="credit.notice_read", target=locked, at=at)
    return locked
