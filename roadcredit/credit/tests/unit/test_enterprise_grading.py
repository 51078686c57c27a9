"""Enterprise scheme (Jiangsu template, 100-point scale): thresholds, bonus cap, vetoes,
objections, which records count, and 未评级 for young enterprises."""

from __future__ import annotations

import pytest

from roadcredit.credit.grading import RULES_DIR, UNRATED, Fact, RuleSet, grade
from roadcredit.credit.tests.unit.builders import (
    AS_OF,
    ENTERPRISE_RULES,
    IN_PERIOD,
    D,
    deductions,
    fact,
    xinda,
    zhang_wei,
)


def scored(score: int, bad_conduct: int) -> list[Fact]:
    """Facts giving exactly ``score`` with ``bad_conduct`` bad-conduct points."""
    minor = 100 - score - bad_conduct
    assert minor >= 0
    return deductions(minor, "minor") + deductions(bad_conduct, "general")


@pytest.mark.parametrize(
    ("score", "bad_conduct", "expected", "band"),
    [
        (100, 0, "AA", "aa"),
        (90, 0, "AA", "aa"),
        (89, 0, "A", "a"),
        (80, 0, "A", "a"),
        (80, 20, "A", "a"),
        (79, 0, "B", "b-score"),
        (60, 0, "B", "b-score"),
        (60, 40, "B", "b-score"),
        (59, 0, "B", "b-low-bad-conduct"),
        (59, 19, "B", "b-low-bad-conduct"),
        (59, 20, "C", "c"),
        (40, 19, "B", "b-low-bad-conduct"),
        (40, 20, "C", "c"),
        (40, 60, "C", "c"),
        (39, 19, "C", "c-below-40-low-bad-conduct"),
        (39, 0, "C", "c-below-40-low-bad-conduct"),
        (39, 20, "D", "d"),
        (39, 61, "D", "d"),
        (0, 20, "D", "d"),
        (0, 0, "C", "c-below-40-low-bad-conduct"),
    ],
)
def test_it_grades_by_the_jiangsu_thresholds(score, bad_conduct, expected, band):
    result = grade(xinda(), scored(score, bad_conduct), ENTERPRISE_RULES, AS_OF)

    assert result.rated
    assert (result.score, result.bad_conduct_points, result.grade) == (score, bad_conduct, expected)
    assert f"thresholds.{band}" in {a.rule_id for a in result.adjustments if a.kind == "threshold"}


def test_a_clean_enterprise_with_a_full_year_behind_it_is_aa():
    result = grade(xinda(), [], ENTERPRISE_RULES, AS_OF)

    assert (result.grade, result.score, result.tier) == ("AA", 100, "excellent")
    assert result.grade_name_zh == "AA级（优良）"
    assert (result.period_start, result.period_end) == (D(2025, 7, 1), AS_OF)


def test_minor_deductions_lower_the_score_but_are_not_bad_conduct_points():
    result = grade(xinda(), [fact("RT-N-020"), fact("RT-N-024")], ENTERPRISE_RULES, AS_OF)

    assert (result.score, result.points_deducted, result.bad_conduct_points) == (98, 2, 0)


def test_bonus_points_are_capped():
    facts = [fact("RT-N-012", 10), fact("RT-P-001"), fact("RT-P-003"), fact("RT-P-002")]

    result = grade(xinda(), facts, ENTERPRISE_RULES, AS_OF)

    assert result.points_added == 10  # 5 + 5 + 3 = 13, capped at 10
    assert result.score == 100
    caps = [a for a in result.adjustments if a.kind == "cap"]
    assert len(caps) == 1 and "13" in caps[0].note_zh and caps[0].rule_id == "scoring.bonus_cap"


def test_bonus_cannot_lift_the_score_above_base_plus_cap():
    result = grade(xinda(), [fact("RT-P-001"), fact("RT-P-003")], ENTERPRISE_RULES, AS_OF)

    assert result.score == 100 + ENTERPRISE_RULES.bonus_cap


def test_the_score_is_floored_at_zero():
    result = grade(xinda(), [fact("RT-N-001", 80), fact("RT-N-004", 70)], ENTERPRISE_RULES, AS_OF)

    assert result.score == 0
    assert result.points_deducted == 150
    assert "floor" in {a.kind for a in result.adjustments}
    assert result.grade == "D"


def test_a_record_on_the_serious_dishonesty_list_vetoes_to_d():
    serious = fact("RT-N-012", 10, on_serious_list=True)

    result = grade(xinda(), [serious], ENTERPRISE_RULES, AS_OF)

    assert result.score == 90
    assert result.grade == "D"
    assert result.veto_ids == ("serious-dishonesty-record",)
    assert result.tier == "doubtful"


def test_a_behaviour_veto_caps_the_grade_but_never_improves_it():
    forged = fact("RT-N-002", 5)  # 使用伪造证件, points lowered by the decision

    assert grade(xinda(), [forged], ENTERPRISE_RULES, AS_OF).grade == "C"

    already_d = [fact("RT-N-002", 30), fact("RT-N-001", 40)]
    result = grade(xinda(), already_d, ENTERPRISE_RULES, AS_OF)
    assert result.grade == "D"
    assert result.veto_ids == ("forged-or-lent-certificate",)
    veto = next(a for a in result.adjustments if a.kind == "veto")
    assert "已不高于" in veto.note_zh


