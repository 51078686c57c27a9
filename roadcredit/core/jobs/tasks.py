"""The Celery side: one task that runs a job, and sending it to the broker.

The worker is started with ``celery -A config.celery worker -Q roadcredit``; the task is
acknowledged late (``CELERY_TASK_ACKS_LATE``), so a worker killed mid-job gets it redelivered and
the job resumes from its checkpoint. A redelivered task for a job already finished is a no-op.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from roadcredit.core.models import Job

from .runner import JobBusy, job_run

logger = logging.getLogger(__name__)

TASK_NAME = "roadcredit.core.jobs.tasks.run_job"


@shared_task(name=TASK_NAME, ignore_result=True, acks_late=True)
def run_job(job_id: int) -> str:
    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        logger.warning("run_job: job %s does not exist", job_id)
        return "missing"
    try:
        job = job_run(job)
    except JobBusy:
        logger.info("run_job: job %s is running in another process", job.public_id)
        return "busy"
    return job.status


def enqueue(job_id: int) -> None:
    """Send ``run_job(job_id)`` to the queue named by the settings read now (not at import)."""
    from config.celery import app

    with app.connection_for_write(settings.CELERY_BROKER_URL) as connection:
        app.send_task(
            TASK_NAME,
            args=[job_id],
            queue=settings.CELERY_TASK_DEFAULT_QUEUE,
            connection=connection,
        )
