"""``manage.py import_subjects``: exit codes, template, dry run, report."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from roadcredit.exchange.tests.files import headers, write_csv
from roadcredit.subjects.models import Operator
from roadcredit.subjects.tests.factories import valid_uscc, wrong_check_uscc

pytestmark = pytest.mark.django_db


def operator_rows(*codes: str) -> list[list[str]]:
    return [
        [code, "烟台安捷危险货物运输有限公司", "", "孙丽娟", "山东省烟台市牟平区龙泉镇", "", "", ""]
        for code in codes
    ]


def call(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_subjects", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_imports_and_exits_zero(tmp_path: Path, clerk: Any) -> None:
    path = write_csv(tmp_path / "业户.csv", headers("operator"), operator_rows(valid_uscc()))

    out, err = call("--kind", "operator", str(path), "--user", "clerk")

    assert "导入完成：新增 1 条" in out
    assert "导入经营业户" in err  # the progress line
    assert Operator.objects.count() == 1


def test_it_exits_one_and_writes_nothing_when_a_row_fails(tmp_path: Path) -> None:
    bad = wrong_check_uscc(valid_uscc())
    path = write_csv(tmp_path / "业户.csv", headers("operator"), operator_rows(valid_uscc(), bad))
    report = tmp_path / "错误报告.xlsx"

    with pytest.raises(CommandError) as caught:
        call("--kind", "operator", str(path), "--report", str(report))

    assert caught.value.returncode == 1
    assert Operator.objects.count() == 0
    sheet = load_workbook(report).worksheets[0]
    assert [cell.value for cell in sheet[2]][:2] == [3, "统一社会信用代码"]


def test_a_dry_run_exits_zero_and_writes_nothing(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "业户.csv", headers("operator"), operator_rows(valid_uscc()))

    out, _ = call("--kind", "operator", str(path), "--dry-run")

    assert "试导入" in out and "新增 1 条" in out
    assert Operator.objects.count() == 0


def test_it_writes_the_template(tmp_path: Path) -> None:
    out_path = tmp_path / "车辆导入模板.xlsx"

    call("--kind", "vehicle", "--template", str(out_path))

    sheet = load_workbook(out_path).worksheets[0]
    assert [cell.value for cell in sheet[1]] == headers("vehicle")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--kind", "operator"], "请指定要导入的文件"),
        (["--kind", "operator", "/nonexistent/业户.csv"], "文件不存在"),
        (["--kind", "operator", "--user", "nobody", __file__], "nobody"),
    ],
)
def test_it_explains_bad_arguments(args: list[str], fragment: str) -> None:
    with pytest.raises(CommandError, match=fragment):
        call(*args)
