"""Helpers of the seal tests: pyHanko's validator, an impostor CA, tampering."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from roadcredit.elicences import signing


def pyhanko_status(pdf: bytes, trust_roots: list[bytes]) -> Any:
    """pyHanko's own verdict on the (single) signature of ``pdf``."""
    reader = PdfFileReader(io.BytesIO(pdf))
    (embedded,) = reader.embedded_signatures
    context = ValidationContext(
        trust_roots=[asn1_x509.Certificate.load(der) for der in trust_roots],
        allow_fetching=False,
    )
    return validate_pdf_signature(embedded, context)


def embedded_signature(pdf: bytes) -> Any:
    (embedded,) = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    return embedded


def impostor_signer(real: signing.Seal) -> signers.SimpleSigner:
    """A signer from a foreign CA that copies our root's and seal's names, serial numbers and
    key identifiers; only its keys differ."""
    real_root = x509.load_der_x509_certificate(real.chain_der[0])
    now = dt.datetime.now(dt.UTC)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_ski = real_root.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    root = (
        x509.CertificateBuilder()
        .subject_name(real_root.subject)
        .issuer_name(real_root.subject)
        .public_key(root_key.public_key())
        .serial_number(real_root.serial_number)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(root_ski, critical=False)
        .sign(root_key, hashes.SHA256())
    )
    seal_key = ec.generate_private_key(ec.SECP256R1())
    seal = (
        x509.CertificateBuilder()
        .subject_name(real.certificate.subject)
        .issuer_name(real_root.subject)
        .public_key(seal_key.public_key())
        .serial_number(real.certificate.serial_number)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.AuthorityKeyIdentifier(root_ski.digest, None, None), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    der = serialization.Encoding.DER
    return signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(seal.public_bytes(der)),
        signing_key=asn1_keys.PrivateKeyInfo.load(
            seal_key.private_bytes(
                der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        ),
        cert_registry=SimpleCertificateStore.from_certs(
            [asn1_x509.Certificate.load(root.public_bytes(der))]
        ),
    )


def sign_with(
    pdf: bytes,
    signer: signers.Signer,
    subfilter: SigSeedSubFilter = SigSeedSubFilter.PADES,
    field_name: str = "BureauSeal",
) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    metadata = signers.PdfSignatureMetadata(field_name=field_name, subfilter=subfilter)
    return signers.sign_pdf(writer, metadata, signer=signer).getvalue()  # type: ignore[no-any-return]


def append_annotation(pdf: bytes) -> bytes:
    """An incremental update after the signature that adds a text annotation to the page."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    page_ref = writer.root["/Pages"]["/Kids"].raw_get(0)
    page = page_ref.get_object()
    annotation = writer.add_object(
        generic.DictionaryObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/Annot"),
                generic.NameObject("/Subtype"): generic.NameObject("/Text"),
                generic.NameObject("/Rect"): generic.ArrayObject(
                    [generic.NumberObject(n) for n in (100, 100, 120, 120)]
                ),
                generic.NameObject("/Contents"): generic.TextStringObject("有效期延长至2035年"),
            }
        )
    )
    annotations = page.get("/Annots")
    if annotations is None:
        page[generic.NameObject("/Annots")] = generic.ArrayObject([annotation])
    else:
        annotations.get_object().append(annotation)
    writer.update_container(page)
    writer.mark_update(page_ref)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def append_text(pdf: bytes) -> bytes:
    """An incremental update after the signature that draws more text on the page."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    stream = writer.add_object(
        generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 300 Td (VALID UNTIL 2035) Tj ET")
    )
    writer.add_stream_to_page(0, stream)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def replace_identifier(pdf: bytes, identifier: str) -> bytes:
    """An incremental update after the signature that changes the document's /Subject."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    info_ref = writer.trailer.raw_get("/Info")
    info = info_ref.get_object()
    info[generic.NameObject("/Subject")] = generic.TextStringObject(identifier)
    writer.mark_update(info_ref)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def contents_range(pdf: bytes) -> tuple[int, int]:
    """Where the signature container's hex string sits (outside the signed byte range)."""
    start = pdf.rindex(b"/Contents <")
    opening = start + len(b"/Contents ")
    return opening, pdf.index(b">", opening) + 1
