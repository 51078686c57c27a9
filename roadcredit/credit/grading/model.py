"""Inputs and outputs of the grading engine: plain frozen dataclasses (pure Python, no Django).

The caller (the credit data pool, later) turns its database rows into ``Fact`` and ``Subject``
values *as they were* on the as-of date and hands them to ``engine.grade``; the engine never reads
anything else, which is what makes a past grade recomputable.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal, get_args

__all__ = [
    "DIRECTIONS",
    "SCHEMES",
    "SEVERITIES",
    "STATUSES",
    "TIERS",
    "UNRATED",
    "UNRATED_NAME_ZH",
    "Adjustment",
    "AdjustmentKind",
    "Contribution",
    "Direction",
    "Fact",
    "GradeResult",
    "ListStatus",
    "PeriodPlan",
    "Scheme",
    "Severity",
    "Status",
    "Subject",
    "Summary",
    "Tier",
    "check_facts",
]

Scheme = Literal["enterprise", "driver"]
Direction = Literal["negative", "positive"]
Severity = Literal["minor", "general", "serious"]
Status = Literal["pending", "active", "under_objection", "repaired", "expired", "withdrawn"]
Tier = Literal["excellent", "good", "normal", "doubtful"]
AdjustmentKind = Literal[
    "cap",  # the bonus was capped
    "ceiling",  # the driver's points in one cycle reached the ceiling
    "floor",  # the enterprise score was floored
    "veto",  # a veto rule matched and capped the grade
    "objection",  # a record under objection was counted or suspended (rule-set parameter)
    "unrated",  # no full evaluation period: not yet rated
    "threshold",  # the threshold row that gave the grade
    "uncatalogued",  # a record's behaviour code is missing from the catalogue (counted as given)
    "red_list",  # list_membership: red-list criterion met
    "serious_list",  # list_membership: serious-dishonesty criterion met
]

SCHEMES: tuple[Scheme, ...] = get_args(Scheme)
DIRECTIONS: tuple[Direction, ...] = get_args(Direction)
SEVERITIES: tuple[Severity, ...] = get_args(Severity)
STATUSES: tuple[Status, ...] = get_args(Status)
TIERS: tuple[Tier, ...] = get_args(Tier)

UNRATED = "UNRATED"
UNRATED_NAME_ZH = "未评级"


@dataclass(frozen=True, slots=True)
class Fact:
    """One credit record as the engine sees it.

    ``points`` is a positive integer; ``direction`` says whether it is deducted (negative record)
    or added (positive record). ``decided_on`` is the date of the decision document; a finding
    without a decision yet has ``decided_on=None`` and never counts.
    """

    record_id: str
    behaviour_code: str
    points: int
    direction: Direction
    severity: Severity
    occurred_on: datetime.date
    decided_on: datetime.date | None
    status: Status
    on_serious_list: bool = False


@dataclass(frozen=True, slots=True)
class Subject:
    """The graded subject. ``anchor``: enterprise = registration / first licence date; driver =
    first issue date of the qualification certificate. ``flags``: facts about the subject that
    are not records (e.g. ``past_false_commitment``), usable by veto rules."""

    subject_id: str
    scheme: Scheme
    anchor: datetime.date | None
    flags: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class Contribution:
    """A counted record, with the catalogue rule that scored it.

    ``period`` is ``"evaluated"`` for records in the graded period, ``"open"`` for records in a
    driver's running cycle (they matter only through the running-cycle ceiling veto).
    """

    record_id: str
    behaviour_code: str
    behaviour_name_zh: str
    rule_id: str
    direction: Direction
    points: int
    occurred_on: datetime.date
    period: Literal["evaluated", "open"]
    note_zh: str


@dataclass(frozen=True, slots=True)
class Adjustment:
    """A cap, ceiling, floor, veto, objection treatment or rating condition that applied."""

    kind: AdjustmentKind
    rule_id: str
    note_zh: str
    record_id: str | None = None


@dataclass(frozen=True, slots=True)
class PeriodPlan:
    """Which dates are graded as of a given day (``engine.evaluation_period``).

    ``start``/``end`` (inclusive) bound the evaluated period: enterprise = the rolling window
    ending on the as-of date; driver = the last completed cycle (None before the first cycle
    ends). ``open_start``/``open_end`` bound a driver's running cycle (None for enterprises).
    ``rated`` is False when the subject has no full evaluation period behind it; then
    ``unrated_rule_id`` and ``unrated_note_zh`` say why.
    """

    rated: bool
    start: datetime.date | None
    end: datetime.date | None
    open_start: datetime.date | None = None
    open_end: datetime.date | None = None
    unrated_rule_id: str | None = None
    unrated_note_zh: str | None = None


@dataclass(frozen=True, slots=True)
class Summary:
    """The integers the score and grade are computed from, for one window.

    A set-based SQL query can compute exactly these with one ``GROUP BY subject`` (see
    docs/decisions/007-credit-grading-engine.md); ``engine.grade_from_summary`` then turns them
    into the same grade the row-by-row engine gives.

    ``code_hits[i]`` counts counted negative records whose behaviour code is in
    ``ruleset.code_groups[i]``.
    """

    counted: int = 0
    negative_count: int = 0
    negative_points: int = 0
    positive_count: int = 0
    positive_points: int = 0
    bad_conduct_points: int = 0
    serious_count: int = 0
    serious_list_count: int = 0
    max_negative_points: int = 0
    code_hits: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class GradeResult:
    """The grade of one subject as of one date under one rule set.

    ``grade`` is a grade code of the rule set ("AA" … "D", "AAA" … "B") or ``UNRATED``.
    ``score``: enterprise = points on the 100-point scale (None when not rated); driver = demerit
    points of the evaluated cycle after the ceiling. ``points_deducted`` is the raw sum of the
    counted negative records, ``points_added`` the bonus actually applied (after the cap).
    ``contributions`` and ``adjustments`` are empty unless the engine was asked to explain;
    ``veto_ids`` is always filled.
    """

    subject_id: str
    scheme: Scheme
    as_of: datetime.date
    grade: str
    grade_name_zh: str
    tier: str
    rated: bool
    score: int | None
    period_start: datetime.date | None
    period_end: datetime.date | None
    points_deducted: int
    points_added: int
    bad_conduct_points: int
    open_period_start: datetime.date | None
    open_period_end: datetime.date | None
    open_period_points: int | None
    veto_ids: tuple[str, ...]
    explained: bool
    contributions: tuple[Contribution, ...]
    adjustments: tuple[Adjustment, ...]
    ruleset_id: str
    ruleset_version: str
    ruleset_digest: str
    input_fingerprint: str


@dataclass(frozen=True, slots=True)
class ListStatus:
    """Red-list and serious-dishonesty-list membership derived by the rule set's criteria."""

    subject_id: str
    as_of: datetime.date
    window_start: datetime.date
    window_end: datetime.date
    red_list: bool
    serious_list: bool
    reasons: tuple[Adjustment, ...]


