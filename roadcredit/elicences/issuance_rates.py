"""The issuance rate (制证率) and the stock rate: periods and arithmetic (pure, no Django).

* 制证率 of a period = licences issued, renewed or changed in the period that have their
  e-licence ÷ all licences issued, renewed or changed in the period.
* Stock rate on a date = licences valid that day with an e-licence ÷ all licences valid that day.

Rates are exact fractions shown as percentages rounded half-up to two decimals (97.19 %); a
period with no licence has no rate (shown as “—”, never 0 % or 100 %). The totals row adds the
counts, it does not average the rates.

Text written to a spreadsheet goes through ``safe_cell`` (a cell starting with ``=``, ``+``,
``-`` or ``@`` would be a formula in Excel: it gets a leading apostrophe).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from roadcredit.core.uploads import formula_safe

PeriodKind = Literal["year", "half", "month", "custom"]
PERIOD_KINDS: tuple[PeriodKind, ...] = ("year", "half", "month", "custom")
NO_RATE = "—"
_HUNDREDTH = Decimal("0.01")


class PeriodError(ValueError):
    """A period that cannot exist; ``message`` is Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive
    label: str

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise PeriodError("统计期结束日期早于开始日期")


def period_of(
    kind: str,
    *,
    year: int | None = None,
    half: int | None = None,
    month: int | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> Period:
    """A calendar year, a half-year (1 = January–June), a month, or custom dates."""
    if kind == "custom":
        if start is None or end is None:
            raise PeriodError("自定义统计期须填写开始和结束日期")
        return Period(start, end, f"{start.isoformat()} 至 {end.isoformat()}")
    if year is None or not 1990 <= year <= 2100:
        raise PeriodError("请填写 1990–2100 之间的年份")
    if kind == "year":
        return Period(dt.date(year, 1, 1), dt.date(year, 12, 31), f"{year}年")
    if kind == "half":
        if half not in (1, 2):
            raise PeriodError("半年应为上半年（1）或下半年（2）")
        if half == 1:
            return Period(dt.date(year, 1, 1), dt.date(year, 6, 30), f"{year}年上半年")
        return Period(dt.date(year, 7, 1), dt.date(year, 12, 31), f"{year}年下半年")
    if kind == "month":
        if month is None or not 1 <= month <= 12:
            raise PeriodError("月份应为 1–12")
        last = calendar.monthrange(year, month)[1]
        return Period(dt.date(year, month, 1), dt.date(year, month, last), f"{year}年{month}月")
    raise PeriodError(f"未知的统计期类型“{kind}”")


def rate(with_electronic: int, total: int) -> Decimal | None:
    """The share as a percentage rounded half-up to 0.01 (None when there is nothing to count)."""
    if with_electronic < 0 or total < 0 or with_electronic > total:
        raise ValueError(f"impossible counts {with_electronic}/{total}")
    if total == 0:
        return None
    return (Decimal(with_electronic) * 100 / Decimal(total)).quantize(
        _HUNDREDTH, rounding=ROUND_HALF_UP
    )


def percent_text(value: Decimal | None) -> str:
    return NO_RATE if value is None else f"{value}%"


@dataclass(frozen=True)
class RateRow:
    key: str  # licence type key, "" for the totals row
    label: str
    with_electronic: int
    total: int

    @property
    def without_electronic(self) -> int:
        return self.total - self.with_electronic

    @property
    def rate(self) -> Decimal | None:
        return rate(self.with_electronic, self.total)

    @property
    def percent(self) -> str:
        return percent_text(self.rate)


def rate_rows(
    counts: Mapping[str, tuple[int, int]],
    types: Iterable[tuple[str, str]],
    *,
    total_label: str = "合计",
) -> list[RateRow]:
    """One row per type in ``types`` order (``(key, label)``; types without licences included)
    plus a totals row; ``counts`` maps a type key to ``(with e-licence, all)``. Counts of types
    not in ``types`` still go into the totals."""
    rows = [RateRow(key, label, *counts.get(key, (0, 0))) for key, label in types]
    with_e = sum(pair[0] for pair in counts.values())
    total = sum(pair[1] for pair in counts.values())
    rows.append(RateRow("", total_label, with_e, total))
    return rows


def safe_text(value: str) -> str:
    """Text that Excel would take for a formula, with a leading apostrophe."""
    return formula_safe(value)


def safe_cell(value: object) -> object:
    """A value safe to write into a spreadsheet cell: text that Excel would take for a formula
    gets a leading apostrophe; numbers and dates pass."""
    return safe_text(value) if isinstance(value, str) else value
