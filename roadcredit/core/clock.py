"""Time helpers: aware datetimes only, local dates in the bureau's time zone."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    return timezone.now()


def today() -> dt.date:
    """Today's date in Asia/Shanghai (the bureau's calendar), not UTC."""
    return timezone.localdate()
