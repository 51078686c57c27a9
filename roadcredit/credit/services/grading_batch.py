"""Set-based regrade: one SQL ``GROUP BY`` per chunk of subjects computes the engine's
``Summary`` for every subject, ``grade_from_summary`` turns it into the grade, and only the
subjects whose grade changed get a new snapshot (their fingerprint from the engine itself).

The SQL mirrors ``grading.summary_vector`` (docs/decisions/007-credit-grading-engine.md):
a record counts when its status is one of the rule set's counted statuses, it has a decision
dated on or before the as-of date, and it occurred in the window. Enterprise: one rolling window
for everyone (the operator's own records and its vehicles', all carrying ``operator_id``).
Driver: each practitioner's graded cycle and running cycle come from its own anchor; they are
computed in Python with the engine's ``evaluation_period`` and joined through a temporary table.
A hypothesis test checks on random data that this path gives exactly ``grade()`` per subject.

Chunks are subjects in primary-key order; ``regrade_chunk`` returns the last key, which the
batch-regrade job keeps as its checkpoint (resumable).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

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


_WINDOWS = "credit_regrade_windows"
_SUMMARY_WINDOWS = "credit_summary_windows"


def _driver_summaries(
    ruleset: RuleSet,
    windows: dict[int, tuple[dt.date | None, dt.date | None, dt.date | None, dt.date | None]],
    as_of: dt.date,
) -> dict[int, tuple[Summary, Summary | None]]:
    """(graded-cycle summary, running-cycle summary) per practitioner with a window."""
    if not windows:
        return {}
    table = CreditRecord._meta.db_table
    rows = [(pk, *w) for pk, w in windows.items()]
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {_SUMMARY_WINDOWS} (subject_id bigint PRIMARY KEY, "
            "g_start date, g_end date, o_start date, o_end date)"
        )
        cursor.execute(f"DELETE FROM {_SUMMARY_WINDOWS}")  # noqa: S608 (constant names, values as params)
        _insert_windows(cursor, rows)
        select_params: list[Any] = []
        graded = "r.occurred_on BETWEEN w.g_start AND w.g_end"
        running = "r.occurred_on BETWEEN w.o_start AND w.o_end"
        columns = _aggregates(ruleset, graded, select_params) + _aggregates(
            ruleset, running, select_params
        )
        where_params: list[Any] = []
        counted = _counted_clause(ruleset, where_params, as_of)
        sql = (
            f"SELECT w.subject_id, {', '.join(columns)} FROM {_SUMMARY_WINDOWS} w "  # noqa: S608 (constant names, values as params)
            f"JOIN {table} r ON r.practitioner_id = w.subject_id "
            f"WHERE {counted} AND (({graded}) OR ({running})) GROUP BY w.subject_id"
        )
        cursor.execute(sql, [*select_params, *where_params])
        groups = len(ruleset.code_groups)
        width = _WIDTH_BASE + groups
        found: dict[int, tuple[Summary, Summary | None]] = {}
        for row in cursor.fetchall():
            has_open = windows[row[0]][2] is not None
            found[row[0]] = (
                _summary(row, 1, groups),
                _summary(row, 1 + width, groups) if has_open else None,
            )
        cursor.execute(f"DELETE FROM {_SUMMARY_WINDOWS}")  # noqa: S608 (constant names, values as params)
        return found


def _insert_windows(cursor: Any, rows: list[tuple[Any, ...]]) -> None:
    if connection.vendor == "postgresql":
        raw = cursor.cursor if hasattr(cursor, "cursor") else cursor
        with raw.copy(
            f"COPY {_SUMMARY_WINDOWS} (subject_id, g_start, g_end, o_start, o_end) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
        return
    cursor.executemany(f"INSERT INTO {_SUMMARY_WINDOWS} VALUES (%s, %s, %s, %s, %s)", rows)  # noqa: S608 (constant names, values as params)


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
    drivers = _practitioner_subjects(after, limit, only)
    windows: dict[int, tuple[Any, Any, Any, Any]] = {}
    plans: dict[int, PeriodPlan] = {}
    for pk, public_id, first_issue in drivers:
        plan = evaluation_period(Subject(public_id, "driver", first_issue), ruleset, as_of)
        plans[pk] = plan
        if plan.start is not None or plan.open_start is not None:
            windows[pk] = (plan.start, plan.end, plan.open_start, plan.open_end)
    found = _driver_summaries(ruleset, windows, as_of)
    for pk, public_id, _anchor in drivers:
        plan = plans[pk]
        default = (empty, empty if plan.open_start is not None else None)
        main, running = found.get(pk, default)
        out.append(SubjectSummary(pk, public_id, plan, main, running))
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
        "OR g.rated <> d.rated OR g.tier <> d.tier OR g.ruleset_id <> %s) "
        f"FROM dec d LEFT JOIN {snapshots} g ON g.{column} = d.id AND g.is_current "
        "ORDER BY d.id"
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
    one SQL statement — the summaries of ``_aggregates`` and the decision of
    ``grading_sql.decision_sql`` — each flagged if it differs from the current snapshot."""
    postgres = connection.vendor == "postgresql"
    records = CreditRecord._meta.db_table
    params: list[Any] = []
    if scheme == "enterprise":
        plan0 = evaluation_period(Subject("x", "enterprise", as_of), ruleset, as_of)
        assert plan0.start is not None and plan0.end is not None
        where, subject_params = _subject_filter("o", after, limit, only)
        params.extend(subject_params)
        aggregates = _named(ruleset, "1 = 1", params, "m_")
        counted = _counted_clause(ruleset, params, as_of)
        params.extend([plan0.start, plan0.end, _enterprise_rated_before(ruleset, as_of)])
        decision = decision_sql(ruleset, "c.m_", rated="c.rated", postgres=postgres)
        changed, changed_params = _changed_sql("operator_id", ruleset_pk)
        # A contiguous chunk reads its key range; scattered subjects (``only``) read just theirs.
        subject_range = (
            "r.operator_id IN (SELECT id FROM subj)"
            if only is not None
            else "r.operator_id >= (SELECT MIN(id) FROM subj) "
            "AND r.operator_id <= (SELECT MAX(id) FROM subj)"
        )
        sql = (
            "WITH subj AS (SELECT o.id, o.public_id, o.created_at "  # noqa: S608 (constant names, values as params)
            f"FROM {Operator._meta.db_table} o WHERE {where}), "
            f"agg AS (SELECT r.operator_id AS sid, {', '.join(aggregates)} FROM {records} r "
            f"WHERE {subject_range} "
            f"AND {counted} AND r.occurred_on >= %s AND r.occurred_on <= %s "
            "GROUP BY r.operator_id), "
            "calc AS (SELECT s.id, s.public_id, (s.created_at < %s) AS rated, "
            f"{', '.join(_zeroed(ruleset, 'm_'))} FROM subj s LEFT JOIN agg a ON a.sid = s.id), "
            f"dec AS (SELECT c.id, c.public_id, c.rated, {decision.grade} AS grade, "
            f"{decision.score} AS score, {decision.tier} AS tier FROM calc c) " + changed
        )
        params.extend(changed_params)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [
                FastRow(r[0], r[1], r[2], r[3], bool(r[4]), r[5], bool(r[6]))
                for r in cursor.fetchall()
            ]
    drivers = _practitioner_subjects(after, limit, only)
    if not drivers:
        return []
    plans: dict[dt.date | None, PeriodPlan] = {}
    rows: list[tuple[Any, ...]] = []
    for pk, public_id, first_issue in drivers:
        plan = plans.get(first_issue)
        if plan is None:
            plan = evaluation_period(Subject("x", "driver", first_issue), ruleset, as_of)
            plans[first_issue] = plan
        rows.append(
            (pk, public_id, plan.rated, plan.start, plan.end, plan.open_start, plan.open_end)
        )
    graded = "r.occurred_on BETWEEN w.g_start AND w.g_end"
    running = "r.occurred_on BETWEEN w.o_start AND w.o_end"
    aggregates = _named(ruleset, graded, params, "m_") + _named(ruleset, running, params, "o_")
    counted = _counted_clause(ruleset, params, as_of)
    decision = decision_sql(
        ruleset,
        "c.m_",
        rated="c.rated",
        running="c.o_",
        has_running="c.has_open",
        postgres=postgres,
    )
    changed, changed_params = _changed_sql("practitioner_id", ruleset_pk)
    sql = (
        f"WITH agg AS (SELECT w.subject_id AS sid, {', '.join(aggregates)} FROM {_WINDOWS} w "  # noqa: S608 (constant names, values as params)
        f"JOIN {records} r ON r.practitioner_id = w.subject_id "
        f"WHERE {counted} AND (({graded}) OR ({running})) GROUP BY w.subject_id), "
        "calc AS (SELECT w.subject_id AS id, w.public_id, w.rated, "
        "(w.o_start IS NOT NULL) AS has_open, "
        f"{', '.join(_zeroed(ruleset, 'm_') + _zeroed(ruleset, 'o_'))} "
        f"FROM {_WINDOWS} w LEFT JOIN agg a ON a.sid = w.subject_id), "
        f"dec AS (SELECT c.id, c.public_id, c.rated, {decision.grade} AS grade, "
        f"{decision.score} AS score, {decision.tier} AS tier FROM calc c) " + changed
    )
    params.extend(changed_params)
    with connection.cursor() as cursor:
        _windows_table(cursor, rows)
        cursor.execute(sql, params)
        found = [
            FastRow(r[0], r[1], r[2], r[3], bool(r[4]), r[5], bool(r[6])) for r in cursor.fetchall()
        ]
        cursor.execute(f"DELETE FROM {_WINDOWS}")  # noqa: S608 (constant names, values as params)
    return found


