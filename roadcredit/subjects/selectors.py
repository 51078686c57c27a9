"""Reads of the subject registry, always through the viewer's scope.

Bureau staff see every subject ("all"). Holder accounts see only their own subject ("own"): an
operator account its operator, that operator's vehicles and the practitioners it employs; a
practitioner account only itself. Anything outside the scope is reported as not found, so a
holder cannot even learn whether another holder's record exists. Administrators (三员) have no
business with the registry and are refused outright.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from roadcredit.accounts.access import sees_full_personal_data, user_role
from roadcredit.accounts.roles import BUSINESS_STAFF, Role
from roadcredit.core import pii
from roadcredit.core.errors import NotFound, PermissionDenied
from roadcredit.core.models import PUBLIC_ID_ALPHABET

from .identifiers import IdentifierError, normalise_plate, validate_id_number
from .models import Operator, Practitioner, UsccAllowListEntry, Vehicle

SubjectKind = Literal["operator", "vehicle", "practitioner"]
ScopeName = Literal["all", "operator", "practitioner", "none"]
SEARCH_MIN_VIN = 6  # shorter fragments would match half the fleet
SEARCH_MAX_LENGTH = 100
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
PUBLIC_ID_LENGTH = 16
_PUBLIC_ID_CHARS = frozenset(PUBLIC_ID_ALPHABET)


def uscc_allowlisted(code: str) -> bool:
    """Whether ``code`` is on the security administrator's USCC check-exception list."""
    return UsccAllowListEntry.objects.filter(uscc=(code or "").strip().upper()).exists()


def uscc_allowlist_entries() -> list[UsccAllowListEntry]:
    return list(UsccAllowListEntry.objects.select_related("added_by").order_by("uscc"))


# --- Scope ------------------------------------------------------------------------------------


def _scope(viewer: Any) -> ScopeName:
    role = user_role(viewer)
    if role in BUSINESS_STAFF:
        return "all"
    if role == Role.OPERATOR:
        return "operator"
    if role == Role.PRACTITIONER:
        return "practitioner"
    return "none"


def operators_visible_to(viewer: Any) -> QuerySet[Operator]:
    scope = _scope(viewer)
    if scope == "all":
        return Operator.objects.all()
    if scope == "operator":
        return Operator.objects.filter(pk=viewer.operator_id)
    return Operator.objects.none()


def vehicles_visible_to(viewer: Any) -> QuerySet[Vehicle]:
    scope = _scope(viewer)
    if scope == "all":
        return Vehicle.objects.all()
    if scope == "operator":
        return Vehicle.objects.filter(operator_id=viewer.operator_id)
    return Vehicle.objects.none()


def practitioners_visible_to(viewer: Any) -> QuerySet[Practitioner]:
    scope = _scope(viewer)
    if scope == "all":
        return Practitioner.objects.all()
    if scope == "operator":
        return Practitioner.objects.filter(employer_id=viewer.operator_id)
    if scope == "practitioner":
        return Practitioner.objects.filter(pk=viewer.practitioner_id)
    return Practitioner.objects.none()


def _refuse_unscoped(viewer: Any, public_id: str, not_found: str) -> None:
    if _scope(viewer) == "none":
        raise PermissionDenied(_("You may not view registry records."))
    if len(public_id) != PUBLIC_ID_LENGTH or not set(public_id) <= _PUBLIC_ID_CHARS:
        raise NotFound(not_found)  # cannot exist; spare the database an odd literal


# --- Single records ---------------------------------------------------------------------------


def operator_get_for(*, viewer: Any, public_id: str) -> Operator:
    _refuse_unscoped(viewer, public_id, _("No such operator."))
    found = (
        operators_visible_to(viewer)
        .prefetch_related("business_scopes")
        .filter(public_id=public_id)
        .first()
    )
    if found is None:
        raise NotFound(_("No such operator."))
    return found


def vehicle_get_for(*, viewer: Any, public_id: str) -> Vehicle:
    _refuse_unscoped(viewer, public_id, _("No such vehicle."))
    found = vehicles_visible_to(viewer).select_related("operator").filter(public_id=public_id)
    vehicle = found.first()
    if vehicle is None:
        raise NotFound(_("No such vehicle."))
    return vehicle


def practitioner_get_for(*, viewer: Any, public_id: str) -> Practitioner:
    _refuse_unscoped(viewer, public_id, _("No such practitioner."))
    practitioner = (
        practitioners_visible_to(viewer)
        .select_related("employer")
        .prefetch_related("qualifications")
        .filter(public_id=public_id)
        .first()
    )
    if practitioner is None:
        raise NotFound(_("No such practitioner."))
    return practitioner


