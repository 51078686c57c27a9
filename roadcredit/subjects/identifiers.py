"""Validators for the identifiers of the subject registry (pure Python, no Django).

* Unified Social Credit Code (统一社会信用代码, GB 32100-2015): MOD 31 check character.
* Resident ID number (公民身份号码, GB 11643-1999): ISO 7064 MOD 11-2 check character,
  legacy 15-digit numbers converted to 18 digits.
* Vehicle plate (号牌, GA 36-2018) together with its MOT plate colour code (JT/T 697.7).
* VIN (车辆识别代号, GB 16735 / ISO 3779): position-9 check digit.
* Mainland mobile phone number.

Each validator normalises its input and returns the canonical form, or raises
``IdentifierError`` whose ``rule`` says which rule failed and whose ``message`` is a Chinese
sentence naming that rule (长度 / 字符 / 格式 / 日期 / 校验位 / 必填). The messages are
user-facing, which is why they live here as Chinese constants: this module imports no Django and
so cannot use gettext.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Container
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

__all__ = [
    "PLATE_COLOURS",
    "USCC_ALPHABET",
    "IdNumberInfo",
    "IdentifierError",
    "PlateKind",
    "check_plate_colour",
    "classify_plate",
    "id15_to_18",
    "id_number_check_char",
    "is_individual_business",
    "normalise_plate",
    "uscc_check_char",
    "uscc_check_ok",
    "validate_id_number",
    "validate_mobile",
    "validate_plate",
    "validate_uscc",
    "validate_vin",
    "vin_check_char",
]

Rule = Literal["required", "length", "charset", "format", "date", "check"]

_CHINA = ZoneInfo("Asia/Shanghai")


class IdentifierError(ValueError):
    """An identifier broke one rule. ``rule`` is machine-readable, ``message`` is Chinese."""

    def __init__(self, rule: Rule, message: str) -> None:
        super().__init__(message)
        self.rule: str = rule
        self.message: str = message


def _clean(value: str) -> str:
    """NFKC (full-width letters and digits become ASCII), trimmed, upper-cased."""
    return unicodedata.normalize("NFKC", value or "").strip().upper()


def _bad_chars(value: str, allowed: Container[str]) -> str:
    seen: list[str] = []
    for char in value:
        if char not in allowed and char not in seen:
            seen.append(char)
    return "、".join(seen)


# --------------------------------------------------------------------------------------------
# Unified Social Credit Code (GB 32100-2015)

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {char: index for index, char in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 3^(i-1) mod 31 for i = 1..17
# Position 1: registration-authority code (登记管理部门代码) values in GB 32100.
_USCC_AUTHORITIES = frozenset("123456789ANY")
_USCC_NAME = "统一社会信用代码"


def uscc_check_char(first17: str) -> str:
    """The 18th (check) character for the first 17 characters of a USCC."""
    body = _clean(first17)
    if len(body) != 17:
        raise IdentifierError("length", f"{_USCC_NAME}本体长度应为 17 位，实为 {len(body)} 位")
    bad = _bad_chars(body, _USCC_VALUE)
    if bad:
        raise IdentifierError("charset", f"{_USCC_NAME}含非法字符：{bad}")
    total = sum(
        _USCC_VALUE[char] * weight for char, weight in zip(body, _USCC_WEIGHTS, strict=True)
    )
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(value: str, *, allow_failed_check: bool = False) -> str:
    """Return the normalised 18-character code or raise ``IdentifierError``.

    ``allow_failed_check`` accepts a wrong check character (early pilot codes on the audited
    allow-list); every other rule still applies.
    """
    code = _clean(value)
    if not code:
        raise IdentifierError("required", f"{_USCC_NAME}必填")
    if len(code) != 18:
        raise IdentifierError("length", f"{_USCC_NAME}长度应为 18 位，实为 {len(code)} 位")
    bad = _bad_chars(code, USCC_ALPHABET)
    if bad:
        raise IdentifierError(
            "charset", f"{_USCC_NAME}含非法字符：{bad}（不使用 I、O、S、V、Z 及汉字、符号）"
        )
    if code[0] not in _USCC_AUTHORITIES:
        raise IdentifierError(
            "format", f"{_USCC_NAME}格式错误：第 1 位登记管理部门代码“{code[0]}”无效"
        )
    if not code[1].isdigit() or code[1] == "0":
        raise IdentifierError("format", f"{_USCC_NAME}格式错误：第 2 位机构类别代码“{code[1]}”无效")
    if not code[2:8].isdigit():
        raise IdentifierError(
            "format", f"{_USCC_NAME}格式错误：第 3-8 位应为 6 位数字行政区划码，实为“{code[2:8]}”"
        )
    expected = uscc_check_char(code[:17])
    if code[17] != expected and not allow_failed_check:
        raise IdentifierError("check", f"{_USCC_NAME}校验位错误：应为 {expected}，实为 {code[17]}")
    return code


def uscc_check_ok(code: str) -> bool:
    """True when ``code`` is a well-formed USCC whose check character is right."""
    try:
        validate_uscc(code)
    except IdentifierError:
        return False
    return True


def is_individual_business(uscc: str) -> bool:
    """Individual businesses (个体工商户) are category "92" (market regulation, individual)."""
    return _clean(uscc).startswith("92")


# --------------------------------------------------------------------------------------------
# Resident ID number (GB 11643-1999)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_NAME = "身份证号码"
_EARLIEST_BIRTH = datetime.date(1900, 1, 1)


@dataclass(frozen=True)
class IdNumberInfo:
    number: str  # the normalised 18-character number
    birth_date: datetime.date
    sex: str  # "M" or "F"
    division_code: str  # the 6-digit address code (may be historical)


def id_number_check_char(first17: str) -> str:
    """The 18th (check) character for the first 17 digits of an ID number."""
    body = _clean(first17)
    if len(body) != 17:
        raise IdentifierError("length", f"{_ID_NAME}本体长度应为 17 位，实为 {len(body)} 位")
    if not (body.isascii() and body.isdigit()):
        raise IdentifierError("charset", f"{_ID_NAME}含非法字符：前 17 位只能是数字")
    total = sum(int(char) * weight for char, weight in zip(body, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def id15_to_18(value: str) -> str:
    """Convert a legacy 15-digit number: insert "19" before the birth year, add the check."""
    number = _clean(value)
    if len(number) != 15:
        raise IdentifierError("length", f"旧版{_ID_NAME}长度应为 15 位，实为 {len(number)} 位")
    if not (number.isascii() and number.isdigit()):
        raise IdentifierError("charset", f"旧版{_ID_NAME}含非法字符：只能是数字")
    body = number[:6] + "19" + number[6:]
    return body + id_number_check_char(body)


def validate_id_number(value: str, *, today: datetime.date | None = None) -> IdNumberInfo:
    """Validate an 18-digit (or legacy 15-digit) ID number and decode birth date and sex."""
    number = _clean(value)
    if not number:
        raise IdentifierError("required", f"{_ID_NAME}必填")
    if len(number) not in (15, 18):
        raise IdentifierError(
            "length", f"{_ID_NAME}长度应为 18 位（或旧版 15 位），实为 {len(number)} 位"
        )
    if len(number) == 15:
        number = id15_to_18(number)
    elif not (number[:17].isascii() and number[:17].isdigit()) or number[17] not in "0123456789X":
        bad = _bad_chars(number[:17], "0123456789") or number[17]
        raise IdentifierError(
            "charset", f"{_ID_NAME}含非法字符：{bad}（前 17 位为数字，末位为数字或 X）"
        )
    if number[0] not in "12345678":
        raise IdentifierError("format", f"{_ID_NAME}格式错误：地址码“{number[:6]}”无效")
    raw_date = number[6:14]
    try:
        birth = datetime.date(int(raw_date[:4]), int(raw_date[4:6]), int(raw_date[6:8]))
    except ValueError:
        raise IdentifierError("date", f"{_ID_NAME}出生日期无效：{raw_date}") from None
    today = today or datetime.datetime.now(tz=_CHINA).date()
    if birth < _EARLIEST_BIRTH:
        raise IdentifierError("date", f"{_ID_NAME}出生日期无效：{raw_date} 早于 1900 年")
    if birth > today:
        raise IdentifierError("date", f"{_ID_NAME}出生日期无效：{raw_date} 晚于今天")
    expected = id_number_check_char(number[:17])
    if number[17] != expected:
        raise IdentifierError("check", f"{_ID_NAME}校验位错误：应为 {expected}，实为 {number[17]}")
    return IdNumberInfo(
        number=number,
        birth_date=birth,
        sex="M" if int(number[16]) % 2 else "F",
        division_code=number[:6],
    )


# --------------------------------------------------------------------------------------------
# Vehicle plate and plate colour (GA 36-2018; colour codes JT/T 697.7)

PLATE_COLOURS = {
    "1": "蓝色",
    "2": "黄色",
    "3": "黑色",
    "4": "白色",
    "5": "绿色",
    "93": "黄绿色",
    "9": "其他",
}
_NEV_COLOURS = frozenset({"5", "93"})
_TRAILER_COLOURS = frozenset({"2"})
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # A-Z without I and O
_PLATE_ALNUM = "0123456789" + _PLATE_LETTERS
_PLATE_NAME = "车牌号码"
_PLATE_SEPARATORS = re.compile(r"[\s.·•・\-－—_]+")
# Small NEV: D/F (first issue) or the newer ranges D,A,B,C,E (battery) / F,G,H,J,K (others)
# first, one letter or digit, then four digits. Large NEV: five digits then D or F.
_SMALL_NEV = re.compile(r"[A-HJK][A-HJ-NP-Z0-9][0-9]{4}")
_LARGE_NEV = re.compile(r"[0-9]{5}[DF]")
_ORDINARY = re.compile(r"[A-HJ-NP-Z0-9]{5}")
_TRAILER = re.compile(r"[A-HJ-NP-Z0-9]{4}挂")
# Suffix characters of plates that never belong to an operating vehicle.
_NON_OPERATING_SUFFIXES = {
    "学": "教练车号牌（学）不属于道路运输经营车辆",
    "警": "警用号牌（警）不属于道路运输经营车辆",
    "使": "使馆号牌（使）不属于道路运输经营车辆",
    "领": "领馆号牌（领）不属于道路运输经营车辆",
    "试": "试验号牌（试）不属于道路运输经营车辆",
    "超": "超限试验号牌（超）不属于道路运输经营车辆",
}

PlateKind = Literal["ordinary", "nev", "trailer"]


def normalise_plate(plate: str) -> str:
    """Upper-case, full-width to half-width, without spaces, dots and hyphens."""
    return _PLATE_SEPARATORS.sub("", _clean(plate))


def classify_plate(plate: str) -> tuple[str, PlateKind]:
    """Check the plate's own format (no colour). Returns the normalised plate and its kind."""
    value = normalise_plate(plate)
    if not value:
        raise IdentifierError("required", f"{_PLATE_NAME}必填")
    if value[-1] in _NON_OPERATING_SUFFIXES:
        raise IdentifierError(
            "format", f"{_PLATE_NAME}格式错误：{_NON_OPERATING_SUFFIXES[value[-1]]}"
        )
    if len(value) not in (7, 8):
        raise IdentifierError(
            "length", f"{_PLATE_NAME}长度应为 7 位（新能源 8 位），实为 {len(value)} 位"
        )
    if value[0] not in _PROVINCES:
        raise IdentifierError(
            "format", f"{_PLATE_NAME}格式错误：首位应为省份简称，实为“{value[0]}”"
        )
    if value[1] not in _PLATE_LETTERS:
        raise IdentifierError(
            "format",
            f"{_PLATE_NAME}格式错误：第 2 位应为发牌机关字母（不含 I、O），实为“{value[1]}”",
        )
    body = value[2:]
    bad = _bad_chars(body.removesuffix("挂"), _PLATE_ALNUM)
    if bad:
        raise IdentifierError("charset", f"{_PLATE_NAME}含非法字符：{bad}（不使用 I、O）")
    if _TRAILER.fullmatch(body):
        return value, "trailer"
    if body.endswith("挂"):
        raise IdentifierError(
            "format", f"{_PLATE_NAME}格式错误：挂车号牌应为 4 位字母或数字加“挂”，如 鲁F1234挂"
        )
    if _ORDINARY.fullmatch(body):
        return value, "ordinary"
    if _SMALL_NEV.fullmatch(body) or _LARGE_NEV.fullmatch(body):
        return value, "nev"
    raise IdentifierError(
        "format",
        f"{_PLATE_NAME}格式错误：新能源号牌应为 D/F 等字母开头加数字（小型）或 5 位数字加 D/F（大型）",
    )


