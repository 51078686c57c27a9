"""The working-day calendar: statutory holidays and make-up working days (调休) as data.

Pure Python (no Django): every deadline counted in working days (工作日) goes through here.
The data are one TOML file per year in ``roadcredit/core/data/holidays/`` transcribed from the
State Council's yearly notice (国务院办公厅关于某年部分节假日安排的通知).

Rules, in order: a make-up working day is a working day; a day inside a holiday period is not;
otherwise Monday to Friday are working days and weekends are not.

A date in a year with no data file raises ``CalendarYearMissing``: the calendar never guesses,
because a weekends-only fallback would silently shorten or lengthen legal deadlines around the
Spring Festival. Add the next year's file as soon as the notice is out (usually October or
November). A year may also be shipped *provisional* (``provisional = true``: the statutory days
off only, computed before the notice, without its 补假 and 调休): the calendar counts with it,
and logs a warning once per year and process when it does, because such a year has fewer days off
than the notice will give. See docs/decisions/004-working-day-calendar.md.
"""

from __future__ import annotations

import datetime as dt
import logging
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

DEFAULT_DIRECTORY = Path(__file__).resolve().parent / "data" / "holidays"
SATURDAY = 5
# Bound on a single walk; no real deadline is anywhere near this many working days.
MAX_WORKING_DAYS = 10_000


class CalendarDataError(ValueError):
    """A holiday data file is malformed or contradicts itself."""


class CalendarYearMissing(LookupError):
    """A date falls in a year the calendar has no data for."""

    def __init__(self, year: int) -> None:
        self.year = year
        self.message = (
            f"工作日历缺少 {year} 年的法定节假日数据，无法计算工作日；"
            f"请按国务院办公厅通知补充 roadcredit/core/data/holidays/{year}.toml"
        )
        super().__init__(self.message)


@dataclass(frozen=True)
class Holiday:
    name: str
    first_day: dt.date
    last_day: dt.date
    makeup_working_days: tuple[dt.date, ...] = ()

    def days(self) -> Iterable[dt.date]:
        day = self.first_day
        while day <= self.last_day:
            yield day
            day += dt.timedelta(days=1)


@dataclass(frozen=True)
class YearData:
    year: int
    source: str
    verified: bool
    holidays: tuple[Holiday, ...]
    provisional: bool = False  # statutory days only, before the State Council's notice


_YEAR_KEYS = {"year", "source", "verified", "provisional", "holidays"}
_HOLIDAY_KEYS = {"name", "first_day", "last_day", "makeup_working_days"}


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise CalendarDataError(f"{where}: expected a date like 2025-01-28, got {value!r}")
    return value


def parse_year(data: Mapping[str, Any], *, origin: str = "<data>") -> YearData:
    """Check and convert one year's parsed TOML."""
    unknown = set(data) - _YEAR_KEYS
    if unknown:
        raise CalendarDataError(f"{origin}: unknown keys {sorted(unknown)}")
    year = data.get("year")
    if not isinstance(year, int) or isinstance(year, bool):
        raise CalendarDataError(f"{origin}: 'year' must be an integer")
    holidays: list[Holiday] = []
    for index, raw in enumerate(data.get("holidays", [])):
        where = f"{origin} holidays[{index}]"
        if not isinstance(raw, Mapping):
            raise CalendarDataError(f"{where}: expected a table")
        unknown = set(raw) - _HOLIDAY_KEYS
        if unknown:
            raise CalendarDataError(f"{where}: unknown keys {sorted(unknown)}")
        name = raw.get("name")
        if not isinstance(name, str) or not name.strip():
            raise CalendarDataError(f"{where}: 'name' is required")
        first = _date(raw.get("first_day"), f"{where}.first_day")
        last = _date(raw.get("last_day"), f"{where}.last_day")
        if last < first:
            raise CalendarDataError(f"{where}: last_day {last} is before first_day {first}")
        if (last - first).days > 15:
            raise CalendarDataError(f"{where}: a holiday of {(last - first).days + 1} days?")
        makeup = tuple(
            _date(value, f"{where}.makeup_working_days")
            for value in raw.get("makeup_working_days", [])
        )
        for day in (first, last, *makeup):
            if abs(day.year - year) > 1:
                raise CalendarDataError(f"{where}: {day} is too far from {year}")
        for day in makeup:
            if day.weekday() < SATURDAY:
                raise CalendarDataError(
                    f"{where}: make-up working day {day} is a weekday (already a working day)"
                )
        holidays.append(Holiday(name.strip(), first, last, makeup))
    verified = data.get("verified", False)
    provisional = data.get("provisional", False)
    for key, value in (("verified", verified), ("provisional", provisional)):
        if not isinstance(value, bool):
            raise CalendarDataError(f"{origin}: '{key}' must be true or false")
    if verified and provisional:
        raise CalendarDataError(f"{origin}: a provisional year cannot be verified")
    return YearData(
        year=year,
        source=str(data.get("source", "")),
        verified=verified,
        holidays=tuple(holidays),
        provisional=provisional,
    )


