"""The process-wide calendar accessor."""

from __future__ import annotations

import datetime as dt

from django.test import override_settings

from roadcredit.core.calendar import DEFAULT_DIRECTORY
from roadcredit.core.workdays import get_calendar


def test_it_loads_the_shipped_calendar_once():
    assert get_calendar() is get_calendar()
    assert get_calendar().add_working_days(dt.date(2025, 1, 24), 5) == dt.date(2025, 2, 7)


def test_a_data_directory_setting_replaces_the_shipped_files(tmp_path):
    (tmp_path / "2031.toml").write_text("year = 2031\n", encoding="utf-8")

    with override_settings(HOLIDAY_CALENDAR_DIR=tmp_path):
        assert get_calendar().years == frozenset({2031})

    assert 2025 in get_calendar().years
    assert DEFAULT_DIRECTORY.is_dir()


def test_a_deadline_counted_now_runs_into_2027_instead_of_failing():
    # 2026-11-28: a 20-working-day deadline from mid-December ends in January 2027.
    assert get_calendar().add_working_days(dt.date(2026, 12, 14), 20) == dt.date(2027, 1, 12)
    assert 2027 in get_calendar().provisional_years
