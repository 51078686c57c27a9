"""Signed chain heads: the proof that the audit trail was not rewritten or cut short.

A head says "at ``signed_at`` the chain had ``seq`` entries and entry ``seq`` had hash
``entry_hash``", signed with the bureau's active seal key (``roadcredit.elicences.signing``; the
signature covers :func:`roadcredit.audit.verify.head_message`, which names its purpose so it can
never pass for a licence token). Each head is kept twice:

* a :class:`~roadcredit.audit.models.SignedHead` row (append-only, shown to leaders), and
* one JSON line in the heads file ``AUDIT_HEADS_PATH`` outside the database, appended with
  ``O_APPEND`` and ``fsync`` once the row has committed; the same line goes to the
  ``roadcredit.audit.heads`` logger so that syslog can ship it to another machine.

Heads are signed at the end of every batch job (``roadcredit.core.jobs.runner``), at least daily
(``manage.py sign_audit_head`` from cron) and after a restore. Before signing, the entries written
since the previous head are checked: a broken chain is never endorsed, signing stops instead, and
the failure is the alarm.
"""

from __future__ import annotations

import base64
import datetime as dt
import fcntl
import json
import logging
import os
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from roadcredit.core import clock
from roadcredit.core.errors import ApplicationError
from roadcredit.core.keystore import KeyStore, get_keystore

from .chain import GENESIS_HASH
from .models import AuditEntry, SignedHead
from .verify import Head, Report, Row, head_from_json, head_message, walk

logger = logging.getLogger(__name__)

# Stored in SignedHead.reason (and the file); the leaders' page shows the Chinese label.
REASON_DAILY = "daily"
REASON_MANUAL = "manual"
REASON_RESTORE = "restore"
REASON_JOB_PREFIX = "job:"


class AuditChainBroken(ApplicationError):
    """The chain is broken since the last signed head: no new head is signed over it."""

    status_code = 409


def heads_path() -> Path:
    """The heads file outside the database (``AUDIT_HEADS_PATH``)."""
    configured = getattr(settings, "AUDIT_HEADS_PATH", None)
    if configured:
        return Path(configured)
    return Path(settings.VAR_DIR) / "audit-heads" / "heads.jsonl"


def head_of(row: SignedHead) -> Head:
    return Head(
        seq=row.seq,
        entry_hash=row.entry_hash,
        signed_at=_iso(row.signed_at),
        kid=row.kid,
        alg=row.alg,
        signature=row.signature,
        source="database",
        reason=row.reason,
    )


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def row_of(entry: AuditEntry) -> Row:
    from .services import entry_payload

    return Row(
        seq=entry.seq,
        prev_hash=entry.prev_hash,
        entry_hash=entry.entry_hash,
        payload=entry_payload(entry),
    )


def stream_rows(entries: QuerySet[AuditEntry]) -> Generator[Row, None, None]:
    """The entries as chain rows, fetched in chunks; closing the generator closes the cursor
    (a walk that stops at the first problem must not leave it open)."""
    iterator = entries.iterator(chunk_size=2000)
    try:
        for entry in iterator:
            yield row_of(entry)
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()


