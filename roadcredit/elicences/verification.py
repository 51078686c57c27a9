"""Online verification of a scanned QR code or an uploaded licence PDF.

Used by the public page (/v/…), the API, the CLI and any lean route. The token is first verified
offline (signature against the trust list, claims, freshness of a live 亮证 code); then the
licence is looked up by its identifier for the real-time status, and the token's claims are
compared with the record (a validly signed token that disagrees with the record is reported as
tampered).

Verdicts: ``valid`` 有效, ``expired`` 已过期, ``suspended`` 已暂停, ``revoked`` 已吊销,
``cancelled`` 已注销, ``changed`` 已变更 (a newer version superseded it), ``unknown`` 无法识别
(not our code, unreadable, or no such licence on record), ``tampered`` 疑似伪造 (bad signature,
unknown or revoked key, claims not matching the record, a PDF changed after sealing),
``code_expired`` 亮证码已过期 (a live presentation code past its minute).

Everyone gets the masked summary (type, number masked where it is an ID number, masked holder,
issuer, validity, seal). Full face data only for roles in ``FULL_PERSONAL_DATA`` who ask for it;
each such access is written to the audit trail (``elicences.full_view``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from roadcredit.accounts.access import sees_full_personal_data
from roadcredit.audit.services import audit_record
from roadcredit.core import clock
from roadcredit.core.keystore import get_keystore
from roadcredit.elicences import signing
from roadcredit.elicences.pdfcheck import check_pdf
from roadcredit.elicences.selectors import (
    FaceRow,
    LicenceRecord,
    licence_by_identifier,
    licence_catalogue,
    licence_face_for,
    licence_face_rows,
    licence_record_by_identifier,
    licence_record_of,
    licence_type_name,
)
from roadcredit.elicences.signing.keys import SEAL_NAME
from roadcredit.elicences.tokens import LicenceClaims, verify_token
from roadcredit.elicences.trustlist import TrustIssuer, TrustStore, trusted_key_from_certificate

from .models import Licence, LicenceStatus

Verdict = Literal[
    "valid",
    "expired",
    "suspended",
    "revoked",
    "cancelled",
    "changed",
    "unknown",
    "tampered",
    "code_expired",
]
VERDICT_LABELS: dict[str, Any] = {
    "valid": gettext_lazy("Valid"),
    "expired": gettext_lazy("Expired"),
    "suspended": gettext_lazy("Suspended"),
    "revoked": gettext_lazy("Revoked"),
    "cancelled": gettext_lazy("Cancelled"),
    "changed": gettext_lazy("Superseded"),
    "unknown": gettext_lazy("Not recognised"),
    "tampered": gettext_lazy("Suspected forgery"),
    "code_expired": gettext_lazy("Live code expired"),
}
TOKEN_KIND_LABELS: dict[str, Any] = {
    "licence": gettext_lazy("Licence QR code"),
    "presentation": gettext_lazy("Live presentation code"),
}
# Reasons for which the token itself is suspect (as opposed to unreadable or not ours).
TAMPER_REASONS = frozenset(
    {
        "unknown_kid",
        "key_revoked",
        "bad_signature",
        "malformed_claims",
        "key_not_valid_at_signing",
        "unsupported_alg",
        "not_cose_sign1",
    }
)
PDF_TAMPER_CODES = frozenset(
    {
        "tampered",
        "bad_signature",
        "modified_after_signing",
        "untrusted",
        "multiple_signatures",
        "no_identifier",
    }
)


@dataclass(frozen=True)
class LicenceSummary:
    """What anyone may see about a licence (personal data masked)."""

    public_id: str
    identifier: str
    type_key: str
    type_name: str
    number: str
    holder: str
    issuer: str
    valid_from: dt.date
    valid_until: dt.date | None
    issued_on: dt.date
    status: str
    status_label: str
    version: int
    status_reason: str
    successor_identifier: str | None


@dataclass(frozen=True)
class VerificationOutcome:
    verdict: Verdict
    message: str
    token_kind: str | None = None
    reason: str | None = None
    summary: LicenceSummary | None = None
    seal_ok: bool = False
    face: list[FaceRow] | None = None
    licence: Licence | None = field(default=None, repr=False, compare=False)
    # The PDF check only: "file" (the very file on record) or "identifier" (our seal and a
    # known identifier, but not byte-identical to the kept file).
    match: str | None = None

    @property
    def ok(self) -> bool:
        return self.verdict == "valid"

    @property
    def label(self) -> str:
        return str(VERDICT_LABELS[self.verdict])

    @property
    def token_kind_label(self) -> str:
        return str(TOKEN_KIND_LABELS[self.token_kind]) if self.token_kind else ""

    @property
    def full_face_allowed(self) -> bool:
        return self.licence is not None


# --- Trust ------------------------------------------------------------------------------------

_trust_lock = threading.Lock()
_trust_cache: dict[tuple[tuple[bytes, str], ...], TrustStore] = {}
# The last store handed out, with the key store object and seal versions it was derived from:
# a rotation adds a version (and a new key store object replaces the old one), either of which
# makes the next call derive the store again. Saves re-reading every seal on each check.
_trust_memo: list[Any] = [None, (), None]


def trust_store() -> TrustStore:
    """The keys of our published trust list (every seal ever issued; parsed once per set)."""
    keystore = get_keystore()
    versions = tuple(keystore.versions(SEAL_NAME))
    memo_keystore, memo_versions, memo_store = _trust_memo
    if memo_store is not None and memo_keystore is keystore and memo_versions == versions:
        return cast(TrustStore, memo_store)
    store = _trust_store_of(signing.trust_entries())
    if versions:
        _trust_memo[:] = [keystore, versions, store]
    return store


def _trust_store_of(entries: list[signing.TrustEntry]) -> TrustStore:
    key = tuple((entry["kid"], entry["status"]) for entry in entries)
    with _trust_lock:
        cached = _trust_cache.get(key)
    if cached is not None:
        return cached
    issuer = licence_catalogue().issuer
    store = TrustStore(
        [
            trusted_key_from_certificate(
                entry["certificate"],
                not_before=entry["not_before"],
                not_after=entry["not_after"],
                status=entry["status"],
            )
            for entry in entries
        ],
        issuer=TrustIssuer(name=issuer.name, uscc=issuer.uscc, division=issuer.division),
        issued_at=max((entry["not_before"] for entry in entries), default=None),
    )
    with _trust_lock:
        _trust_cache.clear()
        _trust_cache[key] = store
    return store


def trust_list_document() -> dict[str, Any]:
    """The JSON trust list served at /licences/trust-list."""
    return trust_store().to_document()


# --- Shared pieces ----------------------------------------------------------------------------


def licence_summary(licence: Licence | LicenceRecord) -> LicenceSummary:
    record = licence if isinstance(licence, LicenceRecord) else licence_record_of(licence)
    return LicenceSummary(
        public_id=record.public_id,
        identifier=record.identifier,
        type_key=record.type_key,
        type_name=licence_type_name(record.type_key),
        number=record.paper_number,
        holder=record.holder_public_name,
        issuer=licence_catalogue().issuer.name,
        valid_from=record.valid_from,
        valid_until=record.valid_until,
        issued_on=record.issued_on,
        status=record.status,
        status_label=str(LicenceStatus(record.status).label),
        version=record.version,
        status_reason=record.status_reason,
        successor_identifier=record.successor_identifier,
    )


_STATUS_VERDICTS: dict[str, tuple[Verdict, str]] = {
    LicenceStatus.EXPIRED: ("expired", gettext_noop("The licence is past its validity.")),
    LicenceStatus.SUSPENDED: ("suspended", gettext_noop("The licence is suspended.")),
    LicenceStatus.REVOKED: ("revoked", gettext_noop("The licence has been revoked.")),
    LicenceStatus.CANCELLED: ("cancelled", gettext_noop("The licence has been cancelled.")),
    LicenceStatus.CHANGED: (
        "changed",
        gettext_noop("This version was superseded by a newer version of the licence."),
    ),
}


def status_verdict(licence: Licence | LicenceRecord, *, today: dt.date) -> tuple[Verdict, str]:
    """The verdict and its message from the record's current status (and its dates)."""
    status = licence.status
    if status == LicenceStatus.VALID:
        if licence.valid_until is not None and today > licence.valid_until:
            return "expired", _("The licence is past its validity.")
        if today < licence.valid_from:
            return "unknown", _("The licence is not yet in force.")
        return "valid", _("The licence is valid.")
    verdict, message = _STATUS_VERDICTS[status]
    return verdict, _(message)


