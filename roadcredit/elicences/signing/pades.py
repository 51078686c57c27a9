"""PAdES baseline B-B seals on PDFs, made with pyHanko.

Two ways to the same kind of signature (SubFilter ``ETSI.CAdES.detached``, a CMS SignedData with
the content-type, message-digest and ESS signing-certificate-v2 attributes, no CMS signing-time
attribute, the signing time in the signature dictionary's ``/M``, the seal certificate and its
root embedded):

* :func:`seal_pdf` seals any PDF with pyHanko's ``sign_pdf`` (an incremental update that adds the
  signature field). It is the general path and the baseline of the benchmark.
* The licence path: the renderer lays out an empty signature (:class:`SignatureSlot`) in the PDF
  it writes, and :func:`fill_signature_slot` fills it: it writes the byte range, hashes the
  file once and splices a CMS container into the reserved space. The container is built by
  pyHanko once per seal (a template); per document only the message digest inside the signed
  attributes and the signature value change, so no PDF is parsed or rewritten and no ASN.1
  object tree is rebuilt. pyHanko's validator accepts these files like its own (tested).
"""

from __future__ import annotations

import asyncio
import binascii
import datetime as dt
import hashlib
import io
import os
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from asn1crypto import algos
from asn1crypto import x509 as asn1_x509
from django.conf import settings
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.signers.pdf_cms import Signer
from pyhanko_certvalidator.registry import SimpleCertificateStore
from reportlab.pdfbase import pdfdoc

from roadcredit.core.errors import ApplicationError

from .keys import Seal, active_seal

T = TypeVar("T")

DEFAULT_REASON = "电子证照签章"
FIELD_NAME = "BureauSeal"
RESERVED_BYTES = 4096  # the CMS container is about 1.3 kB with two P-256 certificates

_RANGE_PLACEHOLDER = b"[0 ********** ********** **********]"
_SLOT_MARK = b"/ByteRange " + _RANGE_PLACEHOLDER
_CONTENTS_KEY = b"/Contents "


class SealingError(ApplicationError):
    """The PDF could not be sealed. The message is constant; it never carries key material."""

    status_code = 500


def default_location() -> str:
    return str(settings.DISTRICT_NAME)


# --- pyHanko glue -----------------------------------------------------------------------------
def _off_loop(function: Callable[[], T]) -> T:
    """Run ``function`` (which may call ``asyncio.run``) also from inside a running event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function).result()


def _run(coroutine_factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    return _off_loop(lambda: asyncio.run(coroutine_factory()))


class _SealSigner(Signer):
    """A pyHanko signer whose raw signatures come from the seal's :class:`SealAlgorithm`."""

    def __init__(self, seal: Seal) -> None:
        super().__init__(
            signing_cert=asn1_x509.Certificate.load(seal.certificate_der),
            cert_registry=SimpleCertificateStore.from_certs(  # type: ignore[no-untyped-call]
                [asn1_x509.Certificate.load(der) for der in seal.chain_der]
            ),
            signature_mechanism=algos.SignedDigestAlgorithm(
                {"algorithm": seal.algorithm.signature_mechanism}
            ),
            embed_roots=True,
        )
        self._algorithm = seal.algorithm

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes:
        return self._algorithm.sign(data)


_lock = threading.Lock()
_signers: dict[bytes, _SealSigner] = {}
_templates: dict[bytes, _CmsTemplate] = {}


def _signer_for(seal: Seal) -> _SealSigner:
    with _lock:
        signer = _signers.get(seal.kid)
        if signer is None:
            signer = _signers[seal.kid] = _SealSigner(seal)
        return signer


