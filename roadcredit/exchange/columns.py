"""The import file format: Chinese column headers per kind and Chinese value labels (pure).

A file's first row holds the headers; each header is one of the labels below (a trailing or
leading ``*`` is tolerated, whitespace and full-width spaces are ignored, ASCII parentheses match
full-width ones). Cells are converted here into the plain values that
``roadcredit.subjects.validation.parse_*`` expects (codes, ints, dates, text); every *rule* about
those values stays in ``validation``. What this module checks is only the file format: a column
that must be there, a label that is not in the table, a date or number that cannot be read, an
identifier that Excel has turned into a number.

Practitioners: one qualification per row. The same person (same 身份证号码) may appear on
several rows, one per qualification category; the person's own columns (姓名, 手机号码,
所在业户统一社会信用代码, 状态) must then be identical on all of those rows.

This module imports no Django, so its user-facing messages are Chinese constants. The label
tables must agree with the models' TextChoices (a test checks them against the zh-Hans
catalogue).
"""

from __future__ import annotations

import datetime
import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

KINDS = ("operator", "vehicle", "practitioner")
KIND_LABELS = {"operator": "经营业户", "vehicle": "车辆", "practitioner": "从业人员"}

CellType = Literal["text", "identifier", "int", "date", "choice", "scopes"]

# --- Value labels (Chinese label → stored code). The first label of each code is the one the
# template offers; the others are accepted synonyms. Codes themselves are accepted as well.
STATUS_LABELS: dict[str, tuple[str, ...]] = {
    "active": ("正常", "启用", "营业"),
    "suspended": ("停业", "暂停"),
    "cancelled": ("注销",),
}
OPERATOR_KIND_LABELS: dict[str, tuple[str, ...]] = {
    "enterprise": ("企业",),
    "individual": ("个体工商户", "个体"),
}
PLATE_COLOUR_LABELS: dict[str, tuple[str, ...]] = {
    "1": ("蓝色", "蓝"),
    "2": ("黄色", "黄"),
    "3": ("黑色", "黑"),
    "4": ("白色", "白"),
    "5": ("绿色", "绿", "渐变绿色"),
    "93": ("黄绿色", "黄绿"),
    "9": ("其他",),
}
VEHICLE_TYPE_LABELS: dict[str, tuple[str, ...]] = {
    "freight": ("普通货运车辆", "普通货车", "货车"),
    "dangerous_goods": ("危险货物运输车辆", "危险货物运输车", "危险品运输车"),
    "tractor": ("牵引车",),
    "trailer": ("挂车",),
    "bus": ("客运车辆", "客车"),
    "taxi": ("巡游出租汽车", "出租汽车", "出租车"),
    "ride_hailing": ("网络预约出租汽车", "网约车"),
}
FUEL_LABELS: dict[str, tuple[str, ...]] = {
    "diesel": ("柴油",),
    "petrol": ("汽油",),
    "electric": ("纯电动", "电动"),
    "hybrid": ("插电式混合动力", "混合动力", "油电混合"),
    "gas": ("天然气", "CNG", "LNG"),
    "hydrogen": ("氢燃料电池", "氢能"),
}
QUALIFICATION_LABELS: dict[str, tuple[str, ...]] = {
    "passenger": ("道路旅客运输驾驶员", "经营性道路旅客运输驾驶员"),
    "freight": ("道路货物运输驾驶员", "经营性道路货物运输驾驶员"),
    "dg_driver": (
        "危险货物道路运输驾驶人员",
        "危险货物运输驾驶员",
        "道路危险货物运输驾驶员",
    ),
    "dg_loader": (
        "危险货物装卸管理人员",
        "危险货物运输装卸管理人员",
        "道路危险货物运输装卸管理人员",
    ),
    "dg_escort": ("危险货物押运人员", "危险货物运输押运人员", "道路危险货物运输押运人员"),
    "taxi": ("巡游出租汽车驾驶员", "出租汽车驾驶员"),
    "ride_hailing": ("网络预约出租汽车驾驶员", "网约车驾驶员"),
}


