"""A licence's life after issuance: change, renewal, replacement, suspension and resumption,
revocation, cancellation and automatic expiry.

Which action is allowed from which status is the pure table in ``elicences.transitions``. Every
action locks the licence row first (two approvers acting on one licence at once would otherwise
both read the old status and both move it), writes a ``LicenceEvent`` and an audit entry, and
bumps the status list in the same transaction, so verification sees it at once.

Change (变更), renewal (延续/换证) and replacement (补证) make a new version: the same paper
number, the identifier's version + 1, the old version moves to ``changed`` and becomes the new
one's predecessor (关联证照标识). The new version gets its own status slot and token.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from roadcredit.audit.services import audit_record
from roadcredit.core import clock
from roadcredit.core.errors import Conflict, ValidationFailed
from roadcredit.elicences.catalogue import default_valid_until
from roadcredit.elicences.identifiers import parse_licence_identifier
from roadcredit.elicences.models import (
    Licence,
    LicenceEvent,
    LicenceEventKind,
    LicenceOrigin,
    LicenceStatus,
)
from roadcredit.elicences.transitions import ACTIONS, TransitionRefused, next_status

from .issuance import (
    _date_value,
    _insert,
    apply_electronic,
    build_face,
    catalogue_type,
    credit_guidance_notice,
    licence_snapshot,
    make_electronic,
)
from .statuslist_publish import status_list_touch

if TYPE_CHECKING:
    from roadcredit.accounts.models import User

REASON_REQUIRED = frozenset({"replace", "suspend", "revoke", "cancel"})
EXPIRY_CHUNK = 500


def _lock(licence: Licence) -> Licence:
    return (
        Licence.objects.select_for_update(of=("self",))
        .select_related("operator", "vehicle__operator", "practitioner")
        .get(pk=licence.pk)
    )


def _check(action: str, locked: Licence) -> LicenceStatus:
    try:
        return LicenceStatus(next_status(action, locked.status))
    except TransitionRefused as exc:
        raise Conflict(exc.message, {"status": locked.status, "action": action}) from None


def _reason(action: str, reason: str) -> str:
    reason = (reason or "").strip()
    if action in REASON_REQUIRED and not reason:
        message = _("Give the reason.")
        raise ValidationFailed.for_fields(message, {"reason": [message]})
    return reason[:300]


def _move(
    *,
    actor: User | None,
    licence: Licence,
    action: str,
    reason: str,
    at: dt.datetime | None,
    event_data: dict[str, Any] | None = None,
    credit_record_ref: str | None = None,
) -> Licence:
    reason = _reason(action, reason)
    moment = at or clock.now()
    with transaction.atomic():
        locked = _lock(licence)
        target = _check(action, locked)
        before = {"status": locked.status, "status_reason": locked.status_reason}
        locked.status = target
        locked.status_reason = reason
        locked.status_changed_at = moment
        fields = ["status", "status_reason", "status_changed_at", "updated_at"]
        if credit_record_ref is not None:
            locked.credit_record_ref = credit_record_ref
            fields.append("credit_record_ref")
        locked.save(update_fields=fields)
        LicenceEvent.objects.create(
            licence=locked,
            kind=LicenceEventKind(action),
            at=moment,
            actor=actor,
            reason=reason,
            data=event_data or {},
        )
        status_list_touch([locked.status_list], at=moment)
        audit_record(
            actor=actor,
            action=f"elicences.licence_{action}",
            target=locked,
            before=before,
            after={"status": locked.status, "status_reason": reason, **(event_data or {})},
            at=moment,
        )
    return locked


def licence_suspend(
    *, actor: User | None, licence: Licence, reason: str, at: dt.datetime | None = None
) -> Licence:
    """暂停 (e.g. 暂扣): the licence stops being valid until resumed."""
    return _move(actor=actor, licence=licence, action="suspend", reason=reason, at=at)


def licence_resume(
    *, actor: User | None, licence: Licence, reason: str = "", at: dt.datetime | None = None
) -> Licence:
    """恢复: a suspended licence is valid again."""
    return _move(actor=actor, licence=licence, action="resume", reason=reason, at=at)


def licence_revoke(
    *,
    actor: User | None,
    licence: Licence,
    reason: str,
    credit_record_ref: str | None = None,
    at: dt.datetime | None = None,
) -> Licence:
    """吊销: final; ``credit_record_ref`` names the credit record behind it."""
    ref = (credit_record_ref or "").strip()[:64]
    return _move(
        actor=actor,
        licence=licence,
        action="revoke",
        reason=reason,
        at=at,
        event_data={"credit_record_ref": ref} if ref else None,
        credit_record_ref=ref,
    )


def licence_cancel(
    *, actor: User | None, licence: Licence, reason: str, at: dt.datetime | None = None
) -> Licence:
    """注销: final (the holder gives up the licence, stops business …)."""
    return _move(actor=actor, licence=licence, action="cancel", reason=reason, at=at)


# --- New versions -----------------------------------------------------------------------------


def _new_version(
    *,
    actor: User | None,
    licence: Licence,
    action: str,
    reason: str,
    data: Mapping[str, object] | None,
    valid_from: dt.date | None,
    at: dt.datetime | None,
) -> Licence:
    reason = _reason(action, reason)
    data = dict(data or {})
    moment = at or clock.now()
    today = timezone.localdate(moment)
    with transaction.atomic():
        old = _lock(licence)
        _check(action, old)
        licence_type = catalogue_type(old.type_key)
        holder = old.holder
        # Validity: a change or replacement keeps it; a renewal starts a new term.
        if action == "renew":
            # The new term starts today: the old version is superseded at once, so a later
            # start would leave the holder without a valid licence in between.
            valid_from = valid_from or today
            valid_until = _date_value(data.pop("valid_until", None), "valid_until")
            if valid_until is None:
                valid_until = default_valid_until(licence_type, valid_from)
        else:
            valid_from = old.valid_from
            valid_until = _date_value(data.pop("valid_until", None), "valid_until")
            if valid_until is None:
                valid_until = old.valid_until
        if valid_until is not None and valid_until < valid_from:
            message = _("The validity ends before it starts.")
            raise ValidationFailed.for_fields(message, {"valid_until": [message]})
        if action == "replace":
            face = dict(old.face)
            if "issued_on" in face:
                face["issued_on"] = today.isoformat()
        else:
            face = build_face(
                licence_type,
                holder,  # type: ignore[arg-type]
                public_number=old.paper_number,
                valid_from=valid_from,
                valid_until=valid_until,
                issued_on=today,
                data=data,
            )
            # Values the registry does not hold (given at issuance) carry over.
            for key, value in old.face.items():
                if not face.get(key):
                    face[key] = value
        # The old version leaves the live states first: one live licence per number.
        before = {"status": old.status}
        old.status = LicenceStatus.CHANGED
        old.status_reason = reason or str(ACTIONS[action].name_zh)
        old.status_changed_at = moment
        old.save(update_fields=["status", "status_reason", "status_changed_at", "updated_at"])
        new = Licence(
            type_key=old.type_key,
            type_code=old.type_code,
            holder_kind=old.holder_kind,
            operator=old.operator,
            vehicle=old.vehicle,
            practitioner=old.practitioner,
            paper_number=old.paper_number,
            number_key=old.number_key,
            predecessor=old,
            root_id=old.chain_root_id,
            face=face,
            valid_from=valid_from,
            valid_until=valid_until,
            issued_on=today,
            status=LicenceStatus.VALID,
            origin=LicenceOrigin.ISSUED,
            issued_by=actor,
            has_electronic=False,
        )
        identifier = None
        if old.identifier:
            identifier = parse_licence_identifier(old.identifier).next_version().text
        apply_electronic(
            new, make_electronic(new, licence_type, year=today.year, identifier=identifier)
        )
        _insert(new)
        kind = LicenceEventKind(action)
        LicenceEvent.objects.create(
            licence=old,
            kind=kind,
            at=moment,
            actor=actor,
            reason=reason,
            data={"successor": new.identifier, "successor_public_id": new.public_id},
        )
        LicenceEvent.objects.create(
            licence=new,
            kind=LicenceEventKind.ISSUE,
            at=moment,
            actor=actor,
            reason=reason,
            data={"predecessor": old.identifier, "action": action},
        )
        status_list_touch([old.status_list], at=moment)
        audit_record(
            actor=actor,
            action=f"elicences.licence_{action}",
            target=new,
            before={"predecessor": old.public_id, **before},
            after={**licence_snapshot(new), "reason": reason},
            at=moment,
        )
    return new


def licence_change(
    *,
    actor: User | None,
    licence: Licence,
    data: Mapping[str, object] | None = None,
    reason: str = "",
    at: dt.datetime | None = None,
) -> Licence:
    """变更: a new version with the holder's current data (plus ``data``), same validity."""
    return _new_version(
        actor=actor,
        licence=licence,
        action="change",
        reason=reason,
        data=data,
        valid_from=None,
        at=at,
    )


