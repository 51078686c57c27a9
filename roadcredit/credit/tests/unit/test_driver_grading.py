"""Driver integrity scheme: 12-month cycles from the first issue date, 20-point ceiling,
AAA / AA / A / B, the running cycle and 未评级 before the first cycle ends."""

from __future__ import annotations

import pytest

from roadcredit.credit.grading import UNRATED, Fact, grade
from roadcredit.credit.grading.driver import cycle_bounds, cycle_index
from roadcredit.credit.tests.unit.builders import DRIVER_RULES, D, fact, zhang_wei

# 张伟's certificate was first issued 2019-05-20; as of 2026-03-01 the running cycle is
# 2025-05-20..2026-05-19 and the graded (last completed) cycle 2024-05-20..2025-05-19.
AS_OF = D(2026, 3, 1)
GRADED = D(2024, 11, 3)


def demerits(points: int, occurred: D = GRADED, **kwargs) -> list[Fact]:
    if points == 0:
        return []
    return [fact("RT-N-010", points, occurred=occurred, scheme="driver", **kwargs)]


@pytest.mark.parametrize(
    ("points", "expected", "score"),
    [(0, "AAA", 0), (1, "AA", 1), (10, "AA", 10), (11, "A", 11), (19, "A", 19), (20, "B", 20)],
)
def test_it_grades_by_points_in_the_last_completed_cycle(points, expected, score):
    result = grade(zhang_wei(), demerits(points), DRIVER_RULES, AS_OF)

    assert (result.grade, result.score, result.rated) == (expected, score, True)
    assert (result.period_start, result.period_end) == (D(2024, 5, 20), D(2025, 5, 19))


def test_points_within_a_cycle_stop_at_the_twenty_point_ceiling():
    facts = demerits(10) + demerits(10) + demerits(10)  # 30 points recorded

    result = grade(zhang_wei(), facts, DRIVER_RULES, AS_OF)

    assert (result.score, result.points_deducted, result.grade) == (20, 30, "B")
    ceiling = next(a for a in result.adjustments if a.kind == "ceiling")
    assert ceiling.rule_id == "scoring.ceiling" and "30" in ceiling.note_zh


@pytest.mark.parametrize(
    ("occurred", "period"),
    [
        (D(2025, 5, 19), "evaluated"),  # last day of the graded cycle
        (D(2025, 5, 20), "open"),  # the anniversary day belongs to the new cycle
        (D(2024, 5, 20), "evaluated"),  # first day of the graded cycle
        (D(2024, 5, 19), None),  # the cycle before: points do not carry over
    ],
)
def test_a_record_belongs_to_the_cycle_it_occurred_in(occurred, period):
    record = demerits(5, occurred=occurred)

    result = grade(zhang_wei(), record, DRIVER_RULES, AS_OF)

    assert [c.period for c in result.contributions] == ([period] if period else [])
    assert result.score == (5 if period == "evaluated" else 0)


def test_on_the_anniversary_the_just_finished_cycle_becomes_the_graded_one():
    record = demerits(12, occurred=D(2025, 8, 1))

    assert grade(zhang_wei(), record, DRIVER_RULES, D(2026, 5, 19)).grade == "AAA"
    on_anniversary = grade(zhang_wei(), record, DRIVER_RULES, D(2026, 5, 20))
    assert (on_anniversary.grade, on_anniversary.score) == ("A", 12)
    assert (on_anniversary.period_start, on_anniversary.period_end) == (
        D(2025, 5, 20),
        D(2026, 5, 19),
    )


def test_a_new_driver_is_not_yet_rated_until_the_first_cycle_ends():
    newcomer = zhang_wei(first_issue=D(2025, 9, 1))

    result = grade(newcomer, [], DRIVER_RULES, AS_OF)

    assert (result.grade, result.rated, result.score, result.tier) == (
        UNRATED,
        False,
        None,
        "normal",
    )
    assert (result.period_start, result.period_end) == (None, None)
    assert (result.open_period_start, result.open_period_end) == (D(2025, 9, 1), D(2026, 8, 31))
    assert "首个考核周期" in result.adjustments[0].note_zh
    assert grade(newcomer, [], DRIVER_RULES, D(2026, 9, 1)).grade == "AAA"