@dataclass(frozen=True)
class ColumnSpec:
    key: str  # the field name of validation.parse_* ("uscc", "plate", …)
    label: str  # the Chinese header
    required: bool
    type: CellType = "text"
    choices: Mapping[str, tuple[str, ...]] | None = None
    note: str = ""  # shown in the template's instructions sheet
    aliases: tuple[str, ...] = ()  # other headers accepted for this column

    @property
    def header(self) -> str:
        """The header as written in the template (required columns end in ``*``)."""
        return f"{self.label}*" if self.required else self.label


def _choice_note(table: Mapping[str, tuple[str, ...]]) -> str:
    return "填写：" + "、".join(labels[0] for labels in table.values())


_STATUS_NOTE = "正常、停业 或 注销；留空时新增为正常，更新时保持原值"

COLUMNS: dict[str, tuple[ColumnSpec, ...]] = {
    "operator": (
        ColumnSpec(
            "uscc",
            "统一社会信用代码",
            True,
            "identifier",
            note="18 位；请将此列设置为文本格式",
            aliases=("信用代码", "社会信用代码"),
        ),
        ColumnSpec("name", "业户名称", True, aliases=("企业名称", "名称", "经营业户名称")),
        ColumnSpec(
            "kind",
            "业户类型",
            False,
            "choice",
            OPERATOR_KIND_LABELS,
            note="企业 或 个体工商户；留空时按信用代码判断（92 开头为个体工商户）",
        ),
        ColumnSpec(
            "legal_representative",
            "法定代表人（负责人）",
            True,
            aliases=("法定代表人", "负责人", "经营者"),
        ),
        ColumnSpec("address", "地址", True, aliases=("经营地址", "住所")),
        ColumnSpec(
            "division_code",
            "行政区划代码",
            False,
            "identifier",
            note="6 位数字；留空时为 370612（牟平区）",
        ),
        ColumnSpec(
            "business_scope_codes",
            "经营范围",
            False,
            "scopes",
            note="经营范围名称或代码，多项用“、”或“;”分隔；填写后替换原有经营范围",
        ),
        ColumnSpec("status", "状态", False, "choice", STATUS_LABELS, note=_STATUS_NOTE),
    ),
    "vehicle": (
        ColumnSpec("plate", "车牌号码", True, note="如 鲁F12345", aliases=("车牌号", "号牌号码")),
        ColumnSpec(
            "plate_colour",
            "车牌颜色",
            True,
            "choice",
            PLATE_COLOUR_LABELS,
            note="蓝色、黄色、黑色、白色、绿色、黄绿色、其他，或颜色代码（1 蓝 2 黄 5 绿 93 黄绿）",
            aliases=("号牌颜色",),
        ),
        ColumnSpec(
            "vin",
            "车辆识别代号",
            True,
            "identifier",
            note="17 位（VIN）",
            aliases=("车架号", "VIN", "车辆识别代码"),
        ),
        ColumnSpec(
            "vehicle_type",
            "车辆类型",
            True,
            "choice",
            VEHICLE_TYPE_LABELS,
            note=_choice_note(VEHICLE_TYPE_LABELS),
        ),
        ColumnSpec("fuel", "燃料类型", True, "choice", FUEL_LABELS, note=_choice_note(FUEL_LABELS)),
        ColumnSpec(
            "approved_load_kg",
            "核定载质量（千克）",
            False,
            "int",
            note="整数，单位千克；货运车辆必填",
            aliases=("核定载质量",),
        ),
        ColumnSpec(
            "seats",
            "核定载客（座）",
            False,
            "int",
            note="整数；客车、出租汽车、网约车必填",
            aliases=("核定载客", "核定载客数"),
        ),
        ColumnSpec(
            "operator_uscc",
            "所属业户统一社会信用代码",
            False,
            "identifier",
            note="须为已登记的经营业户",
        ),
        ColumnSpec("status", "状态", False, "choice", STATUS_LABELS, note=_STATUS_NOTE),
    ),
    "practitioner": (
        ColumnSpec("name", "姓名", True),
        ColumnSpec(
            "id_number",
            "身份证号码",
            True,
            "identifier",
            note="18 位（旧版 15 位自动升位）；请将此列设置为文本格式",
            aliases=("身份证号", "公民身份号码", "证件号码"),
        ),
        ColumnSpec(
            "phone",
            "手机号码",
            False,
            "identifier",
            note="11 位手机号码；留空时保持原值",
            aliases=("手机号", "联系电话"),
        ),
        ColumnSpec(
            "employer_uscc",
            "所在业户统一社会信用代码",
            False,
            "identifier",
            note="须为已登记的经营业户",
        ),
        ColumnSpec(
            "category",
            "从业资格类别",
            False,
            "choice",
            QUALIFICATION_LABELS,
            note="每行一个类别；同一人员有多个类别时写多行，各行的姓名、手机号码、"
            "所在业户、状态须一致",
        ),
        ColumnSpec(
            "first_issue_date",
            "初次领证日期",
            False,
            "date",
            note="填写从业资格类别时必填；如 2015-06-01、2015/6/1 或 2015年6月1日",
        ),
        ColumnSpec("valid_until", "有效期至", False, "date", note="日期，格式同上"),
        ColumnSpec("status", "状态", False, "choice", STATUS_LABELS, note=_STATUS_NOTE),
    ),
}

