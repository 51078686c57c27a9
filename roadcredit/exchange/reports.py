"""Writing .xlsx files for the import: the empty template per kind and the error report (pure).

Every text written here goes in as a string cell, never as a formula, even when it starts with
"=" (an error message may quote what the user typed).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from .columns import KIND_LABELS, columns_for

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE_ROWS = 100_000  # rows given the drop-down lists in the template
_HEADER_FONT = Font(bold=True)
_REQUIRED_FILL = PatternFill("solid", fgColor="FDE9D9")
_OPTIONAL_FILL = PatternFill("solid", fgColor="EEF2F7")


def template_file_name(kind: str) -> str:
    return f"{KIND_LABELS[kind]}导入模板.xlsx"


def template_workbook(kind: str) -> bytes:
    """The import template of ``kind``: sheet 1 holds only the header row (required columns end
    in ``*``), identifier columns are formatted as text, label columns offer a drop-down list;
    sheet 2 explains every column."""
    specs = columns_for(kind)
    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    sheet.title = f"{KIND_LABELS[kind]}"
    for index, spec in enumerate(specs, start=1):
        cell = sheet.cell(row=1, column=index, value=spec.header)
        cell.font = _HEADER_FONT
        cell.fill = _REQUIRED_FILL if spec.required else _OPTIONAL_FILL
        cell.alignment = Alignment(horizontal="center")
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(14, len(spec.header) * 2 + 4)
        # Column styles apply to every cell typed later: text keeps 18-digit codes and leading
        # zeros exactly as typed.
        if spec.type in ("identifier", "text", "scopes", "choice"):
            sheet.column_dimensions[letter].number_format = "@"
        elif spec.type == "date":
            sheet.column_dimensions[letter].number_format = "yyyy-mm-dd"
        if spec.choices is not None:
            options = ",".join(labels[0] for labels in spec.choices.values())
            validation = DataValidation(
                type="list",
                formula1=f'"{options}"',
                allow_blank=True,
                showErrorMessage=False,
            )
            validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"

    notes = workbook.create_sheet("填写说明")
    notes.append(["列名", "是否必填", "说明"])
    for spec in specs:
        notes.append([spec.label, "必填" if spec.required else "选填", spec.note])
    notes.append([])
    for line in (
        "第 1 个工作表的第 1 行为表头，请勿修改列名；从第 2 行起每行一条记录。",
        "带 * 的列为必填项。空行会被跳过。请勿使用公式或合并单元格。",
        "已登记的主体按标识匹配（经营业户：统一社会信用代码；车辆：车辆识别代号；"
        "从业人员：身份证号码）：数据相同的不作修改，数据不同的予以更新。",
        "选填列留空：新增时取默认值，更新时保持原值不变。",
        "任何一行有错误时，整个文件都不会导入；请按错误报告修改后重新导入。",
    ):
        notes.append([line])
    for cell in notes[1]:
        cell.font = _HEADER_FONT
    notes.column_dimensions["A"].width = 28
    notes.column_dimensions["B"].width = 10
    notes.column_dimensions["C"].width = 90
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class ReportLine:
    row: int | None
    column_label: str
    message: str


def report_file_name(file_name: str) -> str:
    stem = file_name.rsplit(".", 1)[0] if file_name else "导入"
    return f"{stem}-错误报告.xlsx"


def error_report_workbook(
    lines: Iterable[ReportLine], *, facts: Sequence[tuple[str, str]] = ()
) -> bytes:
    """One row per failing row and field: 行号, 列名, 错误说明; ``facts`` (file name, counts…)
    go on a second sheet. Streams (write-only), so a long report stays cheap."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("错误报告")
    sheet.column_dimensions["A"].width = 10
    sheet.column_dimensions["B"].width = 26
    sheet.column_dimensions["C"].width = 100
    sheet.append([_text(sheet, title, bold=True) for title in ("行号", "列名", "错误说明")])
    for line in lines:
        sheet.append(
            [
                line.row if line.row is not None else _text(sheet, "整个文件"),
                _text(sheet, line.column_label),
                _text(sheet, line.message),
            ]
        )
    if facts:
        about = workbook.create_sheet("导入概况")
        about.column_dimensions["A"].width = 20
        about.column_dimensions["B"].width = 80
        for label, value in facts:
            about.append([_text(about, label, bold=True), _text(about, value)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _text(sheet: Any, value: str, *, bold: bool = False) -> Cell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # never a formula, whatever the text starts with
    if bold:
        cell.font = _HEADER_FONT
    return cell
