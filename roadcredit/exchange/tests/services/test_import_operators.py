"""Importing operators (经营业户): matching by USCC, updates, scopes, the allow-list."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from roadcredit.accounts.roles import Role
from roadcredit.accounts.tests.factories import make_persona
from roadcredit.audit.models import AuditEntry
from roadcredit.exchange.registry_import import AUDIT_BATCH_ACTION, import_subjects
from roadcredit.exchange.tests.files import headers, write_xlsx
from roadcredit.subjects.models import Operator, UsccAllowListEntry
from roadcredit.subjects.tests.factories import (
    PILOT_USCC,
    make_operator,
    valid_uscc,
    wrong_check_uscc,
)

pytestmark = pytest.mark.django_db


def row(uscc: str, **values: Any) -> list[Any]:
    data = {
        "uscc": uscc,
        "name": "烟台市牟平区金海岸客运有限公司",
        "kind": "企业",
        "legal_representative": "张志强",
        "address": "山东省烟台市牟平区文化街道通海路56号",
        "division_code": "370612",
        "scopes": "",
        "status": "",
    }
    data.update(values)
    return list(data.values())


def run(tmp_path: Path, actor: Any, rows: list[list[Any]], **options: Any) -> Any:
    path = write_xlsx(tmp_path / "经营业户.xlsx", headers("operator"), rows)
    return import_subjects(actor=actor, kind="operator", path_or_file=path, **options)


def test_a_changed_row_updates_the_operator_and_is_counted(
    tmp_path: Path, clerk: Any, scopes: Any
) -> None:
    kept = make_operator()
    moved = make_operator(business_scope_codes=["2010"])
    rows = [
        row(
            kept.uscc,
            name=kept.name,
            legal_representative=kept.legal_representative,
            address=kept.address,
        ),
        row(
            moved.uscc,
            name=moved.name,
            legal_representative="欧阳建国",
            address=moved.address,
            scopes="2020、2050",
        ),
    ]

    summary = run(tmp_path, clerk, rows)

    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 1), summary.errors
    moved.refresh_from_db()
    assert moved.legal_representative == "欧阳建国"
    assert sorted(moved.business_scopes.values_list("code", flat=True)) == ["2020", "2050"]
    batch = AuditEntry.objects.get(action=AUDIT_BATCH_ACTION)
    assert batch.after == {
        "rows": [2, 3],
        "created": [],
        "updated": {moved.public_id: ["business_scopes", "legal_representative"]},
    }


def test_a_blank_optional_cell_keeps_the_registered_value(
    tmp_path: Path, clerk: Any, scopes: Any
) -> None:
    operator = make_operator(
        status="suspended", business_scope_codes=["2010"], division_code="370602"
    )

    summary = run(
        tmp_path,
        clerk,
        [
            row(
                operator.uscc,
                name=operator.name,
                kind="",
                legal_representative=operator.legal_representative,
                address=operator.address,
                division_code="",
            )
        ],
    )

    assert summary.unchanged == 1, summary.errors
    operator.refresh_from_db()
    assert (operator.status, operator.division_code) == ("suspended", "370602")
    assert list(operator.business_scopes.values_list("code", flat=True)) == ["2010"]


def test_the_same_code_twice_in_one_file_is_an_error(tmp_path: Path, clerk: Any) -> None:
    code = valid_uscc()

    summary = run(tmp_path, clerk, [row(code), row(code.lower(), name="烟台顺通物流有限公司")])

    [error] = summary.errors
    assert (error.row, error.column_label) == (3, "统一社会信用代码")
    assert error.message == "与第 2 行的统一社会信用代码重复。"
    assert not Operator.objects.exists()


def test_an_allow_listed_pilot_code_is_accepted(tmp_path: Path, clerk: Any) -> None:
    UsccAllowListEntry.objects.create(
        uscc=PILOT_USCC, reason="福建早期试点赋码", added_by=make_persona(Role.SECADMIN)
    )

    summary = run(tmp_path, clerk, [row(PILOT_USCC, division_code="350100")])

    assert summary.created == 1, summary.errors
    assert Operator.objects.get(uscc=PILOT_USCC).uscc_check_overridden


def test_a_wrong_check_character_names_the_row_and_the_expected_character(
    tmp_path: Path, clerk: Any
) -> None:
    good = valid_uscc()

    summary = run(tmp_path, clerk, [row(valid_uscc()), row(wrong_check_uscc(good))])

    [error] = summary.errors
    assert (error.row, error.field) == (3, "uscc")
    assert f"应为 {good[-1]}" in error.message


def test_an_unknown_business_scope_is_an_error(tmp_path: Path, clerk: Any, scopes: Any) -> None:
    summary = run(tmp_path, clerk, [row(valid_uscc(), scopes="道路普通货物运输、汽车租赁")])

    [error] = summary.errors
    assert error.column_label == "经营范围"
    assert "“汽车租赁”" in error.message
