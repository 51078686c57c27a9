"""Files of a sealing run that never committed (killed, rolled back) are replaced by the next
run, not kept as orphans beside suffixed copies (found by the kill -9 test of the PDF job).

Runs on every database: the crash is a rolled-back transaction in this process, which leaves
the files on disk exactly as a process killed before its commit does.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction

from roadcredit.elicences import signing
from roadcredit.elicences.models import Licence
from roadcredit.elicences.pdfcheck import check_pdf
from roadcredit.elicences.services.pdf_batch import licence_pdfs_produce
from roadcredit.elicences.tests.services.support import (
    freight_operator,
    issue_business_licence,
    issue_qualification,
    issue_transport_certificate,
)
from roadcredit.subjects.tests.factories import make_practitioner, make_vehicle

pytestmark = pytest.mark.django_db


class Crash(Exception):
    """The process dying after the files were written, before the rows committed."""


def _stored_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {
        str(path.relative_to(root)) for path in (root / "licences").rglob("*") if path.is_file()
    }


def _sample() -> list[Licence]:
    owner = freight_operator(name="烟台东方冷链物流有限公司")
    return [
        issue_business_licence(owner),
        issue_transport_certificate(make_vehicle(owner)),
        issue_qualification(
            make_practitioner(owner, name="周海涛", id_number="370612198504170037")
        ),
    ]


def test_a_rerun_replaces_the_files_an_uncommitted_run_left_and_leaves_no_orphan() -> None:
    licences = _sample()
    pks = [lic.pk for lic in licences]
    before = _stored_files()  # other tests' files share the media folder
    with pytest.raises(Crash), transaction.atomic():
        licence_pdfs_produce(actor=None, pks=pks, workers=1)
        raise Crash
    left = _stored_files() - before
    assert len(left) == 3
    assert not Licence.objects.filter(pk__in=pks).exclude(pdf_sha256="").exists()

    result = licence_pdfs_produce(actor=None, pks=pks, workers=1)

    assert result.produced == 3
    stored = list(Licence.objects.filter(pk__in=pks))
    assert {lic.pdf_file.name for lic in stored} == left == _stored_files() - before
    for licence in stored:
        assert licence.pdf_file.name == f"licences/{licence.issued_on:%Y}/{licence.public_id}.pdf"
        content = Path(licence.pdf_file.path).read_bytes()
        assert hashlib.sha256(content).hexdigest() == licence.pdf_sha256
        checked = check_pdf(content, trust_roots=signing.trust_roots())
        assert checked.ok and checked.identifier == licence.identifier


def test_a_first_download_after_an_uncommitted_run_replaces_its_file_too() -> None:
    from roadcredit.elicences.services.pdf_files import licence_pdf

    licence = _sample()[0]
    before = _stored_files()
    with pytest.raises(Crash), transaction.atomic():
        licence_pdfs_produce(actor=None, pks=[licence.pk], workers=1)
        raise Crash
    left = _stored_files() - before
    assert len(left) == 1

    content = licence_pdf(licence=Licence.objects.get(pk=licence.pk))

    stored = Licence.objects.get(pk=licence.pk)
    assert {stored.pdf_file.name} == left == _stored_files() - before
    assert Path(stored.pdf_file.path).read_bytes() == content
    assert hashlib.sha256(content).hexdigest() == stored.pdf_sha256
