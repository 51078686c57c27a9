"""Writing the audit trail. Every state-changing service calls ``audit_record`` inside its own
transaction, so the change and its audit row commit or roll back together."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import connections, models, transaction

from roadcredit.core import clock

from .chain import GENESIS_HASH, entry_hash
from .models import AuditChainHead, AuditEntry, AuditVerification
from .verify import Report, walk

if TYPE_CHECKING:
    from roadcredit.accounts.models import User
    from roadcredit.core.keystore import KeyStore


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


def audit_chain_verify(
    *,
    using: str = "default",
    heads_file: Path | None = None,
    store: KeyStore | None = None,
    record: bool = True,
) -> Report:
    """Walk the whole chain of database ``using`` and compare it with every signed head (the
    database's and the heads file's); record the outcome for the leaders' page unless
    ``record`` is false. Streams the entries: memory does not grow with the chain.

    ``heads_file`` and ``store`` default to the configured heads file and key store (the
    restore command passes the restored ones).
    """
    from .heads import database_heads, read_head_file, signature_checker, stream_rows
    from .sql import append_only_installed

    started = time.monotonic()
    ran_at = clock.now()
    # Order matters with concurrent writers. The file first, then the database heads: a line is
    # appended only after its row committed, so every line read has a row to match. The
    # writer's head row before the walk (every entry up to it is committed and must be there)
    # and again after it (no entry may lie beyond it).
    file_heads, warnings = read_head_file(heads_file)
    heads = [*file_heads, *database_heads(using=using)]
    head_rows = AuditChainHead.objects.using(using).filter(pk=1).values_list("seq", "entry_hash")
    before = head_rows.first()

    def after() -> tuple[int, str] | None:
        return head_rows.all().first()

    rows = stream_rows(AuditEntry.objects.using(using).order_by("seq"))
    try:
        report = walk(
            rows,
            heads=heads,
            signature_ok=signature_checker(store=store),
            table_head_before=before,
            table_head_after=after,
            heads_cross_check=True,
        )
    finally:
        rows.close()
    report.warnings.extend(warnings)
    if not append_only_installed(connections[using]):
        report.warnings.append(
            "数据库中没有审计表“只增不改”触发器：审计记录可被直接修改或删除，请运行数据库迁移。"
        )
    if record:
        first = report.first
        AuditVerification.objects.using(using).create(
            ran_at=ran_at,
            ok=report.ok,
            entries_checked=report.entries,
            heads_checked=report.heads_checked,
            last_seq=report.last_seq,
            problem_kind=first.kind.value if first else "",
            problem_seq=first.seq if first else None,
            message=report.summary(),
            warnings=report.warnings,
            duration_ms=int((time.monotonic() - started) * 1000),
        )
    return report
