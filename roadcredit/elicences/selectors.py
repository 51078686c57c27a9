"""Reads of licence records, always through the viewer's scope, and the catalogue.

Bureau staff see every licence. An operator account sees the licences of its operator and of
its vehicles; a practitioner account its own certificates. Anything outside the scope is
reported as not found. The three administrators have no business with licences.

Personal data: the face JSON never holds a full ID number. ``licence_face_rows`` decrypts the
number from the practitioner only for roles whose work needs full personal data
(``accounts.roles.FULL_PERSONAL_DATA``); the caller logs such views (``verification`` does).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.db.models import Q, QuerySet
from django.dispatch import receiver
from django.utils.translation import gettext as _

from roadcredit.accounts.access import sees_full_personal_data, user_role
from roadcredit.accounts.roles import BUSINESS_STAFF, Role
from roadcredit.core import pii
from roadcredit.core.errors import NotFound, PermissionDenied
from roadcredit.core.masking import mask_name
from roadcredit.core.models import PUBLIC_ID_ALPHABET
from roadcredit.subjects.models import Operator, Practitioner, Vehicle

from .catalogue import Catalogue, LicenceType, load_catalogue
from .models import HolderKind, Licence, LicenceEvent, LicenceStatus

PUBLIC_ID_LENGTH = 16
_PUBLIC_ID_CHARS = frozenset(PUBLIC_ID_ALPHABET)
LAYOUT_BY_HOLDER = {
    HolderKind.OPERATOR: "business_permit",
    HolderKind.VEHICLE: "transport_certificate",
    HolderKind.PRACTITIONER: "qualification_certificate",
}
# Face keys drawn elsewhere on the PDF (heading, validity line, issuer block) or not drawable.
NOT_IN_FIELD_TABLE = frozenset(
    {"number", "valid_from", "valid_until", "issuer_name", "issued_on", "photo"}
)


# --- Catalogue --------------------------------------------------------------------------------


@functools.cache
def licence_catalogue() -> Catalogue:
    """The licence-type catalogue (``ELICENCE_CATALOGUE_PATH`` or the shipped file), with the
    issuing authority overridden by ``ELICENCE_ISSUER`` when set; loaded once per process."""
    path = getattr(settings, "ELICENCE_CATALOGUE_PATH", None)
    issuer = getattr(settings, "ELICENCE_ISSUER", None)
    return load_catalogue(path, issuer=issuer)


@receiver(setting_changed)
def _forget_catalogue(*, setting: str, **kwargs: Any) -> None:
    if setting in ("ELICENCE_CATALOGUE_PATH", "ELICENCE_ISSUER"):
        licence_catalogue.cache_clear()


def licence_type(type_key: str) -> LicenceType:
    try:
        return licence_catalogue()[type_key]
    except KeyError:
        raise NotFound(_("No such licence type.")) from None


def licence_type_name(type_key: str) -> str:
    try:
        return licence_catalogue()[type_key].name_zh
    except KeyError:
        return type_key


def licence_number_key(licence_type: LicenceType, number: str) -> str:
    """The lookup key of a licence number: the number itself, or the keyed blind index of the
    holder's ID number when the number is one (never stored in the clear)."""
    if licence_type.number_is_id_number:
        return pii.blind_index(number, purpose="id_number")
    return number.strip()


# --- Scope ------------------------------------------------------------------------------------


def licences_visible_to(viewer: Any) -> QuerySet[Licence]:
    role = user_role(viewer)
    if role in BUSINESS_STAFF:
        return Licence.objects.all()
    if role == Role.OPERATOR:
        # The fleet's ids first (a fleet is small): an OR across the vehicle join would make
        # PostgreSQL read every licence of the district; an OR of two indexed columns does not.
        fleet = list(
            Vehicle.objects.filter(operator_id=viewer.operator_id).values_list("pk", flat=True)
        )
        return Licence.objects.filter(Q(operator_id=viewer.operator_id) | Q(vehicle_id__in=fleet))
    if role == Role.PRACTITIONER:
        return Licence.objects.filter(practitioner_id=viewer.practitioner_id)
    return Licence.objects.none()


def licence_get_for(*, viewer: Any, public_id: str) -> Licence:
    role = user_role(viewer)
    if role not in BUSINESS_STAFF and role not in (Role.OPERATOR, Role.PRACTITIONER):
        raise PermissionDenied(_("You may not view licences."))
    if len(public_id) != PUBLIC_ID_LENGTH or not set(public_id) <= _PUBLIC_ID_CHARS:
        raise NotFound(_("No such licence."))
    found = (
        licences_visible_to(viewer)
        .select_related("operator", "vehicle__operator", "practitioner", "predecessor")
        .filter(public_id=public_id)
        .first()
    )
    if found is None:
        raise NotFound(_("No such licence."))
    return found


