"""Red list and serious-dishonesty list, derived by the rule set's [lists] criteria."""

from __future__ import annotations

from typing import Any

import pytest

from roadcredit.credit.grading import (
    DEFAULT_DRIVER_RULESET,
    DEFAULT_ENTERPRISE_RULESET,
    RULES_DIR,
    Fact,
    RuleSet,
    RuleSetError,
    grade,
    list_membership,
)
from roadcredit.credit.tests.unit.builders import (
    AS_OF,
    DRIVER_RULES,
    ENTERPRISE_RULES,
    D,
    fact,
    xinda,
    zhang_wei,
)

ENTERPRISE_TEXT = (RULES_DIR / DEFAULT_ENTERPRISE_RULESET).read_text(encoding="utf-8")
DRIVER_TEXT = (RULES_DIR / DEFAULT_DRIVER_RULESET).read_text(encoding="utf-8")


def _first_edition(text: str, version: str) -> RuleSet:
    """The rule text as stored before the red list needed a positive record (no
    ``min_positive_records``, no ``negative_free_months``)."""
    for line in ("negative_free_months = 24\n", "min_positive_records = 1\n"):
        text = text.replace(line, "")
    old = text.replace('version = "2024.2"', f'version = "{version}"', 1).replace(
        'version = "2026.2"\nscheme', f'version = "{version}"\nscheme', 1
    )
    assert "\nmin_positive_records =" not in old and "\nnegative_free_months =" not in old
    return RuleSet.from_toml_text(old, base_dir=RULES_DIR)


ENTERPRISE_2024_1 = _first_edition(ENTERPRISE_TEXT, "2024.1")
DRIVER_2026_1 = _first_edition(DRIVER_TEXT, "2026.1")


COMMENDED_ON = D(2025, 12, 6)
AWARDED_ON = D(2025, 11, 10)


def commendation(occurred: D = COMMENDED_ON, **kwargs: Any) -> Fact:
    """获评文明诚信经营户 (RT-P-002), decided by the bureau a week later."""
    return fact("RT-P-002", occurred=occurred, **kwargs)


def test_the_shipped_editions_ask_for_a_positive_record_and_a_clean_record():
    enterprise, driver = ENTERPRISE_RULES.red_list, DRIVER_RULES.red_list
    assert enterprise is not None and driver is not None
    assert (ENTERPRISE_RULES.version, enterprise.min_positive_records) == ("2024.2", 1)
    assert enterprise.negative_free_months == 24
    assert (DRIVER_RULES.version, driver.min_positive_records) == ("2026.2", 1)
    assert driver.negative_free_months is None  # the 12-month list window
    assert "正面记录" in enterprise.note_zh and "正面记录" in driver.note_zh


def test_an_older_edition_without_the_new_parameters_keeps_the_old_criterion():
    old = ENTERPRISE_2024_1.red_list
    assert old is not None
    assert (old.min_positive_records, old.negative_free_months) == (0, None)
    assert ENTERPRISE_2024_1.digest != ENTERPRISE_RULES.digest


@pytest.mark.parametrize(
    ("facts", "red", "why"),
    [
        ([], False, "a quiet AA operator: 100 points by default, nothing to reward"),
        ([commendation()], True, "a commendation in the 12-month window"),
        ([commendation(), commendation(D(2026, 5, 29))], True, "two commendations"),
        ([commendation(D(2025, 6, 6))], False, "the commendation is older than the window"),
        ([commendation(decided=None)], False, "a commendation not decided yet"),
        ([commendation(status="withdrawn")], False, "a withdrawn commendation"),
        (
            [commendation(), fact("RT-N-024", occurred=D(2026, 2, 1))],
            False,
            "a negative record in the last 12 months",
        ),
        (
            [commendation(), fact("RT-N-024", occurred=D(2024, 10, 9))],
            False,
            "a negative record 21 months ago, inside the 24-month clean window",
        ),
        (
            [commendation(), fact("RT-N-024", occurred=D(2024, 6, 28))],
            True,
            "a negative record 24 months and more ago",
        ),
        (
            [commendation(), fact("RT-N-024", occurred=D(2026, 2, 1), status="repaired")],
            True,
            "a repaired record no longer counts",
        ),
        (
            [commendation(), fact("RT-N-024", occurred=D(2025, 3, 3), status="expired")],
            True,
            "an expired record (publication over) no longer counts",
        ),
    ],
)
def test_the_red_list_needs_aa_twice_a_clean_record_and_a_positive_record(facts, red, why):
    status = list_membership(xinda(), facts, ENTERPRISE_RULES, AS_OF)

    assert (status.red_list, status.serious_list) == (red, False), why
    assert [r.rule_id for r in status.reasons] == (["lists.red"] if red else []), why


def test_the_red_list_reason_names_every_criterion():
    status = list_membership(xinda(), [commendation()], ENTERPRISE_RULES, AS_OF)

    assert (status.window_start, status.window_end) == (D(2025, 7, 1), AS_OF)
    assert [r.note_zh for r in status.reasons] == [
        "连续两个评价期为AA级，近24个月无负面记录，且近12个月有表彰等正面记录"
    ]


@pytest.mark.parametrize(
    ("facts", "red", "why"),
    [
        ([], True, "a quiet AA operator, as before"),
        ([fact("RT-N-024", occurred=D(2024, 10, 9))], True, "clean for 12 months is enough"),
        ([fact("RT-N-024", occurred=D(2026, 2, 1))], False, "a negative record in 12 months"),
        ([fact("RT-N-012", 15, occurred=D(2024, 10, 9))], False, "A the period before"),
    ],
)
def test_the_older_edition_lists_as_before(facts, red, why):
    assert list_membership(xinda(), facts, ENTERPRISE_2024_1, AS_OF).red_list is red, why


