"""Grading integration: the engine's inputs from the database, grade snapshots, regrades.

The pure engine (``roadcredit.credit.grading``) does all the arithmetic; this module only turns
rows into ``Fact`` / ``Subject`` values and stores the results.

Snapshot policy: a ``GradeSnapshot`` is written only when the grade, score, rating, tier or the
rule-set version differs from the subject's current snapshot; otherwise nothing is written (the
current snapshot keeps its ``as_of`` and fingerprint — it says "this grade since that date").
So the snapshot rows are the grade history, and a full regrade writes only the subjects whose
grade moved. Explanations are never stored: ``grade_explain`` rebuilds them on reading.

Who is graded: operators (enterprise scheme; their vehicles' records count toward them) and
practitioners (driver scheme). Vehicles are not graded on their own.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Min, OuterRef, Subquery
from django.utils import timezone

from roadcredit.audit.services import audit_record
from roadcredit.core import clock
from roadcredit.credit.grading import (
    BehaviourCatalogue,
    Fact,
    GradeResult,
    RuleSet,
    Subject,
    grade,
)
from roadcredit.credit.models import (
    CreditRecord,
    GradedKind,
    GradeSnapshot,
    RecordStatusChange,
    RuleSetStatus,
    RuleSetVersion,
    Scheme,
)
from roadcredit.subjects.models import Operator, Practitioner, Qualification

if TYPE_CHECKING:
    from roadcredit.accounts.models import User

__all__ = [
    "DRIVING_CATEGORIES",
    "GradedSubject",
    "active_ruleset",
    "driver_anchor",
    "engine_subject",
    "enterprise_anchor",
    "facts_for",
    "grade_current",
    "grade_explain",
    "grade_history",
    "graded_kind",
    "record_fact",
    "ruleset_of",
    "scheme_of",
    "snapshot_store",
    "subject_flags",
    "subject_regrade",
]

GradedSubject = Operator | Practitioner

# Qualification categories that make a practitioner a driver (the loading supervisor and the
# escort of dangerous goods are not drivers and have no integrity cycle).
DRIVING_CATEGORIES = ("passenger", "freight", "dg_driver", "taxi", "ride_hailing")


# -- subjects ---------------------------------------------------------------------------------


def graded_kind(subject: GradedSubject) -> str:
    if isinstance(subject, Operator):
        return GradedKind.OPERATOR
    if isinstance(subject, Practitioner):
        return GradedKind.PRACTITIONER
    raise TypeError(f"not a graded subject: {subject!r}")


def scheme_of(subject: GradedSubject) -> str:
    return Scheme.ENTERPRISE if isinstance(subject, Operator) else Scheme.DRIVER


def enterprise_anchor(operator: Operator) -> dt.date | None:
    """Start of an operator's history for the enterprise period rule.

    Should be the first licence issue date once the e-licence app records one; until then the
    date the operator was registered here (``created_at``, local date). Keep this the only place
    that decides it (the SQL fast path reads the same column: ``_ANCHOR_SQL`` in ``batch``).
    """
    return timezone.localdate(operator.created_at)


def driver_anchor(practitioner: Practitioner) -> dt.date | None:
    """First issue date of the practitioner's earliest driving qualification (None if none)."""
    cached = getattr(practitioner, "_prefetched_objects_cache", {}).get("qualifications")
    if cached is not None:
        dates = [q.first_issue_date for q in cached if q.category in DRIVING_CATEGORIES]
        return min(dates) if dates else None
    found: dt.date | None = practitioner.qualifications.filter(
        category__in=DRIVING_CATEGORIES
    ).aggregate(first=Min("first_issue_date"))["first"]
    return found


def subject_flags(subject: GradedSubject) -> frozenset[str]:
    """Facts about the subject that are not records, for ``subject_flag`` vetoes (none yet)."""
    return frozenset()


