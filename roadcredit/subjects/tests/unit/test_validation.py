"""Whole-record validation of operators, vehicles and practitioners. No database."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from roadcredit.subjects.validation import (
    InputInvalid,
    OperatorInput,
    PractitionerInput,
    QualificationInput,
    VehicleInput,
    parse_operator,
    parse_practitioner,
    parse_vehicle,
)

TODAY = datetime.date(2025, 6, 1)
SHUNTONG = "91370612MA3D7K2R6E"  # 烟台顺通物流有限公司
INDIVIDUAL = "92370612MA3PXYH7Q9"  # 牟平区李建华货运经营部 (个体工商户)
PILOT = "91350100M0001TGQXM"  # early Fujian pilot code that fails the check character


def operator_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "uscc": SHUNTONG,
        "name": "烟台顺通物流有限公司",
        "legal_representative": "王秀英",
        "address": "山东省烟台市牟平区宁海街道正阳路66号",
        "business_scope_codes": ["0101", "0102"],
    }
    data.update(changes)
    return data


def vehicle_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "plate": "鲁F12345",
        "plate_colour": "2",
        "vin": "LZZ1BLSF3HN000123",
        "vehicle_type": "freight",
        "fuel": "diesel",
        "approved_load_kg": 18000,
        "operator_uscc": SHUNTONG,
    }
    data.update(changes)
    return data


def practitioner_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "王秀英",
        "id_number": "370612199001010028",
        "phone": "+86 159 0535 1234",
        "employer_uscc": SHUNTONG,
        "qualifications": [
            {"category": "freight", "first_issue_date": "2012-05-20", "valid_until": "2030-05-19"},
            {"category": "dg_driver", "first_issue_date": datetime.date(2016, 3, 1)},
        ],
    }
    data.update(changes)
    return data


def errors_of(parse: Any, data: dict[str, Any], **kwargs: Any) -> dict[str, list[str]]:
    with pytest.raises(InputInvalid) as exc:
        parse(data, **kwargs)
    assert exc.value.fields
    return exc.value.fields


# ---------------------------------------------------------------------------------------------
# Operators


def test_it_parses_a_complete_operator_with_muping_defaults() -> None:
    assert parse_operator(operator_data(name="  烟台顺通物流有限公司 ")) == OperatorInput(
        uscc=SHUNTONG,
        name="烟台顺通物流有限公司",
        kind="enterprise",
        legal_representative="王秀英",
        address="山东省烟台市牟平区宁海街道正阳路66号",
        division_code="370612",
        business_scope_codes=("0101", "0102"),
        status="active",
        uscc_check_overridden=False,
    )


@pytest.mark.parametrize(
    ("uscc", "kind", "expected"),
    [
        (INDIVIDUAL, None, "individual"),
        (SHUNTONG, None, "enterprise"),
        (SHUNTONG, "", "enterprise"),
        (INDIVIDUAL, "enterprise", "enterprise"),
        (SHUNTONG, " individual ", "individual"),
    ],
)
def test_it_defaults_the_kind_from_the_uscc(uscc: str, kind: str | None, expected: str) -> None:
    data = operator_data(uscc=uscc)
    if kind is not None:
        data["kind"] = kind
    assert parse_operator(data).kind == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0101,0102、0103；0101", ("0101", "0102", "0103")),
        (["0101", " 0102 ", "", "0101"], ("0101", "0102")),
        ((101, "0102"), ("101", "0102")),
        (None, ()),
        ("", ()),
    ],
)
def test_it_normalises_business_scope_codes(raw: object, expected: tuple[str, ...]) -> None:
    assert parse_operator(operator_data(business_scope_codes=raw)).business_scope_codes == expected


def test_it_accepts_an_allowlisted_pilot_code_and_marks_the_override() -> None:
    asked: list[str] = []

    def allowlisted(code: str) -> bool:
        asked.append(code)
        return code == PILOT

    parsed = parse_operator(operator_data(uscc=PILOT.lower()), uscc_allowlisted=allowlisted)
    assert parsed.uscc == PILOT
    assert parsed.uscc_check_overridden is True
    assert asked == [PILOT]


def test_it_asks_the_allowlist_only_when_the_check_character_fails() -> None:
    def allowlisted(code: str) -> bool:
        raise AssertionError("must not be asked")

    assert not parse_operator(operator_data(), uscc_allowlisted=allowlisted).uscc_check_overridden
    errors = errors_of(parse_operator, operator_data(uscc="9137"), uscc_allowlisted=allowlisted)
    assert "长度" in errors["uscc"][0]


def test_it_rejects_a_pilot_code_that_is_not_allowlisted() -> None:
    errors = errors_of(parse_operator, operator_data(uscc=PILOT))
    assert list(errors) == ["uscc"]
    assert "校验位" in errors["uscc"][0]


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        ({"uscc": ""}, "uscc", "必填"),
        ({"uscc": "91370612MA3D7K2R6I"}, "uscc", "字符"),
        ({"name": "   "}, "name", "必填"),
        ({"name": "烟" * 201}, "name", "200"),
        ({"legal_representative": None}, "legal_representative", "必填"),
        ({"legal_representative": "王" * 51}, "legal_representative", "50"),
        ({"address": ""}, "address", "必填"),
        ({"address": "牟" * 301}, "address", "300"),
        ({"kind": "company"}, "kind", "company"),
        ({"status": "closed"}, "status", "closed"),
        ({"division_code": "37061"}, "division_code", "6 位数字"),
        ({"division_code": "970612"}, "division_code", "6 位数字"),
        ({"business_scope_codes": {"code": "0101"}}, "business_scope_codes", "列表"),
        ({"business_scope_codes": ["0" * 21]}, "business_scope_codes", "过长"),
        ({"name": ["烟台顺通"]}, "name", "文本"),
    ],
)
def test_it_rejects_an_invalid_operator_field(
    changes: dict[str, Any], field: str, fragment: str
) -> None:
    errors = errors_of(parse_operator, operator_data(**changes))
    assert list(errors) == [field]
    assert fragment in errors[field][0]


def test_it_accepts_limits_exactly_at_the_maximum_length() -> None:
    parsed = parse_operator(
        operator_data(name="烟" * 200, legal_representative="王" * 50, address="牟" * 300)
    )
    assert len(parsed.name) == 200


def test_it_collects_every_operator_problem_at_once() -> None:
    errors = errors_of(parse_operator, {"kind": "company", "division_code": "abc"})
    assert errors == {
        "uscc": ["必填"],
        "name": ["必填"],
        "kind": [errors["kind"][0]],
        "legal_representative": ["必填"],
        "address": ["必填"],
        "division_code": [errors["division_code"][0]],
    }


# ---------------------------------------------------------------------------------------------
# Vehicles


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {},
            VehicleInput("鲁F12345", "2", "LZZ1BLSF3HN000123", "freight", "diesel", 18000, None,
                         SHUNTONG, "active"),
        ),
        (
            {"plate": "鲁f 1234挂", "vehicle_type": "trailer", "approved_load_kg": "30000",
             "vin": "lfwsrxrj9j1e00001", "operator_uscc": None},
            VehicleInput("鲁F1234挂", "2", "LFWSRXRJ9J1E00001", "trailer", "diesel", 30000, None,
                         None, "active"),
        ),
        (
            {"plate": "鲁F12345D", "plate_colour": "93", "vehicle_type": "bus", "fuel": "electric",
             "approved_load_kg": None, "seats": 45.0, "status": "suspended"},
            VehicleInput("鲁F12345D", "93", "LZZ1BLSF3HN000123", "bus", "electric", None, 45,
                         SHUNTONG, "suspended"),
        ),
        (
            {"plate": "鲁YD12345", "plate_colour": " 5 ", "vehicle_type": "ride_hailing",
             "fuel": "electric", "approved_load_kg": "", "seats": "5", "operator_uscc": PILOT},
            VehicleInput("鲁YD12345", "5", "LZZ1BLSF3HN000123", "ride_hailing", "electric", None,
                         5, PILOT, "active"),
        ),
        (
            {"vehicle_type": "dangerous_goods", "approved_load_kg": 0},
            VehicleInput("鲁F12345", "2", "LZZ1BLSF3HN000123", "dangerous_goods", "diesel", 0,
                         None, SHUNTONG, "active"),
        ),
    ],
)  # fmt: skip
def test_it_parses_valid_vehicles(changes: dict[str, Any], expected: VehicleInput) -> None:
    assert parse_vehicle(vehicle_data(**changes)) == expected


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        ({"plate": ""}, "plate", "必填"),
        ({"plate": "鲁F1234学"}, "plate", "教练"),
        ({"plate_colour": None}, "plate_colour", "必填"),
        ({"plate_colour": "6"}, "plate_colour", "“6”"),
        ({"plate_colour": "5"}, "plate_colour", "新能源"),
        ({"vin": ""}, "vin", "必填"),
        ({"vin": "LZZ1BLSF4HN000123"}, "vin", "校验位"),
        ({"vehicle_type": ""}, "vehicle_type", "必填"),
        ({"vehicle_type": "lorry"}, "vehicle_type", "lorry"),
        ({"fuel": "coal"}, "fuel", "coal"),
        ({"fuel": None}, "fuel", "必填"),
        ({"approved_load_kg": None}, "approved_load_kg", "必填"),
        ({"approved_load_kg": " "}, "approved_load_kg", "必填"),
        ({"approved_load_kg": -1}, "approved_load_kg", "负数"),
        ({"approved_load_kg": "十八吨"}, "approved_load_kg", "整数"),
        ({"approved_load_kg": 1.5}, "approved_load_kg", "整数"),
        ({"approved_load_kg": True}, "approved_load_kg", "整数"),
        ({"approved_load_kg": 2**31}, "approved_load_kg", "不能大于"),
        ({"seats": -2}, "seats", "负数"),
        ({"operator_uscc": "9137"}, "operator_uscc", "长度"),
        ({"status": "scrapped"}, "status", "scrapped"),
    ],
)
def test_it_rejects_an_invalid_vehicle_field(
    changes: dict[str, Any], field: str, fragment: str
) -> None:
    errors = errors_of(parse_vehicle, vehicle_data(**changes))
    assert list(errors) == [field]
    assert fragment in errors[field][0]


@pytest.mark.parametrize("vehicle_type", ["freight", "dangerous_goods", "tractor"])
def test_it_requires_the_approved_load_for_goods_vehicles(vehicle_type: str) -> None:
    errors = errors_of(
        parse_vehicle, vehicle_data(vehicle_type=vehicle_type, approved_load_kg=None)
    )
    assert errors == {"approved_load_kg": ["必填"]}


@pytest.mark.parametrize("vehicle_type", ["bus", "taxi", "ride_hailing"])
def test_it_requires_the_seats_for_passenger_vehicles(vehicle_type: str) -> None:
    errors = errors_of(
        parse_vehicle, vehicle_data(plate="鲁F8K3A6", plate_colour="1", vehicle_type=vehicle_type)
    )
    assert errors == {"seats": ["必填"]}


def test_it_requires_a_trailer_plate_to_belong_to_a_trailer() -> None:
    errors = errors_of(parse_vehicle, vehicle_data(plate="鲁F1234挂"))
    assert list(errors) == ["vehicle_type"]


def test_it_collects_every_vehicle_problem_at_once() -> None:
    errors = errors_of(
        parse_vehicle,
        {"plate": "鲁F12O45", "plate_colour": "5", "vin": "LZZ1BLSF4HN000123", "seats": "x"},
    )
    assert set(errors) == {"plate", "vin", "vehicle_type", "fuel", "seats"}
    # The colour code is known; with no valid plate it cannot be checked against the plate.
    assert "plate_colour" not in errors


# ---------------------------------------------------------------------------------------------
# Practitioners


def test_it_parses_a_practitioner_deriving_birth_date_and_sex_from_the_id_number() -> None:
    assert parse_practitioner(practitioner_data(), today=TODAY) == PractitionerInput(
        name="王秀英",
        id_number="370612199001010028",
        birth_date=datetime.date(1990, 1, 1),
        sex="F",
        phone="15905351234",
        employer_uscc=SHUNTONG,
        qualifications=(
            QualificationInput("freight", datetime.date(2012, 5, 20), datetime.date(2030, 5, 19)),
            QualificationInput("dg_driver", datetime.date(2016, 3, 1), None),
        ),
        status="active",
    )


def test_it_converts_a_legacy_id_number_and_allows_no_phone_or_qualifications() -> None:
    parsed = parse_practitioner(
        {"name": " 张伟 ", "id_number": "370612850315001", "phone": "", "qualifications": []},
        today=TODAY,
    )
    assert (parsed.name, parsed.id_number, parsed.sex, parsed.phone) == (
        "张伟",
        "370612198503150018",
        "M",
        "",
    )
    assert parsed.birth_date == datetime.date(1985, 3, 15)
    assert parsed.qualifications == ()
    assert parsed.employer_uscc is None


def test_it_accepts_a_datetime_and_a_first_issue_date_of_today() -> None:
    parsed = parse_practitioner(
        practitioner_data(
            qualifications=[
                {"category": "taxi", "first_issue_date": TODAY},
                {
                    "category": "ride_hailing",
                    "first_issue_date": datetime.datetime(2020, 1, 2, 9, 30, tzinfo=datetime.UTC),
                },
            ]
        ),
        today=TODAY,
    )
    assert [q.first_issue_date for q in parsed.qualifications] == [
        TODAY,
        datetime.date(2020, 1, 2),
    ]


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        ({"name": ""}, "name", "必填"),
        ({"name": "王" * 51}, "name", "50"),
        ({"id_number": ""}, "id_number", "必填"),
        ({"id_number": "370612199001010021"}, "id_number", "校验位"),
        ({"id_number": "370612199002300020"}, "id_number", "日期"),
        ({"phone": "0535-4212345"}, "phone", "格式"),
        ({"phone": "1590535123"}, "phone", "长度"),
        ({"employer_uscc": "91370612MA3D7K2R6I"}, "employer_uscc", "字符"),
        ({"status": "retired"}, "status", "retired"),
        ({"qualifications": "freight"}, "qualifications", "列表"),
        ({"qualifications": ["freight"]}, "qualifications[0]", "记录"),
        (
            {"qualifications": [{"category": "pilot", "first_issue_date": "2012-05-20"}]},
            "qualifications[0].category",
            "pilot",
        ),
        (
            {"qualifications": [{"category": "", "first_issue_date": "2012-05-20"}]},
            "qualifications[0].category",
            "必填",
        ),
        (
            {"qualifications": [{"category": "freight"}]},
            "qualifications[0].first_issue_date",
            "必填",
        ),
        (
            {"qualifications": [{"category": "freight", "first_issue_date": "2019-02-30"}]},
            "qualifications[0].first_issue_date",
            "2019-02-30",
        ),
        (
            {"qualifications": [{"category": "freight", "first_issue_date": "2019/02/01"}]},
            "qualifications[0].first_issue_date",
            "YYYY-MM-DD",
        ),
        (
            {"qualifications": [{"category": "freight", "first_issue_date": "2025-06-02"}]},
            "qualifications[0].first_issue_date",
            "晚于今天",
        ),
        (
            {
                "qualifications": [
                    {"category": "freight", "first_issue_date": "2012-05-20"},
                    {
                        "category": "passenger",
                        "first_issue_date": "2014-05-20",
                        "valid_until": "2014-05-20",
                    },
                ]
            },
            "qualifications[1].valid_until",
            "晚于初次领证日期",
        ),
        (
            {
                "qualifications": [
                    {"category": "freight", "first_issue_date": "2012-05-20"},
                    {"category": "freight", "first_issue_date": "2018-05-20"},
                ]
            },
            "qualifications[1].category",
            "重复",
        ),
    ],
)
def test_it_rejects_an_invalid_practitioner_field(
    changes: dict[str, Any], field: str, fragment: str
) -> None:
    errors = errors_of(parse_practitioner, practitioner_data(**changes), today=TODAY)
    assert list(errors) == [field]
    assert fragment in errors[field][0]


def test_it_collects_every_practitioner_problem_at_once() -> None:
    errors = errors_of(
        parse_practitioner,
        {
            "id_number": "370612199001010021",
            "phone": "12805356612",
            "qualifications": [
                {"category": "dg_escort", "first_issue_date": "2030-01-01"},
                {"category": "dg_escort", "first_issue_date": "2015-01-01", "valid_until": "x"},
            ],
        },
        today=TODAY,
    )
    assert set(errors) == {
        "name",
        "id_number",
        "phone",
        "qualifications[0].first_issue_date",
        "qualifications[1].category",
        "qualifications[1].valid_until",
    }
