"""The score history chart geometry (pure)."""

from __future__ import annotations

import datetime as dt

from roadcredit.credit.chart import ChartPoint, score_chart

D = dt.date


def test_an_empty_history_draws_nothing():
    chart = score_chart([], until=D(2026, 11, 28), y_max=110)

    assert chart.empty
    assert chart.paths == ()


def test_the_history_is_a_step_line_up_to_today():
    points = [
        ChartPoint(D(2026, 1, 1), 100, "AA", "AA级（优良）"),
        ChartPoint(D(2026, 7, 1), 80, "A", "A级（良好）"),
    ]

    chart = score_chart(points, until=D(2026, 12, 31), y_max=100, width=448, height=148)

    # plot: x 48..432 over 364 days, y 16..116 for 100..0
    assert chart.paths == ("M48 16 H238.9 V36 H432",)
    assert [(m.x, m.y) for m in chart.markers] == [(48.0, 16.0), (238.9, 36.0)]
    assert chart.markers[1].label == "2026-07-01：A级（良好），80分"
    assert [t.label for t in chart.y_ticks] == ["0", "50", "100"]
    assert [t.label for t in chart.x_ticks] == ["2026-01-01", "2026-12-31"]
    assert chart.summary_zh.endswith("目前A级（良好），80分")


def test_an_unrated_stretch_breaks_the_line():
    points = [
        ChartPoint(D(2026, 1, 1), 90, "AA", "AA级"),
        ChartPoint(D(2026, 3, 1), None, "UNRATED", "未评级"),
        ChartPoint(D(2026, 5, 1), 70, "B", "B级"),
    ]

    chart = score_chart(points, until=D(2026, 6, 1), y_max=110)

    assert len(chart.paths) == 2
    assert len(chart.markers) == 2


def test_driver_points_are_drawn_upside_down():
    points = [
        ChartPoint(D(2026, 1, 1), 0, "AAA", "AAA级"),
        ChartPoint(D(2026, 6, 1), 20, "B", "B级"),
    ]

    chart = score_chart(points, until=D(2026, 6, 1), y_max=20, inverted=True, height=148)

    assert [m.y for m in chart.markers] == [16.0, 116.0]  # 0 points at the top
