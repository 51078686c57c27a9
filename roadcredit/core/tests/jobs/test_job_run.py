"""Running jobs in-process: chunks, checkpoints, crashes, resumption, idempotency, fencing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db.models import F

from roadcredit.audit.models import AuditEntry
from roadcredit.core import clock
from roadcredit.core.errors import Conflict, ValidationFailed
from roadcredit.core.jobs import (
    JobBusy,
    job_cancel,
    job_resume_all,
    job_run,
    job_submit,
    stale_jobs,
)
from roadcredit.core.models import Job, JobStatus
from roadcredit.core.tests.jobs_demo.jobs import KIND
from roadcredit.core.tests.jobs_demo.models import DemoRow

pytestmark = pytest.mark.django_db

SUM_OF_SQUARES_1_TO_25 = sum(n * n for n in range(1, 26))  # 5525


def submit(actor: Any = None, run: Any = "defer", key: str | None = None, **params: Any) -> Job:
    return job_submit(
        actor=actor,
        kind=KIND,
        params={"n": 25, "chunk": 10, **params},
        idempotency_key=key,
        run=run,
    )


def rows_of(job: Job) -> list[tuple[int, int]]:
    return list(
        DemoRow.objects.filter(job_public_id=job.public_id)
        .order_by("number", "pk")
        .values_list("number", "square")
    )


def audit_actions(job: Job) -> list[str]:
    return list(
        AuditEntry.objects.filter(target_id=job.public_id)
        .order_by("seq")
        .values_list("action", flat=True)
    )


def test_it_runs_a_job_inline_in_chunks_to_the_end(clerk):
    job = submit(clerk, run="inline")

    assert job.status == JobStatus.SUCCEEDED
    assert (job.done, job.total) == (25, 25)
    assert job.result == {"sum": SUM_OF_SQUARES_1_TO_25, "rows": 25}
    assert job.checkpoint == {"next": 25, "sum": SUM_OF_SQUARES_1_TO_25}
    assert rows_of(job) == [(n, n * n) for n in range(1, 26)]
    assert job.created_by == clerk
    assert job.attempts == 1
    assert job.started_at is not None
    assert job.finished_at is not None
    assert job.percent == 100


def test_it_audits_status_changes_but_not_each_chunk(clerk):
    job = submit(clerk, run="inline", chunk=5)

    assert audit_actions(job) == ["jobs.submit", "jobs.start", "jobs.finish"]
    submitted = AuditEntry.objects.get(target_id=job.public_id, action="jobs.submit")
    assert submitted.actor == clerk
    assert submitted.after is not None
    assert submitted.after["kind"] == KIND


def test_it_reports_progress_after_every_chunk(clerk):
    job = submit(clerk)
    seen: list[tuple[int, int]] = []

    job_run(job, progress=lambda done, total: seen.append((done, total)))

    assert seen == [(0, 25), (10, 25), (20, 25), (25, 25)]


def test_a_job_that_crashed_mid_way_resumes_to_the_same_state_as_an_uninterrupted_run(clerk):
    uninterrupted = submit(clerk, run="inline")
    crashed = submit(clerk, fail_at=1)

    crashed = job_run(crashed)

    assert crashed.status == JobStatus.FAILED
    assert "模拟故障" in crashed.error
    # The failing chunk's rows rolled back together with its checkpoint; chunk 0 stays.
    assert crashed.done == 10
    assert crashed.checkpoint == {"next": 10, "sum": sum(n * n for n in range(1, 11))}
    assert rows_of(crashed) == [(n, n * n) for n in range(1, 11)]

    resumed = job_run(crashed)

    assert resumed.status == JobStatus.SUCCEEDED
    assert resumed.error == ""
    assert resumed.attempts == 2
    assert rows_of(resumed) == rows_of(uninterrupted)
    assert resumed.result == uninterrupted.result
    assert resumed.checkpoint == uninterrupted.checkpoint
    assert (resumed.done, resumed.total) == (uninterrupted.done, uninterrupted.total)
    assert audit_actions(resumed) == [
        "jobs.submit",
        "jobs.start",
        "jobs.fail",
        "jobs.resume",
        "jobs.finish",
    ]


def test_a_job_whose_process_died_is_resumed_once_its_heartbeat_is_stale(clerk):
    uninterrupted = submit(clerk, run="inline")
    job = submit(clerk, interrupt_at=2)
    # A KeyboardInterrupt escaping mid-chunk stands in for the process dying there; the runner
    # hands the job back to the queue on Ctrl-C, so put it back to "running" as a dead
    # process would have left it.
    with pytest.raises(KeyboardInterrupt):
        job_run(job)
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED
    assert job.done == 20
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, heartbeat_at=clock.now() - dt.timedelta(minutes=11)
    )

    assert [found.pk for found in stale_jobs()] == [job.pk]
    resumed = job_resume_all()

    assert [found.pk for found in resumed] == [job.pk]
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert rows_of(job) == rows_of(uninterrupted)
    assert stale_jobs() == []


def test_it_refuses_to_run_a_job_another_live_process_is_running(clerk):
    job = submit(clerk)
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, attempts=1, heartbeat_at=clock.now()
    )

    with pytest.raises(JobBusy):
        job_run(job)

    assert stale_jobs() == []
    assert job_resume_all() == []
    assert rows_of(job) == []


def test_a_runner_that_was_replaced_stops_before_writing_another_chunk(clerk):
    job = submit(clerk)

    def another_runner_takes_over(done: int, total: int) -> None:
        if done == 10:
            Job.objects.filter(pk=job.pk).update(attempts=F("attempts") + 1)

    job = job_run(job, progress=another_runner_takes_over)

    assert job.status == JobStatus.RUNNING  # now the other runner's job
    assert job.done == 10
    assert len(rows_of(job)) == 10


def test_a_cancelled_job_stops_before_its_next_chunk(clerk):
    job = submit(clerk)

    def cancel_after_first_chunk(done: int, total: int) -> None:
        if done == 10:
            job_cancel(actor=clerk, job=job)

    job = job_run(job, progress=cancel_after_first_chunk)

    assert job.status == JobStatus.CANCELLED
    assert len(rows_of(job)) == 10
    assert job_run(job).status == JobStatus.CANCELLED  # running a cancelled job does nothing
    assert len(rows_of(job)) == 10
    with pytest.raises(Conflict):
        job_cancel(actor=clerk, job=job)


def test_running_a_finished_job_again_changes_nothing(clerk):
    job = submit(clerk, run="inline")

    again = job_run(job)

    assert again.status == JobStatus.SUCCEEDED
    assert again.attempts == 1
    assert len(rows_of(again)) == 25


def test_a_ctrl_c_puts_the_job_back_in_the_queue_ready_to_resume(clerk):
    job = submit(clerk, interrupt_at=1)

    with pytest.raises(KeyboardInterrupt):
        job_run(job)

    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED
    assert job.done == 10
    assert job_run(job).status == JobStatus.SUCCEEDED
    assert len(rows_of(job)) == 25


def test_it_marks_the_job_failed_when_counting_its_work_fails(clerk):
    job = job_run(submit(clerk, fail_total=True))

    assert job.status == JobStatus.FAILED
    assert "无法统计待处理数量" in job.error
    assert job.total is None
    assert audit_actions(job) == ["jobs.submit", "jobs.fail"]


def test_an_empty_job_finishes_at_once(clerk):
    job = submit(clerk, run="inline", n=0)

    assert job.status == JobStatus.SUCCEEDED
    assert (job.done, job.total) == (0, 0)
    assert job.result == {"sum": 0, "rows": 0}


def test_submitting_the_same_idempotency_key_again_returns_the_existing_job(clerk):
    first = submit(clerk, run="inline", key="import-2025-03-鑫达物流.xlsx")

    again = submit(clerk, run="inline", key="import-2025-03-鑫达物流.xlsx")

    assert again.pk == first.pk
    assert Job.objects.count() == 1
    assert len(rows_of(first)) == 25
    assert audit_actions(first).count("jobs.submit") == 1


def test_reusing_an_idempotency_key_for_other_parameters_is_a_conflict(clerk):
    submit(clerk, key="batch-regrade-2025Q1")

    with pytest.raises(Conflict):
        submit(clerk, key="batch-regrade-2025Q1", n=30)


def test_it_rejects_an_unknown_kind_of_job(clerk):
    with pytest.raises(ValidationFailed) as caught:
        job_submit(actor=clerk, kind="exchange.no_such_job", params={})

    assert "kind" in caught.value.extra["fields"]
    assert Job.objects.count() == 0


def test_a_deferred_job_waits_in_the_queue(clerk):
    job = submit(clerk, run="defer")

    assert job.status == JobStatus.QUEUED
    assert job.total is None
    assert rows_of(job) == []