def operator_vehicles_for(*, viewer: Any, operator: Operator) -> list[Vehicle]:
    return list(vehicles_visible_to(viewer).filter(operator=operator).order_by("plate"))


def operator_practitioners_for(*, viewer: Any, operator: Operator) -> list[Practitioner]:
    """The operator's practitioners (lists show the masked ID number only)."""
    return list(
        practitioners_visible_to(viewer)
        .filter(employer=operator)
        .defer("id_number_encrypted", "phone_encrypted")
        .order_by("name")
    )


def practitioner_personal_data(*, viewer: Any, practitioner: Practitioner) -> dict[str, Any]:
    """ID number and phone as this viewer may see them: full for roles whose work needs them
    (decrypted only then, and each such access written to the audit trail naming the viewer
    and the practitioner, ``subjects.full_view``), masked for everyone else. ``masked`` says
    which."""
    if sees_full_personal_data(viewer):
        from django.db import transaction

        from roadcredit.audit.services import audit_record

        phone = (
            pii.decrypt(practitioner.phone_encrypted, purpose="phone")
            if practitioner.phone_encrypted
            else ""
        )
        with transaction.atomic():
            audit_record(
                actor=viewer,
                action="subjects.full_view",
                target=practitioner,
                after={"fields": ["id_number", "phone"]},
            )
        return {
            "id_number": pii.decrypt(practitioner.id_number_encrypted, purpose="id_number"),
            "phone": phone,
            "masked": False,
        }
    return {
        "id_number": practitioner.id_number_masked,
        "phone": practitioner.phone_masked,
        "masked": True,
    }


# --- Search -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubjectHit:
    kind: SubjectKind
    public_id: str
    title: str
    subtitle: str

    @property
    def detail_url_name(self) -> str:
        return f"subjects:{self.kind}_detail"


def _operator_hit(operator: Operator) -> SubjectHit:
    return SubjectHit(
        kind="operator",
        public_id=operator.public_id,
        title=operator.name,
        subtitle=" · ".join(
            [operator.uscc, str(operator.get_kind_display()), str(operator.get_status_display())]
        ),
    )


def _vehicle_hit(vehicle: Vehicle) -> SubjectHit:
    owner = vehicle.operator.name if vehicle.operator is not None else _("no owning operator")
    return SubjectHit(
        kind="vehicle",
        public_id=vehicle.public_id,
        title=f"{vehicle.plate}（{vehicle.get_plate_colour_display()}）",
        subtitle=" · ".join([vehicle.vin, str(vehicle.get_vehicle_type_display()), owner]),
    )


def _practitioner_hit(viewer: Any, practitioner: Practitioner) -> SubjectHit:
    personal = practitioner_personal_data(viewer=viewer, practitioner=practitioner)
    employer = practitioner.employer.name if practitioner.employer is not None else _("no employer")
    return SubjectHit(
        kind="practitioner",
        public_id=practitioner.public_id,
        title=practitioner.name,
        subtitle=" · ".join([personal["id_number"], employer]),
    )


def subjects_search(*, viewer: Any, query: str, limit: int = 50) -> list[SubjectHit]:
    """One box for every identifier: operator name or USCC (exact or prefix), plate (ignoring
    spaces and dots) or VIN, practitioner name or ID number (exact, through the blind index).
    Results stay inside the viewer's scope and personal data is masked per viewer."""
    text = _CONTROL_CHARS.sub("", query or "").strip()[:SEARCH_MAX_LENGTH]
    if not text or limit <= 0:
        return []
    upper = text.upper()
    hits: list[SubjectHit] = []

    operators = operators_visible_to(viewer).filter(
        Q(name__icontains=text) | Q(uscc__startswith=upper)
    )
    hits.extend(_operator_hit(o) for o in operators.order_by("name")[:limit])

    plate = normalise_plate(text)
    vehicle_match = Q(plate__icontains=plate) if plate else Q(pk__in=[])
    if len(upper) >= SEARCH_MIN_VIN:
        vehicle_match |= Q(vin__icontains=upper)
    vehicles = vehicles_visible_to(viewer).filter(vehicle_match).select_related("operator")
    hits.extend(_vehicle_hit(v) for v in vehicles.order_by("plate")[:limit])

    person_match = Q(name__icontains=text)
    try:
        number = validate_id_number(text).number
    except IdentifierError:
        pass
    else:
        person_match |= Q(id_number_index=pii.blind_index(number, purpose="id_number"))
    people = practitioners_visible_to(viewer).filter(person_match).select_related("employer")
    hits.extend(_practitioner_hit(viewer, p) for p in people.order_by("name")[:limit])
    return hits[:limit]
