"""Whole-record validation of operators, vehicles and practitioners (pure Python, no Django).

The one home for these rules: services, the API, the pages and the file import all call
``parse_operator`` / ``parse_vehicle`` / ``parse_practitioner``. Each takes a mapping keyed by
the English field names, trims and normalises every value, collects *every* problem of the record
and raises ``InputInvalid`` with ``fields`` = ``{field: [Chinese message, ...]}``; on success it
returns a frozen, fully normalised input object. Qualification problems are keyed
``qualifications[<index>].<field>``.

Messages are Chinese constants because this module imports no Django (no gettext).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from roadcredit.subjects.identifiers import (
    IdentifierError,
    PlateKind,
    check_plate_colour,
    classify_plate,
    is_individual_business,
    validate_id_number,
    validate_mobile,
    validate_uscc,
    validate_vin,
)

__all__ = [
    "FUEL_TYPES",
    "OPERATOR_KINDS",
    "QUALIFICATION_CATEGORIES",
    "SUBJECT_STATUSES",
    "VEHICLE_TYPES",
    "FieldErrors",
    "InputInvalid",
    "OperatorInput",
    "PractitionerInput",
    "QualificationInput",
    "VehicleInput",
    "parse_operator",
    "parse_practitioner",
    "parse_vehicle",
]

FieldErrors = dict[str, list[str]]

OPERATOR_KINDS = ("enterprise", "individual")
SUBJECT_STATUSES = ("active", "suspended", "cancelled")
VEHICLE_TYPES = ("freight", "dangerous_goods", "tractor", "trailer", "bus", "taxi", "ride_hailing")
FUEL_TYPES = ("diesel", "petrol", "electric", "hybrid", "gas", "hydrogen")
QUALIFICATION_CATEGORIES = (
    "passenger",
    "freight",
    "dg_driver",
    "dg_loader",
    "dg_escort",
    "taxi",
    "ride_hailing",
)

DEFAULT_DIVISION_CODE = "370612"  # Muping District, Yantai
# Vehicle types whose approved load (核定载质量) / seats (核定载客) must be given.
LOAD_REQUIRED_TYPES = frozenset({"freight", "dangerous_goods", "tractor", "trailer"})
SEATS_REQUIRED_TYPES = frozenset({"bus", "taxi", "ride_hailing"})

OPERATOR_NAME_MAX = 200
PERSON_NAME_MAX = 50
ADDRESS_MAX = 300
SCOPE_CODE_MAX = 20
# Column limits (PositiveIntegerField / PositiveSmallIntegerField), not business limits.
LOAD_KG_MAX = 2_147_483_647
SEATS_MAX = 32_767

REQUIRED = "必填"
_DIVISION = re.compile(r"[1-8][0-9]{5}")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_SCOPE_SEPARATORS = re.compile(r"[,，、;；\s]+")

_KIND_LABELS = {"enterprise": "企业", "individual": "个体工商户"}
_STATUS_LABELS = {"active": "正常", "suspended": "停业", "cancelled": "注销"}
_VEHICLE_TYPE_LABELS = {
    "freight": "普通货车",
    "dangerous_goods": "危险货物运输车",
    "tractor": "牵引车",
    "trailer": "挂车",
    "bus": "客车",
    "taxi": "巡游出租汽车",
    "ride_hailing": "网约车",
}
_FUEL_LABELS = {
    "diesel": "柴油",
    "petrol": "汽油",
    "electric": "纯电动",
    "hybrid": "插电式混合动力",
    "gas": "天然气",
    "hydrogen": "氢燃料电池",
}
_CATEGORY_LABELS = {
    "passenger": "道路旅客运输驾驶员",
    "freight": "道路货物运输驾驶员",
    "dg_driver": "危险货物运输驾驶员",
    "dg_loader": "危险货物运输装卸管理人员",
    "dg_escort": "危险货物运输押运人员",
    "taxi": "巡游出租汽车驾驶员",
    "ride_hailing": "网络预约出租汽车驾驶员",
}


class InputInvalid(Exception):
    """The record broke one or more rules; ``fields`` maps each field to its Chinese messages."""

    def __init__(self, fields: FieldErrors) -> None:
        super().__init__("提交的数据有误，请按提示修改")
        self.fields: FieldErrors = fields


@dataclass(frozen=True)
class OperatorInput:
    uscc: str
    name: str
    kind: str
    legal_representative: str
    address: str
    division_code: str
    business_scope_codes: tuple[str, ...]
    status: str
    uscc_check_overridden: bool


@dataclass(frozen=True)
class VehicleInput:
    plate: str
    plate_colour: str
    vin: str
    vehicle_type: str
    fuel: str
    approved_load_kg: int | None
    seats: int | None
    operator_uscc: str | None
    status: str


@dataclass(frozen=True)
class QualificationInput:
    category: str
    first_issue_date: datetime.date
    valid_until: datetime.date | None


@dataclass(frozen=True)
class PractitionerInput:
    name: str
    id_number: str
    birth_date: datetime.date
    sex: str
    phone: str  # "" when none was given
    employer_uscc: str | None
    qualifications: tuple[QualificationInput, ...]
    status: str


class _Collector:
    """Reads fields from one mapping and records every problem under its field key."""

    def __init__(self, data: Mapping[str, object], prefix: str = "") -> None:
        self.data = data
        self.prefix = prefix
        self.errors: FieldErrors = {}

    def key(self, field: str) -> str:
        return f"{self.prefix}{field}"

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(self.key(field), []).append(message)

    def text(self, field: str, *, required: bool = False, max_length: int | None = None) -> str:
        value = _as_text(self.data.get(field))
        if value is None:
            self.add(field, "应为文本")
            return ""
        if required and not value:
            self.add(field, REQUIRED)
        if max_length is not None and len(value) > max_length:
            self.add(field, f"长度不能超过 {max_length} 个字符，实为 {len(value)} 个")
        return value

    def choice(self, field: str, labels: Mapping[str, str], *, default: str | None = None) -> str:
        value = self.text(field, required=default is None)
        if not value:
            return default or ""
        if value not in labels:
            allowed = "、".join(f"{code}（{label}）" for code, label in labels.items())
            self.add(field, f"取值“{value}”无效，可选：{allowed}")
        return value

    def integer(self, field: str, *, required: bool, maximum: int) -> int | None:
        raw = self.data.get(field)
        if isinstance(raw, str):
            raw = raw.strip()
        if raw is None or raw == "":
            if required:
                self.add(field, REQUIRED)
            return None
        number = _as_int(raw)
        if number is None:
            self.add(field, "应为整数")
            return None
        if number < 0:
            self.add(field, "不能为负数")
            return None
        if number > maximum:
            self.add(field, f"不能大于 {maximum}")
            return None
        return number

    def date(self, field: str, *, required: bool) -> datetime.date | None:
        raw = self.data.get(field)
        if isinstance(raw, datetime.datetime):
            return raw.date()
        if isinstance(raw, datetime.date):
            return raw
        value = _as_text(raw)
        if not value:
            if required:
                self.add(field, REQUIRED)
            return None
        if _ISO_DATE.fullmatch(value):
            try:
                return datetime.date.fromisoformat(value)
            except ValueError:
                pass
        self.add(field, f"日期“{value}”无效，应为 YYYY-MM-DD 格式的真实日期")
        return None

    def uscc(self, field: str, *, required: bool) -> str | None:
        """A reference to an operator by USCC. The check character is not enforced here: the
        referenced operator must exist (the service looks it up) and may be allow-listed."""
        value = self.text(field, required=required)
        if not value:
            return None
        try:
            return validate_uscc(value, allow_failed_check=True)
        except IdentifierError as exc:
            self.add(field, exc.message)
            return None


def _as_int(value: object) -> int | None:
    """An integer from an int, an integral float (spreadsheet cell) or a string of digits."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str) and _INTEGER.fullmatch(value):
        return int(value)
    return None