@pytest.mark.parametrize("status", ["pending", "repaired", "expired", "withdrawn"])
def test_records_that_are_not_in_force_do_not_count(status):
    result = grade(xinda(), [fact("RT-N-012", 30, status=status)], ENTERPRISE_RULES, AS_OF)

    assert (result.score, result.grade, result.contributions) == (100, "AA", ())


def test_a_finding_without_a_decision_does_not_count_until_it_is_decided():
    undecided = fact("RT-N-012", 30, decided=None, status="pending")
    decided = fact("RT-N-012", 30, record_id=undecided.record_id)

    assert grade(xinda(), [undecided], ENTERPRISE_RULES, AS_OF).score == 100
    assert grade(xinda(), [decided], ENTERPRISE_RULES, AS_OF).score == 70


def test_an_active_record_without_a_decision_date_is_not_counted():
    # A data error (active without decision) is still never counted.
    inconsistent = fact("RT-N-012", 30, decided=None)

    assert grade(xinda(), [inconsistent], ENTERPRISE_RULES, AS_OF).score == 100


def test_a_decision_after_the_as_of_date_does_not_count_yet():
    late = fact("RT-N-012", 30, occurred=D(2026, 6, 20), decided=D(2026, 7, 2))

    assert grade(xinda(), [late], ENTERPRISE_RULES, AS_OF).score == 100
    assert grade(xinda(), [late], ENTERPRISE_RULES, D(2026, 7, 2)).score == 70


@pytest.mark.parametrize(
    ("occurred", "counts"),
    [
        (D(2025, 6, 30), False),  # the day before the rolling window
        (D(2025, 7, 1), True),  # first day of the window
        (AS_OF, True),  # the as-of day itself
    ],
)
def test_only_records_that_occurred_within_the_rolling_period_count(occurred, counts):
    record = fact("RT-N-012", 10, occurred=occurred, decided=AS_OF)

    result = grade(xinda(), [record], ENTERPRISE_RULES, AS_OF)

    assert result.score == (90 if counts else 100)


def _with_objection_mode(mode: str) -> RuleSet:
    text = (RULES_DIR / "enterprise-jiangsu-2024.toml").read_text(encoding="utf-8")
    return RuleSet.from_toml_text(text.replace('mode = "count"', f'mode = "{mode}"'))


def test_under_objection_counts_meanwhile_in_count_mode():
    disputed = fact("RT-N-012", 20, status="under_objection")

    result = grade(xinda(), [disputed], ENTERPRISE_RULES, AS_OF)

    assert result.score == 80
    note = next(a for a in result.adjustments if a.kind == "objection")
    assert note.record_id == disputed.record_id and "继续计入" in note.note_zh


def test_under_objection_is_suspended_in_suspend_mode():
    rules = _with_objection_mode("suspend")
    disputed = fact("RT-N-012", 20, status="under_objection")

    result = grade(xinda(), [disputed], rules, AS_OF)

    assert result.score == 100
    assert result.contributions == ()
    note = next(a for a in result.adjustments if a.kind == "objection")
    assert "暂不计入" in note.note_zh and note.rule_id == "objection.mode"
    assert rules.digest != ENTERPRISE_RULES.digest


def test_a_young_enterprise_is_not_yet_rated_rather_than_excellent():
    opened = xinda(anchor=D(2025, 9, 1))

    result = grade(opened, [], ENTERPRISE_RULES, AS_OF)

    assert (result.grade, result.grade_name_zh, result.rated, result.score) == (
        UNRATED,
        "未评级",
        False,
        None,
    )
    assert result.tier == "normal"
    unrated = next(a for a in result.adjustments if a.kind == "unrated")
    assert "不满12个月" in unrated.note_zh


@pytest.mark.parametrize(
    ("anchor", "rated"),
    [(D(2025, 7, 1), True), (D(2025, 7, 2), False), (None, False)],
)
def test_twelve_months_of_history_are_needed_to_be_rated(anchor, rated):
    assert grade(xinda(anchor=anchor), [], ENTERPRISE_RULES, AS_OF).rated is rated


def test_a_veto_applies_even_before_the_enterprise_can_be_rated():
    opened = xinda(anchor=D(2026, 1, 5))
    serious = fact("RT-N-001", occurred=D(2026, 3, 1), on_serious_list=True)

    result = grade(opened, [serious], ENTERPRISE_RULES, AS_OF)

    assert (result.grade, result.rated, result.score) == ("D", False, None)
    assert {a.kind for a in result.adjustments} >= {"unrated", "veto"}


def test_it_refuses_a_subject_of_the_other_scheme():
    with pytest.raises(ValueError, match="driver"):
        grade(zhang_wei(), [], ENTERPRISE_RULES, AS_OF)


def test_the_period_reported_is_the_rolling_window_ending_on_the_as_of_date():
    result = grade(xinda(), [fact(occurred=IN_PERIOD)], ENTERPRISE_RULES, D(2028, 2, 29))

    assert (result.period_start, result.period_end) == (D(2027, 3, 1), D(2028, 2, 29))
