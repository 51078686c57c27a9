"""The exchange-package page and its streamed .zip download."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.urls import reverse

from roadcredit.accounts.roles import Role
from roadcredit.audit.models import AuditEntry
from roadcredit.elicences.tests.services.support import at, issue_business_licence

pytestmark = pytest.mark.django_db


def test_a_clerk_counts_and_downloads_the_package(client_as, personas):
    issue_business_licence(at=at(2026, 3, 2))
    client = client_as(Role.CLERK)
    page = client.get(reverse("elicences:export"), {"type": "business_licence", "status": "valid"})
    assert page.context["count"] == 1
    response = client.get(
        reverse("elicences:export_package"), {"type": "business_licence", "status": "valid"}
    )
    assert response.status_code == 200 and response.streaming
    content = b"".join(response.streaming_content)
    archive = zipfile.ZipFile(io.BytesIO(content))
    assert json.loads(archive.read("catalogue.json"))["count"] == 1
    assert AuditEntry.objects.get(action="elicences.licence_export").actor == personas[Role.CLERK]


def test_the_package_is_not_for_leaders_or_holders(client_as):
    assert client_as(Role.LEADER).get(reverse("elicences:export_package")).status_code == 403
    assert client_as(Role.OPERATOR).get(reverse("elicences:export")).status_code == 403


def test_a_bad_filter_is_refused_on_the_form(client_as):
    response = client_as(Role.CLERK).get(reverse("elicences:export_package"), {"status": "lost"})
    assert response.status_code == 400
