"""``manage.py export_licences``."""

from __future__ import annotations

import hashlib
import io
import json

import pytest
from django.core.management import CommandError, call_command

from roadcredit.elicences.tests.services.support import (
    at,
    issue_business_licence,
    issue_transport_certificate,
)

pytestmark = pytest.mark.django_db


def test_it_writes_the_package_of_the_selected_type(tmp_path):
    issue_business_licence(at=at(2026, 3, 2))
    issue_transport_certificate(at=at(2026, 3, 3))
    out = io.StringIO()
    call_command(
        "export_licences",
        "--type",
        "transport_certificate",
        "--out",
        str(tmp_path),
        "--quiet",
        stdout=out,
    )
    catalogue = json.loads((tmp_path / "catalogue.json").read_text(encoding="utf-8"))
    assert catalogue["count"] == 1
    (entry,) = catalogue["licences"]
    assert entry["type_name"] == "道路运输证"
    pdf = (tmp_path / entry["file"]).read_bytes()
    assert hashlib.sha256(pdf).hexdigest() == entry["sha256"]
    assert (tmp_path / "trust-list.json").exists()
    assert "1" in out.getvalue()


def test_a_bad_status_is_refused(tmp_path):
    with pytest.raises(CommandError, match="--status"):
        call_command(
            "export_licences", "--status", "lost", "--out", str(tmp_path), stdout=io.StringIO()
        )