def engine_subject(subject: GradedSubject) -> Subject:
    if isinstance(subject, Operator):
        return Subject(
            subject.public_id, "enterprise", enterprise_anchor(subject), subject_flags(subject)
        )
    return Subject(subject.public_id, "driver", driver_anchor(subject), subject_flags(subject))


def _records_of(subject: GradedSubject) -> Any:
    if isinstance(subject, Operator):
        # The operator's own records and those of its vehicles (``operator`` is set on both).
        return CreditRecord.objects.filter(operator=subject)
    return CreditRecord.objects.filter(practitioner=subject)


def record_fact(record: CreditRecord, *, status: str | None = None) -> Fact:
    """A record as the engine sees it. Positive records have no severity; the engine's
    ``Fact`` needs one, and ``minor`` is what it ignores for positives."""
    return Fact(
        record_id=record.public_id,
        behaviour_code=record.behaviour_code,
        points=record.points,
        direction=record.direction,  # type: ignore[arg-type]
        severity=(record.severity or "minor"),  # type: ignore[arg-type]
        occurred_on=record.occurred_on,
        decided_on=record.decided_on,
        status=(status or record.status),  # type: ignore[arg-type]
        on_serious_list=record.on_serious_list,
    )


def facts_for(subject: GradedSubject, *, as_of: dt.date) -> list[Fact]:
    """The subject's records that occurred by ``as_of``, with their status as it was at the end
    of ``as_of`` (from the status history: the first move after ``as_of`` tells it)."""
    first_later_move = RecordStatusChange.objects.filter(
        record=OuterRef("pk"), changed_on__gt=as_of
    ).order_by("changed_at", "pk")
    rows = (
        _records_of(subject)
        .filter(occurred_on__lte=as_of)
        .annotate(status_then=Subquery(first_later_move.values("from_status")[:1]))
        .order_by()
        .values_list(
            "public_id",
            "behaviour_code",
            "points",
            "direction",
            "severity",
            "occurred_on",
            "decided_on",
            "status",
            "on_serious_list",
            "status_then",
        )
    )
    return [
        Fact(
            record_id=public_id,
            behaviour_code=code,
            points=points,
            direction=direction,
            severity=severity or "minor",
            occurred_on=occurred,
            decided_on=decided,
            status=then or status,
            on_serious_list=listed,
        )
        for public_id, code, points, direction, severity, occurred, decided, status, listed, then in rows
    ]


# -- rule sets ----------------------------------------------------------------------------------

_parsed: dict[tuple[int, str], RuleSet] = {}
_parsed_lock = threading.Lock()


def ruleset_of(row: RuleSetVersion) -> RuleSet:
    """The parsed rule set of a stored version (its frozen TOML and catalogue), cached."""
    key = (row.pk, row.digest)
    found = _parsed.get(key)
    if found is None:
        catalogue = BehaviourCatalogue.from_toml_text(row.catalogue_text, source="behaviours.toml")
        found = RuleSet.from_toml_text(row.toml_text, catalogue=catalogue, source=row.source_name)
        if found.digest != row.digest:
            raise RuntimeError(f"rule set {row} no longer has its stored digest")
        with _parsed_lock:
            _parsed[key] = found
    return found


def active_ruleset(scheme: str) -> tuple[RuleSetVersion, RuleSet]:
    """The active version of ``scheme`` and its parsed rule set. If no version was ever
    activated, the bundled default is loaded and activated (audited, actor "system")."""
    # The frozen texts are read only when this version is not parsed yet (``ruleset_of``).
    row = (
        RuleSetVersion.objects.filter(scheme=scheme, status=RuleSetStatus.ACTIVE)
        .defer("toml_text", "catalogue_text")
        .first()
    )
    if row is None:
        from roadcredit.credit.services.rulesets import ruleset_bootstrap

        row = ruleset_bootstrap(scheme=scheme)
    return row, ruleset_of(row)


# -- snapshots ----------------------------------------------------------------------------------


