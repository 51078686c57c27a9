"""Running a killed batch again from the command line: a job whose process died a moment ago
still looks alive (fresh heartbeat); the command says so and ``--force`` takes it over."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from roadcredit.core import clock
from roadcredit.core.models import Job, JobStatus
from roadcredit.credit.jobs import regrade_submit
from roadcredit.credit.tests.factories import rated_operator

pytestmark = pytest.mark.django_db


def _killed_regrade() -> Job:
    """A regrade job as kill -9 leaves it: running, heartbeat a moment ago, nothing done."""
    rated_operator(name="烟台顺通物流有限公司")
    job = regrade_submit(actor=None, reason="命令行全量重新评级", run="defer")
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, attempts=1, heartbeat_at=clock.now(), total=1
    )
    return job


def test_resuming_a_regrade_that_looks_alive_is_refused_with_a_clear_message():
    job = _killed_regrade()

    with pytest.raises(CommandError) as refused:
        call_command("credit_regrade", "--resume", job.public_id, stdout=io.StringIO())

    assert job.public_id in str(refused.value) and "--force" in str(refused.value)
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.RUNNING, 1)


def test_force_takes_the_killed_regrade_over_and_finishes_it():
    job = _killed_regrade()
    out = io.StringIO()

    call_command(
        "credit_regrade", "--resume", job.public_id, "--force", stdout=out, stderr=io.StringIO()
    )

    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.SUCCEEDED, 2)
    assert job.public_id in out.getvalue()
