"""Paper licence numbers from templates, and identifier serials. No database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from roadcredit.elicences.numbering import (
    NumberingError,
    ParsedNumber,
    format_number,
    identifier_serial,
    number_regex,
    parse_identifier_serial,
    parse_number,
    parse_template,
)

BUSINESS = "鲁交运管许可烟字{division}{seq:06d}号"
TRANSPORT = "{division}{seq:06d}"


@pytest.mark.parametrize(
    ("template", "seq", "year", "expected"),
    [
        (BUSINESS, 123, None, "鲁交运管许可烟字370612000123号"),
        (BUSINESS, 999_999, None, "鲁交运管许可烟字370612999999号"),
        (TRANSPORT, 45, None, "370612000045"),
        ("烟牟{year}{seq:04d}", 7, 2026, "烟牟20260007"),
        ("MP-{seq}", 42, None, "MP-42"),
    ],
)
def test_it_formats_numbers_from_the_template(
    template: str, seq: int, year: int | None, expected: str
) -> None:
    assert format_number(template, "370612", seq, year=year) == expected


def test_the_regex_matches_exactly_what_the_template_produces() -> None:
    pattern = number_regex(BUSINESS, division="370612")
    assert pattern.fullmatch("鲁交运管许可烟字370612000123号")
    assert not pattern.fullmatch("鲁交运管许可烟字370613000123号")  # another district
    assert not pattern.fullmatch("鲁交运管许可烟字37061200123号")  # one digit short
    assert not pattern.fullmatch("鲁交运管许可烟字３７０６１２000123号")  # full-width digits
    assert number_regex(BUSINESS).fullmatch("鲁交运管许可烟字370613000123号")


@given(st.integers(1, 999_999), st.from_regex(r"[0-9]{6}", fullmatch=True))
def test_it_parses_back_every_number_it_formats(seq: int, division: str) -> None:
    for template in (BUSINESS, TRANSPORT):
        number = format_number(template, division, seq)
        assert parse_number(template, number) == ParsedNumber(division=division, seq=seq, year=None)


def test_it_parses_the_year_of_a_yearly_template() -> None:
    assert parse_number("烟牟{year}{seq:04d}", "烟牟20260007") == ParsedNumber(
        division=None, seq=7, year=2026
    )


@pytest.mark.parametrize(
    ("template", "number"),
    [
        (BUSINESS, "鲁交运管许可烟字370612000000号"),  # sequence 0
        (BUSINESS, "津交运管许可德字120128300595"),
        (TRANSPORT, "37061200012"),
    ],
)
def test_it_rejects_a_number_that_does_not_fit_the_template(template: str, number: str) -> None:
    with pytest.raises(NumberingError):
        parse_number(template, number)


@pytest.mark.parametrize(
    ("template", "word"),
    [
        ("鲁交运管许可烟字{division}号", "只包含一个"),
        ("{seq}{seq}", "只包含一个"),
        ("{division}{seq:06d}{plate}", "未知占位符"),
        ("{division}{seq:6d}", "未知占位符"),
        ("{division}{seq:013d}", "1–12"),
        ("{division}{{seq:06d}", "花括号"),
        ("{division}{seq:06d}}", "花括号"),
    ],
)
def test_it_rejects_a_malformed_template(template: str, word: str) -> None:
    with pytest.raises(NumberingError) as exc:
        parse_template(template)
    assert word in str(exc.value)


@pytest.mark.parametrize(
    ("division", "seq", "year", "word"),
    [
        ("37061", 1, None, "行政区划代码"),
        ("370612", 0, None, "正整数"),
        ("370612", 1_000_000, None, "容量"),
    ],
)
def test_it_refuses_to_format_out_of_range_values(
    division: str, seq: int, year: int | None, word: str
) -> None:
    with pytest.raises(NumberingError) as exc:
        format_number(BUSINESS, division, seq, year=year)
    assert word in str(exc.value)


def test_a_yearly_template_needs_the_year() -> None:
    with pytest.raises(NumberingError, match="年份"):
        format_number("烟牟{year}{seq:04d}", "370612", 7)


def test_it_builds_identifier_serials_from_year_and_sequence() -> None:
    assert identifier_serial(2026, 123) == "2026000123"
    assert parse_identifier_serial("2026000123") == (2026, 123)


@pytest.mark.parametrize(("year", "seq"), [(1999, 1), (2026, 0), (2026, 1_000_000)])
def test_it_refuses_serials_out_of_range(year: int, seq: int) -> None:
    with pytest.raises(NumberingError):
        identifier_serial(year, seq)


@pytest.mark.parametrize("serial", ["202600012", "2026000000", "20260001２3", "ABCD000123"])
def test_it_rejects_malformed_serials(serial: str) -> None:
    with pytest.raises(NumberingError):
        parse_identifier_serial(serial)
