"""Reads of the phone portal, always through the viewer's scope.

Holder pages (operator and practitioner accounts) read only the account's own subject: its
licences (an operator also its vehicles' certificates), credit, notices and applications; any
other public id in a URL is "not found", whoever owns it. Inspector pages read the inspector's
own scans and findings (a credit officer sees every finding, to enter the decisions).

Every list here is fetched with a fixed number of queries whatever the number of rows shown
(``select_related``; no per-row lookups), which the tests assert.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from roadcredit.accounts.access import user_role
from roadcredit.accounts.roles import Role
from roadcredit.core.errors import NotFound, PermissionDenied
from roadcredit.core.models import PUBLIC_ID_ALPHABET
from roadcredit.credit.explain import TierGuidance, default_guidance
from roadcredit.credit.grading.ruleset import Behaviour
from roadcredit.credit.models import CreditRecord, GradeSnapshot, Notice, RecordStatus
from roadcredit.elicences.models import HolderKind, Licence, LicenceStatus
from roadcredit.elicences.selectors import licence_get_for, licences_visible_to
from roadcredit.subjects.models import Operator, Practitioner, Vehicle

from .models import Finding, ScanEvent

LICENCES_PER_PAGE = 20
NOTICES_PER_PAGE = 20
RECENT_RECORDS = 5
_PUBLIC_ID_CHARS = frozenset(PUBLIC_ID_ALPHABET)

GradedSubject = Operator | Practitioner


def _well_formed(public_id: str) -> bool:
    return len(public_id) == 16 and set(public_id) <= _PUBLIC_ID_CHARS


# --- the holder -------------------------------------------------------------------------------


def holder_subject(viewer: Any) -> GradedSubject:
    """The operator or practitioner a holder account belongs to."""
    role = user_role(viewer)
    if role == Role.OPERATOR and viewer.operator_id is not None:
        operator: Operator = viewer.operator
        return operator
    if role == Role.PRACTITIONER and viewer.practitioner_id is not None:
        practitioner: Practitioner = viewer.practitioner
        return practitioner
    raise PermissionDenied(_("Only operator and practitioner accounts have a portal."))


def my_licences(*, viewer: Any) -> QuerySet[Licence]:
    """The holder's current licences (superseded versions left out): an operator's own and its
    vehicles' certificates, a practitioner's certificates."""
    holder_subject(viewer)
    return (
        licences_visible_to(viewer)
        .exclude(status=LicenceStatus.CHANGED)
        .select_related("operator", "vehicle__operator", "practitioner")
        .order_by("holder_kind", "type_key", "vehicle__plate", "-issued_on", "-pk")
    )


def my_licences_page(*, viewer: Any, page: int | str | None = 1) -> Page[Licence]:
    return Paginator(my_licences(viewer=viewer), LICENCES_PER_PAGE).get_page(page)


def my_licence(*, viewer: Any, public_id: str) -> Licence:
    """One of the holder's own licences; anything else (another holder's, a mistyped id) is
    "not found", with nothing about it revealed."""
    holder_subject(viewer)
    return licence_get_for(viewer=viewer, public_id=public_id)


def my_notices(*, viewer: Any) -> QuerySet[Notice]:
    from roadcredit.credit.selectors_cases import notices_for

    holder_subject(viewer)
    return notices_for(viewer=viewer).order_by("-created_at", "-pk")


def my_notices_page(*, viewer: Any, page: int | str | None = 1) -> Page[Notice]:
    return Paginator(my_notices(viewer=viewer), NOTICES_PER_PAGE).get_page(page)


def my_notice(*, viewer: Any, public_id: str) -> Notice:
    if not _well_formed(public_id):
        raise NotFound(_("No such notice."))
    found = my_notices(viewer=viewer).filter(public_id=public_id).first()
    if found is None:
        raise NotFound(_("No such notice."))
    return found


APPLICATIONS_PER_PAGE = 20


def my_applications_page(*, viewer: Any, page: int | str | None = 1) -> Page[Any]:
    """The holder's applications, newest first, with their service items (two queries per
    page whatever its length)."""
    from django.db.models import Prefetch

    from roadcredit.licensing.models import ApplicationItem
    from roadcredit.licensing.selectors import applications_visible_to

    holder_subject(viewer)
    applications = (
        applications_visible_to(viewer)
        .prefetch_related(Prefetch("items", queryset=ApplicationItem.objects.order_by("position")))
        .order_by("-created_at", "-pk")
    )
    return Paginator(applications, APPLICATIONS_PER_PAGE).get_page(page)


def application_status_label(status: str) -> str:
    from roadcredit.licensing.workflow import STATE_LABELS_ZH, State

    try:
        return STATE_LABELS_ZH[State(status)]
    except ValueError:
        return status


@dataclass(frozen=True)
class GradeBadge:
    """The grade as a short badge: "A 信用良好"."""

    grade: str
    grade_name: str
    tier: str
    tier_name: str
    rated: bool
    score: int | None


def grade_badge(snapshot: GradeSnapshot | None) -> GradeBadge | None:
    if snapshot is None:
        return None
    from roadcredit.credit.services.grading import ruleset_of

    ruleset = ruleset_of(snapshot.ruleset)
    try:
        grade_name = ruleset.grade_name_zh(snapshot.grade)
    except KeyError:
        grade_name = snapshot.grade
    tier = default_guidance().tiers.get(snapshot.tier)
    return GradeBadge(
        grade=snapshot.grade,
        grade_name=grade_name,
        tier=snapshot.tier,
        tier_name=tier.name_zh if tier is not None else snapshot.tier,
        rated=snapshot.rated,
        score=snapshot.score,
    )


def graded_subject_of(holder: Operator | Vehicle | Practitioner | None) -> GradedSubject | None:
    """Whose grade counts for a licence holder: a vehicle's owning operator."""
    if isinstance(holder, Vehicle):
        return holder.operator
    return holder


