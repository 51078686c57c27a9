"""Dual-track issuance: one call makes the paper number and the e-licence together.

``licence_issue`` allocates the paper number (catalogue template), the GB/T 36904 identifier
(type code + issuer code + year/sequence serial + version + MOD 37,36 check) and a status-list
slot, builds the face from the holder and the catalogue's face fields, computes the validity,
signs the QR token, and stores it all with its event and audit entry in one transaction. The
sealed PDF is made on first need (``pdf_files.licence_pdf``), not here: the demo district's
11,960 licences must be issued within the quick start.

``licence_register_existing`` records a licence from the paper ledger (electronically at once,
or paper-only awaiting conversion) and ``licence_convert`` gives a paper-only one its e-licence:
both serve the stock conversion and work for types this bureau does not issue itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from roadcredit.audit.services import audit_record
from roadcredit.core import clock, pii
from roadcredit.core.errors import Conflict, ValidationFailed
from roadcredit.core.masking import mask_id_number
from roadcredit.elicences import signing
from roadcredit.elicences.catalogue import LicenceType, default_valid_until
from roadcredit.elicences.identifiers import build_licence_identifier, parse_licence_identifier
from roadcredit.elicences.models import (
    HolderKind,
    Licence,
    LicenceEvent,
    LicenceEventKind,
    LicenceOrigin,
    LicenceStatus,
)
from roadcredit.elicences.selectors import (
    holder_public_name,
    licence_catalogue,
    licence_number_key,
    licence_type_name,
)
from roadcredit.elicences.tokens import LicenceClaims, encode_licence_token, verification_url
from roadcredit.subjects.identifiers import PLATE_COLOURS
from roadcredit.subjects.models import (
    Operator,
    Practitioner,
    Qualification,
    SubjectStatus,
    Vehicle,
)

from .numbering_alloc import allocate_paper_numbers, allocate_serials, allocate_status_slots
from .statuslist_publish import status_list_touch

if TYPE_CHECKING:
    from roadcredit.accounts.models import User

Holder = Operator | Vehicle | Practitioner
SEX_ZH = {"M": "男", "F": "女"}
OPEN_ENDED_ZH = "长期"


# --- Small helpers ----------------------------------------------------------------------------


def _field_error(field: str, message: str) -> ValidationFailed:
    return ValidationFailed.for_fields(message, {field: [message]})


def catalogue_type(type_key: str) -> LicenceType:
    try:
        return licence_catalogue()[type_key]
    except KeyError:
        raise _field_error("type_key", _("Unknown licence type.")) from None


def holder_kind_of(holder: Holder) -> HolderKind:
    if isinstance(holder, Operator):
        return HolderKind.OPERATOR
    if isinstance(holder, Vehicle):
        return HolderKind.VEHICLE
    return HolderKind.PRACTITIONER


def _holder_fields(holder: Holder) -> dict[str, Any]:
    kind = holder_kind_of(holder)
    return {
        "holder_kind": kind,
        "operator": holder if kind == HolderKind.OPERATOR else None,
        "vehicle": holder if kind == HolderKind.VEHICLE else None,
        "practitioner": holder if kind == HolderKind.PRACTITIONER else None,
    }


def _check_holder(licence_type: LicenceType, holder: Holder) -> None:
    if holder_kind_of(holder) != licence_type.holder_kind:
        raise _field_error("holder", _("This licence type is not issued to this kind of holder."))
    if holder.status != SubjectStatus.ACTIVE:
        raise _field_error(
            "holder", _("The holder is not in operation; no licence can be issued to it.")
        )


def _lock_holder(holder: Holder) -> None:
    # Lock the holder row: two clerks issuing the same type to the same holder at once would
    # otherwise both find no live licence and both issue one.
    type(holder).objects.select_for_update().filter(pk=holder.pk).first()


def _refuse_second_live_licence(licence_type: LicenceType, holder: Holder) -> None:
    live = Licence.objects.filter(
        type_key=licence_type.key,
        status__in=[LicenceStatus.VALID, LicenceStatus.SUSPENDED],
        **{holder_kind_of(holder).value: holder},
    ).first()
    if live is not None:
        raise Conflict(
            _(
                "The holder already has a live licence of this type; change, renew or replace "
                "that licence instead."
            ),
            {"licence": live.public_id},
        )


def _date_value(value: object, field: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise _field_error(field, _("Enter a date as YYYY-MM-DD.")) from None


def id_number_of(practitioner: Practitioner) -> str:
    return pii.decrypt(practitioner.id_number_encrypted, purpose="id_number")


def _public_number(licence_type: LicenceType, number: str) -> str:
    return mask_id_number(number) if licence_type.number_is_id_number else number


# --- The face ---------------------------------------------------------------------------------


def _business_scope(operator: Operator | None) -> str:
    if operator is None:
        return ""
    return "；".join(scope.name for scope in operator.business_scopes.all())


def _business_licence_number(operator: Operator | None) -> str:
    if operator is None:
        return ""
    live = (
        Licence.objects.filter(
            operator=operator,
            type_key="business_licence",
            status__in=[LicenceStatus.VALID, LicenceStatus.SUSPENDED],
        )
        .values_list("paper_number", flat=True)
        .first()
    )
    return live or ""


def _tonnage_seats(vehicle: Vehicle) -> str:
    if vehicle.seats:
        return f"{vehicle.seats}座"
    if vehicle.approved_load_kg:
        return f"{vehicle.approved_load_kg / 1000:g}吨"
    return ""


def _source_getters(
    holder: Holder,
    *,
    issuer_name: str,
    number: str,
    valid_from: dt.date,
    valid_until: dt.date | None,
    issued_on: dt.date,
) -> dict[str, Callable[[], str]]:
    """Getters of every face-field source for this holder, built once per face; each value is
    computed only when a face field asks for it (the catalogue names each source once)."""
    operator = holder if isinstance(holder, Operator) else None
    vehicle = holder if isinstance(holder, Vehicle) else None
    practitioner = holder if isinstance(holder, Practitioner) else None
    if vehicle is not None:
        operator = vehicle.operator
    getters: dict[str, Callable[[], str]] = {
        "issuer.name": lambda: issuer_name,
        "licence.number": lambda: number,
        "licence.valid_from": lambda: valid_from.isoformat(),
        "licence.valid_until": lambda: valid_until.isoformat() if valid_until else OPEN_ENDED_ZH,
        "licence.issued_on": lambda: issued_on.isoformat(),
        "licence.business_scope": lambda: _business_scope(operator),
        "licence.business_licence_number": lambda: _business_licence_number(operator),
        "holder.uscc": lambda: operator.uscc if operator is not None else "",
        "holder.address": lambda: operator.address if operator is not None else "",
        "holder.nationality": lambda: "中国" if practitioner is not None else "",
    }
    if practitioner is not None:
        person = practitioner

        qualifications: list[Qualification] = []

        def held() -> list[Qualification]:
            if not qualifications:  # one query per face (none when prefetched)
                qualifications.extend(person.qualifications.all())
            return qualifications

        def categories() -> str:
            with translation.override("zh-hans"):
                return "、".join(str(q.get_category_display()) for q in held())

        def first_issued_on() -> str:
            first = min((q.first_issue_date for q in held()), default=None)
            return first.isoformat() if first else ""

        getters.update(
            {
                "holder.name": lambda: person.name,
                "holder.sex": lambda: SEX_ZH.get(person.sex, ""),
                "holder.birth_date": lambda: person.birth_date.isoformat(),
                "licence.categories": categories,
                "licence.first_issued_on": first_issued_on,
                "licence.employer": lambda: person.employer.name if person.employer else "",
            }
        )
    elif operator is not None:
        owner = operator
        getters["holder.name"] = lambda: owner.name
    if vehicle is not None:
        car = vehicle

        def vehicle_type() -> str:
            with translation.override("zh-hans"):
                return str(car.get_vehicle_type_display())

        getters.update(
            {
                "vehicle.plate": lambda: car.plate,
                "vehicle.plate_colour": lambda: PLATE_COLOURS.get(car.plate_colour, ""),
                "vehicle.type": vehicle_type,
                "vehicle.tonnage_seats": lambda: _tonnage_seats(car),
            }
        )
    return getters


def build_face(
    licence_type: LicenceType,
    holder: Holder,
    *,
    public_number: str,
    valid_from: dt.date,
    valid_until: dt.date | None,
    issued_on: dt.date,
    data: Mapping[str, object] | None = None,
) -> dict[str, str]:
    """The face values as issued, by face-field key. ``data`` may give any field's value
    (e.g. ``business_scope``, ``dimensions``); the number and dates always come from the
    licence, and the number is the *public* form (masked where it is an ID number)."""
    data = data or {}
    fixed = {"number", "valid_from", "valid_until", "issued_on", "issuer_name"}
    getters = _source_getters(
        holder,
        issuer_name=licence_catalogue().issuer.name,
        number=public_number,
        valid_from=valid_from,
        valid_until=valid_until,
        issued_on=issued_on,
    )
    face: dict[str, str] = {}
    for field in licence_type.face:
        given = data.get(field.key)
        if field.key not in fixed and given not in (None, ""):
            face[field.key] = str(given)
            continue
        getter = getters.get(field.source)
        face[field.key] = str(getter()) if getter is not None else ""
    return face


# --- The electronic part ----------------------------------------------------------------------


@dataclass(frozen=True)
class Electronic:
    identifier: str
    serial: str
    version: int
    status_list: str
    status_index: int
    qr_text: str


def verify_base_url() -> str:
    return str(settings.PUBLIC_BASE_URL).rstrip("/") + "/v/"


def sign_licence_token(
    *,
    identifier: str,
    type_key: str,
    public_number: str,
    holder: str,
    valid_from: dt.date,
    valid_until: dt.date | None,
    status_list: str,
    status_index: int,
) -> str:
    """The verification URL carrying the signed licence token (kind "L")."""
    claims = LicenceClaims(
        identifier=identifier,
        type_key=type_key,
        number=public_number,
        holder=holder,
        valid_from=valid_from,
        valid_until=valid_until,
        status_list=status_list,
        status_index=status_index,
        # The real signing time: the verifier checks the key was in its period then.
        issued_at=clock.now(),
    )
    token = encode_licence_token(claims, signing.active_signer())
    return verification_url(verify_base_url(), token)


def make_electronic(
    licence: Licence, licence_type: LicenceType, *, year: int, identifier: str | None = None
) -> Electronic:
    """Allocate a serial (or take ``identifier``, for a new version) and a status slot, and sign
    the token for ``licence`` (whose holder, number and validity are set). Inside atomic()."""
    if identifier is None:
        (serial,) = allocate_serials(licence_type, year=year)
        identifier = build_licence_identifier(
            licence_type.type_code, licence_catalogue().issuer.uscc, serial, 1
        )
    parsed = parse_licence_identifier(identifier)
    ((list_id, index),) = allocate_status_slots()
    qr_text = sign_licence_token(
        identifier=identifier,
        type_key=licence_type.key,
        public_number=licence.paper_number,
        holder=holder_public_name(licence),
        valid_from=licence.valid_from,
        valid_until=licence.valid_until,
        status_list=list_id,
        status_index=index,
    )
    return Electronic(
        identifier=identifier,
        serial=parsed.serial,
        version=parsed.version,
        status_list=list_id,
        status_index=index,
        qr_text=qr_text,
    )


def apply_electronic(licence: Licence, electronic: Electronic) -> None:
    licence.identifier = electronic.identifier
    licence.serial = electronic.serial
    licence.version = electronic.version
    licence.status_list = electronic.status_list
    licence.status_index = electronic.status_index
    licence.qr_text = electronic.qr_text
    licence.has_electronic = True


def licence_snapshot(licence: Licence) -> dict[str, Any]:
    """What the audit trail records about a licence (no personal data in the clear)."""
    return {
        "type_key": licence.type_key,
        "paper_number": licence.paper_number,
        "identifier": licence.identifier,
        "version": licence.version,
        "status": licence.status,
        "valid_from": licence.valid_from,
        "valid_until": licence.valid_until,
        "has_electronic": licence.has_electronic,
        "origin": licence.origin,
    }


def _insert(licence: Licence) -> None:
    try:
        with transaction.atomic():
            licence.save(force_insert=True)
    except IntegrityError:
        raise Conflict(
            _("A live licence with this number already exists."),
            {"paper_number": licence.paper_number},
        ) from None


# --- Issuance ---------------------------------------------------------------------------------


def _number_for(licence_type: LicenceType, holder: Holder, *, issued_on: dt.date) -> str:
    if licence_type.number_source == "template":
        (number,) = allocate_paper_numbers(licence_type, issued_on=issued_on)
        return number
    if licence_type.number_is_id_number:
        assert isinstance(holder, Practitioner)
        return id_number_of(holder)
    raise _field_error("number", _("This licence type is not numbered by this bureau."))


def licence_issue(
    *,
    actor: User | None,
    type_key: str,
    holder: Holder,
    valid_from: dt.date | None = None,
    data: Mapping[str, object] | None = None,
    at: dt.datetime | None = None,
) -> Licence:
    """Issue a licence on paper and electronically at once (see the module docstring).

    ``data`` may set face values the registry does not hold (``business_scope``,
    ``dimensions`` …) and ``valid_until`` (otherwise the catalogue's rule applies).
    """
    data = dict(data or {})
    licence_type = catalogue_type(type_key)
    if not licence_type.issued_here:
        raise _field_error(
            "type_key",
            _(
                "This bureau does not issue this licence type; it can only be registered from "
                "the paper ledger or converted."
            ),
        )
    _check_holder(licence_type, holder)
    moment = at or clock.now()
    issued_on = timezone.localdate(moment)
    valid_from = valid_from or issued_on
    valid_until = _date_value(data.pop("valid_until", None), "valid_until")
    if valid_until is None:
        valid_until = default_valid_until(licence_type, valid_from)
    if valid_until is not None and valid_until < valid_from:
        raise _field_error("valid_until", _("The validity ends before it starts."))
    with transaction.atomic():
        _lock_holder(holder)
        _refuse_second_live_licence(licence_type, holder)
        number = _number_for(licence_type, holder, issued_on=issued_on)
        licence = _new_record(
            licence_type,
            holder,
            number=number,
            issued_on=issued_on,
            valid_from=valid_from,
            valid_until=valid_until,
            data=data,
            actor=actor,
            origin=LicenceOrigin.ISSUED,
        )
        apply_electronic(licence, make_electronic(licence, licence_type, year=issued_on.year))
        _insert(licence)
        LicenceEvent.objects.create(
            licence=licence, kind=LicenceEventKind.ISSUE, at=moment, actor=actor
        )
        audit_record(
            actor=actor,
            action="elicences.licence_issue",
            target=licence,
            after=licence_snapshot(licence),
            at=moment,
        )
        credit_guidance_notice(licence, actor=actor, occasion="issue", at=moment)
    return licence


def credit_guidance_notice(
    licence: Licence, *, actor: User | None, occasion: Literal["issue", "renew"], at: dt.datetime
) -> None:
    """Leave the holder the credit notice (信用告知: benefits of good credit, measures for
    dishonesty) in its portal, in the caller's transaction (issue #6)."""
    from roadcredit.credit.services.guidance_notices import credit_guidance_notice_send

    credit_guidance_notice_send(
        actor=actor,
        subject=licence.holder,  # type: ignore[arg-type]
        occasion=occasion,
        licence_name=licence_type_name(licence.type_key),
        licence_number=licence.paper_number,
        at=at,
    )


def _new_record(
    licence_type: LicenceType,
    holder: Holder,
    *,
    number: str,
    issued_on: dt.date,
    valid_from: dt.date,
    valid_until: dt.date | None,
    data: Mapping[str, object],
    actor: User | None,
    origin: LicenceOrigin,
) -> Licence:
    public_number = _public_number(licence_type, number)
    return Licence(
        type_key=licence_type.key,
        type_code=licence_type.type_code,
        paper_number=public_number,
        number_key=licence_number_key(licence_type, number),
        face=build_face(
            licence_type,
            holder,
            public_number=public_number,
            valid_from=valid_from,
            valid_until=valid_until,
            issued_on=issued_on,
            data=data,
        ),
        valid_from=valid_from,
        valid_until=valid_until,
        issued_on=issued_on,
        status=LicenceStatus.VALID,
        origin=origin,
        issued_by=actor,
        has_electronic=False,
        **_holder_fields(holder),
    )


# --- Paper ledger and conversion -------------------------------------------------------------


def licence_register_existing(
    *,
    actor: User | None,
    type_key: str,
    holder: Holder,
    number: str,
    issued_on: dt.date,
    valid_from: dt.date,
    valid_until: dt.date | None,
    electronic: bool,
    data: Mapping[str, object] | None = None,
    at: dt.datetime | None = None,
) -> Licence:
    """Record a licence already issued on paper (the paper-licence ledger).

    ``electronic=False``: a paper-only record awaiting conversion (origin ``legacy_paper``);
    ``electronic=True``: converted at once (origin ``converted``, identifier and token, event
    ``convert``). The number must match the catalogue's pattern; for ID-number types it must be
    the holder's ID number. Works for types this bureau does not issue itself.
    """
    licence_type = catalogue_type(type_key)
    if holder_kind_of(holder) != licence_type.holder_kind:
        raise _field_error("holder", _("This licence type is not issued to this kind of holder."))
    number = number.strip().upper() if licence_type.number_is_id_number else number.strip()
    if not licence_type.number_matches(number):
        raise _field_error("number", _("The licence number does not match the type's format."))
    if licence_type.number_is_id_number:
        assert isinstance(holder, Practitioner)
        if number != id_number_of(holder):
            raise _field_error("number", _("The licence number is not the holder's ID number."))
    if valid_until is not None and valid_until < valid_from:
        raise _field_error("valid_until", _("The validity ends before it starts."))
    moment = at or clock.now()
    status = LicenceStatus.VALID
    if valid_until is not None and valid_until < timezone.localdate(moment):
        status = LicenceStatus.EXPIRED
    with transaction.atomic():
        licence = _new_record(
            licence_type,
            holder,
            number=number,
            issued_on=issued_on,
            valid_from=valid_from,
            valid_until=valid_until,
            data=data or {},
            actor=actor,
            origin=LicenceOrigin.CONVERTED if electronic else LicenceOrigin.LEGACY_PAPER,
        )
        licence.status = status
        if electronic:
            year = timezone.localdate(moment).year
            apply_electronic(licence, make_electronic(licence, licence_type, year=year))
        _insert(licence)
        LicenceEvent.objects.create(
            licence=licence,
            kind=LicenceEventKind.CONVERT if electronic else LicenceEventKind.ISSUE,
            at=moment,
            actor=actor,
            data={"source": "paper_ledger"},
        )
        if electronic and status != LicenceStatus.VALID:
            status_list_touch([licence.status_list], at=moment)
        audit_record(
            actor=actor,
            action="elicences.licence_register",
            target=licence,
            after=licence_snapshot(licence),
            at=moment,
        )
    return licence


def licence_convert(
    *, actor: User | None, licence: Licence, at: dt.datetime | None = None
) -> Licence:
    """Give a paper-only licence its electronic twin: identifier, status slot and signed token
    (origin ``converted``, event ``convert``). A licence that already has one is a Conflict."""
    moment = at or clock.now()
    with transaction.atomic():
        # Lock the row: two clerks converting the same licence at once would both allocate an
        # identifier, and one of the two would be lost.
        locked = (
            Licence.objects.select_for_update(of=("self",))
            .select_related("operator", "vehicle__operator", "practitioner")
            .get(pk=licence.pk)
        )
        if locked.has_electronic:
            raise Conflict(_("This licence already has its e-licence."))
        licence_type = catalogue_type(locked.type_key)
        before = licence_snapshot(locked)
        apply_electronic(
            locked, make_electronic(locked, licence_type, year=timezone.localdate(moment).year)
        )
        locked.origin = LicenceOrigin.CONVERTED
        locked.save()
        LicenceEvent.objects.create(
            licence=locked, kind=LicenceEventKind.CONVERT, at=moment, actor=actor
        )
        if locked.status != LicenceStatus.VALID:
            status_list_touch([locked.status_list], at=moment)
        audit_record(
            actor=actor,
            action="elicences.licence_convert",
            target=locked,
            before=before,
            after=licence_snapshot(locked),
            at=moment,
        )
    return locked
