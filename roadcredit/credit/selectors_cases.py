"""Reads of the credit cases, always through the viewer's scope: repair applications,
objections, list entries, double publicity, notices, list candidates, the staff credit tab and
the subject-facing explanation.

Scope: bureau staff see every case; a holder account (operator / practitioner) sees only its own
subject's cases and records — anything else is "not found". Administrators (三员) see none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from roadcredit.accounts.access import user_role
from roadcredit.accounts.roles import BUSINESS_STAFF, Role
from roadcredit.core import clock
from roadcredit.core.errors import NotFound, PermissionDenied
from roadcredit.core.models import PUBLIC_ID_ALPHABET
from roadcredit.credit.chart import ChartPoint, ScoreChart, score_chart
from roadcredit.credit.explain import (
    ListFlags,
    RecordFacts,
    SubjectExplanation,
    default_guidance,
    explain_grade,
)
from roadcredit.credit.grading import GradeResult, RuleSet, list_membership
from roadcredit.credit.models import (
    CreditRecord,
    GradeSnapshot,
    ListEntry,
    ListEntryStatus,
    ListKind,
    Notice,
    Objection,
    ObjectionStatus,
    PublicityItem,
    RecordStatus,
    RepairApplication,
    RepairStatus,
    RuleSetVersion,
)
from roadcredit.credit.models.cases import LIST_OPEN_STATUSES
from roadcredit.credit.selectors import subject_get_for
from roadcredit.credit.services.publicity import overdue_filter, public_subject
from roadcredit.subjects.models import Operator, Practitioner, Vehicle

__all__ = [
    "CreditTab",
    "ListCandidate",
    "PublicListRow",
    "RecordRow",
    "case_record_get_for",
    "credit_explanation_for",
    "credit_tab_for",
    "list_candidates",
    "list_entries_for",
    "list_entry_get_for",
    "notice_get_for",
    "notices_for",
    "objection_get_for",
    "objections_for",
    "public_list_rows",
    "publicity_items",
    "repair_get_for",
    "repairs_for",
]

_PUBLIC_ID_CHARS = frozenset(PUBLIC_ID_ALPHABET)
SubjectKindName = str  # "operator" | "vehicle" | "practitioner"


def _well_formed(public_id: str) -> bool:
    return len(public_id) == 16 and set(public_id) <= _PUBLIC_ID_CHARS


def _scope(viewer: Any) -> str:
    role = user_role(viewer)
    if role in BUSINESS_STAFF:
        return "all"
    if role == Role.OPERATOR:
        return "operator"
    if role == Role.PRACTITIONER:
        return "practitioner"
    return "none"


def _own(viewer: Any, prefix: str = "") -> Q:
    """The filter for a viewer's own subject (``prefix``: the path to the case subject)."""
    scope = _scope(viewer)
    if scope == "all":
        return Q()
    if scope == "operator":
        return Q(
            **{f"{prefix}operator_id": viewer.operator_id, f"{prefix}subject_kind": "operator"}
        )
    if scope == "practitioner":
        return Q(**{f"{prefix}practitioner_id": viewer.practitioner_id})
    raise PermissionDenied(_("You may not view credit cases."))


# --- records ------------------------------------------------------------------------------------------


def case_record_get_for(*, viewer: Any, public_id: str) -> CreditRecord:
    """A credit record the viewer may act on: staff any, a holder only its own subject's
    (a vehicle's record belongs to the operator it counts toward)."""
    scope = _scope(viewer)
    if scope == "none":
        raise PermissionDenied(_("You may not view credit cases."))
    if not _well_formed(public_id):
        raise NotFound(_("No such credit record."))
    records = CreditRecord.objects.select_related("operator", "vehicle", "practitioner", "source")
    if scope == "operator":
        records = records.filter(operator_id=viewer.operator_id)
    elif scope == "practitioner":
        records = records.filter(practitioner_id=viewer.practitioner_id)
    found = records.filter(public_id=public_id).first()
    if found is None:
        raise NotFound(_("No such credit record."))
    return found


# --- repair applications and objections ----------------------------------------------------------


