"""Serial ranges and the balance of the blank-certificate paper stock (pure rules)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from roadcredit.elicences.paperstock import (
    SerialError,
    SerialRange,
    StockCounts,
    can_move,
    parse_range,
    parse_serial,
)

REPO_ROOT = Path(__file__).resolve().parents[4]


@pytest.mark.parametrize(
    ("text", "prefix", "number", "width"),
    [
        ("A00012345", "A", 12345, 8),
        (" sd 0001 ", "SD", 1, 4),
        ("3706120001", "", 3706120001, 10),
    ],
)
def test_it_reads_a_serial_as_prefix_and_number(text, prefix, number, width):
    serial = parse_serial(text)
    assert (serial.prefix, serial.number, serial.width) == (prefix, number, width)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("", "不能为空"), ("A-001", "格式错误"), ("ABCDEFG1", "格式错误"), ("12AB", "格式错误")],
)
def test_it_refuses_a_malformed_serial_naming_the_rule(text, fragment):
    with pytest.raises(SerialError) as caught:
        parse_serial(text)
    assert fragment in caught.value.message


@pytest.mark.parametrize(
    ("first", "last", "fragment"),
    [
        ("A0001", "B0100", "字母前缀不同"),
        ("A0001", "A00100", "数字位数不同"),
        ("A0100", "A0001", "小于起始编号"),
        ("A000001", "A200000", "超过上限"),
    ],
)
def test_it_refuses_a_range_that_cannot_be_one_delivery(first, last, fragment):
    with pytest.raises(SerialError) as caught:
        parse_range(first, last)
    assert fragment in caught.value.message


def test_a_range_lists_its_serials_with_the_printed_width():
    serials = parse_range("A0098", "A0102")
    assert serials.count == 5
    assert [s.text for s in serials.serials()] == ["A0098", "A0099", "A0100", "A0101", "A0102"]


@pytest.mark.parametrize(
    ("other", "overlaps"),
    [
        (SerialRange("A", 150, 300, 4), True),
        (SerialRange("A", 201, 300, 4), False),
        (SerialRange("A", 100, 100, 6), True),  # another width, the same printed number
        (SerialRange("B", 100, 200, 4), False),
    ],
)
def test_ranges_overlap_on_a_shared_number_with_the_same_prefix(other, overlaps):
    assert SerialRange("A", 100, 200, 4).overlaps(other) is overlaps


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        ("received", "used", True),
        ("received", "spoiled", True),
        ("received", "voided", True),
        ("received", "received", False),
        ("used", "spoiled", False),
        ("voided", "used", False),
    ],
)
def test_a_sheet_moves_once_out_of_stock(current, target, allowed):
    assert can_move(current, target) is allowed


@pytest.mark.parametrize(
    ("counts", "balanced"),
    [
        (StockCounts(100, 500, 420, 3, 2, 175), True),
        (StockCounts(0, 0, 0, 0, 0, 0), True),
        (StockCounts(100, 0, 10, 0, 0, 89), False),
    ],
)
def test_a_period_balances_when_the_closing_stock_adds_up(counts, balanced):
    assert counts.balanced is balanced


def test_the_rule_modules_of_this_work_import_no_django():
    modules = [
        "roadcredit.elicences.paperstock",
        "roadcredit.elicences.issuance_rates",
        "roadcredit.elicences.ledger",
    ]
    script = (
        "import sys\n"
        + "".join(f"import {module}\n" for module in modules)
        + "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] == 'django')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert result.stdout.strip() == ""