# Practitioner columns that belong to the person (must agree across the person's rows) and the
# ones that describe the row's qualification.
PERSON_KEYS = ("name", "phone", "employer_uscc", "status")
QUALIFICATION_KEYS = ("category", "first_issue_date", "valid_until")


def columns_for(kind: str) -> tuple[ColumnSpec, ...]:
    try:
        return COLUMNS[kind]
    except KeyError:
        raise ValueError(f"unknown import kind {kind!r}") from None


def column_label(kind: str, key: str) -> str:
    for spec in columns_for(kind):
        if spec.key == key:
            return spec.label
    return ""


# --- Headers --------------------------------------------------------------------------------

_SPACES = re.compile(r"[\s\u3000\u00a0\ufeff]+")
_PARENS = str.maketrans({"(": "（", ")": "）"})


def normalise_header(value: object) -> str:
    """Whitespace and full-width spaces removed, ``*`` marks dropped, parentheses full-width."""
    text = "" if value is None else str(value)
    text = _SPACES.sub("", text).translate(_PARENS)
    return text.strip("*＊")


class HeaderError(ValueError):
    """Columns missing or unknown; ``message`` (Chinese) lists all of them."""

    def __init__(self, message: str, *, missing: Sequence[str], unknown: Sequence[str]) -> None:
        super().__init__(message)
        self.message = message
        self.missing = tuple(missing)
        self.unknown = tuple(unknown)


@dataclass(frozen=True)
class HeaderMap:
    kind: str
    columns: tuple[tuple[int, ColumnSpec], ...]  # (0-based position in the row, column)
    width: int  # number of header cells (including blank ones)

    @property
    def present(self) -> frozenset[str]:
        return frozenset(spec.key for _, spec in self.columns)


