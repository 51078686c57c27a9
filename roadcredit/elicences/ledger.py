"""The paper-licence ledger file (纸质证照台账) read for stock conversion (pure, no Django).

One row per paper licence, with Chinese headers::

    证照类型 | 证照编号 | 持证主体统一社会信用代码 | 身份证号码 | 车牌号码 | 车牌颜色 | 发证日期 | 有效期起 | 有效期至

``证照类型`` is the type's Chinese name (or its key); the holder is named by the column that fits
the type's holder kind: the USCC for an operator's licence, the plate and its colour for a
vehicle's certificate, the ID number for a practitioner's certificate (whose licence number is
that ID number, so ``身份证号码`` may be left blank there). ``有效期至`` may be blank only for a
type valid for the vehicle's lifetime.

Cells are read with the registry import's converters (``exchange.columns``: dates in the usual
spellings, identifiers that Excel turned into numbers, formulas refused). What this module
checks is the row on its own: the type, the number against the catalogue's pattern, the holder
identifiers, the dates. Whether the holder is registered and whether the number is already on a
licence is for ``services.conversion`` (it needs the database).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from roadcredit.elicences.catalogue import Catalogue, LicenceType
from roadcredit.exchange.columns import (
    PLATE_COLOUR_LABELS,
    CellError,
    ColumnSpec,
    HeaderError,
    HeaderMap,
    convert_row,
    normalise_header,
)
from roadcredit.subjects.identifiers import (
    IdentifierError,
    validate_id_number,
    validate_plate,
    validate_uscc,
)

_ErrorSink = Callable[[str, str], None]

LEDGER_KIND = "paper_licence_ledger"
LEDGER_LABEL = "纸质证照台账"

TYPE = "type_key"
NUMBER = "number"
USCC = "uscc"
ID_NUMBER = "id_number"
PLATE = "plate"
PLATE_COLOUR = "plate_colour"
ISSUED_ON = "issued_on"
VALID_FROM = "valid_from"
VALID_UNTIL = "valid_until"


def ledger_columns(catalogue: Catalogue) -> tuple[ColumnSpec, ...]:
    """The ledger's columns; the licence-type labels come from the catalogue."""
    type_labels = {t.key: (t.name_zh,) for t in catalogue}
    return (
        ColumnSpec(
            TYPE,
            "证照类型",
            True,
            "choice",
            type_labels,
            note="证照名称，如“道路运输经营许可证”",
            aliases=("证照名称", "证件类型"),
        ),
        ColumnSpec(
            NUMBER,
            "证照编号",
            True,
            "identifier",
            note="纸质证照上的编号；从业资格证为持证人身份证号码",
            aliases=("证号", "许可证号", "证件编号"),
        ),
        ColumnSpec(
            USCC,
            "持证主体统一社会信用代码",
            False,
            "identifier",
            note="经营许可证必填",
            aliases=("统一社会信用代码", "信用代码"),
        ),
        ColumnSpec(
            ID_NUMBER,
            "身份证号码",
            False,
            "identifier",
            note="从业资格证可留空（证号即身份证号码）",
            aliases=("持证人身份证号码", "公民身份号码"),
        ),
        ColumnSpec(
            PLATE, "车牌号码", False, note="道路运输证必填", aliases=("车辆号牌", "号牌号码")
        ),
        ColumnSpec(
            PLATE_COLOUR,
            "车牌颜色",
            False,
            "choice",
            PLATE_COLOUR_LABELS,
            note="道路运输证必填：蓝色、黄色、绿色、黄绿色等",
            aliases=("号牌颜色",),
        ),
        ColumnSpec(ISSUED_ON, "发证日期", True, "date"),
        ColumnSpec(VALID_FROM, "有效期起", True, "date", aliases=("有效期自", "有效期开始")),
        ColumnSpec(
            VALID_UNTIL,
            "有效期至",
            False,
            "date",
            note="长期有效（道路运输证）可留空",
            aliases=("有效期止", "有效期结束"),
        ),
    )


def column_label(columns: Sequence[ColumnSpec], key: str) -> str:
    return next((spec.label for spec in columns if spec.key == key), "")


def map_ledger_headers(columns: Sequence[ColumnSpec], headers: Sequence[object]) -> HeaderMap:
    """Match the file's header row to the ledger's columns (HeaderError lists every problem)."""
    by_label: dict[str, ColumnSpec] = {}
    for spec in columns:
        for label in (spec.label, *spec.aliases):
            by_label[normalise_header(label)] = spec
    found: list[tuple[int, ColumnSpec]] = []
    seen: set[str] = set()
    unknown: list[str] = []
    duplicated: list[str] = []
    for position, raw in enumerate(headers):
        text = normalise_header(raw)
        if not text:
            continue
        matched = by_label.get(text)
        if matched is None:
            unknown.append(text)
        elif matched.key in seen:
            duplicated.append(matched.label)
        else:
            seen.add(matched.key)
            found.append((position, matched))
    missing = [spec.label for spec in columns if spec.required and spec.key not in seen]
    if missing or unknown or duplicated:
        parts: list[str] = []
        if missing:
            parts.append("缺少必填列：" + "、".join(missing))
        if unknown:
            parts.append("无法识别的列：" + "、".join(f"“{text}”" for text in unknown))
        if duplicated:
            parts.append("重复的列：" + "、".join(duplicated))
        raise HeaderError(
            f"{LEDGER_LABEL}的表头不正确。" + "；".join(parts) + "。第 1 行应为列名。",
            missing=missing,
            unknown=unknown + duplicated,
        )
    return HeaderMap(kind=LEDGER_KIND, columns=tuple(found), width=len(headers))


