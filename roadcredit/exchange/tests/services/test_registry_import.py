"""The registry import as a whole: all or nothing, dry run, bad files, audit, template."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from roadcredit.audit.models import AuditEntry
from roadcredit.exchange.registry_import import (
    AUDIT_ACTION,
    AUDIT_BATCH_ACTION,
    RowError,
    import_subjects,
    summary_lines,
)
from roadcredit.exchange.reports import template_workbook
from roadcredit.exchange.tests.files import csv_bytes, headers, write_csv, write_xlsx
from roadcredit.subjects.models import Operator
from roadcredit.subjects.tests.factories import valid_uscc, wrong_check_uscc

pytestmark = pytest.mark.django_db


def operator_row(uscc: str | None = None, **values: Any) -> list[Any]:
    row = {
        "uscc": uscc or valid_uscc(),
        "name": "烟台顺通物流有限公司",
        "kind": "",
        "legal_representative": "王建华",
        "address": "山东省烟台市牟平区宁海街道正阳路18号",
        "division_code": "",
        "scopes": "",
        "status": "",
    }
    row.update(values)
    return list(row.values())


def test_a_filled_in_template_imports(tmp_path: Path, clerk: Any, scopes: Any) -> None:
    workbook = load_workbook(io.BytesIO(template_workbook("operator")))
    sheet = workbook.worksheets[0]
    codes = [valid_uscc(), valid_uscc(category="92")]
    sheet.append(operator_row(codes[0], kind="企业", scopes="道路普通货物运输、2050"))
    sheet.append(
        operator_row(codes[1], name="牟平区大窑街道李记货运部", legal_representative="李秀英")
    )
    path = tmp_path / "经营业户导入模板.xlsx"
    workbook.save(path)

    summary = import_subjects(actor=clerk, kind="operator", path_or_file=path)

    assert summary.errors == []
    assert (summary.total_rows, summary.created, summary.written) == (2, 2, True)
    enterprise = Operator.objects.get(uscc=codes[0])
    assert sorted(enterprise.business_scopes.values_list("code", flat=True)) == ["2010", "2050"]
    assert Operator.objects.get(uscc=codes[1]).kind == "individual"


def test_one_bad_row_means_nothing_is_written(tmp_path: Path, clerk: Any) -> None:
    rows = [operator_row() for _ in range(3)]
    rows.append(operator_row(wrong_check_uscc(valid_uscc())))
    path = write_xlsx(tmp_path / "业户.xlsx", headers("operator"), rows)

    summary = import_subjects(actor=clerk, kind="operator", path_or_file=path)

    assert Operator.objects.count() == 0
    assert not summary.written
    [error] = summary.errors
    assert (error.row, error.field, error.column_label) == (5, "uscc", "统一社会信用代码")
    assert "校验位错误" in error.message


def test_every_problem_of_every_row_is_reported(tmp_path: Path, clerk: Any) -> None:
    rows = [
        operator_row("91370612MA3C4X5Y6", name=""),
        operator_row(legal_representative="", status="歇业"),
    ]
    path = write_xlsx(tmp_path / "业户.xlsx", headers("operator"), rows)

    summary = import_subjects(actor=clerk, kind="operator", path_or_file=path)

    assert {(e.row, e.column_label) for e in summary.errors} == {
        (2, "统一社会信用代码"),
        (2, "业户名称"),
        (3, "法定代表人（负责人）"),
        (3, "状态"),
    }
    assert summary.failed_rows == 2


def test_a_dry_run_counts_but_writes_nothing(tmp_path: Path, clerk: Any) -> None:
    path = write_xlsx(tmp_path / "业户.xlsx", headers("operator"), [operator_row(), operator_row()])

    summary = import_subjects(actor=clerk, kind="operator", path_or_file=path, dry_run=True)

    assert (summary.created, summary.errors, summary.written) == (2, [], False)
    assert Operator.objects.count() == 0
    assert not AuditEntry.objects.filter(action__startswith=AUDIT_ACTION).exists()
    assert "不会写入" in "".join(summary_lines(summary)) or "未写入" in "".join(
        summary_lines(summary)
    )


def test_a_missing_column_is_one_clear_error_and_nothing_is_read(
    tmp_path: Path, clerk: Any
) -> None:
    header = [h for h in headers("operator") if not h.startswith("地址")]
    path = write_xlsx(tmp_path / "业户.xlsx", header, [operator_row()[:4] + operator_row()[5:]])

    summary = import_subjects(actor=clerk, kind="operator", path_or_file=path)

    [error] = summary.errors
    assert error.row == 1
    assert "缺少必填列：地址" in error.message
    assert summary.total_rows == 0


def test_a_formula_cell_is_rejected_with_its_row_and_column(tmp_path: Path, clerk: Any) -> None:
    path = write_xlsx(
        tmp_path / "业户.xlsx", headers("operator"), [operator_row(name='=CONCAT("烟台","物流")')]
    )

    summary = import_subjects(actor=clerk, kind="operator", path_or_file=path)

    [error] = summary.errors
    assert (error.row, error.column_label) == (2, "业户名称")
    assert "不接受公式" in error.message
    assert Operator.objects.count() == 0


def test_merged_cells_are_rejected(tmp_path: Path, clerk: Any) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(headers("operator"))
    sheet.append(operator_row())
    sheet.append(operator_row(address=None))
    sheet.merge_cells("E2:E3")
    path = tmp_path / "合并.xlsx"
    workbook.save(path)

    summary = import_subjects(actor=clerk, kind="operator", path_or_file=path)

    assert (
        RowError(
            2, "", "地址", "单元格 E2:E3 为合并单元格：不接受合并单元格，请取消合并并逐格填写。"
        )
        in summary.errors
    )
    assert Operator.objects.count() == 0


def test_blank_rows_are_skipped_and_counted(tmp_path: Path, clerk: Any) -> None:
    rows = [operator_row(), [None] * 8, ["", " ", "", "", "", "", "", ""], operator_row()]
    path = write_xlsx(tmp_path / "业户.xlsx", headers("operator"), rows)

    summary = import_subjects(actor=clerk, kind="operator", path_or_file=path)

    assert (summary.total_rows, summary.blank_rows, summary.created) == (2, 2, 2)


def test_a_wrongly_encoded_csv_is_refused_naming_the_line(tmp_path: Path, clerk: Any) -> None:
    path = tmp_path / "业户.csv"
    path.write_bytes(csv_bytes(headers("operator"), [operator_row()]) + b"\x81\x30\xff\xff\r\n")

    summary = import_subjects(actor=clerk, kind="operator", path_or_file=path)

    [error] = summary.errors
    assert error.row == 3 and "编码" in error.message
    assert Operator.objects.count() == 0


def test_a_file_over_the_row_limit_is_refused(tmp_path: Path, clerk: Any, settings: Any) -> None:
    settings.IMPORT_MAX_ROWS = 2
    path = write_csv(tmp_path / "业户.csv", headers("operator"), [operator_row() for _ in range(3)])

    summary = import_subjects(actor=clerk, kind="operator", path_or_file=path)

    assert summary.errors[-1].row is None  # refused before any row was checked
    assert "文件有 3 行数据，超过 2 行的上限" in summary.errors[-1].message
    assert Operator.objects.count() == 0


def test_an_uploaded_file_object_is_read_like_a_path(clerk: Any) -> None:
    upload = io.BytesIO(csv_bytes(headers("operator"), [operator_row()], encoding="gb18030"))

    summary = import_subjects(
        actor=clerk, kind="operator", path_or_file=upload, file_name="业户（GBK）.csv"
    )

    assert (summary.file_name, summary.created) == ("业户（GBK）.csv", 1)


def test_the_import_is_audited_once_per_file_and_once_per_changed_chunk(
    tmp_path: Path, clerk: Any
) -> None:
    path = write_xlsx(tmp_path / "业户.xlsx", headers("operator"), [operator_row(), operator_row()])

    summary = import_subjects(actor=clerk, kind="operator", path_or_file=path)

    entry = AuditEntry.objects.get(action=AUDIT_ACTION)
    assert entry.actor == clerk
    assert entry.after is not None
    assert entry.after["sha256"] == summary.sha256
    assert entry.after["file_name"] == "业户.xlsx"
    assert (entry.after["created"], entry.after["updated"]) == (2, 0)
    batch = AuditEntry.objects.get(action=AUDIT_BATCH_ACTION)
    assert batch.after is not None
    assert sorted(batch.after["created"]) == sorted(
        Operator.objects.values_list("public_id", flat=True)
    )


def test_re_importing_the_same_file_changes_nothing(tmp_path: Path, clerk: Any) -> None:
    path = write_xlsx(tmp_path / "业户.xlsx", headers("operator"), [operator_row(), operator_row()])
    import_subjects(actor=clerk, kind="operator", path_or_file=path)
    entries = AuditEntry.objects.count()

    again = import_subjects(actor=clerk, kind="operator", path_or_file=path)

    assert (again.created, again.updated, again.unchanged, again.written) == (0, 0, 2, False)
    assert Operator.objects.count() == 2
    assert AuditEntry.objects.count() == entries


def test_progress_is_reported_up_to_the_total(tmp_path: Path, clerk: Any) -> None:
    path = write_csv(tmp_path / "业户.csv", headers("operator"), [operator_row() for _ in range(3)])
    calls: list[tuple[int, int]] = []

    import_subjects(
        actor=clerk, kind="operator", path_or_file=path, progress=lambda d, t: calls.append((d, t))
    )

    assert calls[-1][0] == calls[-1][1]
    assert all(done <= total for done, total in calls)


def test_problems_are_listed_by_row_then_by_column(tmp_path: Path, clerk: Any) -> None:
    rows = [
        operator_row(status="歇业", name=""),
        operator_row(valid_uscc(), address="", name="=A1"),
    ]
    path = write_xlsx(tmp_path / "业户.xlsx", headers("operator"), rows)

    summary = import_subjects(actor=clerk, kind="operator", path_or_file=path)

    assert [(e.row, e.column_label) for e in summary.errors] == [
        (2, "业户名称"),
        (2, "状态"),
        (3, "业户名称"),
        (3, "地址"),
    ]