# --- the heads file ---------------------------------------------------------------------------
def append_head_line(head: Head, *, path: Path | None = None) -> None:
    """Append one head to the heads file: one ``write`` on an ``O_APPEND`` descriptor under an
    exclusive lock, then ``fsync`` (and the directory's on first creation)."""
    target = path or heads_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    created = not target.exists()
    line = json.dumps(head.to_json(), sort_keys=True, separators=(",", ":")) + "\n"
    fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, line.encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)  # closing releases the lock
    if created:
        directory = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def read_head_file(path: Path | None = None) -> tuple[list[Head], list[str]]:
    """The heads in the file, and warnings (in Chinese) about lines that cannot be read. A
    missing file gives no heads (a new installation)."""
    target = path or heads_path()
    heads: list[Head] = []
    warnings: list[str] = []
    if not target.exists():
        return heads, warnings
    with target.open("r", encoding="ascii", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            text = line.strip()
            if not text:
                continue
            try:
                heads.append(head_from_json(json.loads(text), source="file"))
            except (ValueError, TypeError):
                warnings.append(f"链头文件第 {number} 行无法解析，已跳过。")
    return heads, warnings


def database_heads(*, using: str = "default") -> Iterator[Head]:
    for row in SignedHead.objects.using(using).order_by("seq", "id").iterator(chunk_size=2000):
        yield head_of(row)


# --- signature checking -----------------------------------------------------------------------
def _seal_certificates(store: KeyStore) -> dict[str, x509.Certificate]:
    """Every seal certificate in ``store`` by kid (hex); only public metadata is read."""
    from roadcredit.elicences.signing.algorithms import kid_for_certificate
    from roadcredit.elicences.signing.keys import SEAL_NAME

    found: dict[str, x509.Certificate] = {}
    for version in store.versions(SEAL_NAME):
        der = base64.b64decode(store.metadata(SEAL_NAME, version)["certificate"])
        found[kid_for_certificate(der).hex()] = x509.load_der_x509_certificate(der)
    return found


def signature_checker(*, store: KeyStore | None = None) -> Callable[[Head], bool]:
    """A function telling whether a head's signature verifies with the seal certificate its
    kid names, and was made within that certificate's validity."""
    from roadcredit.elicences.signing.algorithms import verify_cose_signature

    certificates: dict[str, x509.Certificate] | None = None

    def check(head: Head) -> bool:
        nonlocal certificates
        if certificates is None or head.kid not in certificates:
            certificates = _seal_certificates(store or get_keystore())
        certificate = certificates.get(head.kid)
        if certificate is None:
            return False
        try:
            signed_at = dt.datetime.fromisoformat(head.signed_at)
            signature = bytes.fromhex(head.signature)
        except ValueError:
            return False
        if signed_at.tzinfo is None or not (
            certificate.not_valid_before_utc <= signed_at <= certificate.not_valid_after_utc
        ):
            return False
        message = head_message(
            seq=head.seq, entry_hash=head.entry_hash, signed_at=head.signed_at, kid=head.kid
        )
        return verify_cose_signature(
            certificate_der=certificate.public_bytes(serialization.Encoding.DER),
            alg=head.alg,
            data=message,
            signature=signature,
        )

    return check


# --- signing ------------------------------------------------------------------------------------
def _check_since_last_head(latest_seq: int, check: Callable[[Head], bool]) -> Report:
    """Walk the entries written since the newest signed head (the whole chain the first time)."""
    start_seq, start_hash = 1, GENESIS_HASH
    last = SignedHead.objects.order_by("-seq", "-id").first()
    if last is not None:
        head = head_of(last)
        if not check(head):
            raise AuditChainBroken(
                _("The newest signed head does not verify: the audit trail is not signed."),
                {"seq": last.seq},
            )
        anchor = AuditEntry.objects.filter(seq=last.seq).values_list("entry_hash", flat=True)
        anchor_hash = anchor.first()
        if anchor_hash != last.entry_hash:
            raise AuditChainBroken(
                _(
                    "The audit trail no longer matches its newest signed head: "
                    "run python manage.py verify_audit."
                ),
                {"seq": last.seq},
            )
        start_seq, start_hash = last.seq + 1, last.entry_hash
    rows = stream_rows(
        AuditEntry.objects.filter(seq__gte=start_seq, seq__lte=latest_seq).order_by("seq")
    )
    try:
        report = walk(rows, start_seq=start_seq, start_hash=start_hash)
    finally:
        rows.close()
    if not report.ok:
        raise AuditChainBroken(
            _("The audit trail is broken since the last signed head: %(summary)s")
            % {"summary": report.summary()},
            {"seq": report.first.seq if report.first else None},
        )
    return report


def audit_head_sign(*, reason: str, at: dt.datetime | None = None) -> SignedHead | None:
    """Sign the current head of the chain; None when the chain is still empty.

    Checks the entries since the previous head first (``AuditChainBroken`` if they do not
    hold). The database row is written in a transaction; the file line is appended once that
    transaction commits (at once when called outside one), so the file only ever names heads
    that exist.
    """
    from roadcredit.elicences.signing import active_signer

    latest = AuditEntry.objects.order_by("-seq").values_list("seq", "entry_hash").first()
    if latest is None:
        return None
    seq, latest_hash = latest
    _check_since_last_head(seq, signature_checker())
    signer = active_signer()
    kid = signer.kid.hex()
    signed_at = _iso(at or clock.now())
    signature = signer.sign(
        head_message(seq=seq, entry_hash=latest_hash, signed_at=signed_at, kid=kid)
    )
    head = Head(
        seq=seq,
        entry_hash=latest_hash,
        signed_at=signed_at,
        kid=kid,
        alg=signer.alg,
        signature=signature.hex(),
        source="database",
        reason=reason[:120],
    )
    with transaction.atomic():
        row = SignedHead.objects.create(
            seq=head.seq,
            entry_hash=head.entry_hash,
            signed_at=dt.datetime.fromisoformat(signed_at),
            kid=head.kid,
            alg=head.alg,
            signature=head.signature,
            reason=head.reason,
        )
    transaction.on_commit(lambda: _publish(head))
    return row


def _publish(head: Head) -> None:
    try:
        append_head_line(head)
    except OSError:
        # The row exists; the next head covers this one. Loud, because the outside copy lags.
        logger.exception("audit head #%s could not be appended to %s", head.seq, heads_path())
    logger.info(
        "audit head signed %s", json.dumps(head.to_json(), sort_keys=True, separators=(",", ":"))
    )


def audit_head_sign_quietly(*, reason: str) -> SignedHead | None:
    """Sign the head, logging (never raising) a failure: for the end of a batch job, whose
    outcome must not depend on the proof being made."""
    try:
        # A savepoint: a failure here leaves a caller's surrounding transaction usable.
        with transaction.atomic():
            return audit_head_sign(reason=reason)
    except Exception:
        logger.exception("signing the audit head failed (reason %s)", reason)
        return None
