"""The Django side of the working-day calendar: one cached instance for the process.

    from roadcredit.core.workdays import get_calendar
    deadline = get_calendar().add_working_days(accepted_on, 20)

The data directory is ``settings.HOLIDAY_CALENDAR_DIR`` when set, else the holiday files shipped
in ``roadcredit/core/data/holidays``.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from .calendar import DEFAULT_DIRECTORY, WorkingCalendar


@functools.cache
def get_calendar() -> WorkingCalendar:
    directory = getattr(settings, "HOLIDAY_CALENDAR_DIR", None) or DEFAULT_DIRECTORY
    return WorkingCalendar.load(Path(directory))


@receiver(setting_changed)
def _forget_calendar(*, setting: str, **kwargs: Any) -> None:
    if setting == "HOLIDAY_CALENDAR_DIR":
        get_calendar.cache_clear()
