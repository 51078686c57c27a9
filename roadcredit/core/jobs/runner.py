"""Running a job: claim it, run its chunks one transaction each, record how it ended.

The runner is the same in every mode (a web-process thread, a Celery worker, a management
command); only who calls ``job_run`` differs.

Crash safety. Each chunk runs in one ``transaction.atomic()`` that holds the job row lock, runs
the handler's writes and stores the new checkpoint, ``done`` and heartbeat. A process killed in
the middle of a chunk loses that chunk's writes and its checkpoint together, so the next run
starts that chunk again from the last committed checkpoint: nothing is applied twice and
nothing is skipped.

Fencing. ``attempts`` is incremented by every claim and is the token of the runner holding
the job. Each chunk re-reads the job row under lock and commits only if the job is still
``running`` under its own attempt number, so a runner that was declared stale (and replaced)
or whose job was cancelled stops at its next chunk without writing anything.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from roadcredit.audit.services import audit_record
from roadcredit.core import clock
from roadcredit.core.errors import ApplicationError, Conflict
from roadcredit.core.models import Job, JobStatus

from .registry import ChunkResult, JobHandler, handler_for

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

# A running job whose heartbeat (written by every chunk commit) is older than this is taken to
# belong to a dead process and may be claimed again. Chunks must stay well below it.
STALE_AFTER = dt.timedelta(minutes=10)
RUNNER_LABEL = "system:jobs"
ERROR_MAX_CHARS = 4000


class JobBusy(Conflict):
    """The job is running in another live process (its heartbeat is fresh)."""


class _LostClaim(Exception):
    """The job was cancelled or claimed by another runner since this runner claimed it."""


def _error_text(exc: BaseException) -> str:
    text = exc.message if isinstance(exc, ApplicationError) else f"{type(exc).__name__}: {exc}"
    return text[:ERROR_MAX_CHARS]


def _audit(job: Job, action: str, before: dict[str, Any], after: dict[str, Any]) -> None:
    audit_record(
        actor=None,
        actor_label=RUNNER_LABEL,
        action=action,
        target=job,
        before=before,
        after={"kind": job.kind, **after},
    )


def _claim(job_pk: int, handler: JobHandler, *, stale_after: dt.timedelta) -> Job | None:
    """Move the job to ``running`` under a new attempt number; None if it has nothing to do."""
    now = clock.now()
    with transaction.atomic():
        # Lock the row before reading its status: without the lock two workers (a Celery
        # redelivery and `run_job --resume-stale`, or two web threads) could both read "queued"
        # (or the same stale heartbeat) and both run the same job.
        job = Job.objects.select_for_update().get(pk=job_pk)
        if job.status in (JobStatus.SUCCEEDED, JobStatus.CANCELLED):
            return None
        if (
            job.status == JobStatus.RUNNING
            and job.heartbeat_at is not None
            and job.heartbeat_at > now - stale_after
        ):
            raise JobBusy(
                _("The job is already running in another process."),
                {"job": job.public_id, "heartbeat_at": job.heartbeat_at.isoformat()},
            )
        before = {"status": job.status, "attempts": job.attempts, "done": job.done}
        if job.total is None:
            try:
                with transaction.atomic():  # a savepoint: a failed count leaves no writes
                    job.total = max(0, int(handler.total(job)))
            except Exception as exc:
                logger.exception("job %s (%s): counting its work failed", job.public_id, job.kind)
                job.status = JobStatus.FAILED
                job.error = _error_text(exc)
                job.finished_at = now
                job.save(update_fields=["status", "error", "finished_at", "updated_at"])
                _audit(job, "jobs.fail", before, {"status": job.status, "error": job.error})
                return None
        job.status = JobStatus.RUNNING
        job.attempts += 1
        job.started_at = job.started_at or now
        job.heartbeat_at = now
        job.finished_at = None
        job.error = ""
        job.save(
            update_fields=[
                "total",
                "status",
                "attempts",
                "started_at",
                "heartbeat_at",
                "finished_at",
                "error",
                "updated_at",
            ]
        )
        action = "jobs.resume" if job.attempts > 1 else "jobs.start"
        _audit(job, action, before, {"status": job.status, "attempts": job.attempts})
    return job


def _run_one_chunk(job_pk: int, attempt: int, handler: JobHandler) -> Job:
    """One chunk and its checkpoint in one transaction. Returns the job as committed."""
    with transaction.atomic():
        # Lock the row for the whole chunk: a second runner cannot claim the job halfway
        # through it, and the fencing check below sees the latest status and attempt.
        job = Job.objects.select_for_update().get(pk=job_pk)
        if job.status != JobStatus.RUNNING or job.attempts != attempt:
            raise _LostClaim
        outcome = handler.run_chunk(job, copy.deepcopy(job.checkpoint))
        if not isinstance(outcome, ChunkResult):
            raise TypeError(f"{type(handler).__name__}.run_chunk must return a ChunkResult")
        now = clock.now()
        job.checkpoint = outcome.checkpoint
        job.done = max(0, int(outcome.done))
        job.total = max(job.total or 0, job.done)
        job.heartbeat_at = now
        if outcome.finished:
            before = {"status": job.status, "done": job.done}
            job.status = JobStatus.SUCCEEDED
            job.done = job.total
            job.result = outcome.result
            job.finished_at = now
        job.save(
            update_fields=[
                "checkpoint",
                "done",
                "total",
                "heartbeat_at",
                "status",
                "result",
                "finished_at",
                "updated_at",
            ]
        )
        if outcome.finished:
            _audit(job, "jobs.finish", before, {"status": job.status, "result": job.result})
    return job


def _end_attempt(job_pk: int, attempt: int, *, status: JobStatus, error: str) -> None:
    """Record how an attempt ended early, unless another runner owns the job by now."""
    with transaction.atomic():
        # Lock: the fencing check and the status write must see the same row version.
        job = Job.objects.select_for_update().get(pk=job_pk)
        if job.status != JobStatus.RUNNING or job.attempts != attempt:
            return
        before = {"status": job.status, "done": job.done}
        job.status = status
        job.error = error
        job.finished_at = clock.now() if status == JobStatus.FAILED else None
        job.save(update_fields=["status", "error", "finished_at", "updated_at"])
        action = "jobs.fail" if status == JobStatus.FAILED else "jobs.interrupt"
        _audit(job, action, before, {"status": job.status, "error": error})


def job_run(
    job: Job, *, progress: Progress | None = None, stale_after: dt.timedelta = STALE_AFTER
) -> Job:
    """Run ``job`` (or resume it from its checkpoint) until it succeeds, fails or is cancelled.

    A succeeded or cancelled job is returned as it is; a failed or stale one is retried from its
    checkpoint; one running in a live process raises ``JobBusy``. A handler exception marks the
    job failed (the failing chunk's writes are rolled back) and is logged, not raised. Ctrl-C
    puts the job back in the queue, ready to resume, and re-raises.
    """
    handler = handler_for(job.kind)
    claimed = _claim(job.pk, handler, stale_after=stale_after)
    if claimed is None:
        job.refresh_from_db()
        return job
    attempt = claimed.attempts
    current = claimed
    if progress is not None:
        progress(current.done, current.total or 0)
    while current.status == JobStatus.RUNNING:
        try:
            current = _run_one_chunk(job.pk, attempt, handler)
        except _LostClaim:
            logger.warning("job %s: claim lost (cancelled or taken over)", job.public_id)
            break
        except KeyboardInterrupt:
            _end_attempt(
                job.pk, attempt, status=JobStatus.QUEUED, error=_("Interrupted; resumable.")
            )
            raise
        except Exception as exc:
            logger.exception("job %s (%s) failed", job.public_id, job.kind)
            _end_attempt(job.pk, attempt, status=JobStatus.FAILED, error=_error_text(exc))
            break
        if progress is not None:
            progress(current.done, current.total or 0)
    job.refresh_from_db()
    if job.is_finished:
        _sign_audit_head(job)
    return job


def _sign_audit_head(job: Job) -> None:
    """The end of every batch job signs the audit chain's head (issue #7); a failure to sign is
    logged by the audit module and never changes the job's outcome."""
    from roadcredit.audit.heads import REASON_JOB_PREFIX, audit_head_sign_quietly

    audit_head_sign_quietly(reason=f"{REASON_JOB_PREFIX}{job.kind}:{job.public_id}")


def stale_jobs(*, stale_after: dt.timedelta = STALE_AFTER) -> list[Job]:
    """Running jobs whose runner died, and queued jobs nobody picked up in time."""
    cutoff = clock.now() - stale_after
    return list(
        Job.objects.filter(
            Q(status=JobStatus.RUNNING, heartbeat_at__lt=cutoff)
            | Q(status=JobStatus.RUNNING, heartbeat_at__isnull=True)
            | Q(status=JobStatus.QUEUED, created_at__lt=cutoff)
        ).order_by("created_at")
    )


def job_resume_all(
    *,
    stale_after: dt.timedelta = STALE_AFTER,
    progress_for: Callable[[Job], Progress | None] | None = None,
) -> list[Job]:
    """Resume every stale job in this process, oldest first; returns them as they ended.

    Run it from cron or a systemd timer (``manage.py run_job --resume-stale``) and after a
    deploy. Jobs that another live process picked up meanwhile are skipped.
    """
    finished: list[Job] = []
    for job in stale_jobs(stale_after=stale_after):
        progress = progress_for(job) if progress_for is not None else None
        try:
            finished.append(job_run(job, progress=progress, stale_after=stale_after))
        except JobBusy:
            continue
    return finished
