"""Importing vehicles (车辆): matching by VIN, plate clashes, owning operators."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from roadcredit.exchange.registry_import import import_subjects
from roadcredit.exchange.tests.files import headers, write_csv, write_xlsx
from roadcredit.subjects.models import Vehicle
from roadcredit.subjects.tests.factories import make_operator, make_vehicle, valid_uscc, valid_vin

pytestmark = pytest.mark.django_db


def row(plate: str, vin: str, **values: Any) -> list[Any]:
    data = {
        "plate": plate,
        "colour": "黄色",
        "vin": vin,
        "type": "普通货运车辆",
        "fuel": "柴油",
        "load": "18000",
        "seats": "",
        "operator": "",
        "status": "",
    }
    data.update(values)
    return list(data.values())


def run(tmp_path: Path, actor: Any, rows: list[list[Any]], **options: Any) -> Any:
    path = write_xlsx(tmp_path / "车辆.xlsx", headers("vehicle"), rows)
    return import_subjects(actor=actor, kind="vehicle", path_or_file=path, **options)


def test_a_gbk_csv_with_chinese_labels_imports(tmp_path: Path, clerk: Any) -> None:
    owner = make_operator()
    vins = [valid_vin(), valid_vin(), valid_vin()]
    rows = [
        row("鲁F 3A521", vins[0], operator=owner.uscc),
        row("鲁FD12345", vins[1], colour="绿色", type="网约车", fuel="纯电动", load="", seats="5"),
        row("鲁F6688挂", vins[2], type="挂车", load="32000.0", operator=owner.uscc, status="停业"),
    ]
    path = write_csv(tmp_path / "车辆（GBK）.csv", headers("vehicle"), rows, encoding="gbk")

    summary = import_subjects(actor=clerk, kind="vehicle", path_or_file=path)

    assert (summary.created, summary.errors) == (3, [])
    truck, taxi, trailer = (Vehicle.objects.get(vin=vin) for vin in vins)
    assert (truck.plate, truck.plate_colour, truck.operator) == ("鲁F3A521", "2", owner)
    assert (taxi.plate_colour, taxi.vehicle_type, taxi.fuel, taxi.seats) == (
        "5",
        "ride_hailing",
        "electric",
        5,
    )
    assert (trailer.approved_load_kg, trailer.status) == (32000, "suspended")


def test_a_plate_already_on_another_vin_is_an_error(tmp_path: Path, clerk: Any) -> None:
    registered = make_vehicle(plate="鲁F12345", plate_colour="2")
    vin = valid_vin()

    summary = run(tmp_path, clerk, [row("鲁F55555", valid_vin()), row("鲁F12345", vin)])

    [error] = summary.errors
    assert (error.row, error.column_label) == (3, "车牌号码")
    assert error.message == (
        f"车牌号码 鲁F12345（黄色）已登记在另一辆车上（车辆识别代号 {registered.vin}）。"
    )
    assert Vehicle.objects.count() == 1


def test_the_same_plate_in_another_colour_is_another_vehicle(tmp_path: Path, clerk: Any) -> None:
    make_vehicle(plate="鲁F12345", plate_colour="2")

    summary = run(tmp_path, clerk, [row("鲁F12345", valid_vin(), colour="蓝色", type="普通货车")])

    assert summary.created == 1, summary.errors


def test_the_same_vin_or_plate_twice_in_a_file_is_an_error(tmp_path: Path, clerk: Any) -> None:
    vin = valid_vin()

    summary = run(
        tmp_path,
        clerk,
        [row("鲁F10001", vin), row("鲁F10002", vin), row("鲁F10001", valid_vin())],
    )

    assert [(e.row, e.column_label, e.message) for e in summary.errors] == [
        (3, "车辆识别代号", "与第 2 行的车辆识别代号重复。"),
        (4, "车牌号码", "车牌号码 鲁F10001（黄色）与第 2 行重复，而车辆识别代号不同。"),
    ]
    assert not Vehicle.objects.exists()


def test_an_unregistered_or_cancelled_owner_is_an_error(tmp_path: Path, clerk: Any) -> None:
    cancelled = make_operator(status="cancelled")
    missing = valid_uscc()

    summary = run(
        tmp_path,
        clerk,
        [
            row("鲁F20001", valid_vin(), operator=missing),
            row("鲁F20002", valid_vin(), operator=cancelled.uscc),
        ],
    )

    assert [(e.row, e.column_label) for e in summary.errors] == [
        (2, "所属业户统一社会信用代码"),
        (3, "所属业户统一社会信用代码"),
    ]
    assert missing in summary.errors[0].message


def test_re_importing_updates_only_what_changed(tmp_path: Path, clerk: Any) -> None:
    owner = make_operator()
    same = make_vehicle(operator=owner, plate="鲁F30001")
    loaded = make_vehicle(operator=owner, plate="鲁F30002")
    rows = [
        row(same.plate, same.vin, load=str(same.approved_load_kg), operator=owner.uscc),
        row(loaded.plate, loaded.vin, load="25000", operator=""),
    ]

    summary = run(tmp_path, clerk, rows)

    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 1), summary.errors
    loaded.refresh_from_db()
    assert (loaded.approved_load_kg, loaded.operator) == (25000, owner)  # blank owner kept


def test_a_wrong_vin_check_digit_names_the_row_and_field(tmp_path: Path, clerk: Any) -> None:
    vin = valid_vin()
    wrong = vin[:8] + ("0" if vin[8] != "0" else "1") + vin[9:]

    summary = run(tmp_path, clerk, [row("鲁F40001", wrong)])

    [error] = summary.errors
    assert (error.row, error.field, error.column_label) == (2, "vin", "车辆识别代号")
    assert "校验位" in error.message


def test_a_clash_that_appears_while_the_file_is_written_rolls_everything_back(
    tmp_path: Path, clerk: Any
) -> None:
    rows = [row("鲁F50001", valid_vin()), row("鲁F50002", valid_vin())]
    taken: list[Vehicle] = []

    def another_clerk_registers_the_plate(done: int, total: int) -> None:
        # Called after the check pass has read its rows: another user takes a plate now.
        if not taken:
            taken.append(make_vehicle(plate="鲁F50002", plate_colour="2"))

    summary = run(tmp_path, clerk, rows, progress=another_clerk_registers_the_plate)

    assert not summary.written
    assert "导入过程中主体登记数据被他人修改" in summary.errors[0].message
    assert (summary.errors[1].row, summary.errors[1].column_label) == (3, "车牌号码")
    assert list(Vehicle.objects.all()) == taken
