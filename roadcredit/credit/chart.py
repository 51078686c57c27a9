"""The score history chart, computed on the server as SVG geometry (pure Python, no Django).

The page draws it with SVG elements, presentation attributes and CSS classes only (the content
security policy forbids inline styles and scripts), so the template needs nothing but numbers and
labels: ``score_chart(points, …)`` returns them.

A grade snapshot is written only when the grade changes, so the history is a step function: each
score holds from its date until the next snapshot, and the last one until ``until`` (today).
An unrated stretch (no score) breaks the line.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["ChartPoint", "ScoreChart", "Tick", "score_chart"]


@dataclass(frozen=True, slots=True)
class ChartPoint:
    """One snapshot: from ``on`` the subject had ``score`` (None: not rated) and ``grade``."""

    on: datetime.date
    score: int | None
    grade: str
    grade_name_zh: str


@dataclass(frozen=True, slots=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True, slots=True)
class Marker:
    x: float
    y: float
    label: str  # tooltip text (<title>)


@dataclass(frozen=True, slots=True)
class ScoreChart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    paths: tuple[str, ...]  # SVG path data, one per rated stretch
    markers: tuple[Marker, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    summary_zh: str  # text alternative for screen readers
    empty: bool

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"

    @property
    def plot_right(self) -> int:
        return self.width - self.right

    @property
    def plot_bottom(self) -> int:
        return self.height - self.bottom

    @property
    def label_x(self) -> int:
        return self.left - 6

    @property
    def label_y(self) -> int:
        return self.height - self.bottom + 18


def _fmt(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def score_chart(
    points: Sequence[ChartPoint],
    *,
    until: datetime.date,
    y_max: int,
    y_label_zh: str = "分",
    width: int = 640,
    height: int = 220,
    inverted: bool = False,
) -> ScoreChart:
    """Geometry of the step chart of ``points`` (oldest first) up to ``until``.

    ``y_max``: top of the scale (enterprise: base + bonus cap; driver: the 20-point ceiling).
    ``inverted``: draw 0 at the top (driver demerit points: fewer is better).
    """
    left, right, top, bottom = 48, 16, 16, 32
    plot_w = width - left - right
    plot_h = height - top - bottom
    ordered = sorted(points, key=lambda p: p.on)
    if not ordered:
        return ScoreChart(
            width, height, left, right, top, bottom, (), (), (), (), "暂无评价记录", True
        )
    start = ordered[0].on
    end = max(until, ordered[-1].on)
    span = max((end - start).days, 1)
    y_max = max(y_max, 1, *(p.score for p in ordered if p.score is not None))

    def x_of(day: datetime.date) -> float:
        return left + plot_w * (day - start).days / span

    def y_of(score: int) -> float:
        ratio = score / y_max
        return top + plot_h * (ratio if inverted else 1 - ratio)

    paths: list[str] = []
    markers: list[Marker] = []
    current: list[str] = []
    for index, point in enumerate(ordered):
        nxt = ordered[index + 1].on if index + 1 < len(ordered) else end
        if point.score is None:
            if current:
                paths.append(" ".join(current))
                current = []
            continue
        x0, x1, y = x_of(point.on), x_of(nxt), y_of(point.score)
        if current:
            current.append(f"V{_fmt(y)}")
        else:
            current.append(f"M{_fmt(x0)} {_fmt(y)}")
        current.append(f"H{_fmt(x1)}")
        markers.append(
            Marker(
                x=round(x0, 1),
                y=round(y, 1),
                label=f"{point.on.isoformat()}：{point.grade_name_zh}，{point.score}{y_label_zh}",
            )
        )
    if current:
        paths.append(" ".join(current))

    y_ticks = tuple(
        Tick(position=round(y_of(value), 1), label=str(value))
        for value in sorted({0, y_max // 2, y_max})
    )
    x_ticks = [Tick(position=round(x_of(start), 1), label=start.isoformat())]
    if end != start:
        x_ticks.append(Tick(position=round(x_of(end), 1), label=end.isoformat()))
    latest = ordered[-1]
    if latest.score is None:
        summary = (
            f"{start.isoformat()}至{end.isoformat()}的信用等级变化；目前{latest.grade_name_zh}"
        )
    else:
        summary = (
            f"{start.isoformat()}至{end.isoformat()}的信用等级变化；目前{latest.grade_name_zh}，"
            f"{latest.score}{y_label_zh}"
        )
    return ScoreChart(
        width=width,
        height=height,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        paths=tuple(paths),
        markers=tuple(markers),
        x_ticks=tuple(x_ticks),
        y_ticks=y_ticks,
        summary_zh=summary,
        empty=False,
    )