def repairs_for(*, viewer: Any, status: str | None = None) -> QuerySet[RepairApplication]:
    queryset = (
        RepairApplication.objects.filter(_own(viewer))
        .select_related("record", "operator", "practitioner", "applicant", "decided_by")
        .order_by("-created_at", "-pk")
    )
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def repair_get_for(*, viewer: Any, public_id: str) -> RepairApplication:
    if not _well_formed(public_id):
        raise NotFound(_("No such repair application."))
    found = repairs_for(viewer=viewer).filter(public_id=public_id).first()
    if found is None:
        raise NotFound(_("No such repair application."))
    return found


def objections_for(
    *, viewer: Any, status: str | None = None, overdue_on: dt.date | None = None
) -> QuerySet[Objection]:
    queryset = (
        Objection.objects.filter(_own(viewer))
        .select_related("record", "operator", "practitioner", "submitted_by", "decided_by")
        .order_by("due_on", "-pk")
    )
    if status:
        queryset = queryset.filter(status=status)
    if overdue_on is not None:
        queryset = queryset.filter(status=ObjectionStatus.OPEN, due_on__lt=overdue_on)
    return queryset


def objection_get_for(*, viewer: Any, public_id: str) -> Objection:
    if not _well_formed(public_id):
        raise NotFound(_("No such objection."))
    found = objections_for(viewer=viewer).filter(public_id=public_id).first()
    if found is None:
        raise NotFound(_("No such objection."))
    return found


def notices_for(*, viewer: Any) -> QuerySet[Notice]:
    """A holder's notices, newest first (staff see none here: notices are the subject's)."""
    scope = _scope(viewer)
    if scope == "operator":
        return Notice.objects.filter(operator_id=viewer.operator_id, subject_kind="operator")
    if scope == "practitioner":
        return Notice.objects.filter(practitioner_id=viewer.practitioner_id)
    return Notice.objects.none()


def notice_get_for(*, viewer: Any, public_id: str) -> Notice:
    if not _well_formed(public_id):
        raise NotFound(_("No such notice."))
    found = notices_for(viewer=viewer).filter(public_id=public_id).first()
    if found is None:
        raise NotFound(_("No such notice."))
    return found


# --- lists ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListCandidate:
    subject: Operator | Practitioner
    red: bool
    serious: bool
    criteria: list[dict[str, str]]
    red_reason_zh: str
    ruleset_label: str
    basis_records: list[CreditRecord]


def _graded_subjects() -> Iterable[Operator | Practitioner]:
    yield from Operator.objects.order_by("pk").iterator(chunk_size=500)
    yield from (
        Practitioner.objects.prefetch_related("qualifications")
        .order_by("pk")
        .iterator(chunk_size=500)
    )


def list_candidates(
    *, as_of: dt.date, subjects: Iterable[Operator | Practitioner] | None = None
) -> list[ListCandidate]:
    """Subjects meeting the red-list or serious-list criteria of their active rule set as of
    ``as_of`` (``grading.list_membership`` over the records as they were that day).

    Every operator and practitioner is examined (district scale: 10³–10⁴ subjects, one query
    each), or only ``subjects`` when given; drivers without a driving qualification have no
    grade and are skipped.
    """
    from roadcredit.credit.services.grading import (
        active_ruleset,
        engine_subject,
        facts_for,
        scheme_of,
    )

    found: list[ListCandidate] = []
    rulesets = {scheme: active_ruleset(scheme) for scheme in ("enterprise", "driver")}
    for subject in _graded_subjects() if subjects is None else subjects:
        engine = engine_subject(subject)
        if engine.anchor is None and isinstance(subject, Practitioner):
            continue
        row, ruleset = rulesets[scheme_of(subject)]
        facts = facts_for(subject, as_of=as_of)
        status = list_membership(engine, facts, ruleset, as_of)
        if not (status.red_list or status.serious_list):
            continue
        basis: list[CreditRecord] = []
        if status.serious_list and ruleset.serious_list is not None:
            criteria = ruleset.serious_list
            counted = {
                f.record_id
                for f in facts
                if f.status in ruleset.counted_statuses
                and f.direction == "negative"
                and f.decided_on is not None
                and f.decided_on <= as_of
                and status.window_start <= f.occurred_on <= status.window_end
                and (
                    f.severity == "serious"
                    or f.behaviour_code in criteria.behaviour_codes
                    or f.on_serious_list
                )
            }
            basis = list(
                CreditRecord.objects.filter(public_id__in=counted).order_by("occurred_on", "pk")
            )
        red_notes = [r.note_zh for r in status.reasons if r.kind == "red_list"]
        found.append(
            ListCandidate(
                subject=subject,
                red=status.red_list,
                serious=status.serious_list,
                criteria=[
                    {"kind": r.kind, "rule_id": r.rule_id, "note_zh": r.note_zh}
                    for r in status.reasons
                ],
                red_reason_zh=red_notes[0] if red_notes else "",
                ruleset_label=f"{row.ruleset_id} {row.version}",
                basis_records=basis,
            )
        )
    return found


