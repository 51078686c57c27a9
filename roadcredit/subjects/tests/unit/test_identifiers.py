"""Identifier validators: USCC, resident ID, plate + colour, VIN, mobile. No database."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from roadcredit.subjects.identifiers import (
    PLATE_COLOURS,
    USCC_ALPHABET,
    IdentifierError,
    id15_to_18,
    id_number_check_char,
    is_individual_business,
    uscc_check_char,
    uscc_check_ok,
    validate_id_number,
    validate_mobile,
    validate_plate,
    validate_uscc,
    validate_vin,
    vin_check_char,
)

TODAY = datetime.date(2025, 6, 1)

# Every message names the rule that failed, in Chinese.
RULE_WORDS = {
    "required": "必填",
    "length": "长度",
    "charset": "字符",
    "format": "格式",
    "date": "日期",
    "check": "校验位",
}


def assert_rejected(exc: pytest.ExceptionInfo[IdentifierError], rule: str) -> None:
    assert exc.value.rule == rule
    assert RULE_WORDS[rule] in exc.value.message
    assert str(exc.value) == exc.value.message


# ---------------------------------------------------------------------------------------------
# USCC


def test_it_computes_the_worked_example_check_character() -> None:
    assert uscc_check_char("91350100M000100Y4") == "3"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("91350100M000100Y43", "91350100M000100Y43"),
        ("91370612MA3C4X5Y63", "91370612MA3C4X5Y63"),  # 烟台鑫达物流有限公司 (persona)
        ("91370612MA3D7K2R6E", "91370612MA3D7K2R6E"),  # 烟台顺通物流有限公司
        ("92370612MA3PXYH7Q9", "92370612MA3PXYH7Q9"),  # individual freight business
        ("52370612MJ0A1B2C3N", "52370612MJ0A1B2C3N"),  # civil-affairs social organisation
        ("91370600163040123X", "91370600163040123X"),
        ("  91370612ma3d7k2r6e ", "91370612MA3D7K2R6E"),
        ("９１３７０６１２ＭＡ３Ｄ７Ｋ２Ｒ６Ｅ", "91370612MA3D7K2R6E"),  # full-width input
    ],
)
def test_it_accepts_and_normalises_valid_uscc(raw: str, expected: str) -> None:
    assert validate_uscc(raw) == expected
    assert uscc_check_ok(expected)


@pytest.mark.parametrize(
    ("raw", "rule", "detail"),
    [
        ("", "required", ""),
        ("   ", "required", ""),
        ("91370612MA3D7K2R6", "length", "实为 17 位"),
        ("91370612MA3D7K2R6EE", "length", "实为 19 位"),
        ("91370612MA3D7K2R6I", "charset", "I"),
        ("91370612MO3D7K2R6E", "charset", "O"),
        ("91370612MA3D7K2S6E", "charset", "S"),
        ("9137061２MA3D7K2R6Z", "charset", "Z"),
        ("91370612MA3D7K2R6烟", "charset", "烟"),
        ("01370612MA3D7K2R6E", "format", "第 1 位"),
        ("90370612MA3D7K2R6E", "format", "第 2 位"),
        ("9137061AMA3D7K2R6E", "format", "第 3-8 位"),
        ("91370612MA3D7K2R6F", "check", "应为 E，实为 F"),
        ("91370612MA3C4X5Y6W", "check", "应为 3，实为 W"),
    ],
)
def test_it_rejects_invalid_uscc_naming_the_rule(raw: str, rule: str, detail: str) -> None:
    with pytest.raises(IdentifierError) as exc:
        validate_uscc(raw)
    assert_rejected(exc, rule)
    assert detail in exc.value.message


def test_it_rejects_a_pilot_code_unless_the_failed_check_is_allowed() -> None:
    pilot = "91350100M0001TGQXM"
    with pytest.raises(IdentifierError) as exc:
        validate_uscc(pilot)
    assert_rejected(exc, "check")
    assert validate_uscc(pilot, allow_failed_check=True) == pilot
    assert not uscc_check_ok(pilot)


def test_allowing_a_failed_check_still_enforces_the_other_rules() -> None:
    with pytest.raises(IdentifierError) as exc:
        validate_uscc("91350100M0001TGQX", allow_failed_check=True)
    assert_rejected(exc, "length")


@pytest.mark.parametrize("code", ["", "abc", "91370612MA3D7K2R6I", "91370612MA3D7K2R6F"])
def test_uscc_check_ok_is_false_for_anything_invalid(code: str) -> None:
    assert not uscc_check_ok(code)


@pytest.mark.parametrize(
    ("code", "individual"),
    [
        ("92370612MA3PXYH7Q9", True),
        (" 92370612ma3pxyh7q9", True),
        ("91370612MA3D7K2R6E", False),
        ("93370612MA3D7K2R6E", False),
    ],
)
def test_it_recognises_individual_businesses_by_category_92(code: str, individual: bool) -> None:
    assert is_individual_business(code) is individual


@pytest.mark.parametrize(
    ("body", "rule"), [("91370612MA3D7K2R", "length"), ("91370612MA3D7K2RI", "charset")]
)
def test_uscc_check_char_rejects_a_malformed_body(body: str, rule: str) -> None:
    with pytest.raises(IdentifierError) as exc:
        uscc_check_char(body)
    assert_rejected(exc, rule)


_USCC_BODIES = st.builds(
    lambda authority, category, division, org: authority + category + division + org,
    st.sampled_from("123456789ANY"),
    st.sampled_from("123456789"),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9),
)


@given(_USCC_BODIES)
def test_a_body_with_its_computed_check_char_always_validates(body: str) -> None:
    code = body + uscc_check_char(body)
    assert validate_uscc(code) == code


@given(_USCC_BODIES, st.integers(min_value=0, max_value=17), st.sampled_from(USCC_ALPHABET))
def test_any_single_character_change_of_a_valid_uscc_is_rejected(
    body: str, position: int, replacement: str
) -> None:
    code = body + uscc_check_char(body)
    if code[position] == replacement:
        replacement = USCC_ALPHABET[(USCC_ALPHABET.index(replacement) + 1) % 31]
    changed = code[:position] + replacement + code[position + 1 :]
    with pytest.raises(IdentifierError):
        validate_uscc(changed)


# ---------------------------------------------------------------------------------------------
# Resident ID number


def with_check(first17: str) -> str:
    return first17 + id_number_check_char(first17)


def test_it_computes_the_gb_11643_example_check_character() -> None:
    assert id_number_check_char("11010519491231002") == "X"


@pytest.mark.parametrize(
    ("raw", "number", "birth", "sex", "division"),
    [
        ("11010519491231002X", "11010519491231002X", datetime.date(1949, 12, 31), "F", "110105"),
        ("11010519491231002x", "11010519491231002X", datetime.date(1949, 12, 31), "F", "110105"),
        ("370612198503150018", "370612198503150018", datetime.date(1985, 3, 15), "M", "370612"),
        ("370612199001010028", "370612199001010028", datetime.date(1990, 1, 1), "F", "370612"),
        ("37061219781123004X", "37061219781123004X", datetime.date(1978, 11, 23), "F", "370612"),
        ("370612200107100035", "370612200107100035", datetime.date(2001, 7, 10), "M", "370612"),
        # 370687 is an old Yantai county code no longer in GB/T 2260: still accepted.
        ("370687196502020010", "370687196502020010", datetime.date(1965, 2, 2), "M", "370687"),
        (" 370612850315001 ", "370612198503150018", datetime.date(1985, 3, 15), "M", "370612"),
        (with_check("37061219000101001"), with_check("37061219000101001"),
         datetime.date(1900, 1, 1), "M", "370612"),
        (with_check("37061220250601002"), with_check("37061220250601002"), TODAY, "F", "370612"),
    ],
)  # fmt: skip
def test_it_decodes_a_valid_id_number(
    raw: str, number: str, birth: datetime.date, sex: str, division: str
) -> None:
    info = validate_id_number(raw, today=TODAY)
    assert (info.number, info.birth_date, info.sex, info.division_code) == (
        number,
        birth,
        sex,
        division,
    )


def test_it_converts_a_legacy_15_digit_number() -> None:
    assert id15_to_18("370612850315001") == "370612198503150018"


@pytest.mark.parametrize(
    ("raw", "rule", "detail"),
    [
        ("", "required", ""),
        ("3706121985031500", "length", "实为 16 位"),
        ("37061219850315001", "length", "实为 17 位"),
        ("3706121985031500180", "length", "实为 19 位"),
        ("37061219850315A018", "charset", "A"),
        ("37061219850315001Y", "charset", "Y"),
        ("37061285031500A", "charset", ""),
        (with_check("07061219850315001"), "format", "地址码"),
        (with_check("97061219850315001"), "format", "地址码"),
        (with_check("11010519490231002"), "date", "19490231"),
        (with_check("37061218991231001"), "date", "1900"),
        (with_check("37061220250602001"), "date", "晚于今天"),
        (with_check("37061220301001001"), "date", "晚于今天"),
        ("370612850230001", "date", "19850230"),
        ("370612198503150011", "check", "应为 8，实为 1"),
        ("110105194912310021", "check", "应为 X，实为 1"),
    ],
)
def test_it_rejects_invalid_id_numbers_naming_the_rule(raw: str, rule: str, detail: str) -> None:
    with pytest.raises(IdentifierError) as exc:
        validate_id_number(raw, today=TODAY)
    assert_rejected(exc, rule)
    assert detail in exc.value.message


def test_it_uses_the_current_date_in_china_when_today_is_not_given() -> None:
    assert validate_id_number("370612198503150018").birth_date == datetime.date(1985, 3, 15)
    with pytest.raises(IdentifierError):
        validate_id_number(with_check("37061221000101001"))


@pytest.mark.parametrize(
    ("raw", "rule"), [("37061285031500", "length"), ("37061285031500X", "charset")]
)
def test_id15_to_18_rejects_malformed_legacy_numbers(raw: str, rule: str) -> None:
    with pytest.raises(IdentifierError) as exc:
        id15_to_18(raw)
    assert_rejected(exc, rule)


_ID_BODIES = st.builds(
    lambda area, birth, sequence: area + birth.strftime("%Y%m%d") + sequence,
    st.text(alphabet="12345678", min_size=1, max_size=1).flatmap(
        lambda first: st.text(alphabet="0123456789", min_size=5, max_size=5).map(
            lambda rest: first + rest
        )
    ),
    st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2020, 12, 31)),
    st.text(alphabet="0123456789", min_size=3, max_size=3),
)


@given(_ID_BODIES)
def test_an_id_body_with_its_computed_check_char_always_validates(body: str) -> None:
    number = with_check(body)
    assert validate_id_number(number, today=TODAY).number == number


@given(_ID_BODIES, st.integers(min_value=0, max_value=17), st.sampled_from("0123456789X"))
def test_any_single_character_change_of_a_valid_id_number_is_rejected(
    body: str, position: int, replacement: str
) -> None:
    number = with_check(body)
    if number[position] == replacement:
        replacement = "0123456789X"[("0123456789X".index(replacement) + 1) % 11]
    changed = number[:position] + replacement + number[position + 1 :]
    with pytest.raises(IdentifierError):
        validate_id_number(changed, today=TODAY)


# ---------------------------------------------------------------------------------------------
# Plates


@pytest.mark.parametrize(
    ("plate", "colour", "expected"),
    [
        ("鲁F12345", "2", "鲁F12345"),  # yellow: lorry, Yantai
        ("鲁Y8K3A6", "1", "鲁Y8K3A6"),  # blue: small car, Yantai (Y)
        (" 鲁f·a8k36 ", "1", "鲁FA8K36"),
        ("鲁F-U2288", "3", "鲁FU2288"),
        ("鲁F 12345", "9", "鲁F12345"),
        ("鲁Ｆ１２３４５", "2", "鲁F12345"),
        ("鲁FD12345", "5", "鲁FD12345"),  # small NEV, battery
        ("鲁YFK5678", "5", "鲁YFK5678"),  # small NEV, non-battery
        ("鲁FA12345", "5", "鲁FA12345"),  # newer battery range
        ("鲁FK12345", "93", "鲁FK12345"),
        ("鲁F12345D", "93", "鲁F12345D"),  # large NEV bus
        ("鲁Y12345F", "5", "鲁Y12345F"),
        ("鲁F1234挂", "2", "鲁F1234挂"),  # trailer
        ("鲁FA123挂", "2", "鲁FA123挂"),
        ("京A12345", "1", "京A12345"),
    ],
)
def test_it_accepts_and_normalises_operating_vehicle_plates(
    plate: str, colour: str, expected: str
) -> None:
    assert validate_plate(plate, colour) == expected


@pytest.mark.parametrize(
    ("plate", "colour", "rule", "detail"),
    [
        ("", "2", "required", "车牌号码"),
        ("鲁F12345", "", "required", "车牌颜色"),
        ("鲁F12345", " ", "required", "车牌颜色"),
        ("鲁F1234", "2", "length", "实为 6 位"),
        ("鲁F1234567", "5", "length", "实为 9 位"),
        ("港F12345", "1", "format", "省份简称"),
        ("FF12345", "1", "format", "省份简称"),
        ("沪I12345", "1", "format", "第 2 位"),
        ("鲁812345", "1", "format", "第 2 位"),
        ("鲁F12O45", "2", "charset", "O"),
        ("鲁F12I45", "2", "charset", "I"),
        ("鲁F1234学", "1", "format", "教练"),
        ("鲁F1234警", "1", "format", "警用"),
        ("鲁F123456", "5", "format", "新能源"),
        ("鲁FL12345", "5", "format", "新能源"),
        ("鲁F1234D5", "93", "format", "新能源"),
        ("鲁F12345挂", "2", "format", "挂车"),
        ("鲁F12345", "7", "format", "“7”"),
        ("鲁F12345", "5", "format", "新能源号牌"),
        ("鲁F12345", "93", "format", "新能源号牌"),
        ("鲁FD12345", "2", "format", "绿色或黄绿色"),
        ("鲁F12345D", "1", "format", "绿色或黄绿色"),
        ("鲁F1234挂", "1", "format", "黄色"),
        ("鲁F1234挂", "5", "format", "黄色"),
    ],
)
def test_it_rejects_invalid_plates_naming_the_rule(
    plate: str, colour: str, rule: str, detail: str
) -> None:
    with pytest.raises(IdentifierError) as exc:
        validate_plate(plate, colour)
    assert_rejected(exc, rule)
    assert detail in exc.value.message


def test_plate_colours_are_the_mot_codes() -> None:
    assert PLATE_COLOURS == {
        "1": "蓝色",
        "2": "黄色",
        "3": "黑色",
        "4": "白色",
        "5": "绿色",
        "93": "黄绿色",
        "9": "其他",
    }


# ---------------------------------------------------------------------------------------------
# VIN


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1M8GDM9AXKP042788", "1M8GDM9AXKP042788"),  # the ISO 3779 textbook sample
        ("LZZ1BLSF3HN000123", "LZZ1BLSF3HN000123"),  # Sinotruk tractor
        ("LFWSRXRJ9J1E00001", "LFWSRXRJ9J1E00001"),
        ("LGWEF4A54KF000001", "LGWEF4A54KF000001"),
        ("lsvau218xn2183294", "LSVAU218XN2183294"),
        (" LNBSCCAK2JR012345 ", "LNBSCCAK2JR012345"),
    ],
)
def test_it_accepts_and_normalises_valid_vins(raw: str, expected: str) -> None:
    assert validate_vin(raw) == expected
    assert vin_check_char(expected) == expected[8]


@pytest.mark.parametrize(
    ("raw", "rule", "detail"),
    [
        ("", "required", ""),
        ("LZZ1BLSF3HN00012", "length", "实为 16 位"),
        ("LZZ1BLSF3HN0001234", "length", "实为 18 位"),
        ("LZZ1BLSF3HN00012I", "charset", "I"),
        ("LZZ1BLSF3HNO00123", "charset", "O"),
        ("QZZ1BLSF3HN000123", "charset", "Q"),
        ("LZZ1BLSF4HN000123", "check", "应为 3，实为 4"),
        ("LSVAU2180N2183294", "check", "应为 X，实为 0"),
    ],
)
def test_it_rejects_invalid_vins_naming_the_rule(raw: str, rule: str, detail: str) -> None:
    with pytest.raises(IdentifierError) as exc:
        validate_vin(raw)
    assert_rejected(exc, rule)
    assert detail in exc.value.message


# ---------------------------------------------------------------------------------------------
# Mobile


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13805356612", "13805356612"),
        ("+86 138 0535 6612", "13805356612"),
        ("+8615905351234", "15905351234"),
        ("0086-159-0535-1234", "15905351234"),
        (" 199 1234 5678 ", "19912345678"),
        ("１７７０５３５８８８８", "17705358888"),
    ],
)
def test_it_accepts_and_normalises_mobile_numbers(raw: str, expected: str) -> None:
    assert validate_mobile(raw) == expected


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        ("", "required"),
        (" - ", "required"),
        ("1380535661", "length"),
        ("+86138053566123", "length"),
        ("1380535661a", "charset"),
        ("138-0535-661２x", "charset"),
        ("12805356612", "format"),
        ("0535-6612345", "format"),
    ],
)
def test_it_rejects_invalid_mobile_numbers_naming_the_rule(raw: str, rule: str) -> None:
    with pytest.raises(IdentifierError) as exc:
        validate_mobile(raw)
    assert_rejected(exc, rule)
