"""Validation of one incoming credit record (pure Python, no Django): one home for the rules the
services, the API, the pages and every intake channel share.

``parse_record(data, catalogue=..., today=...)`` reads the English field names below (file
intake maps the Chinese column headers onto them) and returns a ``RecordInput`` or raises
``InputInvalid`` with every problem of the record by field (Chinese messages).

Fields: ``source_ref`` (the source's own id of the record), the subject by exactly one of
``uscc`` / ``id_number`` / ``plate`` + ``plate_colour`` (or, in the services, a subject object),
``subject_name`` (optional, shown in the to-link queue), ``behaviour_code``, ``points``
(default: the catalogue's for the subject's scheme), ``occurred_on``, ``decision_number`` and
``decided_on`` (both or neither; without them the record is pending), ``description``,
``on_serious_list``.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from roadcredit.credit.grading import BehaviourCatalogue
from roadcredit.subjects.identifiers import (
    IdentifierError,
    validate_id_number,
    validate_plate,
    validate_uscc,
)
from roadcredit.subjects.validation import FieldErrors, InputInvalid

__all__ = [
    "FIELD_LABELS",
    "HEADER_ALIASES",
    "IdentifierKindName",
    "InputInvalid",
    "RecordInput",
    "SubjectKindName",
    "SubjectRef",
    "parse_record",
    "scheme_for_kind",
]

SubjectKindName = Literal["operator", "vehicle", "practitioner"]
IdentifierKindName = Literal["uscc", "id_number", "plate"]

SOURCE_REF_MAX = 100
DECISION_NUMBER_MAX = 100
DESCRIPTION_MAX = 2000
SUBJECT_NAME_MAX = 200
POINTS_MAX = 1000
REQUIRED = "必填"
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_SOURCE_REF = re.compile(r"[0-9A-Za-z][0-9A-Za-z_.:/\-]*")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TRUE = {"1", "true", "yes", "y", "是", "t"}
_FALSE = {"", "0", "false", "no", "n", "否", "f"}

# Chinese labels of the fields (error reports and file templates).
FIELD_LABELS: dict[str, str] = {
    "source_ref": "来源记录编号",
    "uscc": "统一社会信用代码",
    "id_number": "身份证号码",
    "plate": "车牌号码",
    "plate_colour": "车牌颜色",
    "subject_name": "主体名称",
    "behaviour_code": "行为代码",
    "points": "分值",
    "occurred_on": "发生日期",
    "decision_number": "决定文书号",
    "decided_on": "决定日期",
    "description": "情况说明",
    "on_serious_list": "列入严重失信名单",
}
# File headers accepted for each field: the English name or its Chinese label.
HEADER_ALIASES: dict[str, str] = {
    **{name: name for name in FIELD_LABELS},
    **{label: name for name, label in FIELD_LABELS.items()},
}

_KIND_SCHEME: dict[str, str] = {
    "operator": "enterprise",
    "vehicle": "enterprise",
    "practitioner": "driver",
}
_KIND_LABELS = {"operator": "经营业户", "vehicle": "车辆", "practitioner": "从业人员"}


def scheme_for_kind(kind: str) -> str:
    """The grading scheme a record of this subject kind counts under (vehicles: their owner)."""
    return _KIND_SCHEME[kind]


@dataclass(frozen=True)
class SubjectRef:
    """How the record names its subject: the identifier, normalised and checked."""

    kind: SubjectKindName
    identifier_kind: IdentifierKindName
    value: str  # USCC / 18-digit ID number / normalised plate
    plate_colour: str = ""


@dataclass(frozen=True)
class RecordInput:
    source_ref: str
    subject: SubjectRef | None  # None when the caller passes the subject object itself
    subject_kind: SubjectKindName
    subject_name: str
    behaviour_code: str
    behaviour_name: str
    direction: str
    severity: str  # "" for positive behaviours
    points: int
    occurred_on: datetime.date
    decision_number: str
    decided_on: datetime.date | None
    description: str
    on_serious_list: bool


@functools.lru_cache(maxsize=20_000)
def _iso_date(value: str) -> datetime.date | None:
    if not _ISO_DATE.fullmatch(value):
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


class _Reader:
    def __init__(self, data: Mapping[str, object]) -> None:
        self.data = data
        self.errors: FieldErrors = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def text(self, field: str, *, required: bool = False, max_length: int = 200) -> str:
        raw = self.data.get(field)
        if raw is None:
            value = ""
        elif isinstance(raw, str):
            value = raw.strip()
        elif isinstance(raw, int) and not isinstance(raw, bool):
            value = str(raw)
        elif isinstance(raw, float) and raw.is_integer():
            value = str(int(raw))
        else:
            self.add(field, "应为文本")
            return ""
        if required and not value:
            self.add(field, REQUIRED)
        if len(value) > max_length:
            self.add(field, f"长度不能超过 {max_length} 个字符，实为 {len(value)} 个")
        if _CONTROL.search(value):
            self.add(field, "含不可见的控制字符")
        return value

    def integer(self, field: str, *, maximum: int) -> int | None:
        raw = self.data.get(field)
        if isinstance(raw, str):
            raw = raw.strip()
        if raw is None or raw == "":
            return None
        number: int | None = None
        if isinstance(raw, bool):
            number = None
        elif isinstance(raw, int):
            number = raw
        elif (isinstance(raw, float) and raw.is_integer()) or (
            isinstance(raw, str) and re.fullmatch(r"[+-]?[0-9]+", raw)
        ):
            number = int(raw)
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

    def date(self, field: str, *, required: bool, today: datetime.date) -> datetime.date | None:
        raw = self.data.get(field)
        day: datetime.date | None = None
        if isinstance(raw, datetime.datetime):
            day = raw.date()
        elif isinstance(raw, datetime.date):
            day = raw
        else:
            value = raw.strip() if isinstance(raw, str) else ("" if raw is None else None)
            if value is None:
                self.add(field, "日期应为 YYYY-MM-DD 格式")
                return None
            if not value:
                if required:
                    self.add(field, REQUIRED)
                return None
            day = _iso_date(value)
            if day is None:
                self.add(field, f"日期“{value}”无效，应为 YYYY-MM-DD 格式的真实日期")
                return None
        if day > today:
            self.add(
                field, f"日期 {day.isoformat()} 晚于今天（{today.isoformat()}），不能是将来的日期"
            )
            return None
        return day

    def flag(self, field: str) -> bool:
        raw = self.data.get(field)
        if raw is None or isinstance(raw, bool):
            return bool(raw)
        if isinstance(raw, int):
            if raw in (0, 1):
                return bool(raw)
        elif isinstance(raw, str):
            value = raw.strip().lower()
            if value in _TRUE:
                return True
            if value in _FALSE:
                return False
        self.add(field, "应为“是”或“否”")
        return False


@functools.lru_cache(maxsize=100_000)
def _identifier(
    kind: str, value: str, colour: str, today: datetime.date
) -> tuple[SubjectRef | None, str, str, str]:
    """(ref, field, message, rule) for one identifier — memoised: a file names each subject on
    many rows. The USCC check-character exception (allow-list) is applied by the caller."""
    try:
        if kind == "uscc":
            return SubjectRef("operator", "uscc", validate_uscc(value)), "", "", ""
        if kind == "id_number":
            info = validate_id_number(value, today=today)
            return SubjectRef("practitioner", "id_number", info.number), "", "", ""
        return SubjectRef("vehicle", "plate", validate_plate(value, colour), colour), "", "", ""
    except IdentifierError as exc:
        field = "plate_colour" if kind == "plate" and "颜色" in exc.message else kind
        return None, field, exc.message, exc.rule


def _subject_ref(
    r: _Reader, *, today: datetime.date, uscc_allowlisted: Callable[[str], bool]
) -> SubjectRef | None:
    uscc = r.text("uscc", max_length=40)
    id_number = r.text("id_number", max_length=40)
    plate = r.text("plate", max_length=20)
    colour = r.text("plate_colour", max_length=4)
    given = [
        name
        for name, value in (("uscc", uscc), ("id_number", id_number), ("plate", plate))
        if value
    ]
    if not given:
        r.add("uscc", "须填写统一社会信用代码、身份证号码或车牌号码（含车牌颜色）之一")
        return None
    if len(given) > 1:
        labels = "、".join(FIELD_LABELS[name] for name in given)
        r.add(given[1], f"只能填写一种主体标识，现同时填写了{labels}")
        return None
    kind = given[0]
    if kind == "plate" and not colour:
        r.add("plate_colour", "按车牌号码关联车辆时，车牌颜色必填")
        return None
    value = {"uscc": uscc, "id_number": id_number, "plate": plate}[kind]
    ref, field, message, rule = _identifier(kind, value, colour if kind == "plate" else "", today)
    if ref is not None:
        return ref
    if kind == "uscc" and rule == "check":
        # An early pilot code that fails the check character is valid once allow-listed.
        code = validate_uscc(value, allow_failed_check=True)
        if uscc_allowlisted(code):
            return SubjectRef("operator", "uscc", code)
    r.add(field, message)
    return None


def parse_record(
    data: Mapping[str, object],
    *,
    catalogue: BehaviourCatalogue,
    today: datetime.date,
    subject_kind: SubjectKindName | None = None,
    require_source_ref: bool = True,
    uscc_allowlisted: Callable[[str], bool] = lambda code: False,
) -> RecordInput:
    """Validate one record. ``subject_kind``: the caller already holds the subject (an officer
    entering a record on a subject's page); then no identifier is read."""
    r = _Reader(data)
    source_ref = r.text("source_ref", required=require_source_ref, max_length=SOURCE_REF_MAX)
    if source_ref and not _SOURCE_REF.fullmatch(source_ref):
        r.add("source_ref", "只能包含字母、数字和 _ . : / -，且以字母或数字开头")
    subject: SubjectRef | None = None
    kind: str | None = subject_kind
    if subject_kind is None:
        subject = _subject_ref(r, today=today, uscc_allowlisted=uscc_allowlisted)
        kind = None if subject is None else subject.kind
    subject_name = r.text("subject_name", max_length=SUBJECT_NAME_MAX)

    code = r.text("behaviour_code", required=True, max_length=20).upper()
    behaviour = catalogue.get(code) if code else None
    points = r.integer("points", maximum=POINTS_MAX)
    if code and behaviour is None:
        r.add("behaviour_code", f"行为代码“{code}”不在信用行为目录（{catalogue.version}版）中")
    elif behaviour is not None and kind is not None:
        default = behaviour.points_for(scheme_for_kind(kind))  # type: ignore[arg-type]
        if default is None:
            r.add(
                "behaviour_code",
                f"行为“{behaviour.name_zh}”（{code}）不适用于{_KIND_LABELS[kind]}",
            )
        elif points is None:
            points = default

    occurred_on = r.date("occurred_on", required=True, today=today)
    decision_number = r.text("decision_number", max_length=DECISION_NUMBER_MAX)
    decided_on = r.date("decided_on", required=False, today=today)
    if decision_number and decided_on is None and "decided_on" not in r.errors:
        r.add("decided_on", "填写了决定文书号时，决定日期必填")
    if decided_on is not None and not decision_number:
        r.add("decision_number", "填写了决定日期时，决定文书号必填")
    if occurred_on is not None and decided_on is not None and decided_on < occurred_on:
        r.add(
            "decided_on",
            f"决定日期 {decided_on.isoformat()} 早于行为发生日期 {occurred_on.isoformat()}",
        )
    description = r.text("description", max_length=DESCRIPTION_MAX)
    on_serious_list = r.flag("on_serious_list")
    if on_serious_list and behaviour is not None and behaviour.direction != "negative":
        r.add("on_serious_list", "正面记录不能列入严重失信名单")

    if r.errors:
        raise InputInvalid(r.errors)
    assert behaviour is not None and occurred_on is not None and kind is not None
    assert points is not None
    return RecordInput(
        source_ref=source_ref,
        subject=subject,
        subject_kind=kind,  # type: ignore[arg-type]
        subject_name=subject_name,
        behaviour_code=code,
        behaviour_name=behaviour.name_zh,
        direction=behaviour.direction,
        severity=behaviour.severity or "",
        points=points,
        occurred_on=occurred_on,
        decision_number=decision_number,
        decided_on=decided_on,
        description=description,
        on_serious_list=on_serious_list,
    )
