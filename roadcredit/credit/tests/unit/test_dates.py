"""Month arithmetic: same day N months later, clamped to the month end."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from roadcredit.credit.grading import add_months
from roadcredit.credit.tests.unit.builders import D


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2026, 1, 31), 1, D(2026, 2, 28)),
        (D(2028, 1, 31), 1, D(2028, 2, 29)),
        (D(2026, 3, 31), 1, D(2026, 4, 30)),
        (D(2026, 4, 1), 3, D(2026, 7, 1)),
        (D(2026, 11, 30), 3, D(2027, 2, 28)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2024, 2, 29), 48, D(2028, 2, 29)),
        (D(2026, 6, 30), -12, D(2025, 6, 30)),
        (D(2026, 3, 31), -1, D(2026, 2, 28)),
        (D(2026, 5, 15), 0, D(2026, 5, 15)),
    ],
)
def test_it_adds_calendar_months_clamped_to_month_end(day, months, expected):
    assert add_months(day, months) == expected


@given(st.dates(min_value=D(1990, 1, 1), max_value=D(2090, 12, 31)), st.integers(-240, 240))
def test_the_result_keeps_the_day_unless_the_month_is_shorter(day, months):
    result = add_months(day, months)

    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    assert result.day == day.day or (result.day < day.day and add_months(result, 0) == result)