def _subject_filter(subject: GradedSubject) -> dict[str, Any]:
    if isinstance(subject, Operator):
        return {"operator": subject}
    return {"practitioner": subject}


def grade_current(subject: GradedSubject) -> GradeSnapshot | None:
    return (
        GradeSnapshot.objects.select_related("ruleset")
        .filter(is_current=True, **_subject_filter(subject))
        .first()
    )


def grade_history(subject: GradedSubject) -> list[GradeSnapshot]:
    """Every snapshot of the subject, oldest first (each is a change of grade)."""
    return list(
        GradeSnapshot.objects.select_related("ruleset")
        .filter(**_subject_filter(subject))
        .order_by("computed_at", "pk")
    )


def _same(current: GradeSnapshot, result: GradeResult, row: RuleSetVersion) -> bool:
    return (
        current.grade == result.grade
        and current.score == result.score
        and current.rated == result.rated
        and current.tier == result.tier
        and current.ruleset_id == row.pk
    )


class _Unread:
    """Marks "the caller did not read the current snapshot" (None means it has none)."""


_UNREAD = _Unread()


def snapshot_store(
    *,
    subject: GradedSubject,
    result: GradeResult,
    row: RuleSetVersion,
    reason: str,
    actor: User | None,
    at: dt.datetime,
    audit: bool = True,
    current: GradeSnapshot | _Unread | None = _UNREAD,
) -> GradeSnapshot:
    """Store ``result`` as the subject's current grade if it changed; return the current one.

    Must run in the caller's transaction with the subject row locked. ``audit=False``: the
    batch regrade audits once per job instead of once per subject. ``current``: the subject's
    current snapshot (None: it has none) when the caller read it under the lock already.
    """
    if isinstance(current, _Unread):
        current = (
            GradeSnapshot.objects.filter(is_current=True, **_subject_filter(subject))
            .order_by()
            .first()
        )
    if current is not None and _same(current, result, row):
        return current
    if current is not None:
        GradeSnapshot.objects.filter(pk=current.pk).update(is_current=False)
    snapshot = GradeSnapshot.objects.create(
        subject_kind=graded_kind(subject),
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
        **_subject_filter(subject),
    )
    if not audit:
        return snapshot
    audit_record(
        actor=actor,
        action="credit.grade_changed",
        target=subject,
        before=None if current is None else {"grade": current.grade, "score": current.score},
        after={
            "grade": snapshot.grade,
            "score": snapshot.score,
            "rated": snapshot.rated,
            "ruleset": str(row),
            "reason": reason,
        },
        at=at,
    )
    return snapshot


_CURRENT_FIELDS = (
    "id",
    "subject_kind",
    "operator_id",
    "practitioner_id",
    "as_of",
    "grade",
    "score",
    "rated",
    "tier",
    "ruleset_id",
    "input_fingerprint",
    "computed_at",
    "reason",
    "is_current",
)


_active_rows: dict[tuple[int, str], RuleSetVersion] = {}


