"""The Celery app. Used only when CELERY_BROKER_URL is set; otherwise jobs run in-process."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("roadcredit")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["roadcredit.core"])
