"""The Celery app. Used only when CELERY_BROKER_URL is set; otherwise jobs run in-process.

Worker: ``celery -A config.celery worker -Q roadcredit --concurrency=1`` (see
docs/decisions/003-background-jobs.md). The only task is ``roadcredit.core.jobs.tasks.run_job``;
job handlers are found by autodiscovery of ``<app>/jobs.py`` when a job first needs them.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("roadcredit")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["roadcredit.core.jobs"])