@pytest.mark.parametrize(
    ("anchor", "facts", "why"),
    [
        (D(2024, 9, 1), [], "only one full period behind it"),
        (D(2025, 9, 1), [], "not rated yet"),
    ],
)
def test_it_keeps_off_the_red_list_an_enterprise_that_does_not_qualify(anchor, facts, why):
    facts = [commendation(), *facts]

    assert (
        list_membership(xinda(anchor=anchor), facts, ENTERPRISE_RULES, AS_OF).red_list is False
    ), why


@pytest.mark.parametrize(
    ("table", "key", "message"),
    [
        ("min_positive_records = 1", "lists.red.min_positive_records", "不能小于 0"),
        ("negative_free_months = 24", "lists.red.negative_free_months", "不能小于 1"),
    ],
)
def test_a_negative_red_list_parameter_is_refused(table, key, message):
    name = table.split(" = ")[0]
    text = ENTERPRISE_TEXT.replace(f"\n{table}\n", f"\n{name} = -1\n", 1)
    assert text != ENTERPRISE_TEXT

    with pytest.raises(RuleSetError) as caught:
        RuleSet.from_toml_text(text, base_dir=RULES_DIR)

    assert (key, message) in caught.value.problems


@pytest.mark.parametrize(
    ("facts", "rule_ids"),
    [
        (
            [fact("RT-N-004", occurred=D(2025, 9, 1)), fact("RT-N-002", occurred=D(2026, 3, 3))],
            ["lists.serious.min_serious_records"],
        ),
        ([fact("RT-N-001", occurred=D(2026, 1, 20))], ["lists.serious.behaviour_codes"]),
        ([fact("RT-N-012", on_serious_list=True)], ["lists.serious.on_serious_list"]),
        (
            [fact("RT-N-001", occurred=D(2026, 1, 20)), fact("RT-N-006", on_serious_list=True)],
            [
                "lists.serious.min_serious_records",
                "lists.serious.behaviour_codes",
                "lists.serious.on_serious_list",
            ],
        ),
    ],
)
def test_the_serious_dishonesty_list_is_derived_from_the_criteria(facts, rule_ids):
    status = list_membership(xinda(), facts, ENTERPRISE_RULES, AS_OF)

    assert status.serious_list is True
    assert [r.rule_id for r in status.reasons if r.kind == "serious_list"] == rule_ids


@pytest.mark.parametrize(
    "facts",
    [
        [fact("RT-N-004", occurred=D(2025, 9, 1))],  # one serious record only
        [fact("RT-N-001", occurred=D(2025, 6, 30))],  # before the 12-month window
        [fact("RT-N-001", occurred=D(2026, 1, 20), status="withdrawn")],
    ],
)
def test_it_keeps_off_the_serious_list_a_subject_that_does_not_qualify(facts):
    assert list_membership(xinda(), facts, ENTERPRISE_RULES, AS_OF).serious_list is False


def test_a_record_under_objection_counts_for_the_lists_as_for_the_grade():
    disputed = [fact("RT-N-001", occurred=D(2026, 1, 20), status="under_objection")]

    assert list_membership(xinda(), disputed, ENTERPRISE_RULES, AS_OF).serious_list is True


def test_it_reuses_the_current_grade_when_given_and_checks_it_matches():
    facts = [commendation()]
    current = grade(xinda(), facts, ENTERPRISE_RULES, AS_OF, explain=False)

    assert list_membership(xinda(), facts, ENTERPRISE_RULES, AS_OF, current=current).red_list

    with pytest.raises(ValueError, match="another subject or date"):
        list_membership(xinda(), facts, ENTERPRISE_RULES, D(2026, 7, 1), current=current)


def safety_award(occurred: D = AWARDED_ON) -> Fact:
    """获评安全生产先进个人 (RT-P-003) under the driver scheme."""
    return fact("RT-P-003", occurred=occurred, scheme="driver")


@pytest.mark.parametrize(
    ("facts", "red", "why"),
    [
        ([], False, "two AAA cycles but nothing to reward"),
        ([safety_award()], True, "a safety award in the 12-month window"),
        ([safety_award(D(2025, 2, 20))], False, "the award is older than the window"),
        (
            [safety_award(), fact("RT-N-016", occurred=D(2025, 12, 1), scheme="driver")],
            False,
            "points in the running cycle",
        ),
    ],
)
def test_a_driver_needs_two_aaa_cycles_and_a_positive_record(facts, red, why):
    status = list_membership(zhang_wei(), facts, DRIVER_RULES, D(2026, 3, 1))

    assert status.red_list is red, why


def test_the_older_driver_edition_lists_a_driver_without_points_as_before():
    assert list_membership(zhang_wei(), [], DRIVER_2026_1, D(2026, 3, 1)).red_list is True


def test_a_driver_with_points_in_the_previous_cycle_does_not():
    earlier = [safety_award(), fact("RT-N-020", occurred=D(2023, 8, 1), scheme="driver")]

    status = list_membership(zhang_wei(), earlier, DRIVER_RULES, D(2026, 3, 1))

    assert status.red_list is False
    assert grade(zhang_wei(), earlier, DRIVER_RULES, D(2024, 5, 20)).grade == "AA"