def licences_of_subject(
    *, viewer: Any, subject: Operator | Vehicle | Practitioner
) -> list[Licence]:
    """Every licence version of one subject the viewer may see, newest first."""
    if isinstance(subject, Operator):
        holder = Q(operator=subject)
    elif isinstance(subject, Vehicle):
        holder = Q(vehicle=subject)
    else:
        holder = Q(practitioner=subject)
    return list(licences_visible_to(viewer).filter(holder).order_by("type_key", "-version", "-pk"))


def subject_get_for(*, viewer: Any, kind: str, public_id: str) -> Operator | Vehicle | Practitioner:
    """A subject of the registry by kind, through the registry's own scope rules."""
    from roadcredit.subjects import selectors as subjects

    if kind == HolderKind.OPERATOR:
        return subjects.operator_get_for(viewer=viewer, public_id=public_id)
    if kind == HolderKind.VEHICLE:
        return subjects.vehicle_get_for(viewer=viewer, public_id=public_id)
    if kind == HolderKind.PRACTITIONER:
        return subjects.practitioner_get_for(viewer=viewer, public_id=public_id)
    raise NotFound(_("No such subject."))


def licence_chain(licence: Licence) -> list[Licence]:
    """Every version of the licence, first version first."""
    root_id = licence.chain_root_id
    return list(Licence.objects.filter(Q(pk=root_id) | Q(root_id=root_id)).order_by("version"))


def licence_events(licence: Licence) -> list[LicenceEvent]:
    """The timeline of the whole chain (all versions), oldest first."""
    root_id = licence.chain_root_id
    return list(
        LicenceEvent.objects.filter(Q(licence_id=root_id) | Q(licence__root_id=root_id))
        .select_related("licence", "actor")
        .order_by("at", "pk")
    )


def licence_successor(licence: Licence) -> Licence | None:
    return Licence.objects.filter(predecessor=licence).order_by("-version").first()


def licence_by_identifier(identifier: str) -> Licence | None:
    return (
        Licence.objects.select_related("operator", "vehicle__operator", "practitioner")
        .filter(identifier=identifier)
        .first()
    )


# --- Presentation -----------------------------------------------------------------------------


def holder_public_name(licence: Licence) -> str:
    """The holder as anyone may see it: a natural person's name masked; an operator's name; a
    vehicle's plate and owner."""
    if licence.holder_kind == HolderKind.PRACTITIONER:
        assert licence.practitioner is not None
        return mask_name(licence.practitioner.name)
    if licence.holder_kind == HolderKind.VEHICLE:
        assert licence.vehicle is not None
        vehicle = licence.vehicle
        owner = vehicle.operator.name if vehicle.operator is not None else ""
        return f"{vehicle.plate}（{owner}）" if owner else vehicle.plate
    assert licence.operator is not None
    return licence.operator.name


def full_licence_number(licence: Licence) -> str:
    """The licence number in full (decrypts the holder's ID number where it is one). Only for
    the PDF and for viewers entitled to full personal data."""
    licence_type_ = licence_catalogue()[licence.type_key]
    if licence_type_.number_is_id_number and licence.practitioner is not None:
        return pii.decrypt(licence.practitioner.id_number_encrypted, purpose="id_number")
    return licence.paper_number


@dataclass(frozen=True)
class FaceRow:
    key: str
    label: str
    value: str


def licence_face_rows(*, licence: Licence, full: bool) -> list[FaceRow]:
    """The face fields in catalogue order. ``full``: the number in full; otherwise personal fields
    are masked (name) or withheld."""
    try:
        fields = licence_catalogue()[licence.type_key].face
    except KeyError:
        return [FaceRow(key, key, str(value)) for key, value in licence.face.items()]
    rows: list[FaceRow] = []
    for field in fields:
        value = str(licence.face.get(field.key, "") or "")
        if field.key == "number":
            value = full_licence_number(licence) if full else licence.paper_number
        elif field.personal and not full:
            value = mask_name(value) if field.source == "holder.name" else "***" if value else ""
        if field.key == "photo" and not value:
            continue
        rows.append(FaceRow(field.key, field.label_zh, value))
    return rows


def licence_face_for(*, viewer: Any, licence: Licence) -> list[FaceRow]:
    """Face rows as this viewer may see them (full for FULL_PERSONAL_DATA roles and the holder's
    own account, masked for everyone else)."""
    own = user_role(viewer) in (Role.OPERATOR, Role.PRACTITIONER)
    return licence_face_rows(licence=licence, full=sees_full_personal_data(viewer) or own)


def status_label(status: str) -> str:
    return str(LicenceStatus(status).label) if status in LicenceStatus.values else status