def _windows_table(cursor: Any, rows: list[tuple[Any, ...]]) -> None:
    cursor.execute(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {_WINDOWS} (subject_id bigint PRIMARY KEY, "
        "public_id varchar(16), rated boolean, g_start date, g_end date, o_start date, o_end date)"
    )
    cursor.execute(f"DELETE FROM {_WINDOWS}")  # noqa: S608 (constant names, values as params)
    columns = "subject_id, public_id, rated, g_start, g_end, o_start, o_end"
    if connection.vendor == "postgresql":
        with cursor.cursor.copy(f"COPY {_WINDOWS} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        insert = f"INSERT INTO {_WINDOWS} ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s)"  # noqa: S608 (constant names, values as params)
        cursor.executemany(insert, rows)
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {_WINDOWS}")


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

    The set-based grades pick the candidates; under the subjects' row locks the engine then
    grades each candidate from its records as they are at that moment (that result, with its
    fingerprint, is what is stored), so a record arriving meanwhile is never overwritten by a
    stale grade.
    """
    grades = fast_decisions(
        scheme, ruleset, as_of, ruleset_pk=row.pk, after=after, limit=limit, only=only
    )
    outcome = ChunkOutcome(last_pk=grades[-1].pk if grades else None, subjects=len(grades))
    if not grades:
        return outcome
    kind = GradedKind.OPERATOR if scheme == "enterprise" else GradedKind.PRACTITIONER
    candidates: list[int] = []
    for g in grades:
        outcome.distribution[g.grade] += 1
        if g.changed:
            candidates.append(g.pk)
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