def current_grade(subject: GradedSubject | None) -> GradeBadge | None:
    if subject is None:
        return None
    from roadcredit.credit.services.grading import grade_current

    return grade_badge(grade_current(subject))


@dataclass(frozen=True)
class PortalHome:
    subject: GradedSubject
    grade: GradeBadge | None
    licence_count: int
    unread_notices: int


def portal_home(*, viewer: Any) -> PortalHome:
    subject = holder_subject(viewer)
    return PortalHome(
        subject=subject,
        grade=current_grade(subject),
        licence_count=my_licences(viewer=viewer).count(),
        unread_notices=my_notices(viewer=viewer).filter(read_at__isnull=True).count(),
    )


def my_credit(*, viewer: Any) -> Any:
    """The subject-facing explanation of the holder's grade (``credit.explain``)."""
    from roadcredit.credit.selectors_cases import credit_explanation_for

    return credit_explanation_for(viewer=viewer, subject=holder_subject(viewer))


# --- the inspector ----------------------------------------------------------------------------


def scan_get_for(*, viewer: Any, public_id: str) -> ScanEvent:
    """One of the inspector's own scans."""
    if not _well_formed(public_id):
        raise NotFound(_("No such scan."))
    found = (
        ScanEvent.objects.select_related(
            "licence__operator", "licence__vehicle__operator", "licence__practitioner"
        )
        .filter(public_id=public_id, inspector_id=getattr(viewer, "pk", None))
        .first()
    )
    if found is None:
        raise NotFound(_("No such scan."))
    return found


def recent_records(holder: Operator | Vehicle | Practitioner, *, limit: int) -> list[CreditRecord]:
    """The holder's latest credit records (pending findings included, withdrawn ones not); an
    operator's include its vehicles' records."""
    if isinstance(holder, Vehicle):
        records = CreditRecord.objects.filter(vehicle=holder)
    elif isinstance(holder, Operator):
        records = CreditRecord.objects.filter(operator=holder)
    else:
        records = CreditRecord.objects.filter(practitioner=holder)
    return list(
        records.exclude(status=RecordStatus.WITHDRAWN)
        .select_related("vehicle")
        .order_by("-occurred_on", "-pk")[:limit]
    )


@dataclass(frozen=True)
class HolderCredit:
    graded_name: str
    grade: GradeBadge | None
    records: list[CreditRecord]


def holder_credit(licence: Licence) -> HolderCredit:
    """The credit picture an inspector sees next to a verified licence."""
    holder = licence.operator or licence.vehicle or licence.practitioner
    graded = graded_subject_of(holder)
    return HolderCredit(
        graded_name=graded.name if graded is not None else "",
        grade=current_grade(graded),
        records=recent_records(holder, limit=RECENT_RECORDS) if holder is not None else [],
    )