def list_entries_for(
    *, viewer: Any, kind: str | None = None, status: str | None = None
) -> QuerySet[ListEntry]:
    queryset = (
        ListEntry.objects.filter(_own(viewer))
        .select_related("operator", "practitioner", "decided_by")
        .order_by("-created_at", "-pk")
    )
    if kind:
        queryset = queryset.filter(list_kind=kind)
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def list_entry_get_for(*, viewer: Any, public_id: str) -> ListEntry:
    if not _well_formed(public_id):
        raise NotFound(_("No such list entry."))
    found = list_entries_for(viewer=viewer).filter(public_id=public_id).first()
    if found is None:
        raise NotFound(_("No such list entry."))
    return found


@dataclass(frozen=True, slots=True)
class PublicListRow:
    """One listed subject as the public sees it (natural persons masked)."""

    list_kind: str
    subject_name: str
    subject_code: str
    subject_code_kind: str
    listed_from: dt.date | None
    listed_until: dt.date | None
    reason_zh: str


def public_list_rows(*, kind: str | None = None) -> list[PublicListRow]:
    """Everyone currently on the red list and the serious-dishonesty list (no login)."""
    entries = ListEntry.objects.filter(status=ListEntryStatus.LISTED).select_related(
        "operator", "practitioner"
    )
    if kind in (ListKind.RED, ListKind.SERIOUS):
        entries = entries.filter(list_kind=kind)
    rows: list[PublicListRow] = []
    for entry in entries.order_by("list_kind", "-listed_from", "pk"):
        shown = public_subject(entry.subject)
        notes = [str(c.get("note_zh", "")) for c in entry.criteria if c.get("note_zh")]
        rows.append(
            PublicListRow(
                list_kind=entry.list_kind,
                subject_name=shown.name,
                subject_code=shown.code,
                subject_code_kind=shown.code_kind,
                listed_from=entry.listed_from,
                listed_until=entry.listed_until,
                reason_zh="；".join(dict.fromkeys(notes)),
            )
        )
    return rows


# --- double publicity ------------------------------------------------------------------------------


def publicity_items(
    *,
    kind: str | None = None,
    since: dt.date | None = None,
    pending_only: bool = False,
    overdue_only: bool = False,
    include_withdrawn: bool = False,
    today: dt.date | None = None,
) -> QuerySet[PublicityItem]:
    """The double-publicity feed, newest decisions first."""
    today = today or clock.today()
    queryset = PublicityItem.objects.all()
    if kind:
        queryset = queryset.filter(kind=kind)
    if since is not None:
        queryset = queryset.filter(decided_on__gte=since)
    if pending_only:
        queryset = queryset.filter(published_at__isnull=True)
    if overdue_only:
        queryset = queryset.filter(overdue_filter(today))
    if not include_withdrawn:
        queryset = queryset.filter(withdrawn_at__isnull=True)
    return queryset.order_by("-decided_on", "-pk")


