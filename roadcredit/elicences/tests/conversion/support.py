"""Ledger files for the conversion tests: a small Muping register of paper licences."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from roadcredit.core import pii
from roadcredit.elicences.tests.services.support import freight_operator
from roadcredit.subjects.models import Operator, Practitioner, Vehicle
from roadcredit.subjects.tests.factories import make_practitioner, make_vehicle

HEADERS = (
    "证照类型",
    "证照编号",
    "持证主体统一社会信用代码",
    "身份证号码",
    "车牌号码",
    "车牌颜色",
    "发证日期",
    "有效期起",
    "有效期至",
)


def ledger_xlsx(rows: Sequence[Sequence[Any]], *, headers: Sequence[str] = HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_ledger(
    tmp_path: Path, rows: Sequence[Sequence[Any]], name: str = "纸质证照台账.xlsx"
) -> Path:
    path = tmp_path / name
    path.write_bytes(ledger_xlsx(rows))
    return path


def business_row(
    operator: Operator, seq: int, *, issued: dt.date = dt.date(2024, 4, 12)
) -> list[Any]:
    until = issued.replace(year=issued.year + 4) - dt.timedelta(days=1)
    return [
        "道路运输经营许可证",
        f"鲁交运管许可烟字370612{seq:06d}号",
        operator.uscc,
        "",
        "",
        "",
        issued,
        issued,
        until,
    ]


def certificate_row(
    vehicle: Vehicle, seq: int, *, issued: dt.date = dt.date(2020, 9, 3)
) -> list[Any]:
    colour = {"1": "蓝色", "2": "黄色", "5": "绿色"}[vehicle.plate_colour]
    return ["道路运输证", f"370612{seq:06d}", "", "", vehicle.plate, colour, issued, issued, None]


def qualification_row(
    practitioner: Practitioner, *, issued: dt.date = dt.date(2022, 1, 20), id_column: bool = True
) -> list[Any]:
    number = pii.decrypt(practitioner.id_number_encrypted, purpose="id_number")
    until = issued.replace(year=issued.year + 6) - dt.timedelta(days=1)
    return [
        "道路运输从业人员从业资格证",
        number,
        "",
        number if id_column else "",
        "",
        "",
        issued.strftime("%Y年%m月%d日"),
        issued.isoformat(),
        until.isoformat(),
    ]


@dataclass
class District:
    operators: list[Operator]
    vehicles: list[Vehicle]
    practitioners: list[Practitioner]

    def rows(self) -> list[list[Any]]:
        rows: list[list[Any]] = []
        for index, operator in enumerate(self.operators, start=1):
            rows.append(business_row(operator, 100 + index))
        for index, vehicle in enumerate(self.vehicles, start=1):
            rows.append(certificate_row(vehicle, 500 + index))
        for practitioner in self.practitioners:
            rows.append(qualification_row(practitioner))
        return rows


def small_district(*, operators: int = 3, vehicles: int = 3, practitioners: int = 3) -> District:
    names = [
        "烟台顺通物流有限公司",
        "牟平区宏达运输有限公司",
        "烟台鑫源货运有限公司",
        "牟平区李记货运部",
    ]
    people = ["王建华", "李秀英", "张志强", "刘洋", "陈静", "杨帆"]
    ops = [freight_operator(name=names[i % len(names)]) for i in range(operators)]
    vehs = [make_vehicle(ops[i % len(ops)]) for i in range(vehicles)]
    pracs = [make_practitioner(ops[0], name=people[i % len(people)]) for i in range(practitioners)]
    return District(ops, vehs, pracs)
