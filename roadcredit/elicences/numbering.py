"""Paper licence numbers from configurable templates, and identifier serials — pure, no Django.

A number template is literal text with placeholders (no other braces allowed):

* ``{division}`` — the issuer's 6-digit administrative division code (``370612``);
* ``{seq:0Nd}`` — the sequence, zero-padded to N digits (1 ≤ N ≤ 12); ``{seq}`` is unpadded;
* ``{year}`` — the 4-digit year of issue.

The business licence template is ``鲁交运管许可烟字{division}{seq:06d}号``
(→ ``鲁交运管许可烟字370612000123号``), the transport certificate ``{division}{seq:06d}``
(→ ``370612000123``). The templates live in the licence-type catalogue; allocating the next
sequence is a database matter (``select_for_update`` in the issuing service), not this module's.

Identifier serials (the 流水号 of ``identifiers``) are the year of issue followed by a 6-digit
sequence counted per licence type, issuer and year: ``2026000123``. Ten characters, readable,
sortable, unique within (type code, issuer) and good for 999,999 licences a year — a district
issues about 10⁴.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

__all__ = [
    "NumberTemplate",
    "NumberingError",
    "ParsedNumber",
    "format_number",
    "identifier_serial",
    "number_regex",
    "parse_identifier_serial",
    "parse_number",
    "parse_template",
]

SERIAL_SEQ_DIGITS = 6
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_SEQ_SPEC = re.compile(r"seq(?::0(\d{1,2})d)?")
_DIVISION = re.compile(r"[0-9]{6}")


class NumberingError(ValueError):
    """A template, number or serial is malformed; the message (Chinese) says why."""


Part = tuple[Literal["text", "division", "seq", "year"], str | int]


@dataclass(frozen=True)
class NumberTemplate:
    """A parsed template: literal text and placeholders in order."""

    source: str
    parts: tuple[Part, ...]

    @property
    def seq_width(self) -> int:
        """Zero-padding width of the sequence (0 = unpadded)."""
        for kind, value in self.parts:
            if kind == "seq":
                assert isinstance(value, int)
                return value
        return 0

    def has(self, kind: str) -> bool:
        return any(part_kind == kind for part_kind, _ in self.parts)


@lru_cache(maxsize=64)
def parse_template(template: str) -> NumberTemplate:
    """Parse and check a number template (exactly one ``{seq…}``, known placeholders only)."""
    parts: list[Part] = []
    position = 0
    for match in _PLACEHOLDER.finditer(template):
        literal = template[position : match.start()]
        if "{" in literal or "}" in literal:
            raise NumberingError(f"编号模板“{template}”格式错误：花括号不成对")
        if literal:
            parts.append(("text", literal))
        name = match.group(1)
        seq = _SEQ_SPEC.fullmatch(name)
        if name == "division":
            parts.append(("division", 6))
        elif name == "year":
            parts.append(("year", 4))
        elif seq:
            width = int(seq.group(1) or 0)
            if seq.group(1) is not None and not 1 <= width <= 12:
                raise NumberingError(f"编号模板“{template}”格式错误：序号位数应为 1–12 位")
            parts.append(("seq", width))
        else:
            raise NumberingError(
                f"编号模板“{template}”格式错误：未知占位符 {{{name}}}"
                "（可用 {division}、{seq:06d}、{year}）"
            )
        position = match.end()
    tail = template[position:]
    if "{" in tail or "}" in tail:
        raise NumberingError(f"编号模板“{template}”格式错误：花括号不成对")
    if tail:
        parts.append(("text", tail))
    if sum(1 for kind, _ in parts if kind == "seq") != 1:
        raise NumberingError(f"编号模板“{template}”格式错误：应包含且只包含一个 {{seq}} 占位符")
    return NumberTemplate(source=template, parts=tuple(parts))


def _check_division(division: str) -> None:
    if not _DIVISION.fullmatch(division):
        raise NumberingError(f"行政区划代码应为 6 位数字，实为“{division}”")


def format_number(template: str, division: str, seq: int, *, year: int | None = None) -> str:
    """The paper number for sequence ``seq``.

    >>> format_number("鲁交运管许可烟字{division}{seq:06d}号", "370612", 123)
    '鲁交运管许可烟字370612000123号'
    """
    parsed = parse_template(template)
    _check_division(division)
    if isinstance(seq, bool) or seq < 1:
        raise NumberingError(f"序号应为正整数，实为 {seq}")
    width = parsed.seq_width
    if width and seq >= 10**width:
        raise NumberingError(f"序号 {seq} 超出编号格式容量（{width} 位）")
    if parsed.has("year") and (year is None or not 1000 <= year <= 9999):
        raise NumberingError("编号模板含年份占位符，须提供 4 位年份")
    out: list[str] = []
    for kind, value in parsed.parts:
        if kind == "text":
            out.append(str(value))
        elif kind == "division":
            out.append(division)
        elif kind == "year":
            out.append(f"{year:04d}")
        else:
            out.append(f"{seq:0{width}d}" if width else str(seq))
    return "".join(out)


def number_regex(template: str, *, division: str | None = None) -> re.Pattern[str]:
    """A compiled pattern matching exactly the numbers ``template`` produces.

    Groups ``division``, ``seq`` and ``year``. Without ``division`` any 6 digits match there.
    """
    parsed = parse_template(template)
    if division is not None:
        _check_division(division)
    division_pattern = division or "[0-9]{6}"
    pieces: list[str] = []
    for kind, value in parsed.parts:
        if kind == "text":
            pieces.append(re.escape(str(value)))
        elif kind == "division":
            pieces.append(f"(?P<division>{division_pattern})")
        elif kind == "year":
            pieces.append("(?P<year>[0-9]{4})")
        else:
            pieces.append(f"(?P<seq>[0-9]{{{value}}})" if value else "(?P<seq>[1-9][0-9]*)")
    return re.compile("^" + "".join(pieces) + "$")


@dataclass(frozen=True)
class ParsedNumber:
    division: str | None
    seq: int
    year: int | None


def parse_number(template: str, number: str, *, division: str | None = None) -> ParsedNumber:
    """Split a number made by ``template`` back into its parts, or raise ``NumberingError``."""
    match = number_regex(template, division=division).fullmatch(number.strip())
    if match is None:
        raise NumberingError(f"证照编号“{number}”与编号格式“{template}”不符")
    groups = match.groupdict()
    seq = int(groups["seq"])
    if seq < 1:
        raise NumberingError(f"证照编号“{number}”的序号不能为 0")
    return ParsedNumber(
        division=groups.get("division"),
        seq=seq,
        year=int(groups["year"]) if groups.get("year") else None,
    )


def identifier_serial(year: int, seq: int) -> str:
    """The identifier serial (流水号): 4-digit year + 6-digit sequence.

    >>> identifier_serial(2026, 123)
    '2026000123'
    """
    if isinstance(year, bool) or not 2000 <= year <= 9999:
        raise NumberingError(f"流水号年份应为 4 位年份，实为 {year}")
    if isinstance(seq, bool) or not 1 <= seq < 10**SERIAL_SEQ_DIGITS:
        raise NumberingError(
            f"流水号序号应为 1–{10**SERIAL_SEQ_DIGITS - 1}，实为 {seq}（超出当年容量）"
        )
    return f"{year:04d}{seq:0{SERIAL_SEQ_DIGITS}d}"


def parse_identifier_serial(serial: str) -> tuple[int, int]:
    """``"2026000123"`` → ``(2026, 123)``; raises ``NumberingError`` for other shapes."""
    if len(serial) != 4 + SERIAL_SEQ_DIGITS or not serial.isascii() or not serial.isdigit():
        raise NumberingError(f"流水号“{serial}”格式错误：应为 4 位年份 + 6 位序号")
    year, seq = int(serial[:4]), int(serial[4:])
    if year < 2000 or seq < 1:
        raise NumberingError(f"流水号“{serial}”格式错误：年份或序号无效")
    return year, seq
