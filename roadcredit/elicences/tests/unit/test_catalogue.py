"""The licence-type catalogue: the shipped data file and the checks on load. No database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from roadcredit.elicences.catalogue import (
    CATALOGUE_PATH,
    CatalogueError,
    default_valid_until,
    load_catalogue,
    parse_catalogue,
)
from roadcredit.elicences.identifiers import build_licence_identifier, parse_licence_identifier
from roadcredit.subjects.identifiers import uscc_check_ok

EIGHT_TYPES = {
    "business_licence": ("道路运输经营许可证", "operator", "JT/T 1291-2019"),
    "dangerous_goods_permit": ("道路危险货物运输许可证", "operator", "JT/T 1291-2019"),
    "radioactive_permit": ("放射性物品道路运输许可证", "operator", "JT/T 1291-2019"),
    "ride_hailing_business_permit": ("网络预约出租汽车经营许可证", "operator", "JT/T 1291-2019"),
    "transport_certificate": ("道路运输证", "vehicle", "JT/T 1292-2019"),
    "ride_hailing_vehicle_certificate": ("网络预约出租汽车运输证", "vehicle", "JT/T 1292-2019"),
    "qualification_certificate": ("道路运输从业人员从业资格证", "practitioner", "JT/T 1290-2019"),
    "taxi_driver_certificate": ("巡游出租汽车驾驶员证", "practitioner", "JT/T 1290-2019"),
}

SHIPPED = CATALOGUE_PATH.read_text(encoding="utf-8")


def test_it_loads_the_eight_licence_types() -> None:
    catalogue = load_catalogue()
    assert set(catalogue.keys) == set(EIGHT_TYPES)
    assert len(catalogue) == 8
    for licence_type in catalogue:
        name, holder_kind, standard = EIGHT_TYPES[licence_type.key]
        assert (licence_type.name_zh, licence_type.holder_kind, licence_type.standard) == (
            name,
            holder_kind,
            standard,
        )


def test_every_type_code_is_the_mot_uscc_and_a_three_digit_sequence() -> None:
    for licence_type in load_catalogue():
        assert len(licence_type.type_code) == 21
        assert licence_type.type_code.startswith("11100000000019713D")
        assert licence_type.type_code[18:].isdigit()
        assert uscc_check_ok(licence_type.type_code[:18])
        assert licence_type.type_code_verified is False  # found in public code only


def test_the_district_issues_business_licences_transport_and_qualification_certificates() -> None:
    catalogue = load_catalogue()
    assert {t.key for t in catalogue.issued_here()} == {
        "business_licence",
        "transport_certificate",
        "qualification_certificate",
    }


def test_the_issuer_is_the_muping_bureau_with_a_placeholder_uscc() -> None:
    issuer = load_catalogue().issuer
    assert issuer.name == "烟台市牟平区交通运输局"
    assert issuer.division == "370612"
    assert uscc_check_ok(issuer.uscc)
    assert issuer.uscc_placeholder is True


def test_every_regex_matches_its_sample_numbers() -> None:
    for licence_type in load_catalogue():
        assert licence_type.sample_numbers
        for sample in licence_type.sample_numbers:
            assert licence_type.number_matches(sample), (licence_type.key, sample)


def test_it_formats_numbers_in_the_issuers_division() -> None:
    catalogue = load_catalogue()
    assert catalogue.format_number("business_licence", 123) == "鲁交运管许可烟字370612000123号"
    assert catalogue.format_number("transport_certificate", 45) == "370612000045"
    with pytest.raises(CatalogueError):
        catalogue.format_number("qualification_certificate", 1)


def test_the_business_licence_regex_accepts_a_real_number_from_another_province() -> None:
    assert load_catalogue()["business_licence"].number_matches("津交运管许可德字120128300595")


def test_qualification_numbers_are_id_numbers_and_masked_in_public() -> None:
    catalogue = load_catalogue()
    qualification = catalogue["qualification_certificate"]
    assert qualification.number_is_id_number
    assert qualification.public_number("370612198503150018") == "370612********0018"
    business = catalogue["business_licence"]
    assert not business.number_is_id_number
    assert (
        business.public_number("鲁交运管许可烟字370612000123号") == "鲁交运管许可烟字370612000123号"
    )


def test_personal_face_fields_are_marked() -> None:
    qualification = load_catalogue()["qualification_certificate"]
    personal = {field.key for field in qualification.face if field.personal}
    assert {"name", "number", "address", "birth_date", "photo"} <= personal
    business = load_catalogue()["business_licence"]
    assert not any(field.personal for field in business.face)


def test_it_finds_a_type_by_its_type_code() -> None:
    catalogue = load_catalogue()
    found = catalogue.by_type_code("11100000000019713D013")
    assert found is not None
    assert found.key == "transport_certificate"
    assert catalogue.by_type_code("11100000000013338W001") is None
    assert "transport_certificate" in catalogue
    with pytest.raises(KeyError):
        catalogue["driving_licence"]


def test_a_type_code_builds_a_valid_identifier() -> None:
    catalogue = load_catalogue()
    identifier = build_licence_identifier(
        catalogue["business_licence"].type_code, catalogue.issuer.uscc, "2026000123", 1
    )
    assert parse_licence_identifier(identifier).type_code == "11100000000019713D008"


@pytest.mark.parametrize(
    ("key", "valid_from", "expected"),
    [
        ("business_licence", dt.date(2026, 3, 1), dt.date(2030, 2, 28)),
        ("business_licence", dt.date(2024, 2, 29), dt.date(2028, 2, 28)),
        ("qualification_certificate", dt.date(2024, 2, 29), dt.date(2030, 2, 28)),
        ("qualification_certificate", dt.date(2026, 7, 15), dt.date(2032, 7, 14)),
        ("transport_certificate", dt.date(2026, 3, 1), None),
    ],
)
def test_it_computes_the_default_end_of_validity(
    key: str, valid_from: dt.date, expected: dt.date | None
) -> None:
    assert default_valid_until(load_catalogue()[key], valid_from) == expected


def test_the_issuer_can_be_overridden_by_configuration() -> None:
    catalogue = load_catalogue(
        issuer={
            "name": "烟台市牟平区行政审批服务局",
            "uscc": "11370612MB0000001G",
            "uscc_placeholder": False,
        }
    )
    assert catalogue.issuer.name == "烟台市牟平区行政审批服务局"
    assert catalogue.issuer.division == "370612"
    assert catalogue.issuer.uscc_placeholder is False


def test_another_division_changes_the_numbers() -> None:
    catalogue = load_catalogue(issuer={"division": "370613"})
    assert catalogue.format_number("transport_certificate", 1) == "370613000001"


def test_it_loads_a_catalogue_from_another_path(tmp_path: Path) -> None:
    path = tmp_path / "types.toml"
    path.write_text(SHIPPED.replace('version = "2026.1"', 'version = "2027.1"'), encoding="utf-8")
    assert load_catalogue(path).version == "2027.1"


def test_it_reports_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="无法读取"):
        load_catalogue(tmp_path / "missing.toml")


# ---------------------------------------------------------------------------------------------
# Validation of a broken catalogue


def broken(old: str, new: str, count: int = 1) -> str:
    assert old in SHIPPED, old
    return SHIPPED.replace(old, new, count)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (broken('key = "dangerous_goods_permit"', 'key = "business_licence"'), "重复"),
        (
            broken('type_code = "11100000000019713D016"', 'type_code = "11100000000019713D008"'),
            "重复",
        ),
        (
            broken('type_code = "11100000000019713D008"', 'type_code = "11100000000019713D08"'),
            "21 位",
        ),
        (
            broken('type_code = "11100000000019713D008"', 'type_code = "11100000000019713E008"'),
            "统一社会信用代码",
        ),
        (
            broken('type_code = "11100000000019713D008"', 'type_code = "11100000000019713D0A8"'),
            "3 位数字",
        ),
        (broken("number_regex = '^[0-9]{12}$'", "number_regex = '^([0-9]{12}$'"), "正则表达式错误"),
        (broken("number_regex = '^[0-9]{12}$'", "number_regex = '^[0-9]{11}$'"), "不符合"),
        (
            broken('sample_numbers = ["370612000123"]', 'sample_numbers = ["37061200012A"]'),
            "样例编号",
        ),
        (broken('sample_numbers = ["370612000123"]', "sample_numbers = []"), "sample_numbers"),
        (
            broken(
                'number_template = "{division}{seq:06d}"', 'number_template = "{division}{serial}"'
            ),
            "编号模板错误",
        ),
        (broken('number_template = "{division}{seq:06d}"\n', ""), "number_template"),
        (broken('holder_kind = "vehicle"', 'holder_kind = "driver"'), "holder_kind"),
        (broken('number_source = "template"', 'number_source = "manual"'), "number_source"),
        (broken('source = "vehicle.plate"', 'source = "plate"'), "数据来源"),
        (broken('{ key = "plate_colour"', '{ key = "plate"'), "照面项 plate 重复"),
        (broken('kind = "years", years = 4', 'kind = "years", years = 0'), "有效期年限"),
        (
            broken('kind = "vehicle_lifetime"', 'kind = "vehicle_lifetime", years = 8'),
            "不应设置 years",
        ),
        (broken('kind = "years", years = 6', 'kind = "forever"'), "有效期规则"),
        (broken('uscc = "11370612MB0000001G"', 'uscc = "11370612MB0000001H"'), "校验位"),
        (broken('division = "370612"', 'division = "3706"'), "6 位数字"),
        (broken("issued_here = true", 'issued_here = "yes"'), "true 或 false"),
        (broken('name_zh = "道路运输证"', 'name_zh = ""'), "name_zh"),
        (broken('key = "transport_certificate"', 'key = "Transport-Certificate"'), "小写字母"),
        ("version = \n", "文件格式错误"),
        ("version = 1\n[issuer]\n", "缺少 name"),
        (
            '[issuer]\nname = "烟台市牟平区交通运输局"\nuscc = "11370612MB0000001G"\ndivision = "370612"\n',
            "没有任何",
        ),
    ],
)
def test_it_refuses_a_broken_catalogue_naming_the_problem(text: str, words: str) -> None:
    with pytest.raises(CatalogueError) as exc:
        parse_catalogue(text)
    assert words in str(exc.value)
