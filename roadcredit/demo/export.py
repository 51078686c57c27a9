"""Generated rows as registry import files (.csv in the import template's format). Pure.

Used by the registry benchmark and by tests that need an import file of any size: the file is
written row by row, so a province-size file never sits in memory. Headers and value labels come
from ``roadcredit.exchange.columns`` (the one home of the file format); practitioners take one
line per qualification, as the import expects.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from pathlib import Path

from roadcredit.exchange.columns import ColumnSpec, columns_for, display_value

from .generator import OperatorRow, PractitionerRow, Row, VehicleRow


def _cell(spec: ColumnSpec, value: object) -> str:
    if spec.type == "scopes" and isinstance(value, list | tuple):
        return "、".join(str(code) for code in value)
    return display_value(spec, value)


def import_lines(kind: str, rows: Iterable[Row]) -> Iterator[list[str]]:
    """The header line, then one line per row (per qualification for practitioners)."""
    specs = columns_for(kind)
    yield [spec.header for spec in specs]
    for row in rows:
        if kind == "operator" and not isinstance(row, OperatorRow):
            raise TypeError("operator rows expected")
        if kind == "vehicle" and not isinstance(row, VehicleRow):
            raise TypeError("vehicle rows expected")
        values = row.as_input()
        if isinstance(row, PractitionerRow):
            for qualification in row.qualifications or (None,):
                line = dict(values)
                if qualification is not None:
                    line.update(qualification.as_input())
                yield [_cell(spec, line.get(spec.key)) for spec in specs]
        else:
            yield [_cell(spec, values.get(spec.key)) for spec in specs]


def write_import_csv(kind: str, rows: Iterable[Row], path: Path) -> int:
    """Write ``rows`` as a UTF-8 (with BOM, as Excel saves it) import file; return the number
    of data lines written."""
    count = -1
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        for line in import_lines(kind, rows):
            writer.writerow(line)
            count += 1
    return count
