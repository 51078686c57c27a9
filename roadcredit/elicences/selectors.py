"""Reads of licence records, always through the viewer's scope, and the catalogue.

Bureau staff see every licence. An operator account sees the licences of its operator and of
its vehicles; a practitioner account its own certificates. Anything outside the scope is
reported as not found. The three administrators have no business with licences.

Personal data: the face JSON never holds a full ID number. ``licence_face_rows`` decrypts the
number from the practitioner only for roles whose work needs full personal data
(``accounts.roles.FULL_PERSONAL_DATA``); the caller logs such views (``verification`` does).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.db import models
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


# --- The verification lookup ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LicenceRecord:
    """What the real-time check of a scanned code reads about a licence: its current status,
    the fields its token's claims are matched against and the public summary's fields.

    Read by one indexed lookup on the unique ``identifier`` column (``VERIFICATION_SQL``),
    never cached: a status change shows on the very next check."""

    pk: int
    public_id: str
    identifier: str
    type_key: str
    holder_kind: str
    paper_number: str
    version: int
    valid_from: dt.date
    valid_until: dt.date | None
    issued_on: dt.date
    status: str
    status_reason: str
    status_list: str
    status_index: int | None
    operator_name: str | None
    vehicle_plate: str | None
    vehicle_owner: str | None
    practitioner_name: str | None
    successor_identifier: str | None

    @property
    def holder_public_name(self) -> str:
        """The holder as anyone may see it (``holder_public_name`` of the model)."""
        if self.holder_kind == HolderKind.PRACTITIONER:
            return mask_name(self.practitioner_name or "")
        if self.holder_kind == HolderKind.VEHICLE:
            plate = self.vehicle_plate or ""
            return f"{plate}（{self.vehicle_owner}）" if self.vehicle_owner else plate
        return self.operator_name or ""


def licence_record_of(licence: Licence) -> LicenceRecord:
    """The record of a licence already loaded (with its holder), for the same summary and
    verdict code as the lookup."""
    successor = licence_successor(licence) if licence.status == LicenceStatus.CHANGED else None
    vehicle = licence.vehicle if licence.holder_kind == HolderKind.VEHICLE else None
    operator = licence.operator if licence.holder_kind == HolderKind.OPERATOR else None
    practitioner = licence.practitioner if licence.holder_kind == HolderKind.PRACTITIONER else None
    return LicenceRecord(
        pk=licence.pk,
        public_id=licence.public_id,
        identifier=licence.identifier or "",
        type_key=licence.type_key,
        holder_kind=licence.holder_kind,
        paper_number=licence.paper_number,
        version=licence.version,
        valid_from=licence.valid_from,
        valid_until=licence.valid_until,
        issued_on=licence.issued_on,
        status=licence.status,
        status_reason=licence.status_reason,
        status_list=licence.status_list,
        status_index=licence.status_index,
        operator_name=operator.name if operator is not None else None,
        vehicle_plate=vehicle.plate if vehicle is not None else None,
        vehicle_owner=(
            vehicle.operator.name if vehicle is not None and vehicle.operator is not None else None
        ),
        practitioner_name=practitioner.name if practitioner is not None else None,
        successor_identifier=successor.identifier if successor is not None else None,
    )


@functools.cache
def verification_sql() -> str:
    """The one statement of the verification lookup, built once from the models' tables and
    columns: the licence by its unique identifier, its holder's public name and (for a
    superseded version) its successor's identifier. One ``%s`` placeholder: the identifier."""
    from django.db import connection

    quote = connection.ops.quote_name

    def col(alias: str, model: type[models.Model], name: str) -> str:
        field = model._meta.get_field(name)
        assert isinstance(field, models.Field) and field.column
        return f"{alias}.{quote(field.column)}"

    licence_columns = [
        col("l", Licence, name)
        for name in (
            "id",
            "public_id",
            "identifier",
            "type_key",
            "holder_kind",
            "paper_number",
            "version",
            "valid_from",
            "valid_until",
            "issued_on",
            "status",
            "status_reason",
            "status_list",
            "status_index",
        )
    ]
    licences = quote(Licence._meta.db_table)
    operators = quote(Operator._meta.db_table)
    vehicles = quote(Vehicle._meta.db_table)
    practitioners = quote(Practitioner._meta.db_table)
    successor = (
        f"(SELECT {col('s', Licence, 'identifier')} FROM {licences} s "  # noqa: S608
        f"WHERE {col('s', Licence, 'predecessor')} = {col('l', Licence, 'id')} "
        f"ORDER BY {col('s', Licence, 'version')} DESC LIMIT 1)"
    )
    # Names from the models' metadata only; the identifier is the one bound parameter.
    return (
        f"SELECT {', '.join(licence_columns)}, {col('o', Operator, 'name')}, "  # noqa: S608
        f"{col('v', Vehicle, 'plate')}, {col('vo', Operator, 'name')}, "
        f"{col('p', Practitioner, 'name')}, "
        f"CASE WHEN {col('l', Licence, 'status')} = '{LicenceStatus.CHANGED.value}' "
        f"THEN {successor} END "
        f"FROM {licences} l "
        f"LEFT OUTER JOIN {operators} o ON o.{quote('id')} = {col('l', Licence, 'operator')} "
        f"LEFT OUTER JOIN {vehicles} v ON v.{quote('id')} = {col('l', Licence, 'vehicle')} "
        f"LEFT OUTER JOIN {operators} vo ON vo.{quote('id')} = {col('v', Vehicle, 'operator')} "
        f"LEFT OUTER JOIN {practitioners} p "
        f"ON p.{quote('id')} = {col('l', Licence, 'practitioner')} "
        f"WHERE {col('l', Licence, 'identifier')} = %s"
    )


def _date(value: Any) -> dt.date:
    # PostgreSQL hands dates over as dates; SQLite as ISO text.
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def licence_record_from_row(row: Sequence[Any] | None) -> LicenceRecord | None:
    """The record from a row of ``verification_sql()`` (any DB-API cursor)."""
    if row is None:
        return None
    return LicenceRecord(
        pk=int(row[0]),
        public_id=row[1],
        identifier=row[2],
        type_key=row[3],
        holder_kind=row[4],
        paper_number=row[5],
        version=int(row[6]),
        valid_from=_date(row[7]),
        valid_until=None if row[8] is None else _date(row[8]),
        issued_on=_date(row[9]),
        status=row[10],
        status_reason=row[11],
        status_list=row[12],
        status_index=None if row[13] is None else int(row[13]),
        operator_name=row[14],
        vehicle_plate=row[15],
        vehicle_owner=row[16],
        practitioner_name=row[17],
        successor_identifier=row[18],
    )


def licence_record_by_identifier(identifier: str) -> LicenceRecord | None:
    """The verification lookup on Django's connection (pages, API, commands). The lean ASGI
    route runs the same statement on its own connection (``elicences.lean``)."""
    from django.db import connection

    if not identifier:
        return None
    with connection.cursor() as cursor:
        cursor.execute(verification_sql(), [identifier])
        return licence_record_from_row(cursor.fetchone())


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
