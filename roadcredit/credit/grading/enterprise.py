"""Enterprise scheme: rolling evaluation window and the 100-point deduction arithmetic.

period   = [add_months(as_of, -months) + 1 day, as_of]
rated    ⇔ anchor ≤ add_months(as_of, -minimum_history_months) + 1 day
score    = max(floor, base - negative_points + min(positive_points, bonus_cap))
"""

from __future__ import annotations

import datetime

from roadcredit.credit.grading.dates import add_months
from roadcredit.credit.grading.model import Adjustment, PeriodPlan, Summary
from roadcredit.credit.grading.ruleset import RuleSet

__all__ = ["evaluation_period", "previous_as_of", "score"]

_DAY = datetime.timedelta(days=1)


def evaluation_period(
    anchor: datetime.date | None, as_of: datetime.date, ruleset: RuleSet
) -> PeriodPlan:
    start = add_months(as_of, -ruleset.period_months) + _DAY
    if anchor is None:
        return PeriodPlan(
            rated=False,
            start=start,
            end=as_of,
            unrated_rule_id="period.minimum_history_months",
            unrated_note_zh="缺少成立或首次取得经营许可的日期，无法确认完整评价期，未评级",
        )
    months = ruleset.minimum_history_months
    history_start = add_months(as_of, -months) + _DAY if months else as_of
    if anchor > history_start:
        return PeriodPlan(
            rated=False,
            start=start,
            end=as_of,
            unrated_rule_id="period.minimum_history_months",
            unrated_note_zh=(
                f"自{anchor.isoformat()}起经营不满{months}个月，"
                "尚无完整评价期，未评级（不视为优良）"
            ),
        )
    return PeriodPlan(rated=True, start=start, end=as_of)


def previous_as_of(plan: PeriodPlan) -> datetime.date:
    """The as-of date whose window is the period just before ``plan``'s."""
    assert plan.start is not None
    return plan.start - _DAY


def score(
    summary: Summary, ruleset: RuleSet, *, explain: bool
) -> tuple[int, int, list[Adjustment]]:
    """(score, bonus applied, adjustments) for one window."""
    adjustments: list[Adjustment] = []
    added = min(summary.positive_points, ruleset.bonus_cap)
    raw = ruleset.base - summary.negative_points + added
    result = max(ruleset.floor, raw)
    if explain:
        if summary.positive_points > ruleset.bonus_cap:
            adjustments.append(
                Adjustment(
                    kind="cap",
                    rule_id="scoring.bonus_cap",
                    note_zh=(
                        f"加分合计{summary.positive_points}分，"
                        f"超过加分上限{ruleset.bonus_cap}分，按{added}分计"
                    ),
                )
            )
        if raw < ruleset.floor:
            adjustments.append(
                Adjustment(
                    kind="floor",
                    rule_id="scoring.floor",
                    note_zh=f"计算得分{raw}分，低于最低分{ruleset.floor}分，按{ruleset.floor}分计",
                )
            )
    return result, added, adjustments
