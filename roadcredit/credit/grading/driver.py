"""Driver scheme: 12-month cycles anchored on the first issue date, demerit points, ceiling.

    cycle k  = [add_months(anchor, 12k), add_months(anchor, 12(k+1)) - 1 day]   (k = 0, 1, …)
    graded   = the last completed cycle (k - 1 when as_of lies in cycle k); none while k = 0
    points   = min(ceiling, max(0, negative_points - min(positive_points, bonus_cap)))

Every boundary is computed from the anchor itself, so a 29 February anchor gives 28 February
cycle starts in common years and 29 February again in leap years. A record that occurred on the
anniversary day belongs to the new cycle.
"""

from __future__ import annotations

import datetime

from roadcredit.credit.grading.dates import add_months
from roadcredit.credit.grading.model import Adjustment, PeriodPlan, Summary
from roadcredit.credit.grading.ruleset import RuleSet

__all__ = ["cycle_bounds", "cycle_index", "evaluation_period", "previous_as_of", "score"]

_DAY = datetime.timedelta(days=1)


def cycle_index(anchor: datetime.date, day: datetime.date, months: int = 12) -> int:
    """Index of the cycle that contains ``day`` (0 = the first cycle); ``day`` ≥ ``anchor``."""
    if day < anchor:
        raise ValueError("day is before the anchor date")
    elapsed = (day.year - anchor.year) * 12 + (day.month - anchor.month)
    index = max(elapsed // months, 0)
    # ``elapsed`` counts calendar months, so the cycle may not have turned yet this month (the
    # anniversary day lies later in the month); the next boundary always lies in a later month.
    if add_months(anchor, months * index) > day:
        index -= 1
    return index


def cycle_bounds(
    anchor: datetime.date, index: int, months: int = 12
) -> tuple[datetime.date, datetime.date]:
    """First and last day (inclusive) of cycle ``index``."""
    return (
        add_months(anchor, months * index),
        add_months(anchor, months * (index + 1)) - _DAY,
    )


def evaluation_period(
    anchor: datetime.date | None, as_of: datetime.date, ruleset: RuleSet
) -> PeriodPlan:
    if anchor is None or anchor > as_of:
        return PeriodPlan(
            rated=False,
            start=None,
            end=None,
            unrated_rule_id="period.kind",
            unrated_note_zh="尚未取得从业资格证或缺少初次领证日期，未评级",
        )
    months = ruleset.period_months
    index = cycle_index(anchor, as_of, months)
    open_start, open_end = cycle_bounds(anchor, index, months)
    if index == 0:
        return PeriodPlan(
            rated=False,
            start=None,
            end=None,
            open_start=open_start,
            open_end=open_end,
            unrated_rule_id="period.months",
            unrated_note_zh=(
                f"首个考核周期（{open_start.isoformat()}至{open_end.isoformat()}）尚未届满，"
                "未评级（不视为优良）"
            ),
        )
    start, end = cycle_bounds(anchor, index - 1, months)
    return PeriodPlan(rated=True, start=start, end=end, open_start=open_start, open_end=open_end)


def previous_as_of(plan: PeriodPlan) -> datetime.date:
    """An as-of date whose graded cycle is the one just before ``plan``'s."""
    assert plan.start is not None
    return plan.start


def score(
    summary: Summary, ruleset: RuleSet, *, explain: bool
) -> tuple[int, int, list[Adjustment]]:
    """(demerit points after the ceiling, bonus applied, adjustments) for one cycle."""
    assert ruleset.ceiling is not None
    adjustments: list[Adjustment] = []
    added = min(summary.positive_points, ruleset.bonus_cap)
    raw = max(0, summary.negative_points - added)
    result = min(raw, ruleset.ceiling)
    if explain:
        if summary.positive_points > ruleset.bonus_cap:
            adjustments.append(
                Adjustment(
                    kind="cap",
                    rule_id="scoring.bonus_cap",
                    note_zh=(
                        f"正面记录合计{summary.positive_points}分，"
                        f"可抵减上限{ruleset.bonus_cap}分，按{added}分计"
                    ),
                )
            )
        if raw > ruleset.ceiling:
            adjustments.append(
                Adjustment(
                    kind="ceiling",
                    rule_id="scoring.ceiling",
                    note_zh=f"周期内累计记分{raw}分，以满分{ruleset.ceiling}分计",
                )
            )
    return result, added, adjustments
