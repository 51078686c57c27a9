"""The sealed PDF: made on first need, once, kept; the print layout; the upload check."""

from __future__ import annotations

import hashlib
import io

import pytest
from pypdf import PdfReader

from roadcredit.audit.models import AuditEntry
from roadcredit.core.errors import Conflict
from roadcredit.elicences import signing
from roadcredit.elicences.models import Licence
from roadcredit.elicences.pdfcheck import check_pdf
from roadcredit.elicences.rendering import (
    LicenceRenderData,
    render_licence_pdf,
    render_sealed_licence_pdf,
)
from roadcredit.elicences.services import (
    licence_change,
    licence_pdf,
    licence_print_layout,
    licence_register_existing,
    licence_render_data,
    licence_suspend,
)
from roadcredit.elicences.tests.services.support import (
    at,
    freight_operator,
    issue_business_licence,
    issue_qualification,
    issue_transport_certificate,
)
from roadcredit.elicences.tests.signing.support import (
    append_annotation,
    append_text,
    impostor_signer,
    replace_identifier,
    sign_with,
)
from roadcredit.elicences.verification import verify_pdf_upload
from roadcredit.subjects.tests.factories import make_practitioner

pytestmark = pytest.mark.django_db


def test_issuance_does_not_render_the_pdf():
    licence = issue_business_licence()
    assert not licence.pdf_file
    assert licence.pdf_sha256 == ""


def test_the_pdf_is_produced_once_and_kept(monkeypatch):
    licence = issue_business_licence()
    from roadcredit.elicences.services import pdf_files

    calls: list[object] = []
    real = render_sealed_licence_pdf

    def counting(data: LicenceRenderData) -> bytes:
        calls.append(data)
        return real(data)

    monkeypatch.setattr(pdf_files, "render_sealed_licence_pdf", counting)
    first = licence_pdf(licence=licence)
    again = licence_pdf(licence=Licence.objects.get(pk=licence.pk))
    assert first == again
    assert len(calls) == 1
    stored = Licence.objects.get(pk=licence.pk)
    assert stored.pdf_sha256 == hashlib.sha256(first).hexdigest()
    assert str(stored.pdf_file.name).endswith(".pdf")
    assert AuditEntry.objects.filter(action="elicences.pdf_sealed").count() == 1
    result = check_pdf(first, trust_roots=signing.trust_roots())
    assert result.ok and result.identifier == licence.identifier


@pytest.mark.parametrize(
    "issue", [issue_business_licence, issue_transport_certificate, issue_qualification]
)
def test_every_issued_type_renders_with_its_number_and_identifier(issue):
    licence = issue()
    pdf = licence_pdf(licence=licence)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert licence.identifier in text.replace("\n", "")
    assert "烟台市牟平区交通运输局" in text


def test_the_holders_pdf_carries_the_full_id_number_for_a_qualification_certificate():
    practitioner = make_practitioner(name="刘洋", id_number="37061219900708452X")
    pdf = licence_pdf(licence=issue_qualification(practitioner))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "37061219900708452X" in text


def test_the_print_layout_is_made_for_the_paper_stock():
    licence = issue_business_licence()
    layout = licence_print_layout(licence=licence)
    assert layout.startswith(b"%PDF-")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(layout)).pages)
    assert licence.paper_number in text.replace("\n", "")


def test_a_paper_only_licence_has_no_pdf_yet():
    licence = licence_register_existing(
        actor=None,
        type_key="business_licence",
        holder=freight_operator(),
        number="鲁交运管许可烟字370612000777号",
        issued_on=at(2019, 6, 1).date(),
        valid_from=at(2019, 6, 1).date(),
        valid_until=None,
        electronic=False,
    )
    with pytest.raises(Conflict):
        licence_pdf(licence=licence)


def test_the_upload_check_accepts_the_kept_file_and_reports_the_status():
    licence = issue_business_licence()
    pdf = licence_pdf(licence=licence)
    outcome = verify_pdf_upload(pdf_bytes=pdf)
    assert (outcome.verdict, outcome.match, outcome.seal_ok) == ("valid", "file", True)
    licence_suspend(actor=None, licence=licence, reason="暂扣")
    assert verify_pdf_upload(pdf_bytes=pdf).verdict == "suspended"


def test_the_upload_check_reports_a_superseded_version():
    licence = issue_business_licence()
    pdf = licence_pdf(licence=licence)
    licence_change(actor=None, licence=licence)
    assert verify_pdf_upload(pdf_bytes=pdf).verdict == "changed"


def test_the_upload_check_rejects_a_tampered_file():
    licence = issue_business_licence()
    pdf = bytearray(licence_pdf(licence=licence))
    position = pdf.index(b"/Subject") + 12
    pdf[position] = ord("X") if pdf[position] != ord("X") else ord("Y")
    outcome = verify_pdf_upload(pdf_bytes=bytes(pdf))
    assert outcome.verdict == "tampered"
    assert outcome.summary is None
    assert not outcome.seal_ok


def test_the_upload_check_rejects_a_file_with_content_appended():
    licence = issue_business_licence()
    pdf = licence_pdf(licence=licence)
    for extended in (append_annotation(pdf), append_text(pdf), replace_identifier(pdf, "X")):
        outcome = verify_pdf_upload(pdf_bytes=extended)
        assert (outcome.verdict, outcome.reason) == ("tampered", "modified_after_signing")


def test_the_upload_check_rejects_a_file_signed_by_another_ca_under_our_names():
    licence = issue_business_licence()
    unsealed = render_licence_pdf(licence_render_data(licence))
    forged = sign_with(unsealed, impostor_signer(signing.active_seal()))
    assert verify_pdf_upload(pdf_bytes=forged).verdict == "tampered"


@pytest.mark.parametrize("junk", [b"", b"hello", b"%PDF-1.7\n garbage", b"\x89PNG\r\n"])
def test_the_upload_check_does_not_recognise_junk(junk):
    assert verify_pdf_upload(pdf_bytes=junk).verdict == "unknown"