def check_plate_colour(kind: PlateKind | None, colour: str) -> str:
    """Check the MOT colour code (required, known) and, when ``kind`` is given, that it fits
    the plate kind. Returns the trimmed colour code."""
    code = (colour or "").strip()
    if not code:
        raise IdentifierError("required", "车牌颜色必填")
    if code not in PLATE_COLOURS:
        raise IdentifierError("format", f"车牌颜色代码格式错误：“{code}”不是有效代码")
    name = PLATE_COLOURS[code]
    if kind == "nev" and code not in _NEV_COLOURS:
        raise IdentifierError(
            "format", f"车牌颜色不符合号牌格式：新能源号牌应为绿色或黄绿色，实为{name}"
        )
    if kind == "trailer" and code not in _TRAILER_COLOURS:
        raise IdentifierError("format", f"车牌颜色不符合号牌格式：挂车号牌应为黄色，实为{name}")
    if kind == "ordinary" and code in _NEV_COLOURS:
        raise IdentifierError("format", f"车牌颜色不符合号牌格式：{name}号牌应为新能源号牌（8 位）")
    return code


def validate_plate(plate: str, colour: str) -> str:
    """Return the normalised plate; the colour code is required, known and must fit the plate."""
    value, kind = classify_plate(plate)
    check_plate_colour(kind, colour)
    return value