def _claims_match(claims: LicenceClaims, licence: LicenceRecord) -> bool:
    return (
        claims.identifier == licence.identifier
        and claims.type_key == licence.type_key
        and claims.number == licence.paper_number
        and claims.status_list == licence.status_list
        and claims.status_index == licence.status_index
        and claims.valid_from == licence.valid_from
        and claims.valid_until == licence.valid_until
    )


def licence_full_view(*, viewer: Any, licence: Licence, channel: str) -> list[FaceRow]:
    """The full face data for an entitled viewer, the access written to the audit trail."""
    rows = licence_face_rows(licence=licence, full=True)
    with transaction.atomic():
        audit_record(
            actor=viewer,
            action="elicences.full_view",
            target=licence,
            after={"channel": channel, "identifier": licence.identifier},
        )
    return rows


def licence_face_for_viewer(*, viewer: Any, licence: Licence, channel: str) -> list[FaceRow]:
    """Face rows for a licence page or API answer: staff entitled to full personal data get
    them in full (logged when the licence carries personal data), the holder's own account in
    full, everyone else masked."""
    personal = any(field.personal for field in licence_catalogue()[licence.type_key].face)
    if sees_full_personal_data(viewer):
        if personal:
            return licence_full_view(viewer=viewer, licence=licence, channel=channel)
        return licence_face_rows(licence=licence, full=True)
    return licence_face_for(viewer=viewer, licence=licence)


