"""Calendar arithmetic shared by the grading engine and the publication windows (pure Python).

Month arithmetic follows one rule everywhere: "N months after day D" is the same day-of-month N
months later, clamped to the last day of that month (2026-01-31 + 1 month = 2026-02-28;
2024-02-29 + 12 months = 2025-02-28). Each boundary is computed from the original date, never by
repeated stepping, so anniversaries do not drift (2024-02-29 + 48 months = 2028-02-29).
"""

from __future__ import annotations

import datetime

__all__ = ["add_months", "days_in_month"]


_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def days_in_month(year: int, month: int) -> int:
    """Number of days in ``month`` of ``year`` (proleptic Gregorian)."""
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _DAYS[month - 1]


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` months later (or earlier when negative), clamped to month end."""
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    month = month0 + 1
    return datetime.date(year, month, min(day.day, days_in_month(year, month)))