# --- the general path -------------------------------------------------------------------------
def seal_pdf(
    pdf_bytes: bytes,
    *,
    seal: Seal | None = None,
    reason: str = DEFAULT_REASON,
    location: str | None = None,
) -> bytes:
    """Seal a PDF with pyHanko's ``sign_pdf`` (PAdES B-B, appended as an incremental update)."""
    seal = seal or active_seal()
    signer = _signer_for(seal)
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm=seal.algorithm.digest_algorithm,
        subfilter=SigSeedSubFilter.PADES,
        reason=reason,
        location=location if location is not None else default_location(),
    )

    def sign() -> bytes:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes), strict=False)
        output = signers.sign_pdf(writer, metadata, signer=signer)
        return output.getvalue()  # type: ignore[no-any-return]

    try:
        return _off_loop(sign)
    except Exception as exc:  # pyHanko raises many types for unreadable input
        raise SealingError(_("The PDF could not be sealed.")) from exc


# --- the licence path: a signature laid out at render time ------------------------------------
def _pdf_text(text: str) -> bytes:
    """A PDF text string as a hex string in UTF-16BE with a byte-order mark."""
    return b"<" + binascii.hexlify(b"\xfe\xff" + text.encode("utf-16-be")).upper() + b">"


def _pdf_date(moment: dt.datetime) -> bytes:
    offset = moment.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"(D:{moment:%Y%m%d%H%M%S}{sign}{hours:02d}'{mins:02d}')".encode("ascii")


@dataclass(frozen=True)
class SignatureSlot:
    """An empty PAdES signature that the renderer writes into the PDF for
    :func:`fill_signature_slot` to fill. Install it on the ReportLab canvas before the page it
    belongs to is finished (``showPage``)."""

    signed_at: dt.datetime
    reason: str = DEFAULT_REASON
    location: str = ""
    reserved: int = RESERVED_BYTES

    def dictionary(self) -> bytes:
        location = self.location or default_location()
        return b"".join(
            [
                b"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached ",
                _SLOT_MARK,
                b" ",
                _CONTENTS_KEY,
                b"<",
                b"0" * (2 * self.reserved),
                b"> /M ",
                _pdf_date(self.signed_at),
                b" /Reason ",
                _pdf_text(self.reason),
                b" /Location ",
                _pdf_text(location),
                b" >>",
            ]
        )

    def install(self, canvas: Any) -> None:
        """Add the signature dictionary, an invisible signature widget on the current page and
        the AcroForm entry to a ReportLab canvas."""
        document = canvas._doc
        value = document.Reference(_RawPdfObject(self.dictionary()))
        widget = pdfdoc.PDFDictionary(
            {
                "Type": pdfdoc.PDFName("Annot"),
                "Subtype": pdfdoc.PDFName("Widget"),
                "FT": pdfdoc.PDFName("Sig"),
                "T": pdfdoc.PDFString(FIELD_NAME),
                "V": value,
                "F": 132,  # print + locked
                "Rect": pdfdoc.PDFArray([0, 0, 0, 0]),
            }
        )
        canvas._addAnnotation(widget, FIELD_NAME)
        document.Catalog.AcroForm = pdfdoc.PDFDictionary(
            {"Fields": pdfdoc.PDFArray([document.refAnnotation(FIELD_NAME)]), "SigFlags": 3}
        )