def _with_face(
    outcome: VerificationOutcome, *, viewer: Any, full: bool, channel: str
) -> VerificationOutcome:
    licence = outcome.licence
    if not full or licence is None or not sees_full_personal_data(viewer):
        return outcome
    face = licence_full_view(viewer=viewer, licence=licence, channel=channel)
    return VerificationOutcome(
        verdict=outcome.verdict,
        message=outcome.message,
        token_kind=outcome.token_kind,
        reason=outcome.reason,
        summary=outcome.summary,
        seal_ok=outcome.seal_ok,
        face=face,
        licence=licence,
        match=outcome.match,
    )


# --- Scanned codes ----------------------------------------------------------------------------


def _read_token(
    text: str, moment: dt.datetime
) -> tuple[VerificationOutcome | None, str | None, LicenceClaims | None, str | None]:
    """The offline stage: the token's signature against the trust list, its claims, the
    freshness of a live code. An outcome when the token alone decides, else (kind, claims,
    reason) for the lookup."""
    result = verify_token(text if isinstance(text, str) else "", trust=trust_store(), now=moment)
    kind = result.kind
    claims = result.claims
    if not result.ok:
        reason = result.reason
        if reason == "expired":
            return (
                VerificationOutcome(
                    verdict="code_expired",
                    message=_("The live code has expired: ask the holder to refresh it."),
                    token_kind=kind,
                    reason=reason,
                    seal_ok=True,
                ),
                kind,
                claims,
                reason,
            )
        if reason in TAMPER_REASONS:
            outcome = VerificationOutcome(
                verdict="tampered", message=result.message, token_kind=kind, reason=reason
            )
            return outcome, kind, claims, reason
        if reason != "licence_out_of_validity" or claims is None:
            outcome = VerificationOutcome(
                verdict="unknown", message=result.message, token_kind=kind, reason=reason
            )
            return outcome, kind, claims, reason
    return None, kind, claims, result.reason