# --------------------------------------------------------------------------------------------
# VIN (GB 16735 / ISO 3779)

_VIN_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_VIN_NAME = "车辆识别代号"


def vin_check_char(vin: str) -> str:
    """The check character (position 9) for a 17-character VIN; position 9 itself is ignored."""
    value = _clean(vin)
    if len(value) != 17:
        raise IdentifierError("length", f"{_VIN_NAME}长度应为 17 位，实为 {len(value)} 位")
    bad = _bad_chars(value, _VIN_VALUES)
    if bad:
        raise IdentifierError("charset", f"{_VIN_NAME}含非法字符：{bad}（不使用 I、O、Q）")
    total = sum(
        _VIN_VALUES[char] * weight for char, weight in zip(value, _VIN_WEIGHTS, strict=True)
    )
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def validate_vin(value: str) -> str:
    """Return the normalised 17-character VIN or raise ``IdentifierError``."""
    vin = _clean(value)
    if not vin:
        raise IdentifierError("required", f"{_VIN_NAME}必填")
    expected = vin_check_char(vin)
    if vin[8] != expected:
        raise IdentifierError(
            "check", f"{_VIN_NAME}校验位（第 9 位）错误：应为 {expected}，实为 {vin[8]}"
        )
    return vin


# --------------------------------------------------------------------------------------------
# Mobile phone

_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_PHONE_SEPARATORS = re.compile(r"[\s\-－—()（）]+")
_PHONE_NAME = "手机号码"


def validate_mobile(value: str) -> str:
    """Return the 11-digit mainland mobile number (1[3-9]…), without +86 / 0086 and separators."""
    number = _PHONE_SEPARATORS.sub("", _clean(value))
    if not number:
        raise IdentifierError("required", f"{_PHONE_NAME}必填")
    if number.startswith("+86"):
        number = number[3:]
    elif number.startswith("0086"):
        number = number[4:]
    if not (number.isascii() and number.isdigit()):
        raise IdentifierError("charset", f"{_PHONE_NAME}含非法字符：只能包含数字")
    if len(number) != 11:
        raise IdentifierError("length", f"{_PHONE_NAME}长度应为 11 位，实为 {len(number)} 位")
    if not _MOBILE.fullmatch(number):
        raise IdentifierError("format", f"{_PHONE_NAME}格式错误：应以 13-19 开头")
    return number