def map_headers(kind: str, headers: Sequence[object]) -> HeaderMap:
    """Match a file's header row to the columns of ``kind``; blank header cells are ignored."""
    specs = columns_for(kind)
    by_label: dict[str, ColumnSpec] = {}
    for spec in specs:
        by_label[normalise_header(spec.label)] = spec
        for alias in spec.aliases:
            by_label[normalise_header(alias)] = spec
    found: list[tuple[int, ColumnSpec]] = []
    unknown: list[str] = []
    duplicated: list[str] = []
    seen: set[str] = set()
    for position, raw in enumerate(headers):
        text = normalise_header(raw)
        if not text:
            continue
        matched = by_label.get(text)
        if matched is None:
            unknown.append(text)
            continue
        if matched.key in seen:
            duplicated.append(matched.label)
            continue
        seen.add(matched.key)
        found.append((position, matched))
    missing = [spec.label for spec in specs if spec.required and spec.key not in seen]
    if missing or unknown or duplicated:
        parts: list[str] = []
        if missing:
            parts.append("缺少必填列：" + "、".join(missing))
        if unknown:
            labels = [spec.label for spec in specs]
            described = []
            for text in unknown:
                close = difflib.get_close_matches(text, labels, n=1, cutoff=0.5)
                described.append(f"“{text}”（是否应为“{close[0]}”？）" if close else f"“{text}”")
            parts.append("无法识别的列：" + "、".join(described))
        if duplicated:
            parts.append("重复的列：" + "、".join(duplicated))
        message = (
            f"{KIND_LABELS[kind]}导入文件的表头不正确。"
            + "；".join(parts)
            + "。请使用导入模板的列名（第 1 行为表头）。"
        )
        raise HeaderError(message, missing=missing, unknown=unknown + duplicated)
    return HeaderMap(kind=kind, columns=tuple(found), width=len(headers))


# --- Cells ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CellError:
    key: str  # field key, "" for a cell outside the known columns
    label: str  # Chinese column label (or "第 N 列")
    message: str


class FormulaCell:
    """A spreadsheet cell that holds a formula instead of a value (marker set by ``tabular``)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"FormulaCell({self.text!r})"


FORMULA_MESSAGE = "不接受公式（{formula}），请将该单元格复制后“选择性粘贴 → 数值”"
TEXT_FORMAT_MESSAGE = (
    "该值已被 Excel 当作数字保存（{shown}），长数字会丢失精度。请将此列设置为“文本”格式后重新填写"
)
# Excel keeps 15 significant digits; a longer number typed into a numeric cell is already wrong.
_EXCEL_DIGITS = 15
_SCIENTIFIC = re.compile(r"[0-9](\.[0-9]+)?[eE][+-]?[0-9]+")
_DATE_PATTERNS = (
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"),
    re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?"),
)
_INT_TEXT = re.compile(r"[+-]?[0-9]+(\.0*)?")
_SCOPE_SEPARATORS = re.compile(r"[、;；,，\s]+")
_LABEL_SPACES = re.compile(r"[\s\u3000]+")
_MIDNIGHT = datetime.time(0, 0)


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not _SPACES.sub("", value))


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _identifier(value: object) -> str:
    """Identifiers must reach us as text: a number longer than Excel's precision is garbage."""
    if isinstance(value, bool):
        raise ValueError("应为文本")
    if isinstance(value, int | float):
        if isinstance(value, float) and not value.is_integer():
            raise ValueError(TEXT_FORMAT_MESSAGE.format(shown=repr(value)))
        number = int(value)
        if len(str(abs(number))) > _EXCEL_DIGITS:
            raise ValueError(TEXT_FORMAT_MESSAGE.format(shown=f"{value:.6g}"))
        return str(number)
    text = str(value).strip()
    if _SCIENTIFIC.fullmatch(text):
        raise ValueError(TEXT_FORMAT_MESSAGE.format(shown=text))
    return text


def _int(value: object) -> int:
    if isinstance(value, bool):
        raise ValueError("应为整数")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise ValueError(f"应为整数，实为 {value:g}")
    text = str(value).strip().replace(",", "").replace("，", "")
    if _INT_TEXT.fullmatch(text):
        return int(float(text)) if "." in text else int(text)
    raise ValueError(f"应为整数，实为“{text}”")


def _date(value: object) -> datetime.date:
    if isinstance(value, datetime.datetime):
        if value.time() != _MIDNIGHT:
            raise ValueError(f"应为日期，实为日期时间 {value:%Y-%m-%d %H:%M}")
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value).strip()
    for pattern in _DATE_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            year, month, day = (int(part) for part in match.groups())
            try:
                return datetime.date(year, month, day)
            except ValueError:
                raise ValueError(f"日期“{text}”不存在") from None
    raise ValueError(f"日期“{text}”无法识别，应为 2015-06-01、2015/6/1 或 2015年6月1日 格式")