def _locked_for_regrade(
    subject: GradedSubject,
) -> tuple[GradedSubject, dt.date | None, GradeSnapshot | None, tuple[RuleSetVersion, RuleSet]]:
    """Lock the subject row, then read in one statement its anchor (drivers), its current
    snapshot and which rule-set version is active: two round trips instead of five on the path
    of every new record."""
    model: Any = type(subject)
    column = "operator" if isinstance(subject, Operator) else "practitioner"
    scheme = Scheme.ENTERPRISE if column == "operator" else Scheme.DRIVER
    current = GradeSnapshot.objects.filter(is_current=True, **{column: OuterRef("pk")}).order_by()
    annotations: dict[str, Any] = {
        f"_current_{name}": Subquery(current.values(name)[:1]) for name in _CURRENT_FIELDS
    }
    active = RuleSetVersion.objects.filter(scheme=scheme, status=RuleSetStatus.ACTIVE).order_by()
    annotations["_ruleset_pk"] = Subquery(active.values("pk")[:1])
    annotations["_ruleset_digest"] = Subquery(active.values("digest")[:1])
    if column == "practitioner":
        first = (
            Qualification.objects.filter(
                practitioner=OuterRef("pk"), category__in=DRIVING_CATEGORIES
            )
            .order_by()
            .values("practitioner")
            .annotate(first=Min("first_issue_date"))
            .values("first")
        )
        annotations["_anchor"] = Subquery(first[:1])
    # The lock comes first, in a statement of its own: under READ COMMITTED a statement that
    # waits for the row lock still reads the other tables as they were when it started, so one
    # combined statement could miss the snapshot a concurrent regrade just committed and insert
    # a second current one (tests/resilience: regrade racing a new record).
    list(model.objects.select_for_update(of=("self",)).filter(pk=subject.pk).values_list("pk"))
    locked = model.objects.annotate(**annotations).get(pk=subject.pk)
    if column == "practitioner":
        anchor: dt.date | None = locked._anchor
    else:
        anchor = enterprise_anchor(locked)
    snapshot: GradeSnapshot | None = None
    if locked._current_id is not None:
        snapshot = GradeSnapshot.from_db(
            locked._state.db,
            list(_CURRENT_FIELDS),
            [getattr(locked, f"_current_{name}") for name in _CURRENT_FIELDS],
        )
    # The version row is immutable once active but for its status, which the statement just
    # read: a version seen before comes from memory, a new one (or none yet) is looked up.
    key = (locked._ruleset_pk, locked._ruleset_digest)
    row = _active_rows.get(key) if key[0] is not None else None
    if row is None:
        row = active_ruleset(scheme)[0]
        _active_rows[(row.pk, row.digest)] = row
    return locked, anchor, snapshot, (row, ruleset_of(row))


def subject_regrade(
    *,
    subject: GradedSubject,
    actor: User | None = None,
    reason: str,
    at: dt.datetime | None = None,
) -> GradeSnapshot:
    """Regrade one operator or practitioner as of ``at`` (default now) under the active rule
    set; a new snapshot only if the grade changed. Returns the current snapshot."""
    at = at or clock.now()
    as_of = timezone.localdate(at)
    # No savepoint of its own inside the caller's transaction: an error here aborts the caller
    # anyway, and the savepoint cost two round trips on every new record.
    with transaction.atomic(savepoint=False):
        # Lock the subject: two records of one subject arriving at once would otherwise both
        # read the same current snapshot and both try to insert the next one.
        locked, anchor, current, (row, ruleset) = _locked_for_regrade(subject)
        scheme = scheme_of(locked)
        engine_input = Subject(locked.public_id, scheme, anchor, subject_flags(locked))  # type: ignore[arg-type]
        result = grade(engine_input, facts_for(locked, as_of=as_of), ruleset, as_of, explain=False)
        return snapshot_store(
            subject=locked,
            result=result,
            row=row,
            reason=reason,
            actor=actor,
            at=at,
            current=current,
        )


def grade_explain(subject: GradedSubject, *, as_of: dt.date | None = None) -> GradeResult:
    """The grade as of ``as_of`` (default today) with its full explanation, recomputed from the
    stored records under the rule-set version of the snapshot in force on that date (the
    active version when there is none)."""
    as_of = as_of or clock.today()
    snapshot = (
        GradeSnapshot.objects.select_related("ruleset")
        .filter(as_of__lte=as_of, **_subject_filter(subject))
        .order_by("-as_of", "-computed_at", "-pk")
        .first()
    )
    if snapshot is not None:
        ruleset = ruleset_of(snapshot.ruleset)
    else:
        ruleset = active_ruleset(scheme_of(subject))[1]
    return grade(engine_subject(subject), facts_for(subject, as_of=as_of), ruleset, as_of)