@pytest.mark.parametrize("first_issue", [None, D(2026, 3, 2)])
def test_a_driver_without_a_certificate_date_is_not_rated(first_issue):
    result = grade(zhang_wei(first_issue=first_issue), [], DRIVER_RULES, AS_OF)

    assert (result.grade, result.open_period_start) == (UNRATED, None)


def test_filling_the_running_cycle_makes_the_driver_b_at_once():
    running = demerits(10, occurred=D(2025, 7, 1)) + demerits(10, occurred=D(2026, 1, 9))

    result = grade(zhang_wei(), running, DRIVER_RULES, AS_OF)

    assert (result.score, result.open_period_points, result.grade) == (0, 20, "B")
    assert result.veto_ids == ("running-cycle-filled",)


def test_a_new_driver_who_fills_the_first_cycle_is_b_not_unrated():
    newcomer = zhang_wei(first_issue=D(2025, 9, 1))
    accident = [fact("RT-N-004", occurred=D(2026, 1, 9), scheme="driver")]

    result = grade(newcomer, accident, DRIVER_RULES, AS_OF)

    assert (result.grade, result.rated) == ("B", False)
    assert set(result.veto_ids) == {"running-cycle-filled"}


def test_below_the_ceiling_the_running_cycle_does_not_change_the_grade():
    result = grade(zhang_wei(), demerits(19, occurred=D(2025, 7, 1)), DRIVER_RULES, AS_OF)

    assert (result.grade, result.open_period_points, result.veto_ids) == ("AAA", 19, ())


def test_a_single_twenty_point_record_is_a_veto():
    result = grade(
        zhang_wei(), [fact("RT-N-002", scheme="driver", occurred=GRADED)], DRIVER_RULES, AS_OF
    )

    assert result.grade == "B"
    assert "single-record-20" in result.veto_ids


def test_positive_records_do_not_offset_driver_points():
    facts = [*demerits(12), fact("RT-P-001", scheme="driver", occurred=GRADED)]

    result = grade(zhang_wei(), facts, DRIVER_RULES, AS_OF)

    assert (result.score, result.points_added, result.grade) == (12, 0, "A")
    assert "cap" in {a.kind for a in result.adjustments}
    assert {c.direction for c in result.contributions} == {"negative", "positive"}


@pytest.mark.parametrize(
    ("anchor", "day", "index", "bounds"),
    [
        (D(2019, 5, 20), D(2019, 5, 20), 0, (D(2019, 5, 20), D(2020, 5, 19))),
        (D(2019, 5, 20), D(2020, 5, 19), 0, (D(2019, 5, 20), D(2020, 5, 19))),
        (D(2019, 5, 20), D(2020, 5, 20), 1, (D(2020, 5, 20), D(2021, 5, 19))),
        (D(2019, 5, 20), D(2026, 3, 1), 6, (D(2025, 5, 20), D(2026, 5, 19))),
        # 29 February anchor: the cycle turns on 28 February in common years, not drifting.
        (D(2020, 2, 29), D(2021, 2, 27), 0, (D(2020, 2, 29), D(2021, 2, 27))),
        (D(2020, 2, 29), D(2021, 2, 28), 1, (D(2021, 2, 28), D(2022, 2, 27))),
        (D(2020, 2, 29), D(2024, 2, 28), 3, (D(2023, 2, 28), D(2024, 2, 28))),
        (D(2020, 2, 29), D(2024, 2, 29), 4, (D(2024, 2, 29), D(2025, 2, 27))),
        (D(2018, 1, 31), D(2026, 1, 30), 7, (D(2025, 1, 31), D(2026, 1, 30))),
    ],
)
def test_cycles_are_anchored_on_the_first_issue_date(anchor, day, index, bounds):
    assert cycle_index(anchor, day) == index
    assert cycle_bounds(anchor, index) == bounds


def test_cycle_index_rejects_a_day_before_the_anchor():
    with pytest.raises(ValueError, match="before the anchor"):
        cycle_index(D(2019, 5, 20), D(2019, 5, 19))
