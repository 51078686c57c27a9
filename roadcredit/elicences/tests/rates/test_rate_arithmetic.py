"""制证率 arithmetic, periods and spreadsheet-safe cells (pure, no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from roadcredit.elicences.issuance_rates import (
    Period,
    PeriodError,
    percent_text,
    period_of,
    rate,
    rate_rows,
    safe_cell,
)


@pytest.mark.parametrize(
    ("with_e", "total", "expected"),
    [
        (1418, 1459, Decimal("97.19")),  # the seed's 2024 figure
        (1392, 1432, Decimal("97.21")),
        (0, 5, Decimal("0.00")),
        (5, 5, Decimal("100.00")),
        (1, 3, Decimal("33.33")),
        (2, 3, Decimal("66.67")),
        (1, 8, Decimal("12.50")),
        (1, 800, Decimal("0.13")),  # 0.125 rounds half up
        (0, 0, None),  # an empty period has no rate
    ],
)
def test_the_rate_is_a_percentage_rounded_half_up(with_e, total, expected):
    assert rate(with_e, total) == expected


@pytest.mark.parametrize(("with_e", "total"), [(3, 2), (-1, 4), (1, -1)])
def test_impossible_counts_are_a_programming_error(with_e, total):
    with pytest.raises(ValueError):
        rate(with_e, total)


def test_no_rate_is_shown_as_a_dash_not_zero():
    assert percent_text(None) == "—"
    assert percent_text(Decimal("97.19")) == "97.19%"


@pytest.mark.parametrize(
    ("kwargs", "start", "end", "label"),
    [
        ({"kind": "year", "year": 2024}, dt.date(2024, 1, 1), dt.date(2024, 12, 31), "2024年"),
        (
            {"kind": "half", "year": 2025, "half": 1},
            dt.date(2025, 1, 1),
            dt.date(2025, 6, 30),
            "2025年上半年",
        ),
        (
            {"kind": "half", "year": 2025, "half": 2},
            dt.date(2025, 7, 1),
            dt.date(2025, 12, 31),
            "2025年下半年",
        ),
        (
            {"kind": "month", "year": 2024, "month": 2},
            dt.date(2024, 2, 1),
            dt.date(2024, 2, 29),
            "2024年2月",
        ),
        (
            {"kind": "month", "year": 2025, "month": 2},
            dt.date(2025, 2, 1),
            dt.date(2025, 2, 28),
            "2025年2月",
        ),
        (
            {"kind": "custom", "start": dt.date(2025, 3, 15), "end": dt.date(2025, 4, 14)},
            dt.date(2025, 3, 15),
            dt.date(2025, 4, 14),
            "2025-03-15 至 2025-04-14",
        ),
    ],
)
def test_it_builds_the_periods_leaders_ask_for(kwargs, start, end, label):
    kind = kwargs.pop("kind")
    period = period_of(kind, **kwargs)
    assert (period.start, period.end, period.label) == (start, end, label)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kind": "year"},
        {"kind": "half", "year": 2025, "half": 3},
        {"kind": "month", "year": 2025, "month": 13},
        {"kind": "custom", "start": dt.date(2025, 5, 1)},
        {"kind": "custom", "start": dt.date(2025, 5, 1), "end": dt.date(2025, 4, 1)},
        {"kind": "quarter", "year": 2025},
    ],
)
def test_it_refuses_a_period_that_cannot_exist(kwargs):
    kind = kwargs.pop("kind")
    with pytest.raises(PeriodError):
        period_of(kind, **kwargs)


def test_the_table_lists_every_type_and_adds_up_the_counts_not_the_rates():
    rows = rate_rows(
        {"business_licence": (99, 100), "transport_certificate": (1, 1), "retired": (0, 1)},
        [
            ("business_licence", "道路运输经营许可证"),
            ("transport_certificate", "道路运输证"),
            ("qualification_certificate", "从业资格证"),
        ],
    )
    assert [(r.label, r.with_electronic, r.total, r.percent) for r in rows] == [
        ("道路运输经营许可证", 99, 100, "99.00%"),
        ("道路运输证", 1, 1, "100.00%"),
        ("从业资格证", 0, 0, "—"),
        ("合计", 100, 102, "98.04%"),
    ]
    assert rows[0].without_electronic == 1


def test_an_empty_report_has_no_rate_anywhere():
    rows = rate_rows({}, [("business_licence", "道路运输经营许可证")])
    assert [r.percent for r in rows] == ["—", "—"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+86 123", "'+86 123"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("道路运输证", "道路运输证"),
        (12, 12),
    ],
)
def test_text_that_excel_would_run_as_a_formula_is_neutralised(value, expected):
    assert safe_cell(value) == expected


def test_a_period_cannot_end_before_it_starts():
    with pytest.raises(PeriodError):
        Period(dt.date(2025, 2, 1), dt.date(2025, 1, 1), "x")
