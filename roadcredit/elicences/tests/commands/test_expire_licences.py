"""``expire_licences`` and the background jobs of the licence app."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from roadcredit.core.jobs import job_submit
from roadcredit.core.models import JobStatus
from roadcredit.elicences.models import Licence, LicenceStatus
from roadcredit.elicences.tests.services.support import at, issue_business_licence

pytestmark = pytest.mark.django_db


def test_the_command_expires_licences_past_their_validity():
    old = issue_business_licence(at=at(2020, 5, 1))
    fresh = issue_business_licence(at=at(2025, 5, 1))
    out = io.StringIO()
    call_command("expire_licences", "--date", "2025-06-01", stdout=out)
    assert "1" in out.getvalue()
    statuses = dict(Licence.objects.values_list("pk", "status"))
    assert statuses[old.pk] == LicenceStatus.EXPIRED
    assert statuses[fresh.pk] == LicenceStatus.VALID


def test_the_expiry_job_runs_the_same_rule():
    issue_business_licence(at=at(2019, 5, 1))
    job = job_submit(actor=None, kind="elicences.expire_due", params={}, run="inline")
    assert job.status == JobStatus.SUCCEEDED
    assert job.result == {"expired": 1}


def test_the_pdf_job_seals_every_missing_pdf_once():
    licences = [issue_business_licence() for _ in range(3)]
    job = job_submit(actor=None, kind="elicences.produce_pdfs", params={}, run="inline")
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result == {"produced": 3}
    assert all(Licence.objects.get(pk=lic.pk).pdf_sha256 for lic in licences)
    again = job_submit(actor=None, kind="elicences.produce_pdfs", params={}, run="inline")
    assert again.result == {"produced": 0}