class _RawPdfObject(pdfdoc.PDFObject):  # type: ignore[misc]
    """A PDF object ReportLab writes out byte for byte (the signature dictionary)."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def format(self, document: Any) -> bytes:
        return self.data


def _der_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    raw = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _tlv(tag: int, body: bytes) -> bytes:
    return bytes([tag]) + _der_length(len(body)) + body


@dataclass(frozen=True)
class _CmsTemplate:
    """The parts of a pyHanko-made CMS container that stay the same for every document."""

    placeholder: bytes
    signed_attrs: bytes  # DER of the SET OF attributes (tag 0x31), with ``placeholder``
    content_type: bytes
    signed_data_head: bytes  # version, digestAlgorithms, encapContentInfo, certificates
    signer_info_head: bytes  # version, sid, digestAlgorithm
    signature_algorithm: bytes

    @classmethod
    def build(cls, seal: Seal) -> _CmsTemplate:
        placeholder = os.urandom(32)
        signer = _signer_for(seal)
        content_info = _run(
            lambda: signer.async_sign(placeholder, seal.algorithm.digest_algorithm, use_pades=True)
        )
        signed_data = content_info["content"]
        signer_info = signed_data["signer_infos"][0]
        signed_attrs = signer_info["signed_attrs"].untag().dump(force=True)
        if signed_attrs.count(placeholder) != 1:  # pragma: no cover - defensive
            raise SealingError(_("The PDF could not be sealed."))
        return cls(
            placeholder=placeholder,
            signed_attrs=signed_attrs,
            content_type=content_info["content_type"].dump(),
            signed_data_head=b"".join(
                signed_data[name].dump()
                for name in ("version", "digest_algorithms", "encap_content_info", "certificates")
            ),
            signer_info_head=b"".join(
                signer_info[name].dump() for name in ("version", "sid", "digest_algorithm")
            ),
            signature_algorithm=signer_info["signature_algorithm"].dump(),
        )

    def container(self, digest: bytes, seal: Seal) -> bytes:
        signed_attrs = self.signed_attrs.replace(self.placeholder, digest)
        signature = seal.algorithm.sign(signed_attrs)
        signer_info = _tlv(
            0x30,
            self.signer_info_head
            + b"\xa0"  # signedAttrs [0] IMPLICIT
            + signed_attrs[1:]
            + self.signature_algorithm
            + _tlv(0x04, signature),
        )
        signed_data = _tlv(0x30, self.signed_data_head + _tlv(0x31, signer_info))
        return _tlv(0x30, self.content_type + _tlv(0xA0, signed_data))


def _template_for(seal: Seal) -> _CmsTemplate:
    template = _templates.get(seal.kid)
    if template is None:
        template = _CmsTemplate.build(seal)
        with _lock:
            _templates[seal.kid] = template
    return template


def prepare_seal(seal: Seal | None = None) -> Seal:
    """Make the seal's signer and CMS template now (once per process), e.g. before forking
    worker processes that then share them. Returns the seal."""
    seal = seal or active_seal()
    _template_for(seal)
    return seal


def fill_signature_slot(pdf: bytes, *, seal: Seal | None = None) -> bytes:
    """Seal a PDF rendered with a :class:`SignatureSlot`: write the byte range, hash the file and
    put the CMS container in the reserved space. Returns the sealed PDF."""
    seal = seal or active_seal()
    failure = _("The PDF could not be sealed.")
    start = pdf.find(_SLOT_MARK)
    if start < 0 or pdf.find(_SLOT_MARK, start + 1) >= 0:
        raise SealingError(failure, {"reason": "no single signature slot"})
    opening = pdf.find(_CONTENTS_KEY + b"<", start) + len(_CONTENTS_KEY)
    closing = pdf.find(b">", opening)
    if opening < len(_CONTENTS_KEY) or closing < 0 or pdf[opening + 1 : closing].strip(b"0"):
        raise SealingError(failure, {"reason": "damaged signature slot"})
    after = closing + 1
    byte_range = b"[0 %d %d %d]" % (opening, after, len(pdf) - after)
    array_at = start + len(b"/ByteRange ")
    document = bytearray(pdf)
    document[array_at : array_at + len(_RANGE_PLACEHOLDER)] = byte_range.ljust(
        len(_RANGE_PLACEHOLDER)
    )
    view = memoryview(document)
    hasher = hashlib.new(seal.algorithm.digest_algorithm)
    hasher.update(view[:opening])
    hasher.update(view[after:])
    view.release()
    container = binascii.hexlify(_template_for(seal).container(hasher.digest(), seal))
    capacity = closing - opening - 1
    if len(container) > capacity:
        raise SealingError(failure, {"reason": "signature slot too small"})
    document[opening + 1 : opening + 1 + len(container)] = container
    return bytes(document)
