"""The rules of the blank-certificate paper stock (pure Python, no Django).

The pre-printed, pre-numbered blank certificate paper (空白证书) is controlled stock. Each sheet
carries a printed serial: an optional prefix of capital letters and a run of digits
(``A00012345``, ``3706120001``). A delivery is a range of serials with the same prefix and digit
width at both ends (``A00012301``–``A00012500``).

A sheet moves once: from ``received`` (in stock) to ``used`` (a licence was printed on it),
``spoiled`` (损毁: misprinted, torn, jammed) or ``voided`` (作废: withdrawn without printing, e.g.
a lost or stolen sheet). The ledger of a period balances when::

    opening + received − used − spoiled − voided = closing
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

MAX_RANGE = 100_000  # sheets in one delivery; a bigger range is almost surely a typing error
MAX_DIGITS = 15
_SERIAL = re.compile(r"([A-Z]{0,6})([0-9]{1,15})")

RECEIVED = "received"
USED = "used"
SPOILED = "spoiled"
VOIDED = "voided"
SHEET_STATUSES = (RECEIVED, USED, SPOILED, VOIDED)
# received → one of these, once; nothing moves a sheet back into stock.
FINAL_STATUSES = (USED, SPOILED, VOIDED)


class SerialError(ValueError):
    """A serial or a range is malformed; ``message`` is Chinese and names the rule."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Serial:
    prefix: str
    number: int
    width: int

    @property
    def text(self) -> str:
        return format_serial(self.prefix, self.number, self.width)


def format_serial(prefix: str, number: int, width: int) -> str:
    return f"{prefix}{number:0{width}d}"


def parse_serial(text: str) -> Serial:
    """``" a0012 "`` → Serial("A", 12, 4). Letters are upper-cased, spaces removed."""
    cleaned = "".join(str(text).split()).upper()
    if not cleaned:
        raise SerialError("空白证书编号不能为空")
    match = _SERIAL.fullmatch(cleaned)
    if match is None:
        raise SerialError(
            f"空白证书编号“{cleaned}”格式错误：应为 0–6 位大写字母前缀加 1–{MAX_DIGITS} 位数字"
        )
    prefix, digits = match.groups()
    return Serial(prefix=prefix, number=int(digits), width=len(digits))


@dataclass(frozen=True)
class SerialRange:
    prefix: str
    first: int
    last: int
    width: int

    @property
    def count(self) -> int:
        return self.last - self.first + 1

    @property
    def text_from(self) -> str:
        return format_serial(self.prefix, self.first, self.width)

    @property
    def text_to(self) -> str:
        return format_serial(self.prefix, self.last, self.width)

    def serials(self) -> Iterator[Serial]:
        for number in range(self.first, self.last + 1):
            yield Serial(self.prefix, number, self.width)

    def overlaps(self, other: SerialRange) -> bool:
        """Same prefix and a shared number (the digit width does not make a sheet different)."""
        return self.prefix == other.prefix and self.first <= other.last and other.first <= self.last


def parse_range(first: str, last: str, *, max_count: int = MAX_RANGE) -> SerialRange:
    """The range from ``first`` to ``last`` inclusive (both ends printed on sheets)."""
    start, end = parse_serial(first), parse_serial(last)
    if start.prefix != end.prefix:
        raise SerialError(f"起止编号的字母前缀不同（“{start.prefix}”与“{end.prefix}”）")
    if start.width != end.width:
        raise SerialError(f"起止编号的数字位数不同（{start.width} 位与 {end.width} 位）")
    if end.number < start.number:
        raise SerialError("截止编号小于起始编号")
    count = end.number - start.number + 1
    if count > max_count:
        raise SerialError(f"一次入库 {count} 张超过上限 {max_count} 张，请核对起止编号或分批入库")
    return SerialRange(prefix=start.prefix, first=start.number, last=end.number, width=start.width)


def can_move(current: str, target: str) -> bool:
    """Only a sheet in stock moves, and only to a final status."""
    return current == RECEIVED and target in FINAL_STATUSES


@dataclass(frozen=True)
class StockCounts:
    """One period of one paper type. ``closing`` is counted from the sheets, not derived, so a
    ledger that does not balance shows (it cannot with sheets that move once, unless rows were
    altered outside the services)."""

    opening: int
    received: int
    used: int
    spoiled: int
    voided: int
    closing: int

    @property
    def expected_closing(self) -> int:
        return self.opening + self.received - self.used - self.spoiled - self.voided

    @property
    def balanced(self) -> bool:
        return self.expected_closing == self.closing
