"""Reads of the credit data pool: records, batches, the to-link queue, rule sets, grades and
the impact preview of a draft rule set."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from roadcredit.accounts.access import user_role
from roadcredit.accounts.roles import BUSINESS_STAFF
from roadcredit.core import clock
from roadcredit.core.errors import NotFound, PermissionDenied, ValidationFailed
from roadcredit.credit.models import (
    CreditRecord,
    IntakeBatch,
    LinkQueueItem,
    LinkStatus,
    RuleSetStatus,
    RuleSetVersion,
    Source,
)
from roadcredit.credit.services.grading import active_ruleset, ruleset_of
from roadcredit.credit.services.grading_batch import fast_grades
from roadcredit.subjects.models import Operator, Practitioner, Vehicle
from roadcredit.subjects.selectors import (
    operator_get_for,
    practitioner_get_for,
    vehicle_get_for,
)

__all__ = [
    "GradeChange",
    "RulesetPreview",
    "batch_get",
    "batches_recent",
    "graded_subject_get_for",
    "link_item_get",
    "link_queue_list",
    "record_get_for",
    "records_list",
    "ruleset_get",
    "ruleset_preview",
    "rulesets_list",
    "source_get",
    "sources_list",
]

PAGE_MAX = 200


def _staff_only(viewer: Any) -> None:
    if user_role(viewer) not in BUSINESS_STAFF:
        raise PermissionDenied(_("You may not view credit records."))


def subject_get_for(*, viewer: Any, kind: str, public_id: str) -> Operator | Vehicle | Practitioner:
    """A subject of ``kind`` (operator / vehicle / practitioner) within the viewer's scope."""
    if kind == "operator":
        return operator_get_for(viewer=viewer, public_id=public_id)
    if kind == "vehicle":
        return vehicle_get_for(viewer=viewer, public_id=public_id)
    if kind == "practitioner":
        return practitioner_get_for(viewer=viewer, public_id=public_id)
    raise NotFound(_("No such subject."))


def graded_subject_get_for(*, viewer: Any, kind: str, public_id: str) -> Operator | Practitioner:
    """An operator or practitioner (the graded subjects) within the viewer's scope."""
    if kind not in ("operator", "practitioner"):
        raise NotFound(_("No such subject."))
    subject = subject_get_for(viewer=viewer, kind=kind, public_id=public_id)
    assert isinstance(subject, Operator | Practitioner)
    return subject


