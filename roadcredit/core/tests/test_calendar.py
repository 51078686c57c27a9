"""The working-day calendar (pure: no Django, no database)."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest

from roadcredit.core.calendar import (
    CalendarDataError,
    CalendarYearMissing,
    WorkingCalendar,
    parse_year,
)

D = dt.date


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return WorkingCalendar.load()


def test_the_shipped_data_cover_2024_to_2027_are_unverified_and_2027_is_provisional(cal):
    assert cal.years == frozenset({2024, 2025, 2026, 2027})
    assert cal.unverified_years == frozenset({2024, 2025, 2026, 2027})
    assert cal.provisional_years == frozenset({2027})


@pytest.mark.parametrize(
    ("day", "working", "why"),
    [
        (D(2025, 1, 2), True, "ordinary Thursday"),
        (D(2025, 1, 4), False, "ordinary Saturday"),
        (D(2025, 1, 1), False, "元旦"),
        (D(2025, 1, 26), True, "Sunday worked for the Spring Festival (调休)"),
        (D(2025, 1, 28), False, "除夕, first day of the Spring Festival"),
        (D(2025, 2, 4), False, "last day of the Spring Festival"),
        (D(2025, 2, 5), True, "first working day after the Spring Festival"),
        (D(2025, 2, 8), True, "Saturday worked for the Spring Festival"),
        (D(2025, 4, 27), True, "Sunday worked for Labour Day"),
        (D(2025, 5, 5), False, "Monday off for Labour Day"),
        (D(2025, 6, 2), False, "Monday off for the Dragon Boat Festival"),
        (D(2025, 9, 28), True, "Sunday worked for National Day"),
        (D(2025, 10, 8), False, "Wednesday off, National Day and Mid-Autumn together"),
        (D(2025, 10, 11), True, "Saturday worked for National Day"),
        (D(2024, 2, 9), True, "除夕 2024 was a working day"),
        (D(2024, 5, 11), True, "Saturday worked for Labour Day 2024"),
        (D(2024, 9, 14), True, "Saturday worked for Mid-Autumn 2024"),
        (D(2024, 9, 16), False, "Monday off for Mid-Autumn 2024"),
        (D(2026, 1, 4), True, "Sunday worked for New Year 2026"),
        (D(2026, 1, 2), False, "Friday off for New Year 2026"),
        (D(2026, 2, 23), False, "last day of the 2026 Spring Festival, a Monday"),
        (D(2026, 2, 28), True, "Saturday worked for the 2026 Spring Festival"),
        (D(2026, 9, 20), True, "Sunday worked for National Day 2026"),
        (D(2026, 10, 10), True, "Saturday worked for National Day 2026"),
    ],
)
def test_it_knows_which_days_are_working_days(cal, day, working, why):
    assert cal.is_working_day(day) is working, why


@pytest.mark.parametrize(
    ("start", "days", "expected", "why"),
    [
        (D(2025, 1, 24), 5, D(2025, 2, 7), "5 working days over the Spring Festival"),
        (D(2025, 1, 24), 1, D(2025, 1, 26), "the make-up Sunday counts"),
        (D(2025, 1, 27), 1, D(2025, 2, 5), "the whole festival is skipped"),
        (D(2025, 2, 7), 1, D(2025, 2, 8), "the make-up Saturday counts"),
        (D(2025, 3, 3), 20, D(2025, 3, 31), "20 working days in an ordinary month"),
        (D(2025, 9, 26), 5, D(2025, 10, 10), "make-up Sunday, then over National Day"),
        (D(2025, 1, 3), 0, D(2025, 1, 3), "zero days is the start itself"),
        (D(2025, 2, 7), -5, D(2025, 1, 24), "negative counts walk backwards"),
        (D(2024, 12, 30), 3, D(2025, 1, 3), "across the new year, skipping 元旦"),
        (D(2026, 2, 13), 2, D(2026, 2, 24), "make-up Saturday, then 9 days off in 2026"),
    ],
)
def test_it_adds_working_days(cal, start, days, expected, why):
    assert cal.add_working_days(start, days) == expected, why


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (D(2025, 1, 24), D(2025, 2, 7), 5),
        (D(2025, 2, 7), D(2025, 1, 24), -5),
        (D(2025, 1, 24), D(2025, 1, 24), 0),
        (D(2025, 1, 27), D(2025, 2, 4), 0),
        (D(2025, 9, 30), D(2025, 10, 11), 3),
    ],
)
def test_it_counts_working_days_between_two_dates(cal, start, end, expected):
    assert cal.working_days_between(start, end) == expected


def test_counting_is_the_inverse_of_adding(cal):
    start = D(2025, 1, 2)
    for days in range(0, 60):
        assert cal.working_days_between(start, cal.add_working_days(start, days)) == days


@pytest.mark.parametrize(
    ("day", "next_day", "rolled"),
    [
        (D(2025, 1, 24), D(2025, 1, 26), D(2025, 1, 24)),
        (D(2025, 1, 29), D(2025, 2, 5), D(2025, 2, 5)),
        (D(2025, 10, 1), D(2025, 10, 9), D(2025, 10, 9)),
        (D(2025, 10, 10), D(2025, 10, 11), D(2025, 10, 10)),
    ],
)
def test_it_finds_the_next_working_day_and_rolls_deadlines_forward(cal, day, next_day, rolled):
    assert cal.next_working_day(day) == next_day
    assert cal.roll_forward(day) == rolled


def test_it_names_the_holiday_a_day_off_belongs_to(cal):
    assert cal.holiday_name(D(2025, 1, 30)) == "春节"
    assert cal.holiday_name(D(2025, 10, 6)) == "国庆节、中秋节"
    assert cal.holiday_name(D(2025, 3, 1)) is None


def test_it_refuses_to_guess_for_a_year_without_data(cal):
    with pytest.raises(CalendarYearMissing) as caught:
        cal.is_working_day(D(2028, 3, 1))

    assert caught.value.year == 2028
    assert "2028" in caught.value.message and "缺少" in caught.value.message
    with pytest.raises(CalendarYearMissing):
        cal.add_working_days(D(2027, 12, 27), 10)
    assert not cal.covers(D(2023, 12, 29))


# --- 2027: the statutory days off, provisional until the State Council's notice ----------------


@pytest.mark.parametrize(
    ("day", "working", "why"),
    [
        (D(2027, 1, 1), False, "元旦 (a Friday)"),
        (D(2027, 1, 4), True, "first working day of 2027"),
        (D(2027, 2, 4), True, "the Thursday before 除夕"),
        (D(2027, 2, 5), False, "除夕"),
        (D(2027, 2, 6), False, "初一"),
        (D(2027, 2, 8), False, "初三, a Monday"),
        (D(2027, 2, 9), True, "补假 for 初一/初二 on the weekend is not known yet"),
        (D(2027, 4, 5), False, "清明节"),
        (D(2027, 5, 3), True, "补假 for 劳动节 on the weekend is not known yet"),
        (D(2027, 6, 9), False, "端午节"),
        (D(2027, 9, 15), False, "中秋节"),
        (D(2027, 10, 1), False, "国庆节"),
        (D(2027, 10, 4), True, "补假 for 国庆节 on the weekend is not known yet"),
    ],
)
def test_2027_has_the_statutory_days_off(cal, day, working, why):
    assert cal.is_working_day(day) is working, why


@pytest.mark.parametrize(
    ("start", "days", "expected", "why"),
    [
        (D(2026, 12, 28), 5, D(2027, 1, 5), "across the new year, skipping 元旦"),
        (D(2026, 11, 30), 20, D(2026, 12, 28), "a 20-day deadline accepted today stays in 2026"),
        (D(2026, 12, 14), 20, D(2027, 1, 12), "a 20-day deadline running into 2027"),
        (D(2027, 1, 29), 5, D(2027, 2, 9), "over the Spring Festival"),
        (D(2027, 9, 27), 5, D(2027, 10, 5), "over 国庆节"),
        (D(2026, 11, 27), 15, D(2026, 12, 18), "an objection decided within 15 working days"),
    ],
)
def test_it_counts_2027_deadlines(cal, start, days, expected, why):
    assert cal.add_working_days(start, days) == expected, why


def test_counting_through_a_provisional_year_warns_once(caplog):
    fresh = WorkingCalendar.load()
    with caplog.at_level(logging.WARNING, logger="roadcredit.core.calendar"):
        fresh.add_working_days(D(2026, 12, 21), 10)
        fresh.add_working_days(D(2027, 3, 1), 10)
        fresh.add_working_days(D(2026, 3, 2), 10)

    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1
    assert "2027" in warnings[0] and "暂定" in warnings[0]


def write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")


def test_it_loads_a_directory_of_year_files(tmp_path):
    write(
        tmp_path,
        "2030.toml",
        'year = 2030\nsource = "test"\nverified = true\n[[holidays]]\nname = "元旦"\n'
        "first_day = 2030-01-01\nlast_day = 2030-01-01\nmakeup_working_days = [2030-01-05]\n",
    )

    cal = WorkingCalendar.load(tmp_path)

    assert cal.years == frozenset({2030})
    assert cal.unverified_years == frozenset()
    assert cal.is_working_day(D(2030, 1, 5))  # a Saturday worked
    assert not cal.is_working_day(D(2030, 1, 1))


@pytest.mark.parametrize(
    ("file_name", "text", "problem"),
    [
        ("2030.toml", "year = 2031\n", "holds year 2031"),
        ("2030.toml", "year = 2030\nyaer = 1\n", "unknown keys"),
        (
            "2030.toml",
            "year = 2030\n[[holidays]]\nname = 'x'\nfirst_day = 2030-01-03\n"
            "last_day = 2030-01-01\n",
            "before first_day",
        ),
        (
            "2030.toml",
            "year = 2030\n[[holidays]]\nname = 'x'\nfirst_day = 2030-01-01\n"
            "last_day = 2030-01-01\nmakeup_working_days = [2030-01-02]\n",
            "is a weekday",
        ),
        (
            "2030.toml",
            "year = 2030\n[[holidays]]\nname = 'x'\nfirst_day = '2030-01-01'\n"
            "last_day = 2030-01-01\n",
            "expected a date",
        ),
        (
            "2030.toml",
            "year = 2030\n[[holidays]]\nname = 'x'\nfirst_day = 2030-01-05\n"
            "last_day = 2030-01-06\nmakeup_working_days = [2030-01-05]\n",
            "both off and make-up",
        ),
        ("2030.toml", "year = [", "2030.toml"),
        ("2030.toml", "year = 2030\nprovisional = 'yes'\n", "'provisional' must be true or false"),
        (
            "2030.toml",
            "year = 2030\nprovisional = true\nverified = true\n",
            "a provisional year cannot be verified",
        ),
    ],
)
def test_it_rejects_malformed_or_contradictory_data(tmp_path, file_name, text, problem):
    write(tmp_path, file_name, text)

    with pytest.raises(CalendarDataError, match=problem):
        WorkingCalendar.load(tmp_path)


def test_an_empty_directory_is_an_error(tmp_path):
    with pytest.raises(CalendarDataError, match="no holiday data"):
        WorkingCalendar.load(tmp_path)


def test_a_year_given_twice_is_an_error():
    data = parse_year({"year": 2030})
    with pytest.raises(CalendarDataError, match="twice"):
        WorkingCalendar([data, data])
