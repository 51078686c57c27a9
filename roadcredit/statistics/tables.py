"""The dashboard's tables and charts as plain data (pure Python, no Django).

A ``Table`` is what the page shows and what the Excel export writes: a title, headers and rows
of plain values. A ``Chart`` is what the vendored chart library draws (``static/statistics/
dashboard.js`` reads it from a JSON data block; the content security policy forbids inline
scripts, and a JSON block is data, not script).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Cell = str | int | float | None
ChartKind = Literal["bar", "line", "doughnut"]


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    note: str = ""

    @property
    def empty(self) -> bool:
        return not self.rows


@dataclass(frozen=True)
class Dataset:
    label: str
    data: tuple[float | int | None, ...]


@dataclass(frozen=True)
class Chart:
    key: str
    kind: ChartKind
    title: str
    labels: tuple[str, ...]
    datasets: tuple[Dataset, ...]
    unit: str = ""
    stacked: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "title": self.title,
            "labels": list(self.labels),
            "datasets": [{"label": d.label, "data": list(d.data)} for d in self.datasets],
            "unit": self.unit,
            "stacked": self.stacked,
        }


def month_label(month: dt.date) -> str:
    return f"{month.year}年{month.month}月"


def months_between(start: dt.date, end: dt.date) -> list[dt.date]:
    """First days of every month from ``start``'s to ``end``'s, inclusive."""
    months: list[dt.date] = []
    current = start.replace(day=1)
    while current <= end:
        months.append(current)
        current = (current.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return months


def percent(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` in percent, one decimal; None when there is nothing to divide."""
    if whole <= 0:
        return None
    return round(part * 100.0 / whole, 1)


def pivot(
    cells: Sequence[tuple[str, dt.date, float | None]],
    *,
    series: Sequence[str],
    months: Sequence[dt.date],
) -> dict[str, tuple[float | None, ...]]:
    """``(series, month, value)`` cells as one tuple of values per series over ``months``
    (None where a month has no value)."""
    found = {(name, month): value for name, month, value in cells}
    return {name: tuple(found.get((name, month)) for month in months) for name in series}