def records_list(
    *,
    viewer: Any,
    subject: Operator | Vehicle | Practitioner | None = None,
    status: str = "",
    source_code: str = "",
    batch_id: int | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[int, list[CreditRecord]]:
    """(total, page) of records, newest conduct first. Staff only."""
    _staff_only(viewer)
    query: QuerySet[CreditRecord] = CreditRecord.objects.select_related(
        "operator", "vehicle", "practitioner", "source"
    )
    if isinstance(subject, Operator):
        query = query.filter(operator=subject)
    elif isinstance(subject, Vehicle):
        query = query.filter(vehicle=subject)
    elif isinstance(subject, Practitioner):
        query = query.filter(practitioner=subject)
    if status:
        query = query.filter(status=status)
    if source_code:
        query = query.filter(source__code=source_code)
    if batch_id is not None:
        query = query.filter(batch_id=batch_id)
    limit = max(1, min(limit, PAGE_MAX))
    offset = max(0, offset)
    return query.count(), list(query.order_by("-occurred_on", "-pk")[offset : offset + limit])


def record_get_for(*, viewer: Any, public_id: str) -> CreditRecord:
    _staff_only(viewer)
    found = (
        CreditRecord.objects.select_related(
            "operator", "vehicle", "practitioner", "source", "batch"
        )
        .prefetch_related("evidence", "status_changes")
        .filter(public_id=public_id)
        .first()
    )
    if found is None:
        raise NotFound(_("No such credit record."))
    return found


def sources_list() -> list[Source]:
    return list(Source.objects.order_by("code"))


def source_get(code: str) -> Source:
    found = Source.objects.filter(code=code).first()
    if found is None:
        raise NotFound(_("No such source."))
    return found


def batch_get(pk: int) -> IntakeBatch:
    found = IntakeBatch.objects.select_related("source", "actor").filter(pk=pk).first()
    if found is None:
        raise NotFound(_("No such intake batch."))
    return found


def batches_recent(limit: int = 30) -> list[IntakeBatch]:
    return list(
        IntakeBatch.objects.select_related("source").order_by("-received_at", "-pk")[:limit]
    )


def link_queue_list(
    *, status: str = LinkStatus.OPEN, query: str = "", offset: int = 0, limit: int = 50
) -> tuple[int, list[LinkQueueItem]]:
    items = LinkQueueItem.objects.select_related("source", "batch", "record")
    if status:
        items = items.filter(status=status)
    query = query.strip()
    if query:
        items = items.filter(
            Q(source_ref__icontains=query)
            | Q(identifier_masked__icontains=query)
            | Q(summary__subject_name__icontains=query)
        )
    limit = max(1, min(limit, PAGE_MAX))
    return items.count(), list(items.order_by("-created_at", "-pk")[offset : offset + limit])


def link_item_get(public_id: str) -> LinkQueueItem:
    found = (
        LinkQueueItem.objects.select_related("source", "batch").filter(public_id=public_id).first()
    )
    if found is None:
        raise NotFound(_("No such record to link."))
    return found


def rulesets_list() -> list[RuleSetVersion]:
    return list(
        RuleSetVersion.objects.select_related("loaded_by", "activated_by").order_by(
            "scheme", "-created_at", "-pk"
        )
    )


def ruleset_get(pk: int) -> RuleSetVersion:
    found = RuleSetVersion.objects.filter(pk=pk).first()
    if found is None:
        raise NotFound(_("No such rule set version."))
    return found


@dataclass(frozen=True)
class GradeChange:
    subject_kind: str
    public_id: str
    name: str
    before: str
    after: str
    score_before: int | None
    score_after: int | None


@dataclass
class RulesetPreview:
    """What activating ``candidate`` would change, as of ``as_of``, against ``active``."""

    candidate: RuleSetVersion
    active: RuleSetVersion
    as_of: dt.date
    subjects: int = 0
    before: Counter[str] = field(default_factory=Counter)
    after: Counter[str] = field(default_factory=Counter)
    changed_count: int = 0
    changes: list[GradeChange] = field(default_factory=list)

    @property
    def grades(self) -> list[str]:
        """Every grade code met, in the candidate's order (then the rest)."""
        order = list(ruleset_of(self.candidate).grade_order)
        seen = set(self.before) | set(self.after)
        return [g for g in order if g in seen] + sorted(seen - set(order))

    def shift(self) -> list[tuple[str, int, int, int]]:
        return [
            (g, self.before[g], self.after[g], self.after[g] - self.before[g]) for g in self.grades
        ]


def ruleset_preview(
    *, version: RuleSetVersion, as_of: dt.date | None = None, limit: int = 500, chunk: int = 50_000
) -> RulesetPreview:
    """Grade every subject of the version's scheme under the active rule set and under
    ``version`` (both set-based, nothing written): the distribution shift and the subjects
    whose grade would change (the first ``limit`` of them; ``changed_count`` counts all)."""
    as_of = as_of or clock.today()
    active_row, active_rules = active_ruleset(version.scheme)
    if version.status == RuleSetStatus.ACTIVE:
        raise ValidationFailed.for_fields(
            _("This rule set version is already active."), {"version": [_("Choose a draft.")]}
        )
    candidate_rules = ruleset_of(version)
    preview = RulesetPreview(candidate=version, active=active_row, as_of=as_of)
    after_pk = 0
    changed: list[tuple[int, Any, Any]] = []
    while True:
        old = fast_grades(version.scheme, active_rules, as_of, after=after_pk, limit=chunk)
        if not old:
            break
        new = {
            g.pk: g
            for g in fast_grades(
                version.scheme, candidate_rules, as_of, after=after_pk, limit=chunk
            )
        }
        for before in old:
            after = new.get(before.pk)
            if after is None:  # registered between the two reads; graded next time
                continue
            preview.subjects += 1
            preview.before[before.grade] += 1
            preview.after[after.grade] += 1
            if before.grade != after.grade:
                preview.changed_count += 1
                if len(changed) < limit:
                    changed.append((before.pk, before, after))
        after_pk = old[-1].pk
    model: Any = Operator if version.scheme == "enterprise" else Practitioner
    names = dict(
        model.objects.filter(pk__in=[pk for pk, _b, _a in changed]).values_list("pk", "name")
    )
    kind = "operator" if version.scheme == "enterprise" else "practitioner"
    preview.changes = [
        GradeChange(kind, b.public_id, names.get(pk, ""), b.grade, a.grade, b.score, a.score)
        for pk, b, a in changed
    ]
    return preview
