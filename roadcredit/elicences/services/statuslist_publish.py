"""Publishing the signed status lists (offline verifiers learn suspensions and revocations).

Design: the bits are computed from ``Licence.status`` (the one source of truth) and the signed
list is cached per process. Every status change bumps its list's ``StatusListState.version`` in
the same transaction (``status_list_touch``); a request compares the stored version with the
cached one (one indexed read) and rebuilds when they differ, so a change is published at once,
by every process, with no stale "valid".

Licence status → list entry: valid → VALID; suspended → SUSPENDED; revoked → REVOKED; cancelled,
expired and changed (superseded by a new version) → CANCELLED.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from roadcredit.core import clock
from roadcredit.core.errors import NotFound
from roadcredit.elicences import signing
from roadcredit.elicences.models import Licence, LicenceStatus, StatusListState
from roadcredit.elicences.statuslist import EntryStatus, StatusList, sign_status_list

from .numbering_alloc import status_list_id, status_list_size

ENTRY_FOR_STATUS: dict[str, EntryStatus] = {
    LicenceStatus.VALID: EntryStatus.VALID,
    LicenceStatus.SUSPENDED: EntryStatus.SUSPENDED,
    LicenceStatus.REVOKED: EntryStatus.REVOKED,
    LicenceStatus.CANCELLED: EntryStatus.CANCELLED,
    LicenceStatus.EXPIRED: EntryStatus.CANCELLED,
    LicenceStatus.CHANGED: EntryStatus.CANCELLED,
}
_EPOCH = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


def status_list_touch(list_ids: Iterable[str], *, at: dt.datetime | None = None) -> None:
    """Mark lists as changed. Call inside the transaction that changes a licence's status."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("status_list_touch must be called inside transaction.atomic()")
    moment = (at or clock.now()).replace(microsecond=0)
    for list_id in sorted({list_id for list_id in list_ids if list_id}):
        # Lock the state row: two concurrent changes would otherwise both write version n + 1
        # and the second change could be served from a list cached after the first.
        state = StatusListState.objects.select_for_update().filter(list_id=list_id).first()
        if state is None:
            state = StatusListState.objects.create(list_id=list_id, version=0, issued_at=_EPOCH)
        state.version += 1
        # The signed list is versioned by whole seconds; it must move strictly forward.
        state.issued_at = max(moment, state.issued_at + dt.timedelta(seconds=1))
        state.save(update_fields=["version", "issued_at"])


@dataclass(frozen=True)
class PublishedStatusList:
    list_id: str
    version: int
    issued_at: dt.datetime
    status_list: StatusList
    signed: bytes
    kid: bytes


_cache: dict[str, PublishedStatusList] = {}
_lock = threading.Lock()


def default_status_list_id() -> str:
    return status_list_id(1)


def status_list_bits(list_id: str) -> StatusList:
    """The current list computed from the licence records (no cache, no signature)."""
    bits = StatusList(status_list_size())
    rows = (
        Licence.objects.filter(status_list=list_id, status_index__isnull=False)
        .exclude(status=LicenceStatus.VALID)
        .values_list("status_index", "status")
    )
    for index, status in rows:
        if index is not None and index < bits.size:
            bits.set(index, ENTRY_FOR_STATUS[status])
    return bits


def status_list_exists(list_id: str) -> bool:
    """The first list always exists; a later one once a licence has a slot on it."""
    if list_id == default_status_list_id():
        return True
    return Licence.objects.filter(status_list=list_id).exists()


def status_list_published(list_id: str) -> PublishedStatusList:
    """The signed, current status list ``list_id`` (from the process cache when unchanged)."""
    if not status_list_exists(list_id):
        raise NotFound(_("No such status list."))
    state = StatusListState.objects.filter(list_id=list_id).values_list("version", "issued_at")
    version, issued_at = state.first() or (0, _EPOCH)
    seal = signing.active_seal()
    with _lock:
        cached = _cache.get(list_id)
    if cached is not None and cached.version == version and cached.kid == seal.kid:
        return cached
    # The signing key must have been valid at the list's issued_at (verifiers check it).
    signed_at = max(issued_at, seal.not_before + dt.timedelta(seconds=1)).replace(microsecond=0)
    bits = status_list_bits(list_id)
    signed = sign_status_list(bits, list_id=list_id, issued_at=signed_at, signer=seal.signer)
    published = PublishedStatusList(
        list_id=list_id,
        version=version,
        issued_at=signed_at,
        status_list=bits,
        signed=signed,
        kid=seal.kid,
    )
    with _lock:
        _cache[list_id] = published
    return published


def reset_cache() -> None:
    with _lock:
        _cache.clear()
