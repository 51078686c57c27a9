"""Writes of the seal keys: set-up and rotation, each with its audit entry.

One home for both doors: ``python manage.py seal_keys init|rotate`` and the security
administrator's page (``views_seal_keys``) call these functions. The key material itself is
made in ``elicences.signing`` (the only module that touches private keys); this module adds the
rules around it (a reason, a stale-page guard) and the audit trail.

The key store is a file, not a database table: a rotation writes the new seal there first and
the audit entry afterwards. Should the audit write fail, the new seal exists unaudited; that is
logged with its kid (an operator can then record it by hand). The key store's file lock
serialises the writes themselves.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from roadcredit.audit.services import audit_record
from roadcredit.core.errors import ApplicationError, Conflict, ValidationFailed
from roadcredit.core.keystore import KeyStoreError
from roadcredit.elicences import signing

if TYPE_CHECKING:
    from roadcredit.accounts.models import User

logger = logging.getLogger(__name__)

INIT_ACTION = "elicences.seal_keys.init"
ROTATE_ACTION = "elicences.seal_keys.rotate"
TARGET_TYPE = "elicences.seal"
REASON_MAX_LENGTH = 500


class SealKeysUnavailable(ApplicationError):
    """The key store or the seal keys cannot be used (missing, locked, root expired)."""

    status_code = 409


def _facts(seal: signing.Seal) -> dict[str, Any]:
    """Public facts of a seal for the audit trail (never key material)."""
    return {
        "kid": seal.kid.hex(),
        "version": seal.version,
        "root_version": seal.root_version,
        "serial": format(seal.certificate.serial_number, "X"),
        "not_before": seal.not_before.isoformat(),
        "not_after": seal.not_after.isoformat(),
    }


def _active_seal_or_none() -> signing.Seal | None:
    signing.ensure_development_keys()
    seals = signing.all_seals()
    return seals[-1] if seals else None


def seal_keys_set_up(
    *, actor: User | None, force: bool = False, at: dt.datetime | None = None
) -> signing.Seal:
    """Create the root CA and the first seal if absent (``force``: a new root and seal even if
    they exist; the old ones stay trusted). Audited; returns the active seal."""
    try:
        seal = signing.seal_keys_init(force=force, at=at)
    except (signing.SealKeyError, KeyStoreError) as exc:
        raise SealKeysUnavailable(str(exc)) from None
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=INIT_ACTION,
            target_type=TARGET_TYPE,
            target_id=seal.kid.hex(),
            after={**_facts(seal), "force": force},
            at=at,
        )
    return seal


def seal_key_rotate(
    *,
    actor: User | None,
    reason: str,
    expected_kid: str | None = None,
    at: dt.datetime | None = None,
) -> signing.Seal:
    """Issue a new seal key and certificate under the current root and make it the active seal.

    Licences sealed afterwards carry the new seal; every earlier seal stays in the trust list
    (status ``retired``), so what it sealed keeps verifying. ``reason`` is required and goes
    into the audit entry with the actor, the previous seal and the new one.

    ``expected_kid`` is the active seal the caller saw (the page's hidden field): if another
    administrator rotated meanwhile, or the form is sent twice, the call is refused instead of
    rotating a second time. Two submissions in the very same instant from two processes can
    still both rotate; both seals are valid and both are audited, so that costs one spare seal.

    Running web and worker processes keep sealing with the seal they loaded until restarted
    (that seal stays valid); this process switches at once.
    """
    reason = reason.strip()
    if not reason:
        message = _("Give the reason for the rotation.")
        raise ValidationFailed.for_fields(message, {"reason": [message]})
    if len(reason) > REASON_MAX_LENGTH:
        message = _("The reason is too long (at most %(count)d characters).") % {
            "count": REASON_MAX_LENGTH
        }
        raise ValidationFailed.for_fields(message, {"reason": [message]})
    try:
        previous = _active_seal_or_none()
        if previous is None:
            raise SealKeysUnavailable(_("No seal keys yet: run python manage.py seal_keys init."))
        if expected_kid is not None and expected_kid != previous.kid.hex():
            raise Conflict(
                _(
                    "The active seal changed since this page was opened: "
                    "check the list and confirm again."
                ),
                {"active_kid": previous.kid.hex()},
            )
        kid = signing.seal_rotate(at=at)
        seal = signing.seal_for_kid(kid)
    except (signing.SealKeyError, KeyStoreError) as exc:
        raise SealKeysUnavailable(str(exc)) from None
    assert seal is not None
    try:
        with transaction.atomic():
            audit_record(
                actor=actor,
                action=ROTATE_ACTION,
                target_type=TARGET_TYPE,
                target_id=seal.kid.hex(),
                before=_facts(previous),
                after={**_facts(seal), "reason": reason},
                at=at,
            )
    except Exception:
        logger.exception(
            "seal %s was rotated in the key store but its audit entry failed", seal.kid.hex()
        )
        raise
    logger.info("seal rotated to kid %s (previous %s)", seal.kid.hex(), previous.kid.hex())
    return seal
