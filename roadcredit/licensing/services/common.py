"""What every application service shares: who is acting, locking, moving the state, numbers."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from roadcredit.accounts.access import user_role
from roadcredit.accounts.roles import Role
from roadcredit.audit.services import audit_record
from roadcredit.core.calendar import CalendarYearMissing, WorkingCalendar
from roadcredit.core.errors import ApplicationError, Conflict, PermissionDenied, ValidationFailed
from roadcredit.core.workdays import get_calendar
from roadcredit.elicences.services.numbering_alloc import sequence_next

from ..deadlines import DeadlineRefused
from ..models import Application, Transition
from ..workflow import Action, Actor, Facts, State, TransitionRefused, next_state

if TYPE_CHECKING:
    from roadcredit.accounts.models import User

# The one message for "someone else moved this case first" (two clerks at once, a stale page).
STALE_MESSAGE = "该申请已被他人处理，请刷新后重试"


def actor_kind(actor: User | None, application: Application) -> Actor:
    """How ``actor`` acts on ``application``; refuses anyone else."""
    if actor is None:
        return Actor.SYSTEM
    role = user_role(actor)
    if role == Role.OPERATOR and application.operator_id == actor.operator_id:
        return Actor.APPLICANT
    if role == Role.PRACTITIONER and application.practitioner_id == actor.practitioner_id:
        return Actor.APPLICANT
    if role == Role.CLERK:
        return Actor.CLERK
    if role == Role.APPROVER:
        return Actor.APPROVER
    raise PermissionDenied(_("You may not act on this application."))


def lock(application: Application, *, expected_version: int | None = None) -> Application:
    """The application row, locked for this transaction, as the caller last saw it.

    Lock the row: two clerks acting on one case at once would otherwise both read the same
    status and both move it. The second one waits here, then finds the version moved on and is
    told so (``expected_version``, or the version of the copy the caller holds).
    """
    locked = Application.objects.select_for_update().get(pk=application.pk)
    expected = application.version if expected_version is None else expected_version
    if locked.version != expected:
        raise Conflict(STALE_MESSAGE, {"version": locked.version, "status": locked.status})
    return locked


def move(
    locked: Application,
    action: Action,
    *,
    actor: User | None,
    kind: Actor,
    facts: Facts | None,
    at: dt.datetime,
    note: str = "",
    audit_extra: dict[str, Any] | None = None,
) -> State:
    """Check and apply ``action`` on the locked application (not yet saved), log it and audit
    it. Refusals become ``Conflict`` (wrong state), ``PermissionDenied`` (wrong actor) or a
    400 ``ApplicationError`` (a guard), each with the workflow's Chinese message."""
    before = locked.status
    try:
        target = next_state(locked.state, action, kind, facts)
    except TransitionRefused as exc:
        extra = {"code": exc.code, "status": locked.status, "action": action.value}
        if exc.code == "state":
            raise Conflict(exc.message, extra) from None
        if exc.code == "actor":
            raise PermissionDenied(exc.message, extra) from None
        raise ApplicationError(exc.message, extra) from None
    locked.status = target.value
    locked.version += 1
    Transition.objects.create(
        application=locked,
        action=action.value,
        from_status=before,
        to_status=target.value,
        actor=actor,
        actor_kind=kind.value,
        at=at,
        note=note[:2000],
    )
    audit_record(
        actor=actor,
        action=f"licensing.application_{action.value}",
        target=locked,
        before={"status": before},
        after={"status": target.value, "version": locked.version, **(audit_extra or {})},
        at=at,
    )
    return target


def calendar() -> WorkingCalendar:
    return get_calendar()


@contextlib.contextmanager
def calendar_errors() -> Iterator[None]:
    """Turn a missing holiday year or a refused deadline into a clear Chinese error."""
    try:
        yield
    except CalendarYearMissing as exc:
        raise ApplicationError(exc.message, {"year": exc.year}) from None
    except DeadlineRefused as exc:
        raise ValidationFailed.for_fields(exc.message, {"deadline": [exc.message]}) from None


def local_date(moment: dt.datetime) -> dt.date:
    return timezone.localdate(moment)


def next_number(scope: str) -> int:
    """The next value of a gapless sequence (inside the caller's transaction)."""
    return sequence_next(f"licensing:{scope}")


def reason_text(value: str | None, *, field: str = "reason", required: bool = True) -> str:
    text = "".join(ch for ch in (value or "") if ch.isprintable() or ch in "\n\t").strip()
    if required and not text:
        message = _("Give the reasons.")
        raise ValidationFailed.for_fields(message, {field: [message]})
    if len(text) > 2000:
        message = _("At most 2000 characters.")
        raise ValidationFailed.for_fields(message, {field: [message]})
    return text
