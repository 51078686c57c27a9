"""Reads of the licensing app, always through the viewer's scope.

Bureau staff see every application; an operator account sees the applications of its operator,
a practitioner account its own. Anything outside the scope is "not found". The credit reads
(grade, explanation, list flags, a past false commitment) that decide the tier live here too, so
the submission, the workbench's credit panel and the applicant's page read them the same way.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet
from django.utils.translation import gettext as _

from roadcredit.accounts.access import sees_full_personal_data, user_role
from roadcredit.accounts.roles import BUSINESS_STAFF, Role
from roadcredit.core import clock, pii
from roadcredit.core.errors import NotFound, PermissionDenied
from roadcredit.core.models import PUBLIC_ID_ALPHABET
from roadcredit.credit.grading.dates import add_months
from roadcredit.credit.models import CreditRecord, ListEntry, ListEntryStatus, ListKind
from roadcredit.subjects.models import Operator, Practitioner, Vehicle

from .catalogue import ServiceItem, check_materials, default_catalogue
from .deadlines import date_zh
from .models import (
    Application,
    ApplicationItem,
    Commitment,
    CommitmentBan,
    CommitmentKind,
    Material,
    Notice,
    ProceedingStatus,
    RevocationProceeding,
    VerificationOutcome,
)
from .tiers import UNRATED, PartyCredit, TierDecision, default_policy
from .workflow import OPEN_STATES, STATE_LABELS_ZH, Actor, State, available_actions

Graded = Operator | Practitioner
_PUBLIC_ID_CHARS = frozenset(PUBLIC_ID_ALPHABET)
QUEUE_STATES = (State.SUBMITTED.value, State.RETURNED.value)
WORKBENCH_STATES = (State.ACCEPTED.value, State.UNDER_REVIEW.value, State.APPROVED.value)


# --- Scope ------------------------------------------------------------------------------------


def applications_visible_to(viewer: Any) -> QuerySet[Application]:
    role = user_role(viewer)
    base = Application.objects.select_related("operator", "practitioner")
    if role in BUSINESS_STAFF:
        return base.all()
    if role == Role.OPERATOR:
        return base.filter(operator_id=viewer.operator_id)
    if role == Role.PRACTITIONER:
        return base.filter(practitioner_id=viewer.practitioner_id)
    return base.none()


def application_get_for(*, viewer: Any, public_id: str) -> Application:
    if user_role(viewer) is None:
        raise PermissionDenied(_("Log in to see applications."))
    if len(public_id) != 16 or not set(public_id) <= _PUBLIC_ID_CHARS:
        raise NotFound(_("No such application."))
    found = applications_visible_to(viewer).filter(public_id=public_id).first()
    if found is None:
        raise NotFound(_("No such application."))
    return found


def viewer_actor(viewer: Any, application: Application) -> Actor | None:
    """How the viewer would act on ``application`` (None: not at all)."""
    role = user_role(viewer)
    if role == Role.OPERATOR and application.operator_id == viewer.operator_id:
        return Actor.APPLICANT
    if role == Role.PRACTITIONER and application.practitioner_id == viewer.practitioner_id:
        return Actor.APPLICANT
    if role == Role.CLERK:
        return Actor.CLERK
    if role == Role.APPROVER:
        return Actor.APPROVER
    return None


def material_get_for(*, viewer: Any, application: Application, public_id: str) -> Material:
    """A material of an application the viewer may see (the caller checked the application)."""
    found = Material.objects.filter(
        application=application, public_id=public_id, removed_at__isnull=True
    ).first()
    if found is None:
        raise NotFound(_("No such material."))
    return found


def notice_get_for(*, viewer: Any, application: Application, public_id: str) -> Notice:
    found = Notice.objects.filter(application=application, public_id=public_id).first()
    if found is None:
        raise NotFound(_("No such document."))
    return found


def commitment_get_for(*, viewer: Any, public_id: str) -> Commitment:
    if user_role(viewer) not in {Role.CREDIT_OFFICER, Role.INSPECTOR, Role.APPROVER, Role.LEADER}:
        raise PermissionDenied(_("You may not view verification tasks."))
    found = (
        Commitment.objects.select_related("application", "officer")
        .filter(public_id=public_id)
        .first()
    )
    if found is None:
        raise NotFound(_("No such commitment."))
    return found


def proceeding_get_for(*, viewer: Any, public_id: str) -> RevocationProceeding:
    if user_role(viewer) not in BUSINESS_STAFF:
        raise PermissionDenied(_("You may not view revocation proceedings."))
    found = (
        RevocationProceeding.objects.select_related("licence", "commitment__application")
        .filter(public_id=public_id)
        .first()
    )
    if found is None:
        raise NotFound(_("No such proceeding."))
    return found


# --- Items and materials of an application ------------------------------------------------------


def application_items(application: Application) -> list[ApplicationItem]:
    return list(
        application.items.select_related(
            "operator", "vehicle", "practitioner", "result_licence"
        ).order_by("position")
    )


def live_materials(application: Application) -> list[Material]:
    return list(
        application.materials.filter(removed_at__isnull=True).order_by("item_id", "created_at")
    )


def active_commitment(application: Application) -> Commitment | None:
    return (
        application.commitments.filter(kind=CommitmentKind.NOTIFY_COMMIT, voided_at__isnull=True)
        .order_by("-signed_at")
        .first()
    )


@dataclass(frozen=True)
class ItemMaterials:
    """One item of an application with its materials: what is uploaded and what is lacking."""

    item: ApplicationItem
    spec: ServiceItem
    uploaded: dict[str, list[Material]]
    missing_key: tuple[str, ...]
    missing_rongque: tuple[str, ...]
    missing_other: tuple[str, ...]
    covered: tuple[str, ...]
    required: tuple[tuple[str, str, bool, bool, bool], ...]  # key, name, key?, 容缺?, 承诺?


def materials_status(
    application: Application, *, enhanced: bool | None = None
) -> list[ItemMaterials]:
    """Per item: uploaded materials and what is still lacking (given the signed commitment
    and, unless told otherwise, the application's enhanced-verification flag)."""
    catalogue = default_catalogue()
    committed = active_commitment(application) is not None
    enhanced = application.enhanced if enhanced is None else enhanced
    by_item: dict[int, dict[str, list[Material]]] = {}
    for material in live_materials(application):
        by_item.setdefault(material.item_id, {}).setdefault(material.material_key, []).append(
            material
        )
    rows = []
    for item in application_items(application):
        spec = catalogue.item(item.item_key)
        uploaded = by_item.get(item.pk, {})
        check = check_materials(
            spec, uploaded=uploaded.keys(), committed=committed, enhanced=enhanced
        )
        rows.append(
            ItemMaterials(
                item=item,
                spec=spec,
                uploaded=uploaded,
                missing_key=tuple(m.name_zh for m in check.missing_key),
                missing_rongque=tuple(m.name_zh for m in check.missing_rongque),
                missing_other=tuple(m.name_zh for m in check.missing_other),
                covered=tuple(m.name_zh for m in check.covered),
                required=tuple(
                    (m.key, m.name_zh, m.key_material, m.rongque, m.commitment)
                    for m in spec.required_materials(enhanced=enhanced)
                ),
            )
        )
    return rows


def item_label(item: ApplicationItem) -> str:
    """Item name with its target (the vehicle's plate for vehicle certificates)."""
    if item.vehicle is not None:
        return f"{item.name_zh}（{item.vehicle.plate}）"
    return item.name_zh


# --- Credit --------------------------------------------------------------------------------------


def _graded_for(subject: Operator | Vehicle | Practitioner) -> Graded | None:
    if isinstance(subject, Vehicle):
        return subject.operator
    return subject


def serious_listed(subject: Graded) -> bool:
    """Whether the subject is on the serious-dishonesty list (a listing decided by an officer)."""
    field_name = "operator" if isinstance(subject, Operator) else "practitioner"
    return ListEntry.objects.filter(
        list_kind=ListKind.SERIOUS, status=ListEntryStatus.LISTED, **{field_name: subject}
    ).exists()


def false_commitment_of(subject: Graded, *, today: dt.date) -> str | None:
    """Why the subject is barred from commitments (a past false commitment), or None."""
    policy = default_policy()
    field_name = "operator" if isinstance(subject, Operator) else "practitioner"
    ban = (
        CommitmentBan.objects.filter(ends_on__gte=today, **{field_name: subject})
        .order_by("-ends_on")
        .first()
    )
    if ban is not None:
        return f"{date_zh(ban.starts_on)}核查发现信用承诺不实，至{date_zh(ban.ends_on)}不适用告知承诺制"
    since = add_months(today, -policy.breach_bar_months)
    record = (
        CreditRecord.objects.filter(
            behaviour_code=policy.breach_behaviour_code,
            status__in=["active", "under_objection"],
            occurred_on__gte=since,
            **{field_name: subject},
        )
        .order_by("-occurred_on")
        .first()
    )
    if record is not None:
        return f"{date_zh(record.occurred_on)}有“{record.behaviour_name}”记录"
    return None


def _credit_note(result: Any) -> str:
    if not result.rated or result.period_start is None or result.period_end is None:
        return ""
    period = f"{date_zh(result.period_start)}至{date_zh(result.period_end)}"
    if result.scheme == "enterprise":
        return f"评价期{period}得分{result.score}分"
    return f"考核周期{period}记{result.score}分"


def party_credit(
    subject: Operator | Vehicle | Practitioner, *, role_zh: str, today: dt.date
) -> PartyCredit:
    """One party's credit for the tier policy: its grade (vehicles: their owner's) from the
    grading engine, the serious-dishonesty list and any past false commitment."""
    from roadcredit.credit.services.grading import grade_explain, scheme_of

    label = subject.plate if isinstance(subject, Vehicle) else subject.name
    graded = _graded_for(subject)
    if graded is None:  # a vehicle without an owner: nothing to grade, treated as unrated
        return PartyCredit(role_zh=role_zh, label=label, scheme="enterprise", grade=UNRATED)
    result = grade_explain(graded, as_of=today)
    note = _credit_note(result)
    if isinstance(subject, Vehicle):
        note = f"按所属业户{graded.name}的信用等级" + (f"；{note}" if note else "")
    false_commitment = false_commitment_of(graded, today=today)
    return PartyCredit(
        role_zh=role_zh,
        label=label,
        scheme=scheme_of(graded),
        grade=result.grade,
        grade_name_zh=result.grade_name_zh,
        credit_note_zh=note,
        serious_list=serious_listed(graded),
        false_commitment=false_commitment is not None,
        false_commitment_note_zh=false_commitment or "",
    )


def tier_decision(
    applicant: Graded,
    targets: list[Operator | Vehicle | Practitioner],
    *,
    today: dt.date | None = None,
) -> TierDecision:
    """The tier of an application by ``applicant`` whose items concern ``targets``: the worst of
    the applicant, each vehicle (through its owner) and each other driver."""
    today = today or clock.today()
    parties = [party_credit(applicant, role_zh="申请人", today=today)]
    seen: set[tuple[str, int]] = {(type(applicant).__name__, applicant.pk)}
    for target in targets:
        key = (type(target).__name__, target.pk)
        if key in seen:
            continue
        seen.add(key)
        role = "车辆" if isinstance(target, Vehicle) else "驾驶员"
        if isinstance(target, Operator):
            role = "经营业户"
        parties.append(party_credit(target, role_zh=role, today=today))
    return default_policy().decide(parties)


def application_tier_now(application: Application) -> TierDecision:
    targets = [item.target for item in application_items(application)]
    applicant = application.operator or application.practitioner
    assert applicant is not None
    return tier_decision(applicant, targets)  # type: ignore[arg-type]


@dataclass(frozen=True)
class CreditPanel:
    """The reviewer's credit panel: for each party its explanation and list flags."""

    entries: list[dict[str, Any]] = field(default_factory=list)


def credit_panel_for(*, viewer: Any, application: Application) -> CreditPanel:
    """Grade, explanation and list flags of every party (staff only), read now."""
    from roadcredit.credit.selectors_cases import credit_explanation_for

    if user_role(viewer) not in BUSINESS_STAFF:
        raise PermissionDenied(_("Only bureau staff see the credit panel."))
    subjects: list[tuple[str, Graded]] = []
    applicant = application.operator or application.practitioner
    assert applicant is not None
    subjects.append(("申请人", applicant))
    for item in application_items(application):
        graded = _graded_for(item.target)  # type: ignore[arg-type]
        if graded is not None and all(
            graded.pk != s.pk or type(graded) is not type(s) for _r, s in subjects
        ):
            subjects.append(("驾驶员" if isinstance(graded, Practitioner) else "经营业户", graded))
    today = clock.today()
    entries = []
    for role, subject in subjects:
        explanation = credit_explanation_for(viewer=viewer, subject=subject)
        entries.append(
            {
                "role": role,
                "subject": subject,
                "explanation": explanation,
                "serious_list": explanation.on_serious_list,
                "red_list": explanation.on_red_list,
                "false_commitment": false_commitment_of(subject, today=today),
            }
        )
    return CreditPanel(entries=entries)


# --- Queues ----------------------------------------------------------------------------------------


def window_queue(*, viewer: Any, limit: int = 200) -> list[Application]:
    """Submitted applications waiting at the window: priority first (excellent credit before
    the others, doubtful last), then the oldest submission first."""
    if user_role(viewer) not in {Role.CLERK, Role.APPROVER, Role.LEADER}:
        raise PermissionDenied(_("You may not see the window queue."))
    return list(
        Application.objects.select_related("operator", "practitioner")
        .filter(status__in=QUEUE_STATES)
        .order_by("priority", "submitted_at", "pk")[:limit]
    )


def review_workbench(*, viewer: Any, limit: int = 200) -> list[Application]:
    """Accepted applications for the approvers, in the same order as the window queue."""
    if user_role(viewer) not in {Role.APPROVER, Role.LEADER, Role.CLERK}:
        raise PermissionDenied(_("You may not see the review workbench."))
    return list(
        Application.objects.select_related("operator", "practitioner", "first_reviewer")
        .filter(status__in=WORKBENCH_STATES)
        .order_by("priority", "accepted_at", "pk")[:limit]
    )


def verification_tasks(*, viewer: Any, include_done: bool = False) -> list[Commitment]:
    """Post-verification tasks of commitments (officers see all; oldest due first)."""
    if user_role(viewer) not in {Role.CREDIT_OFFICER, Role.INSPECTOR, Role.APPROVER, Role.LEADER}:
        raise PermissionDenied(_("You may not view verification tasks."))
    tasks = Commitment.objects.select_related("application", "officer").filter(
        kind=CommitmentKind.NOTIFY_COMMIT,
        outcome__in=["pending"] + (["true", "false"] if include_done else []),
    )
    return list(tasks.order_by("verification_due_on", "pk"))


def open_proceedings(*, viewer: Any) -> list[RevocationProceeding]:
    if user_role(viewer) not in BUSINESS_STAFF:
        raise PermissionDenied(_("You may not view revocation proceedings."))
    return list(
        RevocationProceeding.objects.select_related("licence", "commitment__application")
        .filter(status=ProceedingStatus.OPEN)
        .order_by("opened_at")
    )


def is_overdue(application: Application, today: dt.date | None = None) -> bool:
    today = today or clock.today()
    return (
        application.due_on is not None
        and application.state in OPEN_STATES
        and today > application.due_on
    )


def actions_for(viewer: Any, application: Application) -> list[str]:
    actor = viewer_actor(viewer, application)
    if actor is None:
        return []
    return [action.value for action in available_actions(application.state, actor)]


# --- Statistics ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TripStatistics:
    closed: int
    average_trips: float | None
    zero_trip_share: float | None  # 0..1
    traditional_trips: int
    trips_saved: int
    average_working_days: float | None
    by_tier: dict[str, dict[str, Any]]
    by_status: dict[str, int]
    overdue_open: int
    verification_pending: int
    verification_false: int


def trip_statistics(*, viewer: Any) -> TripStatistics:
    """Trips (in-person visits) and processing time of finished applications against the
    traditional path (the catalogue's ``traditional_trips``, 2)."""
    if user_role(viewer) not in BUSINESS_STAFF:
        raise PermissionDenied(_("You may not view the statistics."))
    traditional = default_catalogue().procedure.traditional_trips
    closed = Application.objects.filter(status=State.CLOSED.value)
    totals = closed.aggregate(
        n=Count("pk"),
        avg_trips=Avg("trips"),
        avg_days=Avg("processing_working_days"),
        zero=Count("pk", filter=Q(trips=0)),
    )
    n = int(totals["n"] or 0)
    trips_sum = sum(closed.values_list("trips", flat=True))
    by_tier: dict[str, dict[str, Any]] = {}
    for row in closed.values("tier").annotate(
        n=Count("pk"), avg_trips=Avg("trips"), avg_days=Avg("processing_working_days")
    ):
        by_tier[row["tier"] or "-"] = {
            "count": row["n"],
            "average_trips": row["avg_trips"],
            "average_working_days": row["avg_days"],
        }
    statuses = Counter(dict(Application.objects.values_list("status").annotate(n=Count("pk"))))
    today = clock.today()
    overdue = Application.objects.filter(
        status__in=[s.value for s in OPEN_STATES], due_on__lt=today
    ).count()
    return TripStatistics(
        closed=n,
        average_trips=float(totals["avg_trips"]) if totals["avg_trips"] is not None else None,
        zero_trip_share=(totals["zero"] / n) if n else None,
        traditional_trips=traditional,
        trips_saved=max(0, traditional * n - trips_sum),
        average_working_days=float(totals["avg_days"]) if totals["avg_days"] is not None else None,
        by_tier=by_tier,
        by_status={STATE_LABELS_ZH[State(k)]: v for k, v in statuses.items()},
        overdue_open=overdue,
        verification_pending=Commitment.objects.filter(outcome=VerificationOutcome.PENDING).count(),
        verification_false=Commitment.objects.filter(outcome=VerificationOutcome.FALSE).count(),
    )


def officer_by_public_id(public_id: str | None) -> Any:
    """The verification officer an approver named (None when not named)."""
    if not public_id:
        return None
    from django.contrib.auth import get_user_model

    found = get_user_model().objects.filter(public_id=public_id, is_active=True).first()
    if found is None:
        raise NotFound(_("No such officer."))
    return found


def applications_of_viewer(
    *, viewer: Any, status: str | None = None, limit: int = 200
) -> list[Application]:
    """The viewer's applications (holders: their own; staff: all), newest first."""
    found = applications_visible_to(viewer)
    if status:
        found = found.filter(status=status)
    return list(found.order_by("-created_at", "-pk")[:limit])


def my_tier(*, viewer: Any) -> TierDecision:
    """The tier the viewer's own subject would get if it applied now."""
    role = user_role(viewer)
    if role == Role.OPERATOR:
        return tier_decision(viewer.operator, [])
    if role == Role.PRACTITIONER:
        return tier_decision(viewer.practitioner, [])
    raise PermissionDenied(_("Only applicant accounts have a tier of their own."))


def proceedings_of(application: Application) -> list[RevocationProceeding]:
    return list(
        RevocationProceeding.objects.select_related("licence")
        .filter(commitment__application=application)
        .order_by("opened_at")
    )


def application_contact_phone(*, viewer: Any, application: Application) -> str:
    """The applicant's contact phone as this viewer may see it: in full for roles whose work
    needs it (decrypted only then, and each such access written to the audit trail as
    ``licensing.full_view``, naming the viewer and the application), masked for everyone else."""
    if not (sees_full_personal_data(viewer) and application.contact_phone_encrypted):
        return application.contact_phone_masked
    from django.db import transaction

    from roadcredit.audit.services import audit_record

    with transaction.atomic():
        audit_record(
            actor=viewer,
            action="licensing.full_view",
            target=application,
            after={"fields": ["contact_phone"]},
        )
    return pii.decrypt(bytes(application.contact_phone_encrypted), purpose="phone")
