"""The daily sweep as a background job and as a management command."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from roadcredit.accounts.roles import Role
from roadcredit.core.models import JobStatus
from roadcredit.licensing.jobs import sweep_submit
from roadcredit.licensing.models import Application
from roadcredit.licensing.tests.factories import grade_operator, single_data, submitted

pytestmark = pytest.mark.django_db


def test_the_sweep_job_deems_old_submissions_accepted(personas):
    owner = personas[Role.OPERATOR]
    grade_operator(owner.operator, "A")
    application = submitted(owner, single_data("freight_business_new"))
    import datetime as dt

    Application.objects.filter(pk=application.pk).update(
        correction_due_on=dt.date(2026, 3, 2),
        submitted_at=dt.datetime(2026, 2, 23, 9, tzinfo=dt.UTC),
    )
    job = sweep_submit(actor=personas[Role.CLERK], run="inline")
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert job.result is not None and job.result["deemed_accepted"] == [application.number]
    application.refresh_from_db()
    assert application.status == "accepted" and application.deemed_accepted
    assert application.accepted_on == dt.date(2026, 2, 23)
    again = sweep_submit(actor=personas[Role.CLERK], run="inline")
    assert again.pk == job.pk  # once a day


def test_the_command_reports_what_it_did():
    out = io.StringIO()
    call_command("licensing_sweep", stdout=out)
    assert "deemed_accepted: 0" in out.getvalue() and "terminated: 0" in out.getvalue()
