"""The exchange package for the provincial library: PDFs, catalogue, trust list."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest

from roadcredit.accounts.roles import Role
from roadcredit.audit.models import AuditEntry
from roadcredit.core import pii
from roadcredit.core.errors import ValidationFailed
from roadcredit.elicences.models import Licence
from roadcredit.elicences.services import licence_revoke
from roadcredit.elicences.services.export import (
    export_selection,
    licence_export_to_directory,
    licence_export_zip_stream,
)
from roadcredit.elicences.tests.services.support import (
    at,
    issue_business_licence,
    issue_qualification,
    issue_transport_certificate,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def licences():
    return [
        issue_business_licence(at=at(2026, 3, 2)),
        issue_transport_certificate(at=at(2026, 3, 3)),
        issue_qualification(at=at(2026, 3, 4)),
    ]


def test_it_writes_every_sealed_pdf_the_catalogue_and_the_trust_list(tmp_path, licences, personas):
    result = licence_export_to_directory(
        actor=personas[Role.CLERK], out_dir=tmp_path / "out", selection=export_selection()
    )
    assert result.count == 3
    catalogue = json.loads(result.catalogue.read_text(encoding="utf-8"))
    assert catalogue["count"] == 3
    assert catalogue["issuer"]["name"] == "烟台市牟平区交通运输局"
    by_identifier = {entry["identifier"]: entry for entry in catalogue["licences"]}
    for licence in licences:
        licence.refresh_from_db()
        entry = by_identifier[licence.identifier]
        pdf = (tmp_path / "out" / entry["file"]).read_bytes()
        assert pdf.startswith(b"%PDF")
        assert hashlib.sha256(pdf).hexdigest() == entry["sha256"] == licence.pdf_sha256
        assert entry["qr_text"] == licence.qr_text
        assert entry["type_code"] == licence.type_code
        assert entry["issuer_code"] == "11370612MB0000001G"
    person = by_identifier[licences[2].identifier]
    assert person["holder_code_type"] == "公民身份号码"
    assert "*" in person["holder_code"] and "*" in person["holder"] and "*" in person["number"]
    # No holder's full ID number anywhere in the file (identifiers and tokens may well hold
    # long runs of digits, so the test looks for the real numbers, not for a pattern).
    text = result.catalogue.read_text(encoding="utf-8")
    full_ids = [
        pii.decrypt(licence.practitioner.id_number_encrypted, purpose="id_number")
        for licence in licences
        if licence.practitioner is not None
    ]
    assert full_ids and not any(full_id in text for full_id in full_ids)
    trust = json.loads(result.trust_list.read_text(encoding="utf-8"))
    assert trust["keys"]
    entry = AuditEntry.objects.get(action="elicences.licence_export")
    assert entry.actor == personas[Role.CLERK]


def test_the_selection_filters_by_type_status_and_limit(tmp_path, licences):
    licence_revoke(actor=None, licence=licences[0], reason="以欺骗手段取得许可")
    only = licence_export_to_directory(
        actor=None,
        out_dir=tmp_path / "revoked",
        selection=export_selection(type_key="business_licence", status="revoked"),
    )
    assert only.count == 1
    limited = licence_export_to_directory(
        actor=None, out_dir=tmp_path / "two", selection=export_selection(limit=2)
    )
    assert limited.count == 2
    assert len(list((tmp_path / "two" / "licences").iterdir())) == 2


def test_paper_only_licences_have_no_file_and_are_left_out(tmp_path, licences):
    Licence.objects.filter(pk=licences[1].pk).update(has_electronic=False)
    result = licence_export_to_directory(
        actor=None, out_dir=tmp_path / "out", selection=export_selection()
    )
    assert result.count == 2


def test_a_bad_selection_names_the_field():
    with pytest.raises(ValidationFailed) as caught:
        export_selection(type_key="driving_licence", status="lost", limit=0)
    assert set(caught.value.extra["fields"]) == {"type", "status", "limit"}


def test_the_zip_download_holds_the_same_package(licences):
    content = b"".join(licence_export_zip_stream(actor=None, selection=export_selection()))
    archive = zipfile.ZipFile(io.BytesIO(content))
    assert archive.testzip() is None
    names = set(archive.namelist())
    assert {"catalogue.json", "trust-list.json"} <= names
    catalogue = json.loads(archive.read("catalogue.json"))
    assert catalogue["count"] == 3
    for entry in catalogue["licences"]:
        assert hashlib.sha256(archive.read(entry["file"])).hexdigest() == entry["sha256"]