def _as_text(value: object) -> str | None:
    """Trimmed text; numbers (spreadsheet cells) become their digits; None becomes ""."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return None


def _scope_codes(collector: _Collector) -> tuple[str, ...]:
    raw = collector.data.get("business_scope_codes")
    items: list[object]
    if raw is None:
        return ()
    if isinstance(raw, str):
        items = [part for part in _SCOPE_SEPARATORS.split(raw) if part]
    elif isinstance(raw, list | tuple | set | frozenset):
        items = list(raw)
    else:
        collector.add("business_scope_codes", "应为经营范围代码列表")
        return ()
    codes: list[str] = []
    for item in items:
        code = _as_text(item)
        if code is None:
            collector.add("business_scope_codes", "经营范围代码应为文本")
            continue
        if not code or code in codes:
            continue
        if len(code) > SCOPE_CODE_MAX:
            collector.add(
                "business_scope_codes",
                f"经营范围代码“{code}”过长（不超过 {SCOPE_CODE_MAX} 个字符）",
            )
            continue
        codes.append(code)
    return tuple(codes)


def parse_operator(
    data: Mapping[str, object],
    *,
    uscc_allowlisted: Callable[[str], bool] = lambda code: False,
) -> OperatorInput:
    """Validate an operator (经营业户). ``uscc_allowlisted`` is asked only when the USCC check
    character fails; a listed code passes with ``uscc_check_overridden=True``."""
    c = _Collector(data)
    uscc = ""
    overridden = False
    raw_uscc = c.text("uscc")
    try:
        uscc = validate_uscc(raw_uscc)
    except IdentifierError as exc:
        if exc.rule == "check":
            candidate = validate_uscc(raw_uscc, allow_failed_check=True)
            if uscc_allowlisted(candidate):
                uscc, overridden = candidate, True
            else:
                c.add("uscc", f"{exc.message}（如为早期试点赋码，请先由管理员登记例外）")
        else:
            c.add("uscc", REQUIRED if exc.rule == "required" else exc.message)
    name = c.text("name", required=True, max_length=OPERATOR_NAME_MAX)
    default_kind = "individual" if uscc and is_individual_business(uscc) else "enterprise"
    kind = c.choice("kind", _KIND_LABELS, default=default_kind)
    legal_representative = c.text("legal_representative", required=True, max_length=PERSON_NAME_MAX)
    address = c.text("address", required=True, max_length=ADDRESS_MAX)
    division_code = c.text("division_code") or DEFAULT_DIVISION_CODE
    if not _DIVISION.fullmatch(division_code):
        c.add("division_code", f"行政区划代码“{division_code}”无效，应为 6 位数字")
    scopes = _scope_codes(c)
    status = c.choice("status", _STATUS_LABELS, default="active")
    if c.errors:
        raise InputInvalid(c.errors)
    return OperatorInput(
        uscc=uscc,
        name=name,
        kind=kind,
        legal_representative=legal_representative,
        address=address,
        division_code=division_code,
        business_scope_codes=scopes,
        status=status,
        uscc_check_overridden=overridden,
    )


def parse_vehicle(data: Mapping[str, object]) -> VehicleInput:
    """Validate a vehicle: plate + colour, VIN, type, fuel, load / seats by type, owner."""
    c = _Collector(data)
    plate = ""
    plate_kind: PlateKind | None = None
    try:
        plate, plate_kind = classify_plate(c.text("plate"))
    except IdentifierError as exc:
        c.add("plate", REQUIRED if exc.rule == "required" else exc.message)
    colour = c.text("plate_colour")
    try:
        colour = check_plate_colour(plate_kind, colour)
    except IdentifierError as exc:
        c.add("plate_colour", REQUIRED if exc.rule == "required" else exc.message)
    vin = ""
    try:
        vin = validate_vin(c.text("vin"))
    except IdentifierError as exc:
        c.add("vin", REQUIRED if exc.rule == "required" else exc.message)
    vehicle_type = c.choice("vehicle_type", _VEHICLE_TYPE_LABELS)
    if plate_kind == "trailer" and vehicle_type and vehicle_type != "trailer":
        c.add("vehicle_type", "挂车号牌（挂）的车辆类型应为挂车")
    fuel = c.choice("fuel", _FUEL_LABELS)
    load = c.integer(
        "approved_load_kg", required=vehicle_type in LOAD_REQUIRED_TYPES, maximum=LOAD_KG_MAX
    )
    seats = c.integer("seats", required=vehicle_type in SEATS_REQUIRED_TYPES, maximum=SEATS_MAX)
    operator_uscc = c.uscc("operator_uscc", required=False)
    status = c.choice("status", _STATUS_LABELS, default="active")
    if c.errors:
        raise InputInvalid(c.errors)
    return VehicleInput(
        plate=plate,
        plate_colour=colour,
        vin=vin,
        vehicle_type=vehicle_type,
        fuel=fuel,
        approved_load_kg=load,
        seats=seats,
        operator_uscc=operator_uscc,
        status=status,
    )


def _qualifications(c: _Collector, *, today: datetime.date) -> tuple[QualificationInput, ...]:
    raw = c.data.get("qualifications")
    if raw is None or raw == "":
        return ()
    if not isinstance(raw, list | tuple):
        c.add("qualifications", "应为从业资格列表")
        return ()
    parsed: list[QualificationInput] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        prefix = f"qualifications[{index}]."
        if not isinstance(item, Mapping):
            c.add(f"qualifications[{index}]", "应为包含类别与日期的记录")
            continue
        q = _Collector(item, prefix=prefix)
        category = q.choice("category", _CATEGORY_LABELS)
        if category in _CATEGORY_LABELS:
            if category in seen:
                q.add("category", f"从业资格类别“{_CATEGORY_LABELS[category]}”重复")
            seen.add(category)
        first = q.date("first_issue_date", required=True)
        until = q.date("valid_until", required=False)
        if first is not None and first > today:
            q.add("first_issue_date", "初次领证日期不能晚于今天")
        if first is not None and until is not None and until <= first:
            q.add("valid_until", "有效期至应晚于初次领证日期")
        for key, messages in q.errors.items():
            c.errors.setdefault(key, []).extend(messages)
        if not q.errors and first is not None:
            parsed.append(QualificationInput(category, first, until))
    return tuple(parsed)


def parse_practitioner(data: Mapping[str, object], *, today: datetime.date) -> PractitionerInput:
    """Validate a practitioner (从业人员). Birth date and sex come from the ID number; the
    returned ID number is the normalised 18-character form (legacy 15-digit numbers converted)."""
    c = _Collector(data)
    name = c.text("name", required=True, max_length=PERSON_NAME_MAX)
    info = None
    try:
        info = validate_id_number(c.text("id_number"), today=today)
    except IdentifierError as exc:
        c.add("id_number", REQUIRED if exc.rule == "required" else exc.message)
    phone = c.text("phone")
    if phone:
        try:
            phone = validate_mobile(phone)
        except IdentifierError as exc:
            c.add("phone", exc.message)
    employer_uscc = c.uscc("employer_uscc", required=False)
    qualifications = _qualifications(c, today=today)
    status = c.choice("status", _STATUS_LABELS, default="active")
    if c.errors or info is None:
        raise InputInvalid(c.errors)
    return PractitionerInput(
        name=name,
        id_number=info.number,
        birth_date=info.birth_date,
        sex=info.sex,
        phone=phone,
        employer_uscc=employer_uscc,
        qualifications=qualifications,
        status=status,
    )
