"""Red list and serious-dishonesty list, derived by the rule set's [lists] criteria."""

from __future__ import annotations

import pytest

from roadcredit.credit.grading import grade, list_membership
from roadcredit.credit.tests.unit.builders import (
    AS_OF,
    DRIVER_RULES,
    ENTERPRISE_RULES,
    D,
    fact,
    xinda,
    zhang_wei,
)


def test_two_consecutive_aa_periods_without_negative_records_make_the_red_list():
    status = list_membership(xinda(), [], ENTERPRISE_RULES, AS_OF)

    assert (status.red_list, status.serious_list) == (True, False)
    assert (status.window_start, status.window_end) == (D(2025, 7, 1), AS_OF)
    assert [r.rule_id for r in status.reasons] == ["lists.red"]


@pytest.mark.parametrize(
    ("anchor", "facts", "why"),
    [
        (D(2024, 9, 1), [], "only one full period behind it"),
        (D(2025, 9, 1), [], "not rated yet"),
        (D(2015, 3, 18), [fact("RT-N-024", occurred=D(2026, 2, 1))], "a negative record this year"),
        (D(2015, 3, 18), [fact("RT-N-012", 15, occurred=D(2024, 10, 9))], "A the period before"),
    ],
)
def test_it_keeps_off_the_red_list_an_enterprise_that_does_not_qualify(anchor, facts, why):
    assert (
        list_membership(xinda(anchor=anchor), facts, ENTERPRISE_RULES, AS_OF).red_list is False
    ), why


def test_a_repaired_record_no_longer_blocks_the_red_list():
    repaired = fact("RT-N-024", occurred=D(2026, 2, 1), status="repaired")

    assert list_membership(xinda(), [repaired], ENTERPRISE_RULES, AS_OF).red_list is True


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
    current = grade(xinda(), [], ENTERPRISE_RULES, AS_OF, explain=False)

    assert list_membership(xinda(), [], ENTERPRISE_RULES, AS_OF, current=current).red_list

    with pytest.raises(ValueError, match="another subject or date"):
        list_membership(xinda(), [], ENTERPRISE_RULES, D(2026, 7, 1), current=current)


def test_a_driver_with_two_aaa_cycles_makes_the_red_list():
    status = list_membership(zhang_wei(), [], DRIVER_RULES, D(2026, 3, 1))

    assert status.red_list is True


def test_a_driver_with_points_in_the_previous_cycle_does_not():
    earlier = [fact("RT-N-020", occurred=D(2023, 8, 1), scheme="driver")]

    status = list_membership(zhang_wei(), earlier, DRIVER_RULES, D(2026, 3, 1))

    assert status.red_list is False
    assert grade(zhang_wei(), earlier, DRIVER_RULES, D(2024, 5, 20)).grade == "AA"
