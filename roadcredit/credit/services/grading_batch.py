"""Set-based regrade: one SQL statement per chunk of subjects computes the engine's ``Summary``
for every subject and, with ``grading_sql.decision_sql`` (``grade_from_summary`` as SQL), its
grade, and compares it with the current snapshot; only the subjects whose grade changed are
graded again under their row locks and get a new snapshot. On PostgreSQL that second pass is
set-based as well: grade and input fingerprint in SQL, old snapshots retired and new ones
inserted one statement each. Explanations are never stored (``grading.grade_explain``).

The SQL mirrors ``grading.summary_vector`` (docs/decisions/007-credit-grading-engine.md):
a record counts when its status is one of the rule set's counted statuses, it has a decision
dated on or before the as-of date, and it occurred in the window. Enterprise: one rolling window
for everyone (the operator's own records and its vehicles', all carrying ``operator_id``).
Driver: each practitioner's graded cycle and running cycle come from its own anchor (earliest
first issue of a driving qualification), computed in SQL too (``driver_windows_sql``: month
arithmetic clamped to the month end, as ``dates.add_months``). Hypothesis tests check on random
data that this path gives exactly ``grade()`` per subject — summary, cycle windows, grade and
the stored fingerprint — and table tests pin the cycle windows on month ends and 29 February.

Chunks are subjects in primary-key order; ``regrade_chunk`` returns the last key, which the
batch-regrade job keeps as its checkpoint (resumable).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from roadcredit.core import clock
from roadcredit.credit.grading import (
    Fact,
    GradeResult,
    PeriodPlan,
    RuleSet,
    Subject,
    Summary,
    add_months,
    evaluation_period,
    grade,
)
from roadcredit.credit.grading.fingerprint import FINGERPRINT_VERSION
from roadcredit.credit.models import CreditRecord, GradedKind, GradeSnapshot, RuleSetVersion
from roadcredit.credit.services.grading import (
    DRIVING_CATEGORIES,
    active_ruleset,
    subject_regrade,
)
from roadcredit.credit.services.grading_sql import decision_sql
from roadcredit.subjects.models import Operator, Practitioner, Qualification

if TYPE_CHECKING:
    from roadcredit.accounts.models import User

__all__ = [
    "ChunkOutcome",
    "FastRow",
    "SubjectGrade",
    "SubjectSummary",
    "fast_decisions",
    "fast_grades",
    "fast_summaries",
    "regrade_chunk",
    "subjects_regrade",
]

SMALL_BATCH = 50  # fewer subjects than this: regrade one by one


@dataclass(frozen=True, slots=True)
class SubjectGrade:
    pk: int
    public_id: str
    grade: str
    score: int | None
    rated: bool
    tier: str


@dataclass
class ChunkOutcome:
    last_pk: int | None
    subjects: int = 0
    changed: int = 0
    distribution: Counter[str] = field(default_factory=Counter)
    changes: list[tuple[int, str | None, str]] = field(default_factory=list)  # pk, old, new


# -- SQL -------------------------------------------------------------------------------------


def _aggregates(ruleset: RuleSet, window: str, params: list[Any]) -> list[str]:
    """The Summary columns for the records matching ``window`` (an SQL condition)."""
    neg = f"r.direction = 'negative' AND {window}"
    bad = ", ".join(["%s"] * len(ruleset.bad_conduct_severities)) or "NULL"
    params.extend(sorted(ruleset.bad_conduct_severities))
    columns = [
        f"COUNT(*) FILTER (WHERE {window})",
        f"COUNT(*) FILTER (WHERE {neg})",
        f"COALESCE(SUM(r.points) FILTER (WHERE {neg}), 0)",
        f"COUNT(*) FILTER (WHERE r.direction = 'positive' AND {window})",
        f"COALESCE(SUM(r.points) FILTER (WHERE r.direction = 'positive' AND {window}), 0)",
        f"COALESCE(SUM(r.points) FILTER (WHERE {neg} AND r.severity IN ({bad})), 0)",
        f"COUNT(*) FILTER (WHERE {neg} AND r.severity = 'serious')",
        f"COUNT(*) FILTER (WHERE {neg} AND r.on_serious_list)",
        f"COALESCE(MAX(r.points) FILTER (WHERE {neg}), 0)",
    ]
    for group in ruleset.code_groups:
        codes = sorted(group)
        params.extend(codes)
        marks = ", ".join(["%s"] * len(codes))
        columns.append(f"COUNT(*) FILTER (WHERE {neg} AND r.behaviour_code IN ({marks}))")
    return columns


_WIDTH_BASE = 9


def _summary(values: Sequence[Any], offset: int, groups: int) -> Summary:
    v = [int(x or 0) for x in values[offset : offset + _WIDTH_BASE + groups]]
    return Summary(
        counted=v[0],
        negative_count=v[1],
        negative_points=v[2],
        positive_count=v[3],
        positive_points=v[4],
        bad_conduct_points=v[5],
        serious_count=v[6],
        serious_list_count=v[7],
        max_negative_points=v[8],
        code_hits=tuple(v[9:]),
    )


def _counted_clause(ruleset: RuleSet, params: list[Any], as_of: dt.date) -> str:
    statuses = sorted(ruleset.counted_statuses)
    params.extend(statuses)
    params.append(as_of)
    marks = ", ".join(["%s"] * len(statuses))
    return f"r.status IN ({marks}) AND r.decided_on IS NOT NULL AND r.decided_on <= %s"


def _enterprise_summaries(
    ruleset: RuleSet, lo: int, hi: int, start: dt.date, end: dt.date, as_of: dt.date
) -> dict[int, Summary]:
    table = CreditRecord._meta.db_table
    select_params: list[Any] = []
    columns = _aggregates(ruleset, "1 = 1", select_params)
    where_params: list[Any] = [lo, hi]
    counted = _counted_clause(ruleset, where_params, as_of)
    where_params.extend([start, end])
    sql = (
        f"SELECT r.operator_id, {', '.join(columns)} FROM {table} r "  # noqa: S608 (constant names, values as params)
        f"WHERE r.operator_id BETWEEN %s AND %s AND {counted} "
        "AND r.occurred_on >= %s AND r.occurred_on <= %s GROUP BY r.operator_id"
    )
    groups = len(ruleset.code_groups)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*select_params, *where_params])
        return {row[0]: _summary(row, 1, groups) for row in cursor.fetchall()}


def _add_months_sql(day: str, months: str) -> str:
    """SQL for ``dates.add_months(day, months)``: the same day ``months`` later, clamped to the
    end of that month, computed from ``day`` itself (never by stepping)."""
    if connection.vendor == "postgresql":
        # PostgreSQL's date + interval clamps to the month's last day, like ``add_months``.
        return f"(({day}) + make_interval(months => ({months})))::date"
    # SQLite's "+N months" overflows into the next month (2025-02-29 -> 2025-03-01); the last
    # day of the target month bounds it.
    n = f"printf('%%+d months', {months})"
    last = f"date({day}, 'start of month', printf('%%+d months', ({months}) + 1), '-1 day')"
    return f"min(date({day}, {n}), {last})"


def _day_before_sql(day: str) -> str:
    if connection.vendor == "postgresql":
        return f"(({day}) - 1)"
    return f"date({day}, '-1 day')"


def _month_index_sql(day: str) -> str:
    """year * 12 + month - 1 of a date column."""
    if connection.vendor == "postgresql":
        return f"(EXTRACT(YEAR FROM {day})::int * 12 + EXTRACT(MONTH FROM {day})::int - 1)"
    return (
        f"(CAST(strftime('%%Y', {day}) AS INTEGER) * 12 "
        f"+ CAST(strftime('%%m', {day}) AS INTEGER) - 1)"
    )


def driver_windows_sql(
    ruleset: RuleSet,
    as_of: dt.date,
    *,
    after: int = 0,
    limit: int = 50_000,
    only: Sequence[int] | None = None,
) -> tuple[str, list[Any]]:
    """Common table expressions ending in ``w (subject_id, public_id, rated, g_start, g_end,
    o_start, o_end)``: each practitioner's graded cycle and running cycle as of ``as_of``,
    computed in SQL exactly as ``driver.evaluation_period`` does (property-tested).

    anchor = the earliest first issue date of a driving qualification; cycle k runs from
    ``add_months(anchor, 12k)`` to the day before ``add_months(anchor, 12(k+1))``; the running
    cycle is the k whose bounds hold ``as_of`` (from the months elapsed, one back when the
    anniversary day lies later in the month), the graded one k - 1; no graded cycle while k = 0
    or without an anchor (not rated).
    """
    where, subject_params = _subject_filter("p", after, limit, only)
    return _driver_windows(ruleset, as_of, where, subject_params)


def _driver_windows(
    ruleset: RuleSet, as_of: dt.date, where: str, subject_params: list[Any]
) -> tuple[str, list[Any]]:
    months = ruleset.period_months
    categories = list(DRIVING_CATEGORIES)
    marks = ", ".join(["%s"] * len(categories))
    as_of_index = as_of.year * 12 + as_of.month - 1

    def add(n: str) -> str:
        return _add_months_sql("anchor", n)

    sql = (
        f"subj AS (SELECT p.id, p.public_id FROM {Practitioner._meta.db_table} p WHERE {where}), "  # noqa: S608 (constant names, values as params)
        "anc AS (SELECT s.id, s.public_id, MIN(q.first_issue_date) AS anchor FROM subj s "
        f"LEFT JOIN {Qualification._meta.db_table} q ON q.practitioner_id = s.id "
        f"AND q.category IN ({marks}) GROUP BY s.id, s.public_id), "
        # The windows depend on the anchor alone: computed once per distinct anchor date.
        "cyc0 AS (SELECT anchor, "
        f"(%s - {_month_index_sql('anchor')}) / {months} AS k0 FROM "
        "(SELECT DISTINCT anchor FROM anc WHERE anchor <= %s) x), "
        f"cyc AS (SELECT anchor, k0 - CASE WHEN {add(f'{months} * k0')} > %s THEN 1 ELSE 0 END "
        "AS k FROM cyc0), "
        "win AS (SELECT anchor, (k >= 1) AS rated, "
        f"CASE WHEN k >= 1 THEN {add(f'{months} * (k - 1)')} END AS g_start, "
        f"CASE WHEN k >= 1 THEN {_day_before_sql(add(f'{months} * k'))} END AS g_end, "
        f"{add(f'{months} * k')} AS o_start, "
        f"{_day_before_sql(add(f'{months} * (k + 1)'))} AS o_end FROM cyc), "
        "w AS (SELECT a.id AS subject_id, a.public_id, a.anchor, "
        "COALESCE(x.rated, 1 = 0) AS rated, x.g_start, x.g_end, x.o_start, x.o_end "
        "FROM anc a LEFT JOIN win x ON x.anchor = a.anchor)"
    )
    return sql, [*subject_params, *categories, as_of_index, as_of, as_of]


def _as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


DriverWindow = tuple[bool, dt.date | None, dt.date | None, dt.date | None, dt.date | None]


def _driver_summaries(
    ruleset: RuleSet,
    as_of: dt.date,
    *,
    after: int,
    limit: int,
    only: Sequence[int] | None,
) -> list[tuple[int, str, DriverWindow, Summary, Summary | None]]:
    """Per practitioner in the chunk: its SQL windows and the summaries of its graded cycle and
    running cycle, in pk order."""
    table = CreditRecord._meta.db_table
    windows, params = driver_windows_sql(ruleset, as_of, after=after, limit=limit, only=only)
    graded = "r.occurred_on BETWEEN w.g_start AND w.g_end"
    running = "r.occurred_on BETWEEN w.o_start AND w.o_end"
    columns = _aggregates(ruleset, graded, params) + _aggregates(ruleset, running, params)
    counted = _counted_clause(ruleset, params, as_of)
    sql = (
        f"WITH {windows} SELECT w.subject_id, w.public_id, w.rated, w.g_start, w.g_end, "  # noqa: S608 (constant names, values as params)
        f"w.o_start, w.o_end, {', '.join(columns)} FROM w LEFT JOIN {table} r "
        f"ON r.practitioner_id = w.subject_id AND {counted} AND (({graded}) OR ({running})) "
        "GROUP BY w.subject_id, w.public_id, w.rated, w.g_start, w.g_end, w.o_start, w.o_end "
        "ORDER BY w.subject_id"
    )
    groups = len(ruleset.code_groups)
    width = _WIDTH_BASE + groups
    found = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            window: DriverWindow = (
                bool(row[2]),
                _as_date(row[3]),
                _as_date(row[4]),
                _as_date(row[5]),
                _as_date(row[6]),
            )
            main = _summary(row, 7, groups)
            running_summary = _summary(row, 7 + width, groups) if window[3] is not None else None
            found.append((row[0], row[1], window, main, running_summary))
    return found


# -- grades -----------------------------------------------------------------------------------


def _operator_subjects(
    after: int, limit: int, only: Sequence[int] | None
) -> list[tuple[int, str, Any]]:
    query = Operator.objects.order_by("pk")
    query = query.filter(pk__in=only) if only is not None else query.filter(pk__gt=after)
    return list(query.values_list("pk", "public_id", "created_at")[:limit])


def _practitioner_subjects(
    after: int, limit: int, only: Sequence[int] | None
) -> list[tuple[int, str, dt.date | None]]:
    query = Practitioner.objects.order_by("pk")
    query = query.filter(pk__in=only) if only is not None else query.filter(pk__gt=after)
    subjects = list(query.values_list("pk", "public_id")[:limit])
    if not subjects:
        return []
    lo, hi = subjects[0][0], subjects[-1][0]
    anchors: dict[int, dt.date] = {}
    for pk, first in (
        Qualification.objects.filter(
            practitioner_id__gte=lo, practitioner_id__lte=hi, category__in=DRIVING_CATEGORIES
        )
        .values_list("practitioner_id", "first_issue_date")
        .iterator(chunk_size=10000)
    ):
        if pk not in anchors or first < anchors[pk]:
            anchors[pk] = first
    return [(pk, public_id, anchors.get(pk)) for pk, public_id in subjects]


@dataclass(frozen=True, slots=True)
class SubjectSummary:
    """What the SQL computed for one subject: its period plan and the summaries of the graded
    period and (drivers) the running cycle."""

    pk: int
    public_id: str
    plan: PeriodPlan
    main: Summary
    running: Summary | None
    window: DriverWindow | None = None  # drivers: (rated, graded, running cycle) from the SQL


def fast_summaries(
    scheme: str,
    ruleset: RuleSet,
    as_of: dt.date,
    *,
    after: int = 0,
    limit: int = 50_000,
    only: Sequence[int] | None = None,
) -> list[SubjectSummary]:
    """Summaries of up to ``limit`` subjects of ``scheme`` with pk > ``after`` (or the pks in
    ``only``), in pk order, computed with one SQL aggregate. Subject flags are not used (no
    subject has any yet: ``grading.subject_flags``)."""
    empty = Summary(code_hits=(0,) * len(ruleset.code_groups))
    out: list[SubjectSummary] = []
    if scheme == "enterprise":
        operators = _operator_subjects(after, limit, only)
        if not operators:
            return []
        plan0 = evaluation_period(Subject("x", "enterprise", as_of), ruleset, as_of)
        assert plan0.start is not None and plan0.end is not None
        summaries = _enterprise_summaries(
            ruleset, operators[0][0], operators[-1][0], plan0.start, plan0.end, as_of
        )
        for pk, public_id, created_at in operators:
            anchor = timezone.localdate(created_at)
            plan = evaluation_period(Subject(public_id, "enterprise", anchor), ruleset, as_of)
            out.append(SubjectSummary(pk, public_id, plan, summaries.get(pk, empty), None))
        return out
    anchors = {pk: anchor for pk, _public_id, anchor in _practitioner_subjects(after, limit, only)}
    for pk, public_id, window, main, running in _driver_summaries(
        ruleset, as_of, after=after, limit=limit, only=only
    ):
        plan = evaluation_period(Subject(public_id, "driver", anchors[pk]), ruleset, as_of)
        out.append(SubjectSummary(pk, public_id, plan, main, running, window))
    return out


@dataclass(frozen=True, slots=True)
class FastRow:
    """One subject's grade from the decision SQL and whether it differs from its current
    snapshot (grade, score, rating, tier or rule-set version)."""

    pk: int
    public_id: str
    grade: str
    score: int | None
    rated: bool
    tier: str
    changed: bool


_FIELDS = (
    "counted",
    "negative_count",
    "negative_points",
    "positive_count",
    "positive_points",
    "bad_conduct_points",
    "serious_count",
    "serious_list_count",
    "max_negative_points",
)


def _field_names(ruleset: RuleSet) -> list[str]:
    return [*_FIELDS, *(f"code_hits_{i}" for i in range(len(ruleset.code_groups)))]


def _named(ruleset: RuleSet, window: str, params: list[Any], prefix: str) -> list[str]:
    exprs = _aggregates(ruleset, window, params)
    return [f"{e} AS {prefix}{n}" for e, n in zip(exprs, _field_names(ruleset), strict=True)]


def _zeroed(ruleset: RuleSet, prefix: str) -> list[str]:
    return [f"COALESCE(a.{prefix}{n}, 0) AS {prefix}{n}" for n in _field_names(ruleset)]


def _subject_filter(
    alias: str, after: int, limit: int, only: Sequence[int] | None
) -> tuple[str, list[Any]]:
    if only is not None:
        marks = ", ".join(["%s"] * len(only)) or "NULL"
        return f"{alias}.id IN ({marks}) ORDER BY {alias}.id LIMIT %s", [*only, limit]
    return f"{alias}.id > %s ORDER BY {alias}.id LIMIT %s", [after, limit]


def _changed_sql(column: str, ruleset_pk: int) -> tuple[str, list[Any]]:
    snapshots = GradeSnapshot._meta.db_table
    return (
        "SELECT d.id, d.public_id, d.grade, d.score, d.rated, d.tier, "  # noqa: S608 (constant names, values as params)
        "(g.id IS NULL OR g.grade <> d.grade OR g.score IS DISTINCT FROM d.score "
        "OR g.rated <> d.rated OR g.tier <> d.tier OR g.ruleset_id <> %s) AS changed "
        f"FROM dec d LEFT JOIN {snapshots} g ON g.{column} = d.id AND g.is_current"
    ), [ruleset_pk]


def _enterprise_rated_before(ruleset: RuleSet, as_of: dt.date) -> Any:
    """Operators registered before this instant have a full history (``enterprise.
    evaluation_period``: anchor ≤ the history start, anchor = local registration date)."""
    months = ruleset.minimum_history_months
    history_start = add_months(as_of, -months) + dt.timedelta(days=1) if months else as_of
    midnight = dt.datetime.combine(history_start + dt.timedelta(days=1), dt.time())
    return connection.ops.adapt_datetimefield_value(
        timezone.make_aware(midnight, timezone.get_default_timezone())
    )


def _decision_ctes(
    scheme: str,
    ruleset: RuleSet,
    as_of: dt.date,
    *,
    where: str,
    where_params: list[Any],
    key_range: tuple[int, int] | None,
    fingerprint: bool = False,
) -> tuple[str, list[Any]]:
    """Common table expressions ending in ``dec (id, public_id, rated, grade, score, tier)``
    for the subjects selected by ``where`` (over alias ``o`` / ``p``): the summaries of
    ``_aggregates`` and the decision of ``grading_sql.decision_sql``, in one statement. The
    subjects are in ``subj`` (operators) or ``w`` (practitioners, with their cycle windows).
    ``key_range``: the subjects' lowest and highest key when they fill most of that range (the
    records are read by that range, which the planner can estimate); None: scattered subjects
    (just their records are read).
    ``fingerprint`` (PostgreSQL): ``dec`` also has the engine's input fingerprint, from the
    lines of the very records the aggregate counts (``_FINGERPRINT`` below)."""
    postgres = connection.vendor == "postgresql"
    assert postgres or not fingerprint
    records = CreditRecord._meta.db_table
    params: list[Any] = []
    prefix = f"{FINGERPRINT_VERSION}\n{ruleset.digest}\n{as_of.isoformat()}\n"
    lines = f", {_LINES} AS lines" if fingerprint else ""
    if scheme == "enterprise":
        plan0 = evaluation_period(Subject("x", "enterprise", as_of), ruleset, as_of)
        assert plan0.start is not None and plan0.end is not None
        params.extend(where_params)
        aggregates = _named(ruleset, "1 = 1", params, "m_")
        subject_range = "r.operator_id IN (SELECT id FROM subj)"
        if key_range is not None:
            subject_range = "r.operator_id BETWEEN %s AND %s"
            params.extend(key_range)
        counted = _counted_clause(ruleset, params, as_of)
        params.extend([plan0.start, plan0.end, _enterprise_rated_before(ruleset, as_of)])
        decision = decision_sql(ruleset, "c.m_", rated="c.rated", postgres=postgres)
        sql = (
            "subj AS (SELECT o.id, o.public_id, o.created_at "  # noqa: S608 (constant names, values as params)
            f"FROM {Operator._meta.db_table} o WHERE {where}), "
            f"agg AS (SELECT r.operator_id AS sid, {', '.join(aggregates)}{lines} "
            f"FROM {records} r WHERE {subject_range} "
            f"AND {counted} AND r.occurred_on >= %s AND r.occurred_on <= %s "
            "GROUP BY r.operator_id), "
            "calc AS (SELECT s.id, s.public_id, s.created_at, (s.created_at < %s) AS rated, "
            f"{', '.join(_zeroed(ruleset, 'm_'))}{', a.lines' if fingerprint else ''} "
            "FROM subj s LEFT JOIN agg a ON a.sid = s.id), "
            f"dec AS (SELECT c.id, c.public_id, c.rated, {decision.grade} AS grade, "
            f"{decision.score} AS score, {decision.tier} AS tier"
        )
        if fingerprint:
            sql += ", " + _FINGERPRINT.format(
                head="%s::text || c.public_id || '|enterprise|' || "
                "to_char((c.created_at AT TIME ZONE %s)::date, 'YYYY-MM-DD') || '|'"
            )
            params.extend([prefix, settings.TIME_ZONE])
        return sql + " FROM calc c)", params
    windows, window_params = _driver_windows(ruleset, as_of, where, where_params)
    params.extend(window_params)
    graded = "r.occurred_on BETWEEN w.g_start AND w.g_end"
    running = "r.occurred_on BETWEEN w.o_start AND w.o_end"
    aggregates = _named(ruleset, graded, params, "m_") + _named(ruleset, running, params, "o_")
    subject_range = "r.practitioner_id IN (SELECT subject_id FROM w)"
    if key_range is not None:
        subject_range = "r.practitioner_id BETWEEN %s AND %s"
        params.extend(key_range)
    counted = _counted_clause(ruleset, params, as_of)
    decision = decision_sql(
        ruleset,
        "c.m_",
        rated="c.rated",
        running="c.o_",
        has_running="c.has_open",
        postgres=postgres,
    )
    sql = (
        f"{windows}, "  # noqa: S608 (constant names, values as params)
        f"agg AS (SELECT r.practitioner_id AS sid, {', '.join(aggregates)}{lines} "
        f"FROM {records} r "
        f"JOIN w ON w.subject_id = r.practitioner_id WHERE {subject_range} "
        f"AND {counted} AND (({graded}) OR ({running})) GROUP BY r.practitioner_id), "
        "calc AS (SELECT w.subject_id AS id, w.public_id, w.anchor, w.rated, "
        "(w.o_start IS NOT NULL) AS has_open, "
        f"{', '.join(_zeroed(ruleset, 'm_') + _zeroed(ruleset, 'o_'))}"
        f"{', a.lines' if fingerprint else ''} "
        "FROM w LEFT JOIN agg a ON a.sid = w.subject_id), "
        f"dec AS (SELECT c.id, c.public_id, c.rated, {decision.grade} AS grade, "
        f"{decision.score} AS score, {decision.tier} AS tier"
    )
    if fingerprint:
        sql += ", " + _FINGERPRINT.format(
            head="%s::text || c.public_id || '|driver|' || "
            "COALESCE(to_char(c.anchor, 'YYYY-MM-DD'), '') || '|'"
        )
        params.append(prefix)
    return sql + " FROM calc c)", params


def fast_decisions(
    scheme: str,
    ruleset: RuleSet,
    as_of: dt.date,
    *,
    ruleset_pk: int = -1,
    after: int = 0,
    limit: int = 50_000,
    only: Sequence[int] | None = None,
) -> list[FastRow]:
    """Grades of up to ``limit`` subjects (pk > ``after``, or the pks in ``only``) computed in
    one SQL statement (``_decision_ctes``), each flagged if it differs from the current
    snapshot."""
    alias = "o" if scheme == "enterprise" else "p"
    key_range: tuple[int, int] | None = None
    if only is None:
        # The chunk's key range first (an index-only look-up), so that the statement reads
        # the records by literal bounds the planner can estimate.
        model: Any = Operator if scheme == "enterprise" else Practitioner
        keys = model.objects.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)
        nth = list(keys[limit - 1 : limit])
        last = nth[0] if nth else keys.last()
        if last is None:
            return []
        key_range = (after + 1, last)
        where, where_params = f"{alias}.id BETWEEN %s AND %s", list(key_range)
    else:
        where, where_params = _subject_filter(alias, after, limit, only)
    ctes, params = _decision_ctes(
        scheme, ruleset, as_of, where=where, where_params=where_params, key_range=key_range
    )
    changed, changed_params = _changed_sql(
        "operator_id" if scheme == "enterprise" else "practitioner_id", ruleset_pk
    )
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {ctes} {changed} ORDER BY d.id", [*params, *changed_params])
        return [
            FastRow(r[0], r[1], r[2], r[3], bool(r[4]), r[5], bool(r[6])) for r in cursor.fetchall()
        ]


def _chunk_changes(
    scheme: str,
    ruleset: RuleSet,
    as_of: dt.date,
    *,
    ruleset_pk: int,
    after: int,
    limit: int,
    only: Sequence[int] | None,
) -> tuple[int | None, int, Counter[str], list[int]]:
    """``fast_decisions`` for the batch regrade, without fetching a row per subject: (last
    key, subjects, grade distribution, keys of the subjects whose grade changed)."""
    alias = "o" if scheme == "enterprise" else "p"
    key_range: tuple[int, int] | None = None
    if only is None:
        model: Any = Operator if scheme == "enterprise" else Practitioner
        keys = model.objects.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)
        nth = list(keys[limit - 1 : limit])
        last = nth[0] if nth else keys.last()
        if last is None:
            return None, 0, Counter(), []
        key_range = (after + 1, last)
        where, where_params = f"{alias}.id BETWEEN %s AND %s", list(key_range)
    else:
        where, where_params = _subject_filter(alias, after, limit, only)
    ctes, params = _decision_ctes(
        scheme, ruleset, as_of, where=where, where_params=where_params, key_range=key_range
    )
    changed, changed_params = _changed_sql(
        "operator_id" if scheme == "enterprise" else "practitioner_id", ruleset_pk
    )
    last_pk: int | None = None
    subjects = 0
    distribution: Counter[str] = Counter()
    candidates: list[int] = []
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH {ctes}, chg AS ({changed}) "  # noqa: S608 (constant names, values as params)
            "SELECT 0, id, grade, 0 FROM chg WHERE changed "
            "UNION ALL SELECT 1, MAX(id), grade, COUNT(*) FROM chg GROUP BY grade",
            [*params, *changed_params],
        )
        for kind, pk, grade_code, count in cursor.fetchall():
            if kind == 0:
                candidates.append(int(pk))
                continue
            distribution[str(grade_code)] += int(count)
            subjects += int(count)
            last_pk = int(pk) if last_pk is None else max(last_pk, int(pk))
    candidates.sort()
    return last_pk, subjects, distribution, candidates


def fast_grades(
    scheme: str,
    ruleset: RuleSet,
    as_of: dt.date,
    *,
    after: int = 0,
    limit: int = 50_000,
    only: Sequence[int] | None = None,
) -> list[SubjectGrade]:
    """Grades of a chunk of subjects, set-based: the same as ``grade()`` gives
    (property-tested)."""
    return [
        SubjectGrade(r.pk, r.public_id, r.grade, r.score, r.rated, r.tier)
        for r in fast_decisions(scheme, ruleset, as_of, after=after, limit=limit, only=only)
    ]


_SLICE = 10_000  # keys per IN list (PostgreSQL takes at most 65,535 parameters)


def _slices(pks: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(pks), _SLICE):
        yield pks[start : start + _SLICE]


CurrentGrade = tuple[int, str, int | None, bool, str, int]  # snapshot pk, grade, score, …


def _current(kind: str, pks: Sequence[int]) -> dict[int, CurrentGrade]:
    """The current snapshot of each subject (pk range of ``pks``, which are sorted)."""
    column = "operator_id" if kind == GradedKind.OPERATOR else "practitioner_id"
    found: dict[int, CurrentGrade] = {}
    if not pks:
        return found
    query = GradeSnapshot.objects.filter(
        is_current=True, **{f"{column}__gte": pks[0], f"{column}__lte": pks[-1]}
    ).values_list(column, "pk", "grade", "score", "rated", "tier", "ruleset_id")
    for subject_id, *values in query.iterator(chunk_size=10000):
        found[subject_id] = (values[0], values[1], values[2], values[3], values[4], values[5])
    return found


def _engine_results(
    scheme: str, ruleset: RuleSet, as_of: dt.date, pks: list[int]
) -> dict[int, GradeResult]:
    """The engine's own results (with fingerprints) for the subjects whose grade changed.

    Rows are read as tuples (no model instances): the same ``Fact`` and ``Subject`` values as
    ``grading.record_fact`` / ``grading.engine_subject`` build, at a fraction of the cost.
    """
    column = "operator_id" if scheme == "enterprise" else "practitioner_id"
    facts: dict[int, list[Fact]] = defaultdict(list)
    for part in _slices(pks):
        rows = (
            CreditRecord.objects.filter(**{f"{column}__in": part, "occurred_on__lte": as_of})
            .values_list(
                column,
                "public_id",
                "behaviour_code",
                "points",
                "direction",
                "severity",
                "occurred_on",
                "decided_on",
                "status",
                "on_serious_list",
            )
            .iterator(chunk_size=10000)
        )
        for (
            sid,
            public_id,
            code,
            points,
            direction,
            severity,
            occurred,
            decided,
            status,
            listed,
        ) in rows:
            facts[sid].append(
                Fact(
                    public_id,
                    code,
                    points,
                    direction,
                    severity or "minor",
                    occurred,
                    decided,
                    status,
                    listed,
                )
            )
    subjects: list[Subject] = []
    keys: list[int] = []
    for part in _slices(pks):
        if scheme == "enterprise":
            for pk, public_id, created_at in Operator.objects.filter(pk__in=part).values_list(
                "pk", "public_id", "created_at"
            ):
                keys.append(pk)
                subjects.append(Subject(public_id, "enterprise", timezone.localdate(created_at)))
        else:
            for pk, public_id, first_issue in _practitioner_subjects(0, len(part), part):
                keys.append(pk)
                subjects.append(Subject(public_id, "driver", first_issue))
    return {
        pk: grade(subject, facts.get(pk, []), ruleset, as_of, explain=False)
        for pk, subject in zip(keys, subjects, strict=True)
    }


_IDS = "credit_regrade_ids"
_NEW = "credit_regrade_new"


# ``fingerprint.fact_line`` of record ``r`` and ``input_fingerprint`` in PostgreSQL: the head
# lines, then the lines of the facts the engine used — exactly the records the aggregate counts
# (counted, in the graded period or a driver's running cycle) — sorted in code-point order
# (``COLLATE "C"`` on UTF-8), SHA-256 in hex.
_LINE = (
    "r.public_id || '|' || r.behaviour_code || '|' || r.direction || '|' || "
    "COALESCE(NULLIF(r.severity, ''), 'minor') || '|' || r.points::text || '|' || "
    "to_char(r.occurred_on, 'YYYY-MM-DD') || '|' || "
    "COALESCE(to_char(r.decided_on, 'YYYY-MM-DD'), '') || '|' || r.status || '|' || "
    "CASE WHEN r.on_serious_list THEN '1' ELSE '0' END"
)
_LINES = f"string_agg(E'\\n' || {_LINE}, '' ORDER BY {_LINE} COLLATE \"C\")"
_FINGERPRINT = (
    "encode(sha256(convert_to({head} || COALESCE(c.lines, ''), 'UTF8')), 'hex') AS fingerprint"
)


def _write_changed_sql(
    *,
    scheme: str,
    row: RuleSetVersion,
    ruleset: RuleSet,
    as_of: dt.date,
    candidates: list[int],
    reason: str,
    at: dt.datetime,
) -> list[tuple[int, str | None, str]]:
    """PostgreSQL, set-based: regrade the (locked) candidates from their records as they are
    now and write a snapshot for each whose grade differs from its current one — grade and
    fingerprint computed in SQL, the old snapshot retired and the new ones inserted by one
    statement each. Returns (pk, old grade, new grade) of the subjects written."""
    kind = GradedKind.OPERATOR if scheme == "enterprise" else GradedKind.PRACTITIONER
    column = "operator_id" if scheme == "enterprise" else "practitioner_id"
    alias = "o" if scheme == "enterprise" else "p"
    snapshots = GradeSnapshot._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {_IDS} (id bigint PRIMARY KEY)")
        cursor.execute(f"TRUNCATE {_IDS}")
        with cursor.cursor.copy(f"COPY {_IDS} (id) FROM STDIN") as copy:
            for pk in candidates:
                copy.write_row((pk,))
        cursor.execute(f"ANALYZE {_IDS}")
        where = (
            f"{alias}.id IN (SELECT id FROM {_IDS}) AND {alias}.id BETWEEN %s AND %s "  # noqa: S608 (constant names, values as params)
            f"ORDER BY {alias}.id LIMIT %s"
        )
        ctes, params = _decision_ctes(
            scheme,
            ruleset,
            as_of,
            where=where,
            where_params=[candidates[0], candidates[-1], len(candidates)],
            key_range=(
                (candidates[0], candidates[-1])
                if len(candidates) * 2 > candidates[-1] - candidates[0] + 1
                else None
            ),
            fingerprint=True,
        )
        cursor.execute(f"DROP TABLE IF EXISTS {_NEW}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {_NEW} AS WITH {ctes} "  # noqa: S608 (constant names, values as params)
            "SELECT d.id, d.grade, d.score, d.rated, d.tier, d.fingerprint, "
            "g.id AS old_id, g.grade AS old_grade FROM dec d "
            f"LEFT JOIN {snapshots} g ON g.{column} = d.id AND g.is_current "
            "WHERE g.id IS NULL OR g.grade <> d.grade OR g.score IS DISTINCT FROM d.score "
            "OR g.rated <> d.rated OR g.tier <> d.tier OR g.ruleset_id <> %s",
            [*params, row.pk],
        )
        cursor.execute(
            f"UPDATE {snapshots} SET is_current = FALSE "  # noqa: S608 (constant names, values as params)
            f"WHERE id IN (SELECT old_id FROM {_NEW} WHERE old_id IS NOT NULL)"
        )
        cursor.execute(
            f"INSERT INTO {snapshots} (subject_kind, {column}, as_of, grade, score, rated, tier, "  # noqa: S608 (constant names, values as params)
            "ruleset_id, input_fingerprint, computed_at, reason, is_current) "
            f"SELECT %s, id, %s, grade, score, rated, tier, %s, fingerprint, %s, %s, TRUE "
            f"FROM {_NEW} ORDER BY id",
            [kind, as_of, row.pk, at, reason[:200]],
        )
        cursor.execute(f"SELECT id, old_grade, grade FROM {_NEW} ORDER BY id")  # noqa: S608 (constant names, values as params)
        changes = [(int(r[0]), r[1], str(r[2])) for r in cursor.fetchall()]
        cursor.execute(f"DROP TABLE {_NEW}")
    return changes


def regrade_chunk(
    *,
    scheme: str,
    row: RuleSetVersion,
    ruleset: RuleSet,
    as_of: dt.date,
    after: int = 0,
    limit: int = 50_000,
    only: Sequence[int] | None = None,
    actor: User | None = None,
    reason: str,
    at: dt.datetime,
) -> ChunkOutcome:
    """Regrade one chunk; write snapshots for the subjects whose grade changed (in one
    transaction with the caller's checkpoint). Returns the last pk and what changed.

    The set-based grades pick the candidates; under the candidates' row locks they are graded
    again from their records as they are at that moment (that result, with its fingerprint, is
    what is stored), so a record arriving meanwhile is never overwritten by a stale grade. On
    PostgreSQL that second pass and the writes are set-based too (``_write_changed_sql``: grade
    and fingerprint in SQL); elsewhere the engine grades each candidate.
    """
    last_pk, subjects, distribution, candidates = _chunk_changes(
        scheme, ruleset, as_of, ruleset_pk=row.pk, after=after, limit=limit, only=only
    )
    outcome = ChunkOutcome(last_pk=last_pk, subjects=subjects, distribution=distribution)
    kind = GradedKind.OPERATOR if scheme == "enterprise" else GradedKind.PRACTITIONER
    if not candidates:
        return outcome
    model: Any = Operator if scheme == "enterprise" else Practitioner
    column = "operator_id" if scheme == "enterprise" else "practitioner_id"
    with transaction.atomic():
        for part in _slices(candidates):
            # Lock the subjects (in key order, so two batches cannot deadlock): a single-subject
            # regrade racing this chunk would otherwise add a second current snapshot.
            list(
                model.objects.select_for_update()
                .filter(pk__in=part)
                .order_by("pk")
                .values_list("pk")
            )
        if connection.vendor == "postgresql":
            outcome.changes = _write_changed_sql(
                scheme=scheme,
                row=row,
                ruleset=ruleset,
                as_of=as_of,
                candidates=candidates,
                reason=reason,
                at=at,
            )
            outcome.changed = len(outcome.changes)
            return outcome
        results = _engine_results(scheme, ruleset, as_of, candidates)
        current = _current(kind, candidates)
        retire: list[int] = []
        new: list[GradeSnapshot] = []
        for pk in candidates:
            result = results[pk]
            now = current.get(pk)
            if now is not None and now[1:] == (
                result.grade,
                result.score,
                result.rated,
                result.tier,
                row.pk,
            ):
                continue
            if now is not None:
                retire.append(now[0])
            outcome.changes.append((pk, None if now is None else now[1], result.grade))
            new.append(
                GradeSnapshot(
                    subject_kind=kind,
                    as_of=result.as_of,
                    grade=result.grade,
                    score=result.score,
                    rated=result.rated,
                    tier=result.tier,
                    ruleset=row,
                    input_fingerprint=result.input_fingerprint,
                    computed_at=at,
                    reason=reason[:200],
                    is_current=True,
                    **{column: pk},
                )
            )
        for part in _slices(retire):
            GradeSnapshot.objects.filter(pk__in=part).update(is_current=False)
        GradeSnapshot.objects.bulk_create(new, batch_size=5000)
        outcome.changed = len(new)
    return outcome


def subjects_regrade(
    *,
    operator_ids: Iterable[int] = (),
    practitioner_ids: Iterable[int] = (),
    actor: User | None = None,
    reason: str,
    at: dt.datetime | None = None,
) -> int:
    """Regrade these subjects (after an intake batch); set-based when there are many.
    Returns how many got a new snapshot."""
    at = at or clock.now()
    as_of = timezone.localdate(at)
    changed = 0
    for scheme, ids in (
        ("enterprise", sorted(set(operator_ids))),
        ("driver", sorted(set(practitioner_ids))),
    ):
        if not ids:
            continue
        if len(ids) < SMALL_BATCH:
            model: Any = Operator if scheme == "enterprise" else Practitioner
            for subject in model.objects.filter(pk__in=ids):
                before = (
                    GradeSnapshot.objects.filter(
                        is_current=True,
                        **{"operator" if scheme == "enterprise" else "practitioner": subject},
                    )
                    .values_list("pk", flat=True)
                    .first()
                )
                after = subject_regrade(subject=subject, actor=actor, reason=reason, at=at)
                changed += int(after.pk != before)
            continue
        row, ruleset = active_ruleset(scheme)
        for start in range(0, len(ids), 10_000):
            part = ids[start : start + 10_000]
            outcome = regrade_chunk(
                scheme=scheme,
                row=row,
                ruleset=ruleset,
                as_of=as_of,
                only=part,
                limit=len(part),
                actor=actor,
                reason=reason,
                at=at,
            )
            changed += outcome.changed
    return changed
