"""Fixtures of the dashboard tests: the licensing tests' working-day calendar (deadlines counted
from today never run off the end of the holiday data), and no reuse of computed figures between
requests unless a test asks for it (each test sees the data it has just written)."""

from typing import Any

import pytest

from roadcredit.licensing.tests.conftest import _calendar_dir, working_calendar

__all__ = ["_calendar_dir", "fresh_figures", "working_calendar"]


@pytest.fixture(autouse=True)
def fresh_figures(settings: Any) -> None:
    settings.STATISTICS_CACHE_SECONDS = 0