def _label_key(text: str) -> str:
    return _LABEL_SPACES.sub("", text).translate(_PARENS).upper()


def choice_lookup(table: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """Every accepted spelling (labels, synonyms and the codes) → code."""
    lookup: dict[str, str] = {}
    for code, labels in table.items():
        lookup[_label_key(code)] = code
        for label in labels:
            lookup[_label_key(label)] = code
    return lookup


_LOOKUPS: dict[int, dict[str, str]] = {}


def _choice(value: object, table: Mapping[str, tuple[str, ...]]) -> str:
    lookup = _LOOKUPS.get(id(table))
    if lookup is None:
        lookup = _LOOKUPS[id(table)] = choice_lookup(table)
    text = _text(value)
    code = lookup.get(_label_key(text))
    if code is None:
        allowed = "、".join(labels[0] for labels in table.values())
        raise ValueError(f"“{text}”无法识别，可填写：{allowed}")
    return code


def scope_lookup(scopes: Sequence[tuple[str, str]]) -> dict[str, str]:
    """From the business-scope catalogue ``(code, name)`` pairs: code or name → code."""
    lookup: dict[str, str] = {}
    for code, name in scopes:
        lookup[_label_key(name)] = code
        lookup[_label_key(code)] = code
    return lookup


def _scopes(value: object, lookup: Mapping[str, str]) -> tuple[str, ...]:
    codes: list[str] = []
    unknown: list[str] = []
    for part in _SCOPE_SEPARATORS.split(_text(value)):
        if not part:
            continue
        code = lookup.get(_label_key(part))
        if code is None:
            unknown.append(part)
        elif code not in codes:
            codes.append(code)
    if unknown:
        raise ValueError(
            "经营范围目录中没有："
            + "、".join(f"“{item}”" for item in unknown)
            + "（填写名称或代码）"
        )
    return tuple(codes)


def convert_row(
    header: HeaderMap, values: Sequence[object], *, scopes: Mapping[str, str]
) -> tuple[dict[str, object], list[CellError]]:
    """The non-blank cells of one row as ``{field key: value}``, plus the cells that could not
    be read. Blank cells are left out (the importer decides what a missing value means)."""
    data: dict[str, object] = {}
    errors: list[CellError] = []
    known = set()
    for position, spec in header.columns:
        known.add(position)
        value = values[position] if position < len(values) else None
        if is_blank(value):
            continue
        if isinstance(value, FormulaCell):
            errors.append(
                CellError(spec.key, spec.label, FORMULA_MESSAGE.format(formula=value.text))
            )
            continue
        try:
            data[spec.key] = _convert(spec, value, scopes)
        except ValueError as exc:
            errors.append(CellError(spec.key, spec.label, str(exc)))
    for position in range(len(values)):
        if position not in known and not is_blank(values[position]):
            errors.append(
                CellError(
                    "", f"第 {position + 1} 列", "该列没有可识别的列名，但有数据；请删除或补上列名"
                )
            )
    return data, errors


def _convert(spec: ColumnSpec, value: object, scopes: Mapping[str, str]) -> object:
    if spec.type == "identifier":
        return _identifier(value)
    if spec.type == "int":
        return _int(value)
    if spec.type == "date":
        return _date(value)
    if spec.type == "choice":
        assert spec.choices is not None
        return _choice(value, spec.choices)
    if spec.type == "scopes":
        return _scopes(value, scopes)
    if isinstance(value, datetime.date | datetime.time | datetime.timedelta):
        raise ValueError("应为文本，实为日期或时间")
    return _text(value)


def display_value(spec: ColumnSpec, code: object) -> str:
    """The template's label for a stored code (used when writing example rows)."""
    if spec.choices is not None and isinstance(code, str) and code in spec.choices:
        return spec.choices[code][0]
    if isinstance(code, datetime.date):
        return code.isoformat()
    return "" if code is None else str(code)
