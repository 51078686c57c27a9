"""Sealing the PDFs of many licences at once: worker processes render, this one writes."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation.status import SignatureCoverageLevel

from roadcredit.audit.models import AuditEntry
from roadcredit.elicences import signing
from roadcredit.elicences.models import Licence
from roadcredit.elicences.pdfcheck import check_pdf
from roadcredit.elicences.services import licence_pdf, pdf_batch
from roadcredit.elicences.services.pdf_batch import licence_pdfs_produce
from roadcredit.elicences.tests.services.support import (
    freight_operator,
    issue_business_licence,
    issue_qualification,
    issue_transport_certificate,
)
from roadcredit.elicences.tests.signing.support import pyhanko_status
from roadcredit.subjects.tests.factories import audit_after, make_practitioner, make_vehicle

pytestmark = pytest.mark.django_db


def _district_sample() -> list[Licence]:
    """Licences of the three kinds the bureau issues, to different holders."""
    owner = freight_operator(name="烟台恒运货运有限公司")
    return [
        issue_business_licence(owner),
        issue_transport_certificate(make_vehicle(owner)),
        issue_transport_certificate(make_vehicle(owner)),
        issue_qualification(make_practitioner(name="孙丽娟", id_number="370612199203154425")),
        issue_qualification(make_practitioner(name="欧阳建国", id_number="370612197811230015")),
    ]


def _stored(licence: Licence) -> bytes:
    stored = Licence.objects.get(pk=licence.pk)
    with stored.pdf_file.open("rb") as handle:
        content: bytes = handle.read()
    assert hashlib.sha256(content).hexdigest() == stored.pdf_sha256
    return content


def test_two_worker_processes_seal_every_pending_pdf_and_pyhanko_accepts_each() -> None:
    licences = _district_sample()
    seal = signing.active_seal()

    result = licence_pdfs_produce(
        actor=None, pks=[lic.pk for lic in licences], workers=2, chunk_size=2
    )

    assert result.workers == 2  # three chunks over two forked workers
    assert (result.produced, result.skipped, result.failed) == (5, 0, {})
    for licence in licences:
        pdf = _stored(licence)
        status = pyhanko_status(pdf, signing.trust_roots())
        assert status.bottom_line and status.intact and status.valid and status.trusted
        assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
        assert status.modification_level == ModificationLevel.NONE
        assert status.signing_cert.dump() == seal.certificate_der
        checked = check_pdf(pdf, trust_roots=signing.trust_roots())
        assert checked.ok and checked.identifier == licence.identifier


def test_each_chunk_leaves_one_audit_entry_naming_every_licence_and_its_file_hash() -> None:
    licences = _district_sample()

    licence_pdfs_produce(actor=None, pks=[lic.pk for lic in licences], workers=2, chunk_size=2)

    entries = list(AuditEntry.objects.filter(action="elicences.pdfs_sealed").order_by("seq"))
    assert [audit_after(entry)["count"] for entry in entries] == [2, 2, 1]
    listed = {
        row["licence"]: (entry, row) for entry in entries for row in audit_after(entry)["sealed"]
    }
    for licence in licences:
        stored = Licence.objects.get(pk=licence.pk)
        entry, row = listed[str(stored.public_id)]
        assert row["sha256"] == stored.pdf_sha256
        assert row["identifier"] == stored.identifier
        assert stored.updated_at == entry.at > licence.updated_at


def test_a_second_run_seals_nothing_and_keeps_the_files_already_made() -> None:
    licences = _district_sample()
    handed_out = licence_pdf(licence=licences[0])  # a first download before the batch
    pks = [lic.pk for lic in licences]

    first = licence_pdfs_produce(actor=None, pks=pks, workers=2, chunk_size=2)
    again = licence_pdfs_produce(actor=None, pks=pks, workers=2, chunk_size=2)

    assert (first.total, first.produced) == (4, 4)
    assert (again.total, again.produced) == (0, 0)
    assert _stored(licences[0]) == handed_out


def test_a_pdf_sealed_meanwhile_by_a_download_is_kept_not_replaced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    licences = _district_sample()
    downloaded: dict[int, bytes] = {}
    real = pdf_batch._render_chunk

    def download_first(items: Any) -> Any:
        # a holder downloads the first licence while its chunk is being rendered
        if not downloaded:
            downloaded[licences[0].pk] = licence_pdf(licence=Licence.objects.get(pk=licences[0].pk))
        return real(items)

    monkeypatch.setattr(pdf_batch, "_render_chunk", download_first)

    result = licence_pdfs_produce(actor=None, pks=[lic.pk for lic in licences], workers=1)

    assert (result.produced, result.skipped) == (4, 1)
    assert _stored(licences[0]) == downloaded[licences[0].pk]


def test_a_licence_that_cannot_be_drawn_is_reported_and_the_others_are_sealed() -> None:
    licences = _district_sample()
    broken = Licence.objects.get(pk=licences[0].pk)
    broken.face = {**broken.face, "holder_name": "烟台\U00020000运输有限公司"}  # no glyph for it
    broken.save(update_fields=["face"])

    result = licence_pdfs_produce(
        actor=None, pks=[lic.pk for lic in licences], workers=2, chunk_size=2
    )

    assert result.produced == 4
    assert list(result.failed) == [str(broken.public_id)]
    assert "\U00020000" in result.failed[str(broken.public_id)]
    assert Licence.objects.get(pk=broken.pk).pdf_sha256 == ""


def test_paper_only_and_other_licences_are_left_alone() -> None:
    wanted, other = issue_business_licence(), issue_business_licence()

    result = licence_pdfs_produce(actor=None, pks=[wanted.pk], workers=2)

    assert result.produced == 1 and result.workers == 1  # one chunk: no worker process
    assert Licence.objects.get(pk=other.pk).pdf_sha256 == ""
