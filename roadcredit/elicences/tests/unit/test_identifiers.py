"""E-licence identifiers (GB/T 36904) and the ISO/IEC 7064 MOD 37,36 check. No database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from roadcredit.elicences.identifiers import (
    ALPHABET,
    ROOT_OID,
    LicenceIdentifier,
    LicenceIdentifierError,
    build_licence_identifier,
    check_predecessor,
    mod37_36_check,
    mod37_36_valid,
    parse_licence_identifier,
    vendor_variant_check,
)

MOT_BUSINESS_LICENCE = "11100000000019713D008"
MUPING_BUREAU = "11370612MB0000001G"  # placeholder USCC of the catalogue

RULE_WORDS = {
    "required": "必填",
    "format": "格式",
    "length": "长度",
    "charset": "字符",
    "check": "校验位",
    "chain": "关联",
}

# Real identifiers found in public code (GitHub code corpus), check characters reproduced.
REAL_IDENTIFIERS = [
    # Jining, Shandong: a completion-acceptance filing certificate (MOHURD type 087).
    "1.2.156.3005.2.11100000000013338W087.11370800MB28559184.37080001202411010001.001.3",
    # Hefei: the issuer is the 6-digit division code 340100.
    "1.2.156.3005.2.11100000MB03271699022.340100.000000016.001.9",
    # Hunan: a construction-safety certificate and its renewal (version 001 → 002).
    "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U",
    "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.002.S",
    # Zhejiang: a project-approval file name.
    "1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0",
]
# The Swagger example of a certificate-sharing API: its check character comes from a vendor
# implementation that departs from ISO/IEC 7064 (the standard gives D).
VENDOR_IDENTIFIER = (
    "1.2.156.3005.2.11100000000013661B006.113700000045046442.209FA4E88F9E4C878F3E9BED2CE7EA49.001.M"
)


def assert_rejected(exc: pytest.ExceptionInfo[LicenceIdentifierError], rule: str) -> None:
    assert exc.value.rule == rule
    assert RULE_WORDS[rule] in exc.value.message
    assert str(exc.value) == exc.value.message


# ---------------------------------------------------------------------------------------------
# MOD 37,36


@pytest.mark.parametrize("full", ["A12425GABC1234002M", "B159D8FA01240000K", "188166C7342000003"])
def test_it_reproduces_the_iso_7064_reference_vectors(full: str) -> None:
    assert mod37_36_check(full[:-1]) == full[-1]
    assert mod37_36_valid(full)


@pytest.mark.parametrize("identifier", REAL_IDENTIFIERS)
def test_it_reproduces_the_check_character_of_real_identifiers(identifier: str) -> None:
    body = identifier[len(ROOT_OID) + 1 :].split(".")
    assert mod37_36_check("".join(body[:-1])) == body[-1]


def test_it_reproduces_the_vendor_variant_of_the_swagger_example() -> None:
    body = VENDOR_IDENTIFIER[len(ROOT_OID) + 1 :].split(".")
    data = "".join(body[:-1])
    assert mod37_36_check(data) == "D"
    assert vendor_variant_check(data) == "M"


def test_it_rejects_characters_outside_the_alphabet_in_the_check() -> None:
    with pytest.raises(LicenceIdentifierError) as exc:
        mod37_36_check("2026-0001")
    assert_rejected(exc, "charset")
    assert not mod37_36_valid("2026-0001X")
    assert not mod37_36_valid("X")


@given(st.text(alphabet=ALPHABET, min_size=1, max_size=60), st.data())
def test_it_detects_every_single_character_substitution(data: str, draw: st.DataObject) -> None:
    full = data + mod37_36_check(data)
    position = draw.draw(st.integers(0, len(full) - 1))
    replacement = draw.draw(st.sampled_from(ALPHABET).filter(lambda c: c != full[position]))
    changed = full[:position] + replacement + full[position + 1 :]
    assert not mod37_36_valid(changed)


def test_it_detects_nearly_all_adjacent_transpositions() -> None:
    """ISO/IEC 7064 hybrid systems catch all substitutions but not every transposition: with
    MOD 37,36 about 0.2 % of swaps of two neighbours slip through (e.g. "IJ0" and "JI0" both
    check). Measured on a fixed sample so the test is deterministic."""
    import random

    rng = random.Random(7064)
    swaps = missed = 0
    for _ in range(5000):
        body = "".join(rng.choice(ALPHABET) for _ in range(20))
        full = body + mod37_36_check(body)
        position = rng.randrange(len(full) - 1)
        if full[position] == full[position + 1]:
            continue
        swapped = full[:position] + full[position + 1] + full[position] + full[position + 2 :]
        swaps += 1
        missed += mod37_36_valid(swapped)
    assert missed / swaps < 0.005


# ---------------------------------------------------------------------------------------------
# Building and parsing


@pytest.mark.parametrize("identifier", REAL_IDENTIFIERS)
def test_it_parses_real_identifiers(identifier: str) -> None:
    parsed = parse_licence_identifier(identifier)
    assert parsed.text == identifier
    assert str(parsed) == identifier
    assert parsed.check_variant == "iso7064"


def test_it_splits_an_identifier_into_its_parts() -> None:
    parsed = parse_licence_identifier(REAL_IDENTIFIERS[1])
    assert parsed == LicenceIdentifier(
        type_code="11100000MB03271699022",
        issuer_code="340100",
        serial="000000016",
        version=1,
        check="9",
    )


def test_it_builds_a_muping_business_licence_identifier() -> None:
    identifier = build_licence_identifier(MOT_BUSINESS_LICENCE, MUPING_BUREAU, "2026000123", 1)
    assert identifier == (
        "1.2.156.3005.2.11100000000019713D008.11370612MB0000001G.2026000123.001.F"
    )
    parsed = parse_licence_identifier(identifier)
    assert (parsed.type_code, parsed.issuer_code, parsed.serial, parsed.version) == (
        MOT_BUSINESS_LICENCE,
        MUPING_BUREAU,
        "2026000123",
        1,
    )


@given(
    type_code=st.text(alphabet=ALPHABET, min_size=18, max_size=18).map(lambda s: s + "008"),
    issuer=st.one_of(
        st.text(alphabet=ALPHABET, min_size=18, max_size=18),
        st.text(alphabet="0123456789", min_size=6, max_size=6),
    ),
    serial=st.text(alphabet=ALPHABET, min_size=1, max_size=32),
    version=st.integers(1, 999),
)
def test_it_round_trips_any_well_formed_identifier(
    type_code: str, issuer: str, serial: str, version: int
) -> None:
    parsed = parse_licence_identifier(build_licence_identifier(type_code, issuer, serial, version))
    assert (parsed.type_code, parsed.issuer_code, parsed.serial, parsed.version) == (
        type_code,
        issuer,
        serial,
        version,
    )


def test_it_normalises_full_width_and_lower_case_input() -> None:
    typed = "  １.２.156.3005.2.11100000000013338w011.11430000006122244l.20230000403.001.u "
    assert parse_licence_identifier(typed).text == REAL_IDENTIFIERS[2]


def test_it_accepts_the_vendor_variant_only_when_asked() -> None:
    with pytest.raises(LicenceIdentifierError) as exc:
        parse_licence_identifier(VENDOR_IDENTIFIER)
    assert_rejected(exc, "check")
    assert "应为 D，实为 M" in exc.value.message
    parsed = parse_licence_identifier(VENDOR_IDENTIFIER, accept_vendor_variant=True)
    assert parsed.check_variant == "vendor"
    assert parsed.serial == "209FA4E88F9E4C878F3E9BED2CE7EA49"


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("", "required"),
        ("   ", "required"),
        ("2.16.156.3005.2.11100000000019713D008.370612.2026000123.001.G", "format"),
        ("1.2.156.3005.2.11100000000019713D008.370612.2026000123.001", "format"),
        ("1.2.156.3005.2.11100000000019713D008.370612.2026000123.001.G.X", "format"),
        ("1.2.156.3005.2.11100000000019713D008.370612.2026000123.01.G", "format"),
        ("1.2.156.3005.2.11100000000019713D008.370612.2026000123.000.G", "format"),
        ("1.2.156.3005.2.11100000000019713DABC.370612.2026000123.001.G", "format"),
        ("1.2.156.3005.2.11100000000019713D08.370612.2026000123.001.G", "length"),
        ("1.2.156.3005.2.11100000000019713D008.3706.2026000123.001.G", "length"),
        ("1.2.156.3005.2.11100000000019713D008.37061A.2026000123.001.G", "format"),
        ("1.2.156.3005.2.11100000000019713D008.370612." + "1" * 33 + ".001.G", "length"),
        ("1.2.156.3005.2.11100000000019713D008.370612..001.G", "length"),
        ("1.2.156.3005.2.11100000000019713D008.370612.2026000123.001.GG", "length"),
        ("1.2.156.3005.2.11100000000019713D008.370612.2026-00123.001.G", "charset"),
        ("1.2.156.3005.2.11100000000019713D008.370612.二〇二六.001.G", "charset"),
        ("1.2.156.3005.2.11100000000019713D008.370612.2026000123.001.H", "check"),
    ],
)
def test_it_rejects_a_malformed_identifier_naming_the_rule(text: str, rule: str) -> None:
    with pytest.raises(LicenceIdentifierError) as exc:
        parse_licence_identifier(text)
    assert_rejected(exc, rule)


def test_it_names_the_expected_check_character() -> None:
    with pytest.raises(LicenceIdentifierError) as exc:
        parse_licence_identifier(REAL_IDENTIFIERS[0][:-1] + "4")
    assert exc.value.message == "证照标识校验位错误：应为 3，实为 4"


@pytest.mark.parametrize(
    ("args", "rule"),
    [
        (("11100000000019713D08", MUPING_BUREAU, "2026000123", 1), "length"),
        ((MOT_BUSINESS_LICENCE, "3706120", "2026000123", 1), "length"),
        ((MOT_BUSINESS_LICENCE, MUPING_BUREAU, "2026 000123", 1), "charset"),
        ((MOT_BUSINESS_LICENCE, MUPING_BUREAU, "2026000123", 0), "format"),
        ((MOT_BUSINESS_LICENCE, MUPING_BUREAU, "2026000123", 1000), "format"),
    ],
)
def test_it_refuses_to_build_from_bad_parts(args: tuple[str, str, str, int], rule: str) -> None:
    with pytest.raises(LicenceIdentifierError) as exc:
        build_licence_identifier(*args)
    assert_rejected(exc, rule)


# ---------------------------------------------------------------------------------------------
# Version chain (关联证照标识)


def test_the_next_version_keeps_the_serial_and_recomputes_the_check() -> None:
    first = parse_licence_identifier(REAL_IDENTIFIERS[2])
    second = first.next_version()
    assert second.text == REAL_IDENTIFIERS[3]
    check_predecessor(second, first)


def test_a_licence_at_version_999_has_no_next_version() -> None:
    last = parse_licence_identifier(
        build_licence_identifier(MOT_BUSINESS_LICENCE, MUPING_BUREAU, "2026000123", 999)
    )
    with pytest.raises(LicenceIdentifierError) as exc:
        last.next_version()
    assert_rejected(exc, "format")


def test_a_reissue_under_a_new_serial_may_name_its_predecessor() -> None:
    old = parse_licence_identifier(
        build_licence_identifier(MOT_BUSINESS_LICENCE, MUPING_BUREAU, "2022000045", 3)
    )
    new = parse_licence_identifier(
        build_licence_identifier(MOT_BUSINESS_LICENCE, MUPING_BUREAU, "2026000123", 1)
    )
    check_predecessor(new, old)


def test_it_rejects_a_predecessor_that_is_the_licence_itself() -> None:
    licence = parse_licence_identifier(REAL_IDENTIFIERS[3])
    with pytest.raises(LicenceIdentifierError) as exc:
        check_predecessor(licence, licence)
    assert_rejected(exc, "chain")


def test_it_rejects_a_predecessor_of_another_licence_type() -> None:
    business = parse_licence_identifier(
        build_licence_identifier(MOT_BUSINESS_LICENCE, MUPING_BUREAU, "2026000123", 2)
    )
    transport = parse_licence_identifier(
        build_licence_identifier("11100000000019713D013", MUPING_BUREAU, "2026000123", 1)
    )
    with pytest.raises(LicenceIdentifierError) as exc:
        check_predecessor(business, transport)
    assert_rejected(exc, "chain")


def test_it_rejects_a_predecessor_with_a_higher_version() -> None:
    older, newer = (parse_licence_identifier(text) for text in REAL_IDENTIFIERS[2:4])
    with pytest.raises(LicenceIdentifierError) as exc:
        check_predecessor(older, newer)
    assert_rejected(exc, "chain")
