"""Importing practitioners (从业人员): one qualification per row, ID numbers encrypted and
matched through their blind index."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from roadcredit.core import pii
from roadcredit.exchange.registry_import import import_subjects
from roadcredit.exchange.tests.files import headers, write_csv, write_xlsx
from roadcredit.subjects.models import Practitioner, Qualification
from roadcredit.subjects.tests.factories import make_operator, make_practitioner, valid_id_number

pytestmark = pytest.mark.django_db


def row(name: str, id_number: Any, **values: Any) -> list[Any]:
    data = {
        "name": name,
        "id_number": id_number,
        "phone": "",
        "employer": "",
        "category": "道路货物运输驾驶员",
        "first": "2012-05-08",
        "until": "",
        "status": "",
    }
    data.update(values)
    return list(data.values())


def run(tmp_path: Path, actor: Any, rows: list[list[Any]], **options: Any) -> Any:
    path = write_xlsx(tmp_path / "从业人员.xlsx", headers("practitioner"), rows)
    return import_subjects(actor=actor, kind="practitioner", path_or_file=path, **options)


def by_id(id_number: str) -> Practitioner:
    return Practitioner.objects.get(id_number_index=pii.blind_index(id_number, purpose="id_number"))


def test_a_utf8_bom_csv_with_one_person_on_two_rows_imports(tmp_path: Path, clerk: Any) -> None:
    employer = make_operator()
    wang = valid_id_number(dt.date(1979, 3, 2))
    li = valid_id_number(dt.date(1990, 11, 30), sex="F")
    rows = [
        row("王建华", wang, phone="139 1234 5678", employer=employer.uscc, until="2030/5/7"),
        row(
            "王建华",
            wang,
            phone="13912345678",
            employer=employer.uscc,
            category="危险货物道路运输驾驶人员",
            first="2015年6月1日",
        ),
        row("李秀英", li.lower(), category="", first=""),
    ]
    path = write_csv(tmp_path / "从业人员.csv", headers("practitioner"), rows, encoding="utf-8-sig")

    summary = import_subjects(actor=clerk, kind="practitioner", path_or_file=path)

    assert (summary.total_rows, summary.created, summary.errors) == (3, 2, [])
    person = by_id(wang)
    assert (person.name, person.sex, person.birth_date, person.employer) == (
        "王建华",
        "M",
        dt.date(1979, 3, 2),
        employer,
    )
    assert pii.decrypt(person.id_number_encrypted, purpose="id_number") == wang
    assert person.id_number_masked == wang[:6] + "********" + wang[-4:]
    assert pii.decrypt(person.phone_encrypted or b"", purpose="phone") == "13912345678"
    assert sorted(
        person.qualifications.values_list("category", "first_issue_date", "valid_until")
    ) == [
        ("dg_driver", dt.date(2015, 6, 1), None),
        ("freight", dt.date(2012, 5, 8), dt.date(2030, 5, 7)),
    ]
    assert by_id(li).qualifications.count() == 0


def test_re_importing_adds_a_new_category_and_leaves_the_rest(tmp_path: Path, clerk: Any) -> None:
    person = make_practitioner(phone="13800001111")
    id_number = pii.decrypt(person.id_number_encrypted, purpose="id_number")
    same = make_practitioner()
    same_id = pii.decrypt(same.id_number_encrypted, purpose="id_number")
    rows = [
        row(person.name, id_number, category="道路旅客运输驾驶员", first="2019-09-09"),
        row(same.name, same_id, phone=pii.decrypt(same.phone_encrypted or b"", purpose="phone")),
    ]

    summary = run(tmp_path, clerk, rows)

    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 1), summary.errors
    assert sorted(person.qualifications.values_list("category", flat=True)) == [
        "freight",
        "passenger",
    ]
    person.refresh_from_db()
    assert person.phone_masked == "138****1111"  # a blank phone keeps the registered one
    assert Practitioner.objects.count() == 2
    again = run(tmp_path, clerk, rows)
    assert (again.updated, again.unchanged) == (0, 2)
    assert Qualification.objects.count() == 3


def test_a_changed_phone_and_date_update_the_person(tmp_path: Path, clerk: Any) -> None:
    person = make_practitioner(phone="13800001111")
    id_number = pii.decrypt(person.id_number_encrypted, purpose="id_number")

    summary = run(
        tmp_path, clerk, [row(person.name, id_number, phone="13700002222", first="2012-05-09")]
    )

    assert summary.updated == 1, summary.errors
    person.refresh_from_db()
    assert pii.decrypt(person.phone_encrypted or b"", purpose="phone") == "13700002222"
    assert person.phone_index == pii.blind_index("13700002222", purpose="phone")
    assert person.qualifications.get().first_issue_date == dt.date(2012, 5, 9)


def test_a_person_whose_rows_disagree_is_an_error(tmp_path: Path, clerk: Any) -> None:
    id_number = valid_id_number()

    summary = run(
        tmp_path,
        clerk,
        [row("王建华", id_number), row("王建国", id_number, category="道路旅客运输驾驶员")],
    )

    [error] = summary.errors
    assert (error.row, error.column_label) == (3, "身份证号码")
    assert "第 2 行" in error.message and "姓名、手机号码" in error.message
    assert not Practitioner.objects.exists()


def test_the_same_person_and_category_twice_is_an_error(tmp_path: Path, clerk: Any) -> None:
    id_number = valid_id_number()

    summary = run(
        tmp_path, clerk, [row("刘洋", id_number), row("刘洋", id_number, first="2013-01-01")]
    )

    [error] = summary.errors
    assert (error.row, error.column_label) == (3, "从业资格类别")
    assert error.message == "与第 2 行是同一人员的同一从业资格类别。"


def test_dates_without_a_category_are_an_error(tmp_path: Path, clerk: Any) -> None:
    summary = run(tmp_path, clerk, [row("陈静", valid_id_number(sex="F"), category="")])

    [error] = summary.errors
    assert (error.row, error.column_label) == (2, "从业资格类别")


def test_an_id_number_with_a_wrong_check_character_names_row_and_field(
    tmp_path: Path, clerk: Any
) -> None:
    good = valid_id_number()
    wrong = good[:17] + ("0" if good[17] != "0" else "1")

    summary = run(tmp_path, clerk, [row("杨帆", valid_id_number()), row("赵国庆", wrong)])

    [error] = summary.errors
    assert (error.row, error.field, error.column_label) == (3, "id_number", "身份证号码")
    assert f"应为 {good[17]}" in error.message


def test_an_id_number_typed_as_a_number_asks_for_a_text_column(tmp_path: Path, clerk: Any) -> None:
    summary = run(tmp_path, clerk, [row("孙丽娟", int(valid_id_number(sex="F")[:17] + "0"))])

    [error] = summary.errors
    assert error.column_label == "身份证号码"
    assert "文本" in error.message


def test_a_legacy_15_digit_number_matches_the_registered_person(tmp_path: Path, clerk: Any) -> None:
    legacy = "370612860721031"  # born 1986-07-21
    from roadcredit.subjects.identifiers import id15_to_18

    person = make_practitioner(id_number=id15_to_18(legacy))

    summary = run(tmp_path, clerk, [row(person.name, legacy, first="2012-05-08")])

    assert (summary.created, summary.errors) == (0, [])
    assert Practitioner.objects.count() == 1


def test_an_unregistered_employer_is_an_error(tmp_path: Path, clerk: Any) -> None:
    from roadcredit.subjects.tests.factories import valid_uscc

    code = valid_uscc()

    summary = run(tmp_path, clerk, [row("陈静", valid_id_number(sex="F"), employer=code)])

    [error] = summary.errors
    assert (error.row, error.column_label) == (2, "所在业户统一社会信用代码")
    assert code in error.message
