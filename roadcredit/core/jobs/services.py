"""Submitting and cancelling jobs, and handing them to whoever runs them."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any, Literal

from django.conf import settings
from django.db import IntegrityError, connections, transaction
from django.utils.translation import gettext as _

from roadcredit.audit.services import audit_record
from roadcredit.core import clock
from roadcredit.core.errors import Conflict, ValidationFailed
from roadcredit.core.models import Job, JobStatus

from .registry import UnknownJobKind, handler_class
from .runner import JobBusy, job_run

if TYPE_CHECKING:
    from roadcredit.accounts.models import User

logger = logging.getLogger(__name__)

RunMode = Literal["auto", "inline", "defer"]


def job_submit(
    *,
    actor: User | None,
    kind: str,
    params: dict[str, Any],
    idempotency_key: str | None = None,
    run: RunMode = "auto",
) -> Job:
    """Create a job and start it.

    ``run``: ``"auto"`` hands it, once the surrounding transaction commits, to a Celery worker
    when ``CELERY_BROKER_URL`` is set and otherwise to a daemon thread of this process (for
    pages); ``"inline"`` runs it here and now (tests, scripts; management commands rather call
    ``job_run`` themselves with a progress bar); ``"defer"`` only creates it.

    Submitting an ``idempotency_key`` already used returns that job untouched (and does not start
    it again); the same key with another kind or other parameters is a ``Conflict``.
    """
    try:
        handler_class(kind)
    except UnknownJobKind:
        raise ValidationFailed.for_fields(
            _("Unknown kind of background job."), {"kind": [_("Unknown kind of background job.")]}
        ) from None
    key = idempotency_key.strip() if idempotency_key else None
    if key:
        existing = _existing_for_key(key, kind=kind, params=params)
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            job = Job.objects.create(
                kind=kind,
                params=params,
                idempotency_key=key or None,
                created_by=actor,
            )
            audit_record(
                actor=actor,
                action="jobs.submit",
                target=job,
                after={"kind": kind, "params": params, "idempotency_key": key},
            )
    except IntegrityError:
        # Two submissions with the same key raced past the lookup; the unique index let one
        # through. Return that one (or raise if this was not an idempotency-key collision).
        existing = _existing_for_key(key, kind=kind, params=params) if key else None
        if existing is None:
            raise
        return existing
    if run == "inline":
        return job_run(job)
    if run == "auto":
        transaction.on_commit(lambda: dispatch(job.pk))
    return job


def _existing_for_key(key: str, *, kind: str, params: dict[str, Any]) -> Job | None:
    existing = Job.objects.filter(idempotency_key=key).first()
    if existing is None:
        return None
    if existing.kind != kind or existing.params != params:
        raise Conflict(
            _("This idempotency key was already used for a different job."),
            {"job": existing.public_id},
        )
    return existing


def job_cancel(*, actor: User | None, job: Job) -> Job:
    """Stop a job that has not succeeded; a running one stops before its next chunk."""
    with transaction.atomic():
        # Lock: a runner commits chunks under this lock, so the cancel lands between chunks and
        # the runner's fencing check sees it.
        locked = Job.objects.select_for_update().get(pk=job.pk)
        if locked.status in (JobStatus.SUCCEEDED, JobStatus.CANCELLED):
            raise Conflict(_("The job has already ended."), {"status": locked.status})
        before = {"status": locked.status, "done": locked.done}
        locked.status = JobStatus.CANCELLED
        locked.finished_at = clock.now()
        locked.save(update_fields=["status", "finished_at", "updated_at"])
        audit_record(
            actor=actor,
            action="jobs.cancel",
            target=locked,
            before=before,
            after={"kind": locked.kind, "status": locked.status},
        )
    return locked


def dispatch(job_pk: int) -> None:
    """Hand a committed job to a Celery worker if a broker is configured, else to a thread."""
    if settings.CELERY_BROKER_URL:
        from .tasks import enqueue

        enqueue(job_pk)
    else:
        start_thread(job_pk)


def start_thread(job_pk: int) -> threading.Thread:
    """Run the job in a daemon thread of this (web) process.

    If the process exits, the thread dies with it mid-chunk; that chunk rolls back and the job
    is resumed later by ``run_job --resume-stale``.
    """

    def target() -> None:
        try:
            job = Job.objects.get(pk=job_pk)
            job_run(job)
        except JobBusy:
            logger.info("job %s is already running elsewhere", job_pk)
        except Exception:
            logger.exception("job %s: the background thread failed", job_pk)
        finally:
            connections.close_all()  # this thread's own connections

    thread = threading.Thread(target=target, name=f"roadcredit-job-{job_pk}", daemon=True)
    thread.start()
    return thread
