"""Reads of the audit trail (the audit administrator's page) and of its proof (the leaders' page)."""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q

from .heads import head_of, heads_path, signature_checker
from .models import AuditEntry, AuditVerification, SignedHead
from .sql import append_only_installed
from .verify import head_from_json

PAGE_SIZE = 100


def audit_entries_recent(
    *, action: str = "", target: str = "", before_seq: int | None = None, limit: int = PAGE_SIZE
) -> list[AuditEntry]:
    """Newest entries first. ``action`` matches by prefix (``subjects.`` gives every registry
    change); ``target`` matches an object's public id or a target type (``subjects.operator``).
    ``before_seq`` pages back through older entries."""
    entries = AuditEntry.objects.select_related("actor").order_by("-seq")
    action = action.strip()
    target = target.strip()
    if action:
        entries = entries.filter(action__startswith=action)
    if target:
        entries = entries.filter(Q(target_id=target) | Q(target_type=target.lower()))
    if before_seq is not None:
        entries = entries.filter(seq__lt=before_seq)
    return list(entries[: max(1, min(limit, 500))])


def audit_actions() -> list[str]:
    """Every action name that occurs in the trail, for the filter's choices."""
    return list(AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct())


# --- Audit proof (the leaders' page) ----------------------------------------------------------
@dataclass(frozen=True)
class HeadView:
    seq: int
    entry_hash: str
    signed_at: dt.datetime
    kid: str
    reason: str
    signature_valid: bool
    in_file: bool


@dataclass(frozen=True)
class AuditProofOverview:
    chain_length: int
    last_entry_at: dt.datetime | None
    heads: list[HeadView]
    latest_verification: AuditVerification | None
    file_last_seq: int | None
    append_only: bool


def _recent_file_heads(limit_bytes: int = 64 * 1024) -> set[tuple[int, str, str, str, str]]:
    """Identities of the heads in the last ``limit_bytes`` of the heads file (its newest)."""
    path = heads_path()
    if not path.exists():
        return set()
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - limit_bytes))
        tail = handle.read().decode("ascii", errors="replace").splitlines()
    if size > limit_bytes:
        tail = tail[1:]  # the first line may be cut
    found: set[tuple[int, str, str, str, str]] = set()
    for line in tail:
        try:
            found.add(head_from_json(json.loads(line), source="file").identity)
        except ValueError:
            continue
    return found


def audit_proof_overview(*, limit: int = 20) -> AuditProofOverview:
    """What the leaders' page shows: the chain's length, the newest signed heads (each checked
    against its signature and looked up in the heads file) and the last full verification."""
    last = AuditEntry.objects.order_by("-seq").values_list("seq", "at").first()
    check = signature_checker()
    in_file = _recent_file_heads()
    heads: list[HeadView] = []
    for row in SignedHead.objects.order_by("-signed_at", "-id")[: max(1, min(limit, 200))]:
        head = head_of(row)
        heads.append(
            HeadView(
                seq=row.seq,
                entry_hash=row.entry_hash,
                signed_at=row.signed_at,
                kid=row.kid,
                reason=row.reason,
                signature_valid=check(head),
                in_file=head.identity in in_file,
            )
        )
    file_seqs = [identity[0] for identity in in_file]
    return AuditProofOverview(
        chain_length=last[0] if last else 0,
        last_entry_at=last[1] if last else None,
        heads=heads,
        latest_verification=AuditVerification.objects.order_by("-ran_at", "-id").first(),
        file_last_seq=max(file_seqs) if file_seqs else None,
        append_only=append_only_installed(connection),
    )