def finding_subject(licence: Licence) -> Operator | Vehicle | Practitioner:
    """Who an on-road finding about this licence is recorded against: the vehicle for a vehicle
    certificate (it counts toward its owner), else the operator or practitioner."""
    holder = licence.operator or licence.vehicle or licence.practitioner
    assert holder is not None
    return holder


def finding_behaviours(licence: Licence) -> tuple[Behaviour, ...]:
    """The catalogue's dishonesty behaviours recordable against this licence's holder."""
    from roadcredit.credit.record_input import scheme_for_kind
    from roadcredit.credit.services.records import catalogue_for

    kind = str(licence.holder_kind)
    scheme = scheme_for_kind(kind)
    return tuple(
        b
        for b in catalogue_for(kind).for_scheme(scheme)  # type: ignore[arg-type]
        if b.direction == "negative"
    )


def _findings_scope(viewer: Any) -> Q:
    role = user_role(viewer)
    if role == Role.CREDIT_OFFICER:
        return Q()
    if role == Role.INSPECTOR:
        return Q(inspector_id=viewer.pk)
    raise PermissionDenied(_("You may not view on-road findings."))


def findings_for(*, viewer: Any, pending_only: bool = False) -> QuerySet[Finding]:
    queryset = (
        Finding.objects.filter(_findings_scope(viewer))
        .select_related(
            "record__operator",
            "record__vehicle",
            "record__practitioner",
            "inspector",
        )
        .order_by("-created_at", "-pk")
    )
    if pending_only:
        queryset = queryset.filter(record__status=RecordStatus.PENDING)
    return queryset


def finding_get_for(*, viewer: Any, public_id: str) -> Finding:
    if not _well_formed(public_id):
        raise NotFound(_("No such finding."))
    found = findings_for(viewer=viewer).filter(public_id=public_id).first()
    if found is None:
        raise NotFound(_("No such finding."))
    return found


def holder_kind_label(licence: Licence) -> str:
    return str(HolderKind(licence.holder_kind).label)


def holder_display_name(licence: Licence) -> str:
    """The holder as the holder's own phone shows it on the 亮证 card (the name in full, as on
    the paper licence; a vehicle by its plate and owner)."""
    if licence.practitioner is not None:
        return licence.practitioner.name
    if licence.vehicle is not None:
        owner = licence.vehicle.operator
        return (
            f"{licence.vehicle.plate}（{owner.name}）"
            if owner is not None
            else licence.vehicle.plate
        )
    assert licence.operator is not None
    return licence.operator.name


def window_subject(*, viewer: Any, kind: str, public_id: str) -> Operator | Vehicle | Practitioner:
    """The subject a clerk tells about its credit at the window (the registry's scoped reads)."""
    from roadcredit.subjects import selectors as subject_selectors

    if kind == "operator":
        return subject_selectors.operator_get_for(viewer=viewer, public_id=public_id)
    if kind == "vehicle":
        return subject_selectors.vehicle_get_for(viewer=viewer, public_id=public_id)
    if kind == "practitioner":
        return subject_selectors.practitioner_get_for(viewer=viewer, public_id=public_id)
    raise NotFound(_("No such subject."))


# --- credit guidance --------------------------------------------------------------------------


@dataclass(frozen=True)
class CreditGuidance:
    """What good credit earns and what dishonesty costs, and how to repair or object: the
    general notice (portal, window, printed for on-site visits)."""

    title: str
    version: str
    tiers: tuple[TierGuidance, ...]
    red_list_name: str
    red_list_benefits: tuple[str, ...]
    doubtful_measures: tuple[str, ...]
    serious_list_name: str
    serious_list_measures: tuple[str, ...]
    paths: tuple[str, ...]


def repair_and_objection_paths() -> tuple[str, ...]:
    """The repair and objection paths (the credit app's texts, with its case rules)."""
    from roadcredit.credit.services.guidance_notices import repair_and_objection_paths as paths

    return paths()


def credit_guidance() -> CreditGuidance:
    guidance = default_guidance()
    return CreditGuidance(
        title=guidance.title_zh,
        version=guidance.version,
        tiers=tuple(guidance.tiers.values()),
        red_list_name=guidance.red_list_name_zh,
        red_list_benefits=guidance.red_list_benefits,
        doubtful_measures=guidance.doubtful_measures,
        serious_list_name=guidance.serious_list_name_zh,
        serious_list_measures=guidance.serious_list_measures,
        paths=repair_and_objection_paths(),
    )
