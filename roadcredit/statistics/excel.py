"""Excel export of a dashboard table (pure Python, no Django).

Every text cell is neutralised against formula injection (``elicences.issuance_rates.safe_cell``):
a value that begins with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) gets a leading
apostrophe and is stored as a string,
so a subject's name such as ``=HYPERLINK(…)`` can never run as a formula when the file is
opened, nor after it is saved again as CSV. Numbers stay numbers.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from roadcredit.elicences.issuance_rates import safe_cell

from .tables import Cell, Table

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_BOLD = Font(bold=True)
# Characters Excel refuses in a cell (XML 1.0 control characters).
_ILLEGAL = {c: None for c in range(32) if c not in (9, 10, 13)}


def neutralise(value: Cell) -> Cell:
    """The value as it may safely go into a cell."""
    if isinstance(value, str):
        neutral = safe_cell(value.translate(_ILLEGAL))
        assert isinstance(neutral, str)
        return neutral
    return value


def _row(sheet: object, values: Iterable[Cell], *, bold: bool = False) -> list[Any]:
    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, value=neutralise(value))  # type: ignore[arg-type]
        if isinstance(value, str):
            cell.data_type = "s"  # never a formula, whatever the text
        if bold:
            cell.font = _BOLD
        cells.append(cell)
    return cells


def table_workbook(table: Table, *, subtitle: str = "") -> bytes:
    """One sheet: the title, an optional subtitle (the period), the header row and the rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(table.title))
    sheet.append(_row(sheet, [table.title], bold=True))
    if subtitle:
        sheet.append(_row(sheet, [subtitle]))
    sheet.append(_row(sheet, table.headers, bold=True))
    for row in table.rows:
        sheet.append(_row(sheet, row))
    if table.note:
        sheet.append([])
        sheet.append(_row(sheet, [table.note]))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_title(title: str) -> str:
    cleaned = "".join(c for c in title if c not in "[]:*?/\\")
    return cleaned[:31] or "Sheet1"