def publicity_overdue(item: PublicityItem, today: dt.date) -> bool:
    """Not published by its due date: still pending after it, or published late."""
    if item.withdrawn_at is not None:
        return False
    if item.published_at is None:
        return today > item.due_on
    return timezone.localdate(item.published_at) > item.due_on


# --- the credit tab and the explanation --------------------------------------------------------------


def _graded(subject: Operator | Vehicle | Practitioner) -> Operator | Practitioner | None:
    if isinstance(subject, Vehicle):
        return subject.operator
    return subject


def _ruleset_for(result: GradeResult, scheme: str) -> RuleSet:
    from roadcredit.credit.services.grading import active_ruleset, ruleset_of

    _row, ruleset = active_ruleset(scheme)
    if ruleset.digest == result.ruleset_digest:
        return ruleset
    stored = RuleSetVersion.objects.filter(digest=result.ruleset_digest).first()
    if stored is None:  # pragma: no cover - grade_explain only uses stored versions
        raise NotFound(_("The rule set of this grade is no longer stored."))
    return ruleset_of(stored)


def _records_of(subject: Operator | Practitioner) -> QuerySet[CreditRecord]:
    if isinstance(subject, Operator):
        return CreditRecord.objects.filter(operator=subject)
    return CreditRecord.objects.filter(practitioner=subject)


def _list_flags(subject: Operator | Practitioner) -> ListFlags:
    field = "operator" if isinstance(subject, Operator) else "practitioner"
    kinds = set(
        ListEntry.objects.filter(status=ListEntryStatus.LISTED, **{field: subject}).values_list(
            "list_kind", flat=True
        )
    )
    return ListFlags(red_list=ListKind.RED in kinds, serious_list=ListKind.SERIOUS in kinds)


def _explanation(
    subject: Operator | Practitioner, *, today: dt.date
) -> tuple[SubjectExplanation, GradeResult]:
    from roadcredit.credit.services.grading import grade_explain, scheme_of

    result = grade_explain(subject, as_of=today)
    ruleset = _ruleset_for(result, scheme_of(subject))
    ids = [c.record_id for c in result.contributions]
    facts = {
        r.public_id: RecordFacts(
            record_id=r.public_id,
            status=r.status,
            severity=r.severity or None,
            decided_on=r.decided_on,
            earliest_repair_on=r.earliest_repair_on,
            takedown_on=r.takedown_on,
        )
        for r in CreditRecord.objects.filter(public_id__in=ids)
    }
    explanation = explain_grade(
        result,
        ruleset=ruleset,
        guidance=default_guidance(),
        subject_name=subject.name,
        records=facts,
        lists=_list_flags(subject),
        today=today,
    )
    return explanation, result


def credit_explanation_for(
    *, viewer: Any, subject: Operator | Vehicle | Practitioner
) -> SubjectExplanation:
    """The Chinese explanation of the subject's grade (holders: their own subject only; a
    vehicle is explained through its owning operator)."""
    graded = _graded(subject)
    if graded is None:
        raise NotFound(_("This vehicle belongs to no operator, so it has no credit grade."))
    # Re-check the scope on the graded subject (a holder reaching it through a vehicle).
    kind = "operator" if isinstance(graded, Operator) else "practitioner"
    subject_get_for(viewer=viewer, kind=kind, public_id=graded.public_id)
    return _explanation(graded, today=clock.today())[0]


@dataclass(frozen=True)
class RecordRow:
    """A record on the 信用 tab, with the case actions the viewer may start on it."""

    record: CreditRecord
    open_case: str  # "repair" / "objection" / ""
    may_repair: bool
    may_object: bool


@dataclass(frozen=True)
class CreditTab:
    """Everything the 信用 tab of a subject page shows."""

    subject_kind: str
    subject_public_id: str
    graded: Operator | Practitioner | None
    current: GradeSnapshot | None
    history: list[GradeSnapshot]
    chart: ScoreChart | None
    explanation: SubjectExplanation | None
    result: GradeResult | None
    records: list[CreditRecord]
    repairs: list[RepairApplication]
    objections: list[Objection]
    list_entries: list[ListEntry]
    today: dt.date
    staff: bool
    may_apply: bool  # the viewer may file a repair application or an objection
    rows: list[RecordRow]


