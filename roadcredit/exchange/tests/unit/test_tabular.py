"""Reading .csv and .xlsx files without trusting them (no database)."""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest
from openpyxl import Workbook

from roadcredit.exchange.columns import FormulaCell
from roadcredit.exchange.tabular import TabularError, open_table
from roadcredit.exchange.tests.files import write_csv, write_xlsx

MB = 1024 * 1024
HEADER = ["姓名*", "身份证号码*", "手机号码"]
ROWS = [["张伟", "370612198503150011", "13912345678"], ["欧阳娜娜", "37061219900101002X", ""]]


def _open(path: Path, *, max_bytes: int = 10 * MB, max_rows: int = 1000):
    return open_table(path, file_name=path.name, max_bytes=max_bytes, max_rows=max_rows)


def _values(path: Path, **limits: int) -> list[tuple[int, tuple[object, ...]]]:
    table = _open(path, **limits)
    return [(row.number, row.values) for row in table.rows()]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_it_reads_a_csv_in_utf8_with_or_without_bom_and_in_gbk(
    tmp_path: Path, encoding: str
) -> None:
    path = write_csv(tmp_path / "从业人员.csv", HEADER, ROWS, encoding=encoding)
    table = _open(path)
    assert table.headers == tuple(HEADER)
    assert [row.values for row in table.rows()] == [tuple(row) for row in ROWS]
    assert table.encoding == ("gb18030" if encoding in ("gb18030", "gbk") else "utf-8-sig")


def test_it_names_the_first_line_that_is_neither_utf8_nor_gbk(tmp_path: Path) -> None:
    good = "姓名,身份证号码\r\n张伟,370612198503150011\r\n".encode()
    path = tmp_path / "坏编码.csv"
    path.write_bytes(good + b"\xff\xfe\xfd,1\r\n")
    with pytest.raises(TabularError) as caught:
        _open(path)
    assert caught.value.row == 3
    assert "第 3 行" in caught.value.message and "UTF-8" in caught.value.message


def test_it_asks_for_utf8_when_given_utf16_text(tmp_path: Path) -> None:
    path = tmp_path / "unicode.csv"
    path.write_bytes("姓名\t身份证号码\r\n".encode("utf-16"))
    with pytest.raises(TabularError, match="UTF-16"):
        _open(path)


def test_it_reads_a_tab_separated_csv(tmp_path: Path) -> None:
    path = tmp_path / "tabs.csv"
    path.write_text("姓名\t身份证号码\r\n张伟\t370612198503150011\r\n", encoding="utf-8")
    assert _values(path) == [(2, ("张伟", "370612198503150011"))]


def test_it_skips_blank_rows_counts_them_and_keeps_spreadsheet_row_numbers(tmp_path: Path) -> None:
    rows: list[Sequence[object]] = [ROWS[0], ["", "  ", ""], [None, None, None], ROWS[1], [], []]
    path = write_xlsx(tmp_path / "空行.xlsx", HEADER, rows)
    table = _open(path)
    assert [row.number for row in table.rows()] == [2, 5]
    assert table.blank_rows == 2  # the trailing blank rows are not counted


def test_it_marks_formula_cells_in_a_workbook(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "公式.xlsx", HEADER, [["张伟", '="3706121985"&"03150011"', ""]])
    [(number, values)] = _values(path)
    assert number == 2
    assert isinstance(values[1], FormulaCell)
    assert values[1].text == '="3706121985"&"03150011"'


def test_it_marks_a_csv_cell_that_starts_with_an_equals_sign_as_a_formula(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "公式.csv", HEADER, [["张伟", "=A1", ""]])
    [(_, values)] = _values(path)
    assert isinstance(values[1], FormulaCell)


def test_it_lists_merged_cells(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append(ROWS[0])
    sheet.append(["", "", ""])
    sheet.merge_cells("A2:A3")
    sheet.merge_cells("B3:C3")
    path = tmp_path / "合并.xlsx"
    workbook.save(path)
    table = _open(path)
    assert [(m.ref, m.first_row, m.first_column) for m in table.merged] == [
        ("A2:A3", 2, 1),
        ("B3:C3", 3, 2),
    ]


def test_it_reads_date_cells_as_dates(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "日期.xlsx", ["初次领证日期"], [[dt.date(2015, 6, 1)]])
    [(_, values)] = _values(path)
    assert values[0] == dt.datetime(2015, 6, 1)  # noqa: DTZ001 (cells carry no time zone)


def test_it_ignores_a_wrong_declared_sheet_size(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "尺寸.xlsx", HEADER, ROWS)
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(
        b'<dimension ref="A1:C3"/>', b'<dimension ref="A1"/>'
    )
    assert parts["xl/worksheets/sheet1.xml"] != sheet
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    assert [values for _, values in _values(path)] == [
        ("张伟", "370612198503150011", "13912345678"),
        ("欧阳娜娜", "37061219900101002X", None),
    ]


def test_it_refuses_a_file_over_the_size_limit(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "大.csv", HEADER, ROWS * 50)
    with pytest.raises(TabularError, match="超过上限"):
        _open(path, max_bytes=1000)


def test_it_refuses_a_workbook_that_inflates_too_much(tmp_path: Path) -> None:
    path = tmp_path / "炸弹.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<x/>" + b" " * (30 * MB))
    with pytest.raises(TabularError, match=r"解压后大小|压缩比"):
        _open(path, max_bytes=MB)


def test_it_refuses_a_highly_compressed_member_even_under_the_total_limit(tmp_path: Path) -> None:
    path = tmp_path / "炸弹.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b" " * (5 * MB))
    with pytest.raises(TabularError, match="压缩比"):
        _open(path, max_bytes=10 * MB)


def test_a_file_over_the_row_limit_is_refused_before_any_row_is_read(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "多.csv", HEADER, ROWS * 3)
    with pytest.raises(TabularError) as caught:
        _open(path, max_rows=4)
    assert caught.value.row is None
    assert f"文件有 {len(ROWS) * 3} 行数据，超过 4 行的上限" in caught.value.message


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("旧版.xls", b"\xd0\xcf\x11\xe0" + b"\0" * 100, ".xls"),
        ("假的.xlsx", b"not a zip at all", "不是有效的 .xlsx"),
        ("说明.txt", b"hello", "只接受 .xlsx 或 .csv"),
        ("空.csv", b"", "文件是空的"),
        ("只有空表头.csv", b",,\r\n", "表头"),
    ],
)
def test_it_explains_files_it_cannot_read(
    tmp_path: Path, name: str, content: bytes, fragment: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(TabularError) as caught:
        _open(path)
    assert fragment in caught.value.message


def test_it_reads_the_file_again_on_every_pass(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "两遍.csv", HEADER, ROWS)
    table = _open(path)
    assert list(table.rows()) == list(table.rows())


def test_it_reports_a_broken_csv_record_with_its_number(tmp_path: Path) -> None:
    path = tmp_path / "超长.csv"
    path.write_bytes(('姓名,身份证号码\r\n张伟,1\r\n李娜,"' + "长" * 200_000 + '"\r\n').encode())
    with pytest.raises(TabularError) as caught:
        list(_open(path).rows())
    assert caught.value.row == 3