def _record_outcome(
    record: LicenceRecord | None,
    claims: LicenceClaims,
    *,
    kind: str | None,
    reason: str | None,
    moment: dt.datetime,
) -> VerificationOutcome:
    """The online stage: the record's real-time status, its fields matched with the claims."""
    if record is None:
        return VerificationOutcome(
            verdict="unknown",
            message=_("No licence with this identifier is on record."),
            token_kind=kind,
            reason="not_on_record",
            seal_ok=True,
        )
    if not _claims_match(claims, record):
        return VerificationOutcome(
            verdict="tampered",
            message=_("The code does not match the licence on record."),
            token_kind=kind,
            reason="record_mismatch",
            seal_ok=True,
        )
    verdict, message = status_verdict(record, today=timezone.localdate(moment))
    return VerificationOutcome(
        verdict=verdict,
        message=message,
        token_kind=kind,
        reason=reason,
        summary=licence_summary(record),
        seal_ok=True,
    )


def verify_scanned(
    *,
    text: str,
    now: dt.datetime | None = None,
    viewer: Any = None,
    full: bool = False,
) -> VerificationOutcome:
    """Verify scanned QR text (the verification URL or the bare token). Never raises for bad
    input. ``full``: the viewer asks for the full face data (granted to entitled roles only,
    and logged). The outcome carries the licence record (``outcome.licence``)."""
    moment = now or clock.now()
    decided, kind, claims, reason = _read_token(text, moment)
    if decided is not None:
        return decided
    assert claims is not None
    licence = licence_by_identifier(claims.identifier)
    outcome = _record_outcome(
        licence_record_of(licence) if licence is not None else None,
        claims,
        kind=kind,
        reason=reason,
        moment=moment,
    )
    if outcome.summary is None:
        return outcome
    outcome = dataclasses.replace(outcome, licence=licence)
    return _with_face(outcome, viewer=viewer, full=full, channel="qr")


def verify_scanned_public(
    *,
    text: str,
    lookup: Callable[[str], LicenceRecord | None] = licence_record_by_identifier,
    now: dt.datetime | None = None,
) -> VerificationOutcome:
    """The public answer to a scanned code (masked summary only, no ``outcome.licence``): the
    same token check and verdict as ``verify_scanned``, the record read by ``lookup`` (one
    indexed statement, no model instance; the lean route passes its own connection's). Never
    raises for bad input; database errors propagate."""
    moment = now or clock.now()
    decided, kind, claims, reason = _read_token(text, moment)
    if decided is not None:
        return decided
    assert claims is not None
    return _record_outcome(
        lookup(claims.identifier), claims, kind=kind, reason=reason, moment=moment
    )


# --- Uploaded PDFs ----------------------------------------------------------------------------


def verify_pdf_upload(
    *,
    pdf_bytes: bytes,
    now: dt.datetime | None = None,
    viewer: Any = None,
    full: bool = False,
) -> VerificationOutcome:
    """Check an uploaded licence PDF: seal intact and ours, nothing added after sealing, the
    identifier on record (and the file identical to the kept one, where one is kept), and the
    licence's current status. Never raises for bad input."""
    moment = now or clock.now()
    checked = check_pdf(pdf_bytes, trust_roots=signing.trust_roots(), now=moment)
    if not checked.ok:
        verdict: Verdict = "tampered" if checked.reason_code in PDF_TAMPER_CODES else "unknown"
        return VerificationOutcome(
            verdict=verdict, message=checked.message_zh, reason=checked.reason_code
        )
    licence = licence_by_identifier(checked.identifier or "")
    if licence is None:
        return VerificationOutcome(
            verdict="unknown",
            message=_("No licence with this identifier is on record."),
            reason="not_on_record",
            seal_ok=True,
        )
    same_file = bool(licence.pdf_sha256) and (
        hashlib.sha256(pdf_bytes).hexdigest() == licence.pdf_sha256
    )
    verdict, message = status_verdict(licence, today=timezone.localdate(moment))
    outcome = VerificationOutcome(
        verdict=verdict,
        message=message,
        reason=checked.reason_code,
        summary=licence_summary(licence),
        seal_ok=True,
        licence=licence,
        match="file" if same_file else "identifier",
    )
    return _with_face(outcome, viewer=viewer, full=full, channel="pdf")