def _chart(
    subject: Operator | Practitioner,
    history: list[GradeSnapshot],
    result: GradeResult,
    today: dt.date,
) -> ScoreChart:
    from roadcredit.credit.services.grading import ruleset_of

    points = [
        ChartPoint(
            on=s.as_of,
            score=s.score,
            grade=s.grade,
            grade_name_zh=ruleset_of(s.ruleset).grade_name_zh(s.grade),
        )
        for s in history
    ]
    if isinstance(subject, Operator):
        ruleset = _ruleset_for(result, "enterprise")
        return score_chart(points, until=today, y_max=ruleset.base + ruleset.bonus_cap)
    ruleset = _ruleset_for(result, "driver")
    return score_chart(points, until=today, y_max=ruleset.ceiling or 20, inverted=True)


def credit_tab_for(*, viewer: Any, subject: Operator | Vehicle | Practitioner) -> CreditTab:
    """The 信用 tab: grade, score history chart, records, explanation, repair and objection
    cases. The caller has already fetched ``subject`` through the registry's scoped selector."""
    from roadcredit.credit.services.grading import grade_current, grade_history
    from roadcredit.credit.services.notices import holds, is_on_behalf

    today = clock.today()
    staff = _scope(viewer) == "all"
    graded = _graded(subject)
    # Staff see every subject's credit; a holder only its own (an operator account sees the
    # vehicles it owns, not the personal credit file of the drivers it employs).
    visible = staff or (graded is not None and holds(viewer, graded))
    records: list[CreditRecord] = []
    if visible and isinstance(subject, Vehicle):
        records = list(CreditRecord.objects.filter(vehicle=subject).order_by("-occurred_on", "-pk"))
    elif visible and graded is not None:
        records = list(
            _records_of(graded).select_related("vehicle").order_by("-occurred_on", "-pk")
        )
    current = history = chart = explanation = result = None
    repairs: list[RepairApplication] = []
    objections: list[Objection] = []
    entries: list[ListEntry] = []
    if graded is not None and visible:
        current = grade_current(graded)
        history = grade_history(graded)
        explanation, result = _explanation(graded, today=today)
        chart = _chart(graded, history, result, today)
        field = "operator" if isinstance(graded, Operator) else "practitioner"
        record_ids = [r.pk for r in records]
        repairs = list(
            RepairApplication.objects.filter(**{field: graded}, record_id__in=record_ids)
            .select_related("record")
            .order_by("-created_at")
        )
        objections = list(
            Objection.objects.filter(**{field: graded}, record_id__in=record_ids)
            .select_related("record")
            .order_by("-created_at")
        )
        entries = list(
            ListEntry.objects.filter(**{field: graded}, status__in=LIST_OPEN_STATUSES).order_by(
                "list_kind"
            )
        )
    open_cases: dict[int, str] = {}
    for repair in repairs:
        if repair.status == RepairStatus.SUBMITTED:
            open_cases[repair.record_id] = "repair"
    for objection in objections:
        if objection.status == ObjectionStatus.OPEN:
            open_cases[objection.record_id] = "objection"
    may_apply = graded is not None and (holds(viewer, graded) or is_on_behalf(viewer))
    rows = [
        RecordRow(
            record=record,
            open_case=open_cases.get(record.pk, ""),
            may_repair=may_apply
            and record.pk not in open_cases
            and record.direction == "negative"
            and record.status == RecordStatus.ACTIVE,
            may_object=may_apply
            and record.pk not in open_cases
            and record.status == RecordStatus.ACTIVE,
        )
        for record in records
    ]
    return CreditTab(
        subject_kind=type(subject).__name__.lower(),
        subject_public_id=subject.public_id,
        graded=graded,
        current=current,
        history=history or [],
        chart=chart,
        explanation=explanation,
        result=result,
        records=records,
        repairs=repairs,
        objections=objections,
        list_entries=entries,
        today=today,
        staff=staff,
        may_apply=may_apply,
        rows=rows,
    )
