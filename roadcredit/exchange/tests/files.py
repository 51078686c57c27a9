"""Writing import files for tests: .xlsx through openpyxl, .csv in a chosen encoding."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from roadcredit.exchange.columns import columns_for

Rows = Sequence[Sequence[Any]]


def headers(kind: str) -> list[str]:
    """The template's headers of ``kind`` (required ones marked with *)."""
    return [spec.header for spec in columns_for(kind)]


def write_xlsx(path: Path, header: Sequence[Any], rows: Rows) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def csv_bytes(header: Sequence[Any], rows: Rows, *, encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return buffer.getvalue().encode(encoding)


def write_csv(path: Path, header: Sequence[Any], rows: Rows, *, encoding: str = "utf-8") -> Path:
    path.write_bytes(csv_bytes(header, rows, encoding=encoding))
    return path
