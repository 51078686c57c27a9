"""Excel exports of the credit cases: the public red / serious-dishonesty lists and the double
publicity feed (信用中国（山东）归集格式).

Every cell is written as text, never as a formula, and a text that a spreadsheet would read as a
formula (starting with = + - @, or a tab / carriage return) is neutralised with a leading
apostrophe (CSV / formula injection): a subject's name or a decision number comes from outside.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from roadcredit.core.uploads import formula_safe

__all__ = [
    "LIST_COLUMNS",
    "PUBLICITY_COLUMNS",
    "XLSX_CONTENT_TYPE",
    "neutralise",
    "table_workbook",
]

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_BOLD = Font(bold=True)

LIST_COLUMNS: tuple[tuple[str, int], ...] = (
    ("名单", 22),
    ("主体名称", 36),
    ("证件类型", 18),
    ("证件号码", 24),
    ("列入日期", 12),
    ("届满日期", 12),
    ("列入依据", 60),
)
PUBLICITY_COLUMNS: tuple[tuple[str, int], ...] = (
    ("公示类别", 10),
    ("行政相对人名称", 36),
    ("证件类型", 18),
    ("证件号码", 24),
    ("决定文书号", 32),
    ("决定日期", 12),
    ("内容", 60),
    ("依据", 50),
    ("决定机关", 24),
    ("应公示日期", 12),
    ("公示时间", 20),
    ("超期", 6),
)


def neutralise(value: object) -> str:
    """The text of a cell, with a leading apostrophe if a spreadsheet would run it as a formula."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        text = value.strftime("%Y-%m-%d %H:%M")
    elif isinstance(value, dt.date):
        text = value.isoformat()
    else:
        text = str(value)
    return formula_safe(text)


def _cell(sheet: Any, value: object, *, bold: bool = False) -> Any:
    cell = WriteOnlyCell(sheet, value=neutralise(value))
    cell.data_type = "s"  # never a formula
    if bold:
        cell.font = _BOLD
    return cell


def table_workbook(
    title: str, columns: Sequence[tuple[str, int]], rows: Iterable[Sequence[object]]
) -> bytes:
    """One sheet: a bold header row, then ``rows`` (streamed, so a long export stays cheap)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    for index, (_label, width) in enumerate(columns):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.append([_cell(sheet, label, bold=True) for label, _width in columns])
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
