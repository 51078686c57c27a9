"""Checking an uploaded licence PDF: is it one of ours, untouched since it was sealed?

:func:`check_pdf` answers with a reason code and a Chinese message, never with an exception,
whatever bytes it is given. It checks, in order: the file is a readable PDF; it carries exactly
one signature, a PAdES one; the signed bytes still hash to the signed digest (intact) and the
signature value is right; the signature covers the whole file (nothing appended after it, such
as an incremental update that adds an annotation or changes text); the signing certificate
chains, by signature, to one of the trust roots given (a foreign CA that copies our names fails
here); the PDF names an e-licence identifier (document information ``/Subject``, written at
render time and signed with everything else). Whether that identifier matches a licence record
and what that licence's current status is, the caller checks against the database.

The certificate chain is evaluated at the signing time the file declares (``/M``), so licences
sealed with a seal certificate that has since expired or been rotated out still verify; a
declared time in the future is not believed.

This module imports no Django: its messages are Chinese constants, keyed by reason code.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.generic import DictionaryObject
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

logger = logging.getLogger(__name__)

MAX_BYTES = 20 * 1024 * 1024
PADES_SUBFILTER = "/ETSI.CAdES.detached"
CLOCK_SKEW = dt.timedelta(minutes=10)

MESSAGES: dict[str, str] = {
    "ok": "签章有效：文件自签章后未被改动，签章证书由本局签发。",
    "empty": "文件为空。",
    "too_large": "文件过大，不是电子证照文件。",
    "not_pdf": "文件不是 PDF 格式。",
    "damaged": "PDF 文件已损坏，无法读取。",
    "unsigned": "文件没有电子签章。",
    "multiple_signatures": "文件含有多个签章，不是本系统出具的电子证照。",
    "unsupported_signature": "签章格式不受支持（应为 PAdES 签章）。",
    "tampered": "签章后文件内容被改动：签章所覆盖的内容与签章时不一致。",
    "bad_signature": "签章值无效。",
    "modified_after_signing": "签章之后文件又被追加或修改了内容。",
    "untrusted": "签章证书不是本局电子证照根证书签发的，或在签章时不在有效期内。",
    "no_identifier": "文件中没有电子证照标识。",
}


@dataclass(frozen=True)
class PdfCheckResult:
    ok: bool
    reason_code: str
    message_zh: str
    identifier: str | None = None
    kid: bytes | None = None
    signed_at: dt.datetime | None = None


def _result(
    code: str,
    *,
    identifier: str | None = None,
    kid: bytes | None = None,
    signed_at: dt.datetime | None = None,
) -> PdfCheckResult:
    return PdfCheckResult(
        ok=code == "ok",
        reason_code=code,
        message_zh=MESSAGES[code],
        identifier=identifier,
        kid=kid,
        signed_at=signed_at,
    )


def _identifier(reader: PdfFileReader) -> str | None:
    try:
        info = reader.trailer["/Info"].get_object()
    except KeyError:
        return None
    if not isinstance(info, DictionaryObject):
        return None
    subject = info.get("/Subject")
    if subject is None:
        return None
    text = str(subject.get_object()).strip()
    return text or None


def _moment(signed_at: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    if signed_at is None or signed_at > now + CLOCK_SKEW:
        return now
    return signed_at


def check_pdf(
    pdf_bytes: bytes,
    *,
    trust_roots: Sequence[bytes],
    now: dt.datetime | None = None,
    max_bytes: int = MAX_BYTES,
) -> PdfCheckResult:
    """Check an uploaded licence PDF against our trust roots (DER certificates, e.g.
    ``roadcredit.elicences.signing.trust_roots()``). Never raises on bad input."""
    if not pdf_bytes:
        return _result("empty")
    if len(pdf_bytes) > max_bytes:
        return _result("too_large")
    if b"%PDF-" not in bytes(pdf_bytes[:1024]):
        return _result("not_pdf")
    try:
        return _check(bytes(pdf_bytes), trust_roots, now or dt.datetime.now(dt.UTC))
    except Exception:  # any parser or validator failure on hostile input is a damaged file
        logger.debug("licence PDF check: unreadable file", exc_info=True)
        return _result("damaged")


def _check(pdf: bytes, trust_roots: Sequence[bytes], now: dt.datetime) -> PdfCheckResult:
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    signatures = reader.embedded_signatures
    if not signatures:
        return _result("unsigned")
    if len(signatures) > 1:
        return _result("multiple_signatures")
    signature = signatures[0]
    if (
        signature.sig_object_type != "/Sig"
        or str(signature.sig_object.get("/SubFilter", "")) != PADES_SUBFILTER
    ):
        return _result("unsupported_signature")
    try:
        certificate = signature.signer_cert
    except Exception:
        return _result("unsupported_signature")
    kid = hashlib.sha256(certificate.dump()).digest()[:8]
    signed_at = signature.self_reported_timestamp
    roots = [asn1_x509.Certificate.load(der) for der in trust_roots]
    context = ValidationContext(
        trust_roots=roots,
        moment=_moment(signed_at, now),
        allow_fetching=False,
        revocation_mode="soft-fail",
    )
    status = validate_pdf_signature(signature, context, skip_diff=True)
    if not status.intact:
        code = "tampered"
    elif not status.valid:
        code = "bad_signature"
    elif status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        code = "modified_after_signing"
    elif not status.trusted:
        code = "untrusted"
    else:
        identifier = _identifier(reader)
        if identifier is None:
            return _result("no_identifier", kid=kid, signed_at=signed_at)
        return _result("ok", identifier=identifier, kid=kid, signed_at=signed_at)
    return _result(code, kid=kid, signed_at=signed_at)