class WorkingCalendar:
    """Answers "is this a working day" and counts working days, for the years it has data for."""

    def __init__(self, years: Iterable[YearData]) -> None:
        self._years: dict[int, YearData] = {}
        self._provisional: set[int] = set()  # provisional years not yet warned about
        self._days_off: dict[dt.date, str] = {}
        self._makeup: dict[dt.date, str] = {}
        for data in years:
            if data.year in self._years:
                raise CalendarDataError(f"year {data.year} is given twice")
            self._years[data.year] = data
            if data.provisional:
                self._provisional.add(data.year)
            for holiday in data.holidays:
                for day in holiday.days():
                    self._days_off[day] = holiday.name
                for day in holiday.makeup_working_days:
                    self._makeup[day] = holiday.name
        clash = sorted(set(self._days_off) & set(self._makeup))
        if clash:
            raise CalendarDataError(f"days both off and make-up working days: {clash}")

    @classmethod
    def load(cls, directory: Path | str = DEFAULT_DIRECTORY) -> WorkingCalendar:
        """Read every ``<year>.toml`` in ``directory``; the file name must match its ``year``."""
        folder = Path(directory)
        years: list[YearData] = []
        for path in sorted(folder.glob("*.toml")):
            try:
                with path.open("rb") as handle:
                    raw = tomllib.load(handle)
            except tomllib.TOMLDecodeError as exc:
                raise CalendarDataError(f"{path.name}: {exc}") from exc
            data = parse_year(raw, origin=path.name)
            if path.stem != str(data.year):
                raise CalendarDataError(f"{path.name} holds year {data.year}")
            years.append(data)
        if not years:
            raise CalendarDataError(f"no holiday data files in {folder}")
        return cls(years)

    # --- what the calendar knows -------------------------------------------------------------
    @property
    def years(self) -> frozenset[int]:
        return frozenset(self._years)

    @property
    def unverified_years(self) -> frozenset[int]:
        """Years whose file is not yet marked as checked against the official notice."""
        return frozenset(year for year, data in self._years.items() if not data.verified)

    @property
    def provisional_years(self) -> frozenset[int]:
        """Years holding only the statutory days off, until the State Council's notice."""
        return frozenset(year for year, data in self._years.items() if data.provisional)

    def covers(self, day: dt.date) -> bool:
        return day.year in self._years

    def _require(self, day: dt.date) -> None:
        if day.year not in self._years:
            raise CalendarYearMissing(day.year)
        if day.year in self._provisional:
            self._provisional.discard(day.year)
            logger.warning(
                "工作日历 %s 年为暂定数据（仅含法定节假日，未含补假和调休），"
                "据此计算的期限可能早于国务院办公厅通知公布后的期限；"
                "通知发布后请更新 roadcredit/core/data/holidays/%s.toml",
                day.year,
                day.year,
            )

    # --- questions ---------------------------------------------------------------------------
    def is_working_day(self, day: dt.date) -> bool:
        self._require(day)
        if day in self._makeup:
            return True
        if day in self._days_off:
            return False
        return day.weekday() < SATURDAY

    def holiday_name(self, day: dt.date) -> str | None:
        """The holiday a day off belongs to (``"春节"``), or None for other days."""
        self._require(day)
        return self._days_off.get(day)

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after ``day``."""
        return self.add_working_days(day, 1)

    def roll_forward(self, day: dt.date) -> dt.date:
        """``day`` itself if it is a working day, else the next one (a deadline that falls on a
        day off moves to the next working day, 民法典 第二百零三条)."""
        return day if self.is_working_day(day) else self.next_working_day(day)

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The ``days``-th working day after ``start`` (``start`` itself is not counted).

        ``add_working_days(d, 0)`` is ``d``; a negative count walks backwards. "Within 5
        working days of 2025-01-24" ends on ``add_working_days(2025-01-24, 5)`` = 2025-02-07.
        """
        if abs(days) > MAX_WORKING_DAYS:
            raise ValueError(f"{days} working days is out of range")
        step = dt.timedelta(days=1 if days >= 0 else -1)
        remaining = abs(days)
        day = start
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end``; negative if end < start.

        The inverse of ``add_working_days`` when ``end`` is a working day.
        """
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        day = start
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count
