"""Small pure helpers of the dashboard tables."""

from __future__ import annotations

import datetime as dt

import pytest

from roadcredit.statistics.tables import Chart, Dataset, month_label, months_between, percent, pivot


def test_it_lists_the_months_of_a_period_across_a_year_end():
    months = months_between(dt.date(2025, 11, 15), dt.date(2026, 2, 3))
    assert months == [
        dt.date(2025, 11, 1),
        dt.date(2025, 12, 1),
        dt.date(2026, 1, 1),
        dt.date(2026, 2, 1),
    ]
    assert month_label(months[1]) == "2025年12月"


@pytest.mark.parametrize(
    ("part", "whole", "expected"), [(0, 0, None), (1, 3, 33.3), (2, 3, 66.7), (5, 5, 100.0)]
)
def test_it_gives_shares_in_percent_and_none_without_a_whole(part, whole, expected):
    assert percent(part, whole) == expected


def test_it_pivots_cells_into_series_with_gaps():
    jan, feb = dt.date(2026, 1, 1), dt.date(2026, 2, 1)
    series = pivot([("a", feb, 50.0), ("b", jan, 100.0)], series=["a", "b"], months=[jan, feb])
    assert series == {"a": (None, 50.0), "b": (100.0, None)}


def test_a_chart_serialises_to_plain_json():
    chart = Chart("k", "bar", "标题", ("一月",), (Dataset("发证数", (3,)),), unit="%")
    assert chart.as_json() == {
        "key": "k",
        "kind": "bar",
        "title": "标题",
        "labels": ["一月"],
        "datasets": [{"label": "发证数", "data": [3]}],
        "unit": "%",
        "stacked": False,
    }