_RESERVED = "|,"


def check_facts(facts: Iterable[Fact]) -> None:
    """Raise ``ValueError`` naming the first malformed fact (not called on the hot path).

    The engine trusts its input for speed; import paths and tests call this.
    """
    seen: set[str] = set()
    for fact in facts:
        problem = _fact_problem(fact)
        if problem is None and fact.record_id in seen:
            problem = "duplicate record_id"
        if problem is not None:
            raise ValueError(f"fact {fact.record_id!r}: {problem}")
        seen.add(fact.record_id)


def _fact_problem(fact: Fact) -> str | None:
    for name in ("record_id", "behaviour_code"):
        value = getattr(fact, name)
        if not value:
            return f"{name} is empty"
        if any(char in value for char in _RESERVED) or not value.isprintable():
            return f"{name} contains a separator or control character"
    if type(fact.points) is not int or fact.points <= 0:
        return "points must be a positive integer"
    if fact.direction not in DIRECTIONS:
        return f"unknown direction {fact.direction!r}"
    if fact.severity not in SEVERITIES:
        return f"unknown severity {fact.severity!r}"
    if fact.status not in STATUSES:
        return f"unknown status {fact.status!r}"
    if fact.decided_on is not None and fact.decided_on < fact.occurred_on:
        return "decided_on is before occurred_on"
    return None
