"""The Excel export: formula injection neutralised, numbers kept as numbers."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from roadcredit.statistics.excel import neutralise, table_workbook
from roadcredit.statistics.tables import Table


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://evil","点我")', '\'=HYPERLINK("http://evil","点我")'),
        ("+86 139 0000 0000", "'+86 139 0000 0000"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("道路运输证", "道路运输证"),
        ("a\x00b\x07c", "abc"),
        (-3, -3),
        (12.5, 12.5),
        (None, None),
    ],
)
def test_it_neutralises_text_that_a_spreadsheet_would_run(value, expected):
    assert neutralise(value) == expected


def test_the_workbook_holds_title_period_headers_rows_and_note_as_plain_values():
    table = Table(
        key="t",
        title="电子证照发放量",
        headers=("证照类型", "2026年", "累计"),
        rows=(("=cmd|' /C calc'!A0", 3, 12), ("道路运输证", 0, 7)),
        note="按证照版本计",
    )
    book = load_workbook(
        io.BytesIO(table_workbook(table, subtitle="统计期：2026-01-01 至 2026-03-31"))
    )
    sheet = book.active
    assert sheet is not None
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "电子证照发放量"
    assert values[1][0] == "统计期：2026-01-01 至 2026-03-31"
    assert values[2] == ["证照类型", "2026年", "累计"]
    assert values[3] == ["'=cmd|' /C calc'!A0", 3, 12]
    assert sheet.cell(row=4, column=1).data_type == "s"
    assert values[4] == ["道路运输证", 0, 7]
    assert values[-1][0] == "按证照版本计"
    assert sheet.title == "电子证照发放量"
