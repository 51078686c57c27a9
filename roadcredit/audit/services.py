"""Writing the audit trail. Every state-changing service calls ``audit_record`` inside its own
transaction, so the change and its audit row commit or roll back together."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from django.db import models, transaction

from roadcredit.core import clock

from .chain import GENESIS_HASH, entry_hash
from .models import AuditChainHead, AuditEntry

if TYPE_CHECKING:
    from roadcredit.accounts.models import User


def _jsonable(value: Any) -> Any:
    if value is None:
        return None
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def entry_payload(entry: AuditEntry) -> dict[str, Any]:
    """The fields covered by an entry's hash (shared by the writer and the verifier)."""
    return {
        "seq": entry.seq,
        "at": entry.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "before": entry.before,
        "after": entry.after,
    }


def audit_record(
    *,
    actor: User | None,
    action: str,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor_label: str = "",
    at: dt.datetime | None = None,
) -> AuditEntry:
    """Append one entry to the chain. Must run inside the caller's ``transaction.atomic()``."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must be called inside transaction.atomic()")
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or str(getattr(target, "public_id", None) or target.pk)
    # Lock the head row: two concurrent writers would otherwise read the same previous hash and
    # fork the chain (on SQLite the IMMEDIATE transaction already serialises writers).
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        head = AuditChainHead.objects.create(pk=1, seq=0, entry_hash=GENESIS_HASH)
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    entry = AuditEntry(
        seq=head.seq + 1,
        at=at or clock.now(),
        actor=actor,
        actor_label=actor_label or (actor.get_username() if actor is not None else "system"),
        action=action,
        target_type=target_type,
        target_id=target_id,
        before=_jsonable(before),
        after=_jsonable(after),
        prev_hash=head.entry_hash,
    )
    entry.entry_hash = entry_hash(entry_payload(entry), head.entry_hash)
    entry.save(force_insert=True)
    head.seq = entry.seq
    head.entry_hash = entry.entry_hash
    head.save(update_fields=["seq", "entry_hash"])
    return entry
