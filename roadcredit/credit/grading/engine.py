"""The grading engine: ``grade(subject, facts, ruleset, as_of)`` (pure Python, no Django).

Which facts count in a window ``[start, end]`` (both inclusive) as of ``as_of``:

* ``status`` is ``active`` — or ``under_objection`` when the rule set's objection mode is
  ``count``; ``pending``, ``repaired``, ``expired`` and ``withdrawn`` never count. Statuses are
  taken as given: to regrade a past date, pass the facts as they were on that date;
* ``decided_on`` is set and ``decided_on ≤ as_of`` (a finding without a decision never counts);
* ``start ≤ occurred_on ≤ end``.

The counted facts are reduced to a ``Summary`` of integers (one pass, no sorting, no copies),
and ``grade_from_summary`` turns the summary into score, grade and vetoes. A set-based SQL
regrade computes the same summary with one ``GROUP BY`` and calls ``grade_from_summary``; the
exact arithmetic is in docs/decisions/007-credit-grading-engine.md. Explanations (one
``Contribution`` per counted record, one ``Adjustment`` per cap, veto, …) are only built when
``explain=True``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from roadcredit.credit.grading import driver, enterprise
from roadcredit.credit.grading.dates import add_months
from roadcredit.credit.grading.fingerprint import input_fingerprint
from roadcredit.credit.grading.model import (
    UNRATED,
    Adjustment,
    Contribution,
    Fact,
    GradeResult,
    ListStatus,
    PeriodPlan,
    Subject,
    Summary,
)
from roadcredit.credit.grading.ruleset import RedListCriteria, RuleSet, VetoRule

__all__ = [
    "Decision",
    "evaluation_period",
    "grade",
    "grade_from_summary",
    "list_membership",
    "summary_vector",
]

_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Decision:
    """What ``grade_from_summary`` decides from the integers of a summary."""

    grade: str
    score: int | None
    points_added: int
    open_period_points: int | None
    veto_ids: tuple[str, ...]
    adjustments: tuple[Adjustment, ...]


def evaluation_period(subject: Subject, ruleset: RuleSet, as_of: datetime.date) -> PeriodPlan:
    """The graded period (and a driver's running cycle) as of ``as_of``."""
    _check_scheme(subject, ruleset)
    if ruleset.scheme == "enterprise":
        return enterprise.evaluation_period(subject.anchor, as_of, ruleset)
    return driver.evaluation_period(subject.anchor, as_of, ruleset)


def grade(
    subject: Subject,
    facts: Iterable[Fact],
    ruleset: RuleSet,
    as_of: datetime.date,
    *,
    explain: bool = True,
) -> GradeResult:
    """Grade ``subject`` as of ``as_of``. Deterministic in (subject, facts, ruleset, as_of)."""
    plan = evaluation_period(subject, ruleset, as_of)
    scan = _Scan(ruleset, as_of, plan, explain)
    scan.run(facts)
    main = scan.main.summary()
    decision = grade_from_summary(
        main,
        ruleset,
        rated=plan.rated,
        open_summary=None if scan.open is None else scan.open.summary(),
        flags=subject.flags,
        explain=explain,
    )
    contributions: tuple[Contribution, ...] = ()
    adjustments: tuple[Adjustment, ...] = ()
    if explain:
        contributions = tuple(
            sorted(
                scan.contributions,
                key=lambda c: (c.period != "evaluated", c.occurred_on, c.record_id),
            )
        )
        unrated: list[Adjustment] = []
        if not plan.rated:
            unrated.append(
                Adjustment(
                    kind="unrated",
                    rule_id=plan.unrated_rule_id or "period",
                    note_zh=plan.unrated_note_zh or "未评级",
                )
            )
        notes = sorted(scan.notes, key=lambda a: (a.record_id or "", a.kind))
        adjustments = (*unrated, *notes, *decision.adjustments)
    return GradeResult(
        subject_id=subject.subject_id,
        scheme=ruleset.scheme,
        as_of=as_of,
        grade=decision.grade,
        grade_name_zh=ruleset.grade_name_zh(decision.grade),
        tier=ruleset.tier_for(decision.grade),
        rated=plan.rated,
        score=decision.score,
        period_start=plan.start,
        period_end=plan.end,
        points_deducted=main.negative_points,
        points_added=decision.points_added,
        bad_conduct_points=main.bad_conduct_points,
        open_period_start=plan.open_start,
        open_period_end=plan.open_end,
        open_period_points=decision.open_period_points,
        veto_ids=decision.veto_ids,
        explained=explain,
        contributions=contributions,
        adjustments=adjustments,
        ruleset_id=ruleset.id,
        ruleset_version=ruleset.version,
        ruleset_digest=ruleset.digest,
        input_fingerprint=input_fingerprint(subject, scan.used, ruleset.digest, as_of),
    )


def summary_vector(
    facts: Iterable[Fact],
    ruleset: RuleSet,
    *,
    start: datetime.date,
    end: datetime.date,
    as_of: datetime.date,
) -> Summary:
    """The summary of the facts counted in ``[start, end]`` as of ``as_of`` — the reference a
    set-based SQL query mirrors (see the module docstring for which facts count)."""
    plan = PeriodPlan(rated=True, start=start, end=end)
    scan = _Scan(ruleset, as_of, plan, explain=False)
    scan.run(facts)
    return scan.main.summary()


def grade_from_summary(
    summary: Summary,
    ruleset: RuleSet,
    *,
    rated: bool,
    open_summary: Summary | None = None,
    flags: frozenset[str] = frozenset(),
    explain: bool = False,
) -> Decision:
    """Score, grade and vetoes from a summary (the part an SQL fast path reuses as is).

    ``open_summary``: a driver's running cycle (for the ``open_period_ceiling`` veto).
    """
    if ruleset.scheme == "enterprise":
        score, added, adjustments = enterprise.score(summary, ruleset, explain=explain and rated)
    else:
        score, added, adjustments = driver.score(summary, ruleset, explain=explain and rated)
    open_points: int | None = None
    if open_summary is not None:
        open_points = driver.score(open_summary, ruleset, explain=False)[0]

    current = UNRATED
    if rated:
        band = ruleset.band_for(score, summary.bad_conduct_points)
        current = band.grade
        if explain:
            if ruleset.scheme == "enterprise":
                measure = f"得分{score}分，不良行为记分{summary.bad_conduct_points}分"
            else:
                measure = f"考核周期记分{score}分"
            adjustments.append(
                Adjustment(
                    kind="threshold",
                    rule_id=f"thresholds.{band.id}",
                    note_zh=(f"{measure}：{band.note_zh}，评为{ruleset.grade_name_zh(band.grade)}"),
                )
            )

    veto_ids: list[str] = []
    if rated or ruleset.vetoes_apply_to_unrated:
        for veto in ruleset.vetoes:
            if not _veto_matches(veto, summary, open_points, flags, ruleset):
                continue
            veto_ids.append(veto.id)
            lowered = current == UNRATED or ruleset.worse(current, veto.grade) != current
            if lowered:
                current = veto.grade
            if explain:
                suffix = "" if lowered else f"（等级已不高于{ruleset.grade_name_zh(veto.grade)}）"
                adjustments.append(
                    Adjustment(
                        kind="veto", rule_id=f"vetoes.{veto.id}", note_zh=veto.note_zh + suffix
                    )
                )
    return Decision(
        grade=current,
        score=score if rated else None,
        points_added=added,
        open_period_points=open_points,
        veto_ids=tuple(veto_ids),
        adjustments=tuple(adjustments),
    )


def list_membership(
    subject: Subject,
    facts: Iterable[Fact],
    ruleset: RuleSet,
    as_of: datetime.date,
    *,
    current: GradeResult | None = None,
) -> ListStatus:
    """Red-list and serious-dishonesty-list membership by the rule set's ``[lists]`` criteria.

    The list window is the ``lists.window_months`` months ending on ``as_of``. The red list
    needs at most ``max_negative_records`` negative records in the last
    ``negative_free_months`` months (the list window when not set), at least
    ``min_positive_records`` positive records in the list window, and the grade of earlier
    periods; those are recomputed from the same facts as of the end of each earlier period (so
    only facts decided by then count). ``current``: the grade as of ``as_of`` if the caller
    already has it.
    """
    facts = tuple(facts)
    start = add_months(as_of, -ruleset.lists_window_months) + _DAY
    window = summary_vector(facts, ruleset, start=start, end=as_of, as_of=as_of)
    reasons: list[Adjustment] = []

    red = False
    criteria = ruleset.red_list
    if criteria is not None and _red_records_ok(criteria, window, facts, ruleset, as_of):
        if current is None:
            current = grade(subject, facts, ruleset, as_of, explain=False)
        elif current.as_of != as_of or current.subject_id != subject.subject_id:
            raise ValueError("current is the grade of another subject or date")
        red = _red_history(subject, facts, ruleset, current, criteria.consecutive_periods)
        if red:
            reasons.append(
                Adjustment(kind="red_list", rule_id="lists.red", note_zh=criteria.note_zh)
            )

    serious = False
    rules = ruleset.serious_list
    if rules is not None:
        matched: list[str] = []
        if (
            rules.min_serious_records is not None
            and window.serious_count >= rules.min_serious_records
        ):
            matched.append("lists.serious.min_serious_records")
        if rules.code_group is not None and window.code_hits[rules.code_group] > 0:
            matched.append("lists.serious.behaviour_codes")
        if rules.on_serious_list and window.serious_list_count > 0:
            matched.append("lists.serious.on_serious_list")
        serious = bool(matched)
        reasons.extend(
            Adjustment(kind="serious_list", rule_id=rule_id, note_zh=rules.note_zh)
            for rule_id in matched
        )
    return ListStatus(
        subject_id=subject.subject_id,
        as_of=as_of,
        window_start=start,
        window_end=as_of,
        red_list=red,
        serious_list=serious,
        reasons=tuple(reasons),
    )


# ---------------------------------------------------------------------------------------------
# Internals


def _check_scheme(subject: Subject, ruleset: RuleSet) -> None:
    if subject.scheme != ruleset.scheme:
        raise ValueError(
            f"subject {subject.subject_id} is graded under the {subject.scheme} scheme, "
            f"rule set {ruleset.id} is for {ruleset.scheme}"
        )


def _red_records_ok(
    criteria: RedListCriteria,
    window: Summary,
    facts: tuple[Fact, ...],
    ruleset: RuleSet,
    as_of: datetime.date,
) -> bool:
    """The record conditions of the red list: few enough negative records in the clean window
    and enough positive ones (a commendation, …) in the list window."""
    if window.positive_count < criteria.min_positive_records:
        return False
    months = criteria.negative_free_months
    if months is None or months == ruleset.lists_window_months:
        negative = window.negative_count
    else:
        clean_start = add_months(as_of, -months) + _DAY
        clean = summary_vector(facts, ruleset, start=clean_start, end=as_of, as_of=as_of)
        negative = clean.negative_count
    return negative <= criteria.max_negative_records


def _red_history(
    subject: Subject,
    facts: tuple[Fact, ...],
    ruleset: RuleSet,
    current: GradeResult,
    periods: int,
) -> bool:
    assert ruleset.red_list is not None
    grades = ruleset.red_list.grades
    result = current
    previous = driver.previous_as_of if ruleset.scheme == "driver" else enterprise.previous_as_of
    for _ in range(periods - 1):
        if not result.rated or result.grade not in grades:
            return False
        plan = evaluation_period(subject, ruleset, result.as_of)
        result = grade(subject, facts, ruleset, previous(plan), explain=False)
    return result.rated and result.grade in grades


def _veto_matches(
    veto: VetoRule,
    summary: Summary,
    open_points: int | None,
    flags: frozenset[str],
    ruleset: RuleSet,
) -> bool:
    kind = veto.kind
    if kind == "serious_list":
        return summary.serious_list_count > 0
    if kind == "record_points":
        assert veto.min_points is not None
        return summary.max_negative_points >= veto.min_points
    if kind == "behaviour":
        assert veto.code_group is not None
        return summary.code_hits[veto.code_group] > 0
    if kind == "serious_count":
        assert veto.min_count is not None
        return summary.serious_count >= veto.min_count
    if kind == "subject_flag":
        return veto.flag in flags
    # open_period_ceiling
    return (
        open_points is not None and ruleset.ceiling is not None and open_points >= ruleset.ceiling
    )


class _Accumulator:
    """Running integers of one window (see ``Summary``)."""

    __slots__ = (
        "bad_conduct",
        "bad_severities",
        "code_groups",
        "code_hits",
        "counted",
        "max_negative",
        "negative_count",
        "negative_points",
        "positive_count",
        "positive_points",
        "serious_count",
        "serious_list_count",
    )

    def __init__(self, ruleset: RuleSet) -> None:
        self.bad_severities = ruleset.bad_conduct_severities
        self.code_groups = ruleset.code_groups
        self.code_hits = [0] * len(self.code_groups)
        self.counted = 0
        self.negative_count = 0
        self.negative_points = 0
        self.positive_count = 0
        self.positive_points = 0
        self.bad_conduct = 0
        self.serious_count = 0
        self.serious_list_count = 0
        self.max_negative = 0

    def add(self, fact: Fact) -> None:
        self.counted += 1
        points = fact.points
        if fact.direction == "positive":
            self.positive_count += 1
            self.positive_points += points
            return
        self.negative_count += 1
        self.negative_points += points
        if points > self.max_negative:
            self.max_negative = points
        severity = fact.severity
        if severity in self.bad_severities:
            self.bad_conduct += points
        if severity == "serious":
            self.serious_count += 1
        if fact.on_serious_list:
            self.serious_list_count += 1
        if self.code_groups:
            code = fact.behaviour_code
            for index, group in enumerate(self.code_groups):
                if code in group:
                    self.code_hits[index] += 1

    def summary(self) -> Summary:
        return Summary(
            counted=self.counted,
            negative_count=self.negative_count,
            negative_points=self.negative_points,
            positive_count=self.positive_count,
            positive_points=self.positive_points,
            bad_conduct_points=self.bad_conduct,
            serious_count=self.serious_count,
            serious_list_count=self.serious_list_count,
            max_negative_points=self.max_negative,
            code_hits=tuple(self.code_hits),
        )


class _Scan:
    """One pass over the facts: accumulate the graded period and a driver's running cycle."""

    def __init__(
        self, ruleset: RuleSet, as_of: datetime.date, plan: PeriodPlan, explain: bool
    ) -> None:
        self.ruleset = ruleset
        self.as_of = as_of
        self.plan = plan
        self.explain = explain
        self.main = _Accumulator(ruleset)
        self.open = _Accumulator(ruleset) if plan.open_start is not None else None
        self.used: list[Fact] = []
        self.contributions: list[Contribution] = []
        self.notes: list[Adjustment] = []

    def run(self, facts: Iterable[Fact]) -> None:
        counted = self.ruleset.counted_statuses
        as_of = self.as_of
        start, end = self.plan.start, self.plan.end
        open_start, open_end = self.plan.open_start, self.plan.open_end
        main, open_window, used, explain = self.main, self.open, self.used, self.explain
        for fact in facts:
            if fact.status not in counted:
                if explain and fact.status == "under_objection":
                    self._note_suspended(fact)
                continue
            decided = fact.decided_on
            if decided is None or decided > as_of:
                continue
            occurred = fact.occurred_on
            if start is not None and end is not None and start <= occurred <= end:
                main.add(fact)
                period = "evaluated"
            elif (
                open_window is not None
                and open_start is not None
                and open_end is not None
                and open_start <= occurred <= open_end
            ):
                open_window.add(fact)
                period = "open"
            else:
                continue
            used.append(fact)
            if explain:
                self._explain(fact, period)

    def _in_window(self, day: datetime.date) -> bool:
        plan = self.plan
        for low, high in ((plan.start, plan.end), (plan.open_start, plan.open_end)):
            if low is not None and high is not None and low <= day <= high:
                return True
        return False

    def _note_suspended(self, fact: Fact) -> None:
        decided = fact.decided_on
        if decided is None or decided > self.as_of or not self._in_window(fact.occurred_on):
            return
        self.notes.append(
            Adjustment(
                kind="objection",
                rule_id="objection.mode",
                note_zh=f"记录{fact.record_id}异议处理中，按规则暂不计入",
                record_id=fact.record_id,
            )
        )

    def _explain(self, fact: Fact, period: str) -> None:
        ruleset = self.ruleset
        behaviour = ruleset.catalogue.get(fact.behaviour_code)
        if behaviour is None:
            name = "（行为目录外）"
            basis = ""
            self.notes.append(
                Adjustment(
                    kind="uncatalogued",
                    rule_id=f"behaviours.{fact.behaviour_code}",
                    note_zh=f"记录{fact.record_id}的行为代码{fact.behaviour_code}不在行为目录中，按记录分值计入",
                    record_id=fact.record_id,
                )
            )
        else:
            name = behaviour.name_zh
            basis = behaviour.legal_basis
        enterprise_scheme = ruleset.scheme == "enterprise"
        if fact.direction == "negative":
            parts = [f"扣{fact.points}分" if enterprise_scheme else f"记{fact.points}分"]
            if fact.severity in ruleset.bad_conduct_severities:
                parts.append("计入不良行为记分")
        else:
            parts = [f"正面记录{fact.points}分（受加分上限{ruleset.bonus_cap}分约束）"]
        if period == "open":
            parts.append("属于当前进行中的考核周期")
        if basis:
            parts.append(f"依据：{basis}")
        if fact.status == "under_objection":
            parts.append("异议处理中，按规则继续计入")
            self.notes.append(
                Adjustment(
                    kind="objection",
                    rule_id="objection.mode",
                    note_zh=f"记录{fact.record_id}异议处理中，按规则继续计入",
                    record_id=fact.record_id,
                )
            )
        self.contributions.append(
            Contribution(
                record_id=fact.record_id,
                behaviour_code=fact.behaviour_code,
                behaviour_name_zh=name,
                rule_id=f"behaviours.{fact.behaviour_code}",
                direction=fact.direction,
                points=fact.points,
                occurred_on=fact.occurred_on,
                period="evaluated" if period == "evaluated" else "open",
                note_zh="；".join(parts),
            )
        )
