"""`manage.py run_job`: one job with a progress bar, or every stale job."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from roadcredit.core import clock
from roadcredit.core.jobs import job_submit
from roadcredit.core.models import Job, JobStatus
from roadcredit.core.tests.jobs_demo.jobs import KIND

pytestmark = pytest.mark.django_db


def submit(**params) -> Job:
    return job_submit(actor=None, kind=KIND, params={"n": 25, "chunk": 10, **params}, run="defer")


def test_it_runs_a_queued_job_with_a_progress_bar_on_stderr():
    job = submit()
    out, err = io.StringIO(), io.StringIO()

    call_command("run_job", job.public_id, stdout=out, stderr=err)

    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert f"{job.public_id} {KIND} succeeded 25/25" in out.getvalue()
    last = err.getvalue().splitlines()[-1]
    assert last.startswith(f"演示任务：平方和 {job.public_id}  100.0%  25/25")


def test_it_retries_a_failed_job_from_its_checkpoint():
    job = submit(fail_at=1)
    with pytest.raises(CommandError, match="模拟故障"):
        call_command("run_job", job.public_id, "--quiet", stdout=io.StringIO())

    call_command("run_job", job.public_id, "--quiet", stdout=io.StringIO())

    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert job.attempts == 2


def test_it_resumes_every_stale_job():
    stale = submit()
    Job.objects.filter(pk=stale.pk).update(
        status=JobStatus.RUNNING, attempts=1, heartbeat_at=clock.now() - dt.timedelta(minutes=30)
    )
    live = submit()
    Job.objects.filter(pk=live.pk).update(
        status=JobStatus.RUNNING, attempts=1, heartbeat_at=clock.now()
    )
    out = io.StringIO()

    call_command("run_job", "--resume-stale", "--quiet", stdout=out)

    stale.refresh_from_db()
    live.refresh_from_db()
    assert stale.status == JobStatus.SUCCEEDED
    assert live.status == JobStatus.RUNNING
    assert "resumed 1 job(s)" in out.getvalue()


def test_it_refuses_a_job_running_elsewhere():
    job = submit()
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, attempts=1, heartbeat_at=clock.now()
    )

    with pytest.raises(CommandError, match="running in another process"):
        call_command("run_job", job.public_id, "--quiet")


@pytest.mark.parametrize(
    "args",
    [[], ["nosuchjob"], ["abc", "--resume-stale"]],
    ids=["nothing", "unknown-id", "both"],
)
def test_it_rejects_bad_arguments(args):
    with pytest.raises(CommandError):
        call_command("run_job", *args)