@dataclass(frozen=True)
class LedgerRow:
    """One checked ledger row. The holder is named by ``holder_key``: a USCC, ``plate:colour``
    or the ID number (kept only in memory; never written anywhere in the clear)."""

    row: int
    type_key: str
    holder_kind: str  # "operator" / "vehicle" / "practitioner"
    number: str  # as printed (for an ID-number type: the full ID number)
    uscc: str
    id_number: str
    plate: str
    plate_colour: str
    issued_on: dt.date
    valid_from: dt.date
    valid_until: dt.date | None

    @property
    def holder_key(self) -> str:
        if self.holder_kind == "operator":
            return self.uscc
        if self.holder_kind == "vehicle":
            return f"{self.plate}:{self.plate_colour}"
        return self.id_number


def parse_ledger_row(
    header: HeaderMap,
    row: int,
    values: Sequence[object],
    *,
    catalogue: Catalogue,
    today: dt.date,
) -> tuple[LedgerRow | None, list[CellError]]:
    """Read and check one row; every problem of the row is returned (row None if any)."""
    columns = [spec for _, spec in header.columns]
    labels = {spec.key: spec.label for spec in columns}
    data, errors = convert_row(header, values, scopes={})
    bad = {error.key for error in errors}

    def error(key: str, message: str) -> None:
        if key not in bad:
            bad.add(key)
            errors.append(CellError(key, labels.get(key, key), message))

    for spec in columns:
        if spec.required and spec.key not in data and spec.key not in bad:
            error(spec.key, "必填，不能为空")
    licence_type = catalogue[str(data[TYPE])] if TYPE in data else None
    number = str(data.get(NUMBER, ""))
    if licence_type is not None and number:
        number = number.upper() if licence_type.number_is_id_number else number
        if not licence_type.number_matches(number):
            error(NUMBER, _number_message(licence_type, number))
    uscc = plate = colour = id_number = ""
    if licence_type is not None:
        holder = licence_type.holder_kind
        if holder == "operator":
            uscc = _holder_uscc(data, error)
        elif holder == "vehicle":
            plate, colour = _holder_plate(data, error, labels)
        else:
            id_number = _holder_id_number(data, error, number, today)
    issued_on, valid_from, valid_until = _dates(data, error, licence_type, today)
    if errors or licence_type is None or issued_on is None or valid_from is None:
        return None, errors
    return (
        LedgerRow(
            row=row,
            type_key=licence_type.key,
            holder_kind=licence_type.holder_kind,
            number=id_number if licence_type.number_is_id_number else number,
            uscc=uscc,
            id_number=id_number,
            plate=plate,
            plate_colour=colour,
            issued_on=issued_on,
            valid_from=valid_from,
            valid_until=valid_until,
        ),
        [],
    )


def _number_message(licence_type: LicenceType, number: str) -> str:
    if licence_type.number_is_id_number:
        return f"{licence_type.name_zh}的编号应为持证人的 18 位身份证号码"
    sample = licence_type.sample_numbers[0]
    return f"编号“{number}”不符合{licence_type.name_zh}的编号格式（如“{sample}”）"


def _holder_uscc(data: Mapping[str, object], error: _ErrorSink) -> str:
    if USCC not in data:
        error(USCC, "经营许可证须填写持证主体的统一社会信用代码")
        return ""
    try:
        # Early pilot codes fail the check character yet are valid; the registry decides.
        return validate_uscc(str(data[USCC]), allow_failed_check=True)
    except IdentifierError as exc:
        error(USCC, exc.message)
        return ""


def _holder_plate(
    data: Mapping[str, object], error: _ErrorSink, labels: Mapping[str, str]
) -> tuple[str, str]:
    if PLATE not in data:
        error(PLATE, "道路运输证须填写车牌号码")
    if PLATE_COLOUR not in data:
        error(PLATE_COLOUR, "道路运输证须填写车牌颜色")
    if PLATE not in data or PLATE_COLOUR not in data:
        return "", ""
    colour = str(data[PLATE_COLOUR])
    try:
        return validate_plate(str(data[PLATE]), colour), colour
    except IdentifierError as exc:
        error(PLATE, exc.message)
        return "", ""


def _holder_id_number(
    data: Mapping[str, object], error: _ErrorSink, number: str, today: dt.date
) -> str:
    given = str(data.get(ID_NUMBER, "")) or number
    if not given:
        error(ID_NUMBER, "从业资格证须填写持证人身份证号码")
        return ""
    try:
        id_number = validate_id_number(given, today=today).number
    except IdentifierError as exc:
        error(ID_NUMBER if ID_NUMBER in data else NUMBER, exc.message)
        return ""
    if number and ID_NUMBER in data and number != id_number:
        error(NUMBER, "证照编号与身份证号码不一致（从业资格证的编号即身份证号码）")
    return id_number


def _dates(
    data: Mapping[str, object],
    error: _ErrorSink,
    licence_type: LicenceType | None,
    today: dt.date,
) -> tuple[dt.date | None, dt.date | None, dt.date | None]:
    issued_on = data.get(ISSUED_ON)
    valid_from = data.get(VALID_FROM)
    valid_until = data.get(VALID_UNTIL)
    assert issued_on is None or isinstance(issued_on, dt.date)
    assert valid_from is None or isinstance(valid_from, dt.date)
    assert valid_until is None or isinstance(valid_until, dt.date)
    if issued_on is not None and issued_on > today:
        error(ISSUED_ON, "发证日期不能晚于今天")
    if valid_from is not None and valid_until is not None and valid_until < valid_from:
        error(VALID_UNTIL, "有效期至早于有效期起")
    if valid_until is None and licence_type is not None and licence_type.validity.kind == "years":
        error(VALID_UNTIL, f"{licence_type.name_zh}有固定有效期，须填写有效期至")
    return issued_on, valid_from, valid_until