def licence_renew(
    *,
    actor: User | None,
    licence: Licence,
    valid_from: dt.date | None = None,
    data: Mapping[str, object] | None = None,
    reason: str = "",
    at: dt.datetime | None = None,
) -> Licence:
    """延续/换证: a new version with a new term from today (or ``valid_from``), its end by the
    catalogue's rule unless ``data["valid_until"]`` is given. The holder gets the credit notice
    (信用告知) in the same transaction."""
    moment = at or clock.now()
    with transaction.atomic():
        renewed = _new_version(
            actor=actor,
            licence=licence,
            action="renew",
            reason=reason,
            data=data,
            valid_from=valid_from,
            at=moment,
        )
        credit_guidance_notice(renewed, actor=actor, occasion="renew", at=moment)
    return renewed


def licence_replace(
    *, actor: User | None, licence: Licence, reason: str, at: dt.datetime | None = None
) -> Licence:
    """补证: the licence was lost or damaged; a new version with the same face and validity,
    the old one superseded (its QR and PDF stop verifying as valid)."""
    return _new_version(
        actor=actor,
        licence=licence,
        action="replace",
        reason=reason,
        data=None,
        valid_from=None,
        at=at,
    )


# --- Automatic expiry -------------------------------------------------------------------------


def licence_expire_due(*, at: dt.datetime | None = None, actor: User | None = None) -> int:
    """Move every valid or suspended licence whose validity ended before ``at``'s date to
    ``expired``. Runs in chunks (one transaction each); returns how many expired."""
    moment = at or clock.now()
    today = timezone.localdate(moment)
    due = list(
        Licence.objects.filter(
            status__in=[LicenceStatus.VALID, LicenceStatus.SUSPENDED], valid_until__lt=today
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    expired = 0
    for start in range(0, len(due), EXPIRY_CHUNK):
        chunk = due[start : start + EXPIRY_CHUNK]
        with transaction.atomic():
            # Lock the rows: a concurrent resume or renewal must not be overwritten.
            rows = list(
                Licence.objects.select_for_update(of=("self",))
                .filter(
                    pk__in=chunk,
                    status__in=[LicenceStatus.VALID, LicenceStatus.SUSPENDED],
                    valid_until__lt=today,
                )
                .order_by("pk")
            )
            reason = str(ACTIONS["expire"].name_zh)
            for row in rows:
                before = row.status
                row.status = LicenceStatus.EXPIRED
                row.status_reason = reason
                row.status_changed_at = moment
                audit_record(
                    actor=actor,
                    action="elicences.licence_expire",
                    target=row,
                    before={"status": before},
                    after={"status": row.status, "valid_until": row.valid_until},
                    at=moment,
                )
            Licence.objects.bulk_update(rows, ["status", "status_reason", "status_changed_at"])
            LicenceEvent.objects.bulk_create(
                LicenceEvent(
                    licence=row, kind=LicenceEventKind.EXPIRE, at=moment, actor=actor, reason=reason
                )
                for row in rows
            )
            status_list_touch({row.status_list for row in rows}, at=moment)
            expired += len(rows)
    return expired
