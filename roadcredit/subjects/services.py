"""Writes to the subject registry: operators, vehicles, practitioners, the USCC allow-list and
the business-scope catalogue.

Every function validates with ``validation.parse_*`` (the one home of the record rules), checks
clashes with clear field errors before writing, writes, and appends its audit row in the same
``transaction.atomic()``. Audit snapshots never hold raw personal data: ID numbers and phones
appear only masked. A unique-constraint race between two writers that both passed the clash
check surfaces as ``Conflict``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from roadcredit.accounts.models import User
from roadcredit.audit.services import audit_record
from roadcredit.core import clock, pii
from roadcredit.core.errors import Conflict, NotFound, ValidationFailed
from roadcredit.core.masking import mask_id_number, mask_phone

from .catalogues import ScopeCatalogue
from .identifiers import IdentifierError, uscc_check_ok, validate_uscc
from .models import (
    BusinessScope,
    Operator,
    Practitioner,
    Qualification,
    SubjectStatus,
    UsccAllowListEntry,
    Vehicle,
)
from .selectors import uscc_allowlisted
from .validation import (
    FieldErrors,
    InputInvalid,
    OperatorInput,
    PractitionerInput,
    VehicleInput,
    parse_operator,
    parse_practitioner,
    parse_vehicle,
)

ALLOWLIST_REASON_MAX = 300
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _invalid(fields: FieldErrors) -> ValidationFailed:
    return ValidationFailed.for_fields(
        _("The submitted data has errors; please correct the marked fields."), fields
    )


@contextmanager
def _race_is_conflict() -> Iterator[None]:
    """Turn a unique-constraint violation into ``Conflict``. The clash checks run first, so this
    only fires when another writer registered the same identifier between check and insert."""
    try:
        yield
    except IntegrityError as exc:
        raise Conflict(
            _("Another user registered the same identifier at the same moment; please retry.")
        ) from exc


def _control_char_errors(data: Mapping[str, object], prefix: str = "") -> FieldErrors:
    """Control characters (NUL above all, which PostgreSQL refuses in text) are never part of a
    name, code or address; name the fields that carry them instead of failing in the database."""
    errors: FieldErrors = {}
    for key, value in data.items():
        items = value if isinstance(value, list | tuple) else [value]
        for index, item in enumerate(items):
            if isinstance(item, str) and _CONTROL_CHARS.search(item):
                errors.setdefault(f"{prefix}{key}", []).append(
                    _("Contains invisible control characters.")
                )
            elif isinstance(item, Mapping):
                errors.update(_control_char_errors(item, prefix=f"{prefix}{key}[{index}]."))
    return errors


def _parse(parser: Callable[[Mapping[str, object]], Any], data: Mapping[str, object]) -> Any:
    """Run a ``validation.parse_*`` function; its ``InputInvalid`` becomes ``ValidationFailed``."""
    bad = _control_char_errors(data)
    try:
        parsed = parser(data)
    except InputInvalid as exc:
        for key, messages in bad.items():
            exc.fields.setdefault(key, []).extend(messages)
        raise _invalid(exc.fields) from exc
    if bad:
        raise _invalid(bad)
    return parsed


def _resolve_operator(uscc: str | None, field_name: str, errors: FieldErrors) -> Operator | None:
    if uscc is None:
        return None
    found = Operator.objects.filter(uscc=uscc).first()
    if found is None:
        errors.setdefault(field_name, []).append(
            _("No operator is registered under the code %(uscc)s.") % {"uscc": uscc}
        )
    return found


def check_not_cancelled(
    operator: Operator | None, field_name: str, errors: FieldErrors, *, changed: bool
) -> None:
    """Add a field error when a vehicle or practitioner is newly attached (``changed``) to a
    cancelled operator. Shared with the bulk import."""
    if operator is not None and changed and operator.status == SubjectStatus.CANCELLED:
        errors.setdefault(field_name, []).append(
            _("The operator %(name)s is cancelled and cannot take new vehicles or staff.")
            % {"name": operator.name}
        )


# Kept for callers written against the earlier private name (exchange.registry_import).


# --- Operators --------------------------------------------------------------------------------


def _operator_values(operator: Operator) -> dict[str, object]:
    """The operator's current fields in the shape ``parse_operator`` reads (for merging)."""
    return {
        "uscc": operator.uscc,
        "name": operator.name,
        "kind": operator.kind,
        "legal_representative": operator.legal_representative,
        "address": operator.address,
        "division_code": operator.division_code,
        "business_scope_codes": sorted(s.code for s in operator.business_scopes.all()),
        "status": operator.status,
    }


def operator_snapshot(operator: Operator) -> dict[str, object]:
    """What the audit trail records about an operator."""
    return {**_operator_values(operator), "uscc_check_overridden": operator.uscc_check_overridden}


def _resolve_scopes(codes: tuple[str, ...], errors: FieldErrors) -> list[BusinessScope]:
    found = {s.code: s for s in BusinessScope.objects.filter(code__in=codes)}
    unknown = [code for code in codes if code not in found or not found[code].active]
    if unknown:
        errors.setdefault("business_scope_codes", []).append(
            _("Unknown or retired business scope code: %(codes)s.") % {"codes": "、".join(unknown)}
        )
    return [found[code] for code in codes if code in found]


def _write_operator(
    *, actor: User | None, operator: Operator | None, parsed: OperatorInput
) -> Operator:
    errors: FieldErrors = {}
    scopes = _resolve_scopes(parsed.business_scope_codes, errors)
    clash = Operator.objects.filter(uscc=parsed.uscc)
    if operator is not None:
        clash = clash.exclude(pk=operator.pk)
    if clash.exists():
        errors.setdefault("uscc", []).append(
            _("The unified social credit code %(uscc)s is already registered.")
            % {"uscc": parsed.uscc}
        )
    if errors:
        raise _invalid(errors)
    before = operator_snapshot(operator) if operator is not None else None
    after: dict[str, object] = {
        "uscc": parsed.uscc,
        "name": parsed.name,
        "kind": parsed.kind,
        "legal_representative": parsed.legal_representative,
        "address": parsed.address,
        "division_code": parsed.division_code,
        "business_scope_codes": sorted(parsed.business_scope_codes),
        "status": parsed.status,
        "uscc_check_overridden": parsed.uscc_check_overridden,
    }
    target = operator or Operator()
    if before != after:
        target.uscc = parsed.uscc
        target.name = parsed.name
        target.kind = parsed.kind
        target.legal_representative = parsed.legal_representative
        target.address = parsed.address
        target.division_code = parsed.division_code
        target.status = parsed.status
        target.uscc_check_overridden = parsed.uscc_check_overridden
        target.save()
        target.business_scopes.set(scopes)
        audit_record(
            actor=actor,
            action="subjects.operator.update" if operator else "subjects.operator.create",
            target=target,
            before=before,
            after=after,
        )
    return target


def operator_create(*, actor: User | None, data: Mapping[str, object]) -> Operator:
    """Register an operator (经营业户). ``data`` holds the fields ``parse_operator`` reads."""
    with _race_is_conflict(), transaction.atomic():
        parsed: OperatorInput = _parse(
            lambda d: parse_operator(d, uscc_allowlisted=uscc_allowlisted), data
        )
        return _write_operator(actor=actor, operator=None, parsed=parsed)


def operator_update(
    *, actor: User | None, operator: Operator, data: Mapping[str, object]
) -> Operator:
    """Change an operator; ``data`` may hold every field or only the ones to change."""
    with _race_is_conflict(), transaction.atomic():
        # Lock the row: two partial updates merging onto the same stale copy would otherwise
        # silently undo each other's change.
        locked = Operator.objects.select_for_update().get(pk=operator.pk)
        merged = {**_operator_values(locked), **data}

        def allowlisted(code: str) -> bool:
            # An already-registered pilot code stays accepted while it is unchanged.
            kept = code == locked.uscc and locked.uscc_check_overridden
            return kept or uscc_allowlisted(code)

        parsed: OperatorInput = _parse(
            lambda d: parse_operator(d, uscc_allowlisted=allowlisted), merged
        )
        return _write_operator(actor=actor, operator=locked, parsed=parsed)


# --- Vehicles ---------------------------------------------------------------------------------


def _vehicle_values(vehicle: Vehicle) -> dict[str, object]:
    return {
        "plate": vehicle.plate,
        "plate_colour": vehicle.plate_colour,
        "vin": vehicle.vin,
        "vehicle_type": vehicle.vehicle_type,
        "fuel": vehicle.fuel,
        "approved_load_kg": vehicle.approved_load_kg,
        "seats": vehicle.seats,
        "operator_uscc": vehicle.operator.uscc if vehicle.operator is not None else None,
        "status": vehicle.status,
    }


def vehicle_snapshot(vehicle: Vehicle) -> dict[str, object]:
    return _vehicle_values(vehicle)


def _write_vehicle(*, actor: User | None, vehicle: Vehicle | None, parsed: VehicleInput) -> Vehicle:
    errors: FieldErrors = {}
    owner = _resolve_operator(parsed.operator_uscc, "operator_uscc", errors)
    owner_changed = vehicle is None or (owner is not None and owner.pk != vehicle.operator_id)
    check_not_cancelled(owner, "operator_uscc", errors, changed=owner_changed)
    others = Vehicle.objects.exclude(pk=vehicle.pk) if vehicle is not None else Vehicle.objects
    if others.filter(plate=parsed.plate, plate_colour=parsed.plate_colour).exists():
        errors.setdefault("plate", []).append(
            _(
                "The plate %(plate)s with this plate colour is already registered on another vehicle."
            )
            % {"plate": parsed.plate}
        )
    if others.filter(vin=parsed.vin).exists():
        errors.setdefault("vin", []).append(
            _("The VIN %(vin)s is already registered on another vehicle.") % {"vin": parsed.vin}
        )
    if errors:
        raise _invalid(errors)
    before = vehicle_snapshot(vehicle) if vehicle is not None else None
    target = vehicle or Vehicle()
    target.plate = parsed.plate
    target.plate_colour = parsed.plate_colour
    target.vin = parsed.vin
    target.vehicle_type = parsed.vehicle_type
    target.fuel = parsed.fuel
    target.approved_load_kg = parsed.approved_load_kg
    target.seats = parsed.seats
    target.operator = owner
    target.status = parsed.status
    after = vehicle_snapshot(target)
    if before != after:
        target.save()
        audit_record(
            actor=actor,
            action="subjects.vehicle.update" if vehicle else "subjects.vehicle.create",
            target=target,
            before=before,
            after=after,
        )
    return target


def vehicle_create(*, actor: User | None, data: Mapping[str, object]) -> Vehicle:
    """Register a vehicle; ``operator_uscc`` names its owning operator (optional)."""
    with _race_is_conflict(), transaction.atomic():
        parsed: VehicleInput = _parse(parse_vehicle, data)
        return _write_vehicle(actor=actor, vehicle=None, parsed=parsed)


def vehicle_update(*, actor: User | None, vehicle: Vehicle, data: Mapping[str, object]) -> Vehicle:
    """Change a vehicle; ``data`` may hold every field or only the ones to change."""
    with _race_is_conflict(), transaction.atomic():
        # Lock the row so concurrent partial updates do not undo each other (lost update).
        locked = (
            Vehicle.objects.select_for_update(of=("self",))
            .select_related("operator")
            .get(pk=vehicle.pk)
        )
        merged = {**_vehicle_values(locked), **data}
        parsed: VehicleInput = _parse(parse_vehicle, merged)
        return _write_vehicle(actor=actor, vehicle=locked, parsed=parsed)


# --- Practitioners ----------------------------------------------------------------------------


def practitioner_fields_for_storage(id_number: str, phone: str) -> dict[str, object]:
    """The encrypted, blind-index and masked columns for an ID number and a phone number
    (both already normalised). Shared with bulk writers (the import, the demo data)."""
    return {
        "id_number_encrypted": pii.encrypt(id_number, purpose="id_number"),
        "id_number_index": pii.blind_index(id_number, purpose="id_number"),
        "id_number_masked": mask_id_number(id_number),
        "phone_encrypted": pii.encrypt(phone, purpose="phone") if phone else None,
        "phone_index": pii.blind_index(phone, purpose="phone") if phone else "",
        "phone_masked": mask_phone(phone) if phone else "",
    }


def _qualification_rows(practitioner: Practitioner) -> list[dict[str, object]]:
    return [
        {
            "category": q.category,
            "first_issue_date": q.first_issue_date.isoformat(),
            "valid_until": q.valid_until.isoformat() if q.valid_until else None,
        }
        for q in sorted(practitioner.qualifications.all(), key=lambda q: q.category)
    ]


def practitioner_snapshot(practitioner: Practitioner) -> dict[str, object]:
    """What the audit trail records: masked ID number and phone, never the raw values (the birth
    date is left out too, as the masked ID number hides it on purpose)."""
    return {
        "name": practitioner.name,
        "id_number_masked": practitioner.id_number_masked,
        "sex": practitioner.sex,
        "phone_masked": practitioner.phone_masked,
        "employer_uscc": practitioner.employer.uscc if practitioner.employer is not None else None,
        "qualifications": _qualification_rows(practitioner),
        "status": practitioner.status,
    }


def _practitioner_values(
    practitioner: Practitioner, data: Mapping[str, object]
) -> dict[str, object]:
    """Current fields in the shape ``parse_practitioner`` reads; personal data is decrypted only
    when the change does not bring its own value."""
    values: dict[str, object] = {
        "name": practitioner.name,
        "employer_uscc": practitioner.employer.uscc if practitioner.employer is not None else None,
        "qualifications": _qualification_rows(practitioner),
        "status": practitioner.status,
    }
    if "id_number" not in data:
        values["id_number"] = pii.decrypt(practitioner.id_number_encrypted, purpose="id_number")
    if "phone" not in data:
        values["phone"] = (
            pii.decrypt(practitioner.phone_encrypted, purpose="phone")
            if practitioner.phone_encrypted
            else ""
        )
    return values


def _write_practitioner(
    *, actor: User | None, practitioner: Practitioner | None, parsed: PractitionerInput
) -> Practitioner:
    errors: FieldErrors = {}
    employer = _resolve_operator(parsed.employer_uscc, "employer_uscc", errors)
    employer_changed = practitioner is None or (
        employer is not None and employer.pk != practitioner.employer_id
    )
    check_not_cancelled(employer, "employer_uscc", errors, changed=employer_changed)
    id_index = pii.blind_index(parsed.id_number, purpose="id_number")
    others = (
        Practitioner.objects.exclude(pk=practitioner.pk)
        if practitioner is not None
        else Practitioner.objects
    )
    if others.filter(id_number_index=id_index).exists():
        errors.setdefault("id_number", []).append(
            _("This ID number is already registered for another practitioner.")
        )
    if errors:
        raise _invalid(errors)
    before = practitioner_snapshot(practitioner) if practitioner is not None else None
    previous_index = practitioner.id_number_index if practitioner is not None else None
    target = practitioner or Practitioner()
    phone_index = pii.blind_index(parsed.phone, purpose="phone") if parsed.phone else ""
    if (
        practitioner is None
        or target.id_number_index != id_index
        or target.phone_index != phone_index
    ):
        storage = practitioner_fields_for_storage(parsed.id_number, parsed.phone)
        if practitioner is not None and target.id_number_index == id_index:
            # Same ID number: keep its ciphertext, only the phone changes.
            storage = {k: v for k, v in storage.items() if k.startswith("phone")}
        for name, value in storage.items():
            setattr(target, name, value)
    target.name = parsed.name
    target.birth_date = parsed.birth_date
    target.sex = parsed.sex
    target.employer = employer
    target.status = parsed.status
    target.save()
    wanted = sorted((q.category, q.first_issue_date, q.valid_until) for q in parsed.qualifications)
    current = sorted(
        (q.category, q.first_issue_date, q.valid_until) for q in target.qualifications.all()
    )
    if wanted != current:
        # Qualifications are replaced as a set.
        target.qualifications.all().delete()
        Qualification.objects.bulk_create(
            Qualification(
                practitioner=target, category=category, first_issue_date=first, valid_until=until
            )
            for category, first, until in wanted
        )
    after = practitioner_snapshot(target)
    if previous_index is not None and previous_index != id_index:
        # The masked forms may look alike; say plainly that the number itself changed.
        after["id_number_changed"] = True
    if before != after:
        audit_record(
            actor=actor,
            action="subjects.practitioner.update"
            if practitioner
            else "subjects.practitioner.create",
            target=target,
            before=before,
            after=after,
        )
    return target


def practitioner_create(*, actor: User | None, data: Mapping[str, object]) -> Practitioner:
    """Register a practitioner (从业人员); birth date and sex come from the ID number."""
    with _race_is_conflict(), transaction.atomic():
        parsed: PractitionerInput = _parse(
            lambda d: parse_practitioner(d, today=clock.today()), data
        )
        return _write_practitioner(actor=actor, practitioner=None, parsed=parsed)


def practitioner_update(
    *, actor: User | None, practitioner: Practitioner, data: Mapping[str, object]
) -> Practitioner:
    """Change a practitioner; ``data`` may be partial. ``qualifications``, when given, replaces
    the whole set."""
    with _race_is_conflict(), transaction.atomic():
        # Lock the row so concurrent partial updates do not undo each other (lost update).
        locked = (
            Practitioner.objects.select_for_update(of=("self",))
            .select_related("employer")
            .get(pk=practitioner.pk)
        )
        merged = {**_practitioner_values(locked, data), **data}
        parsed: PractitionerInput = _parse(
            lambda d: parse_practitioner(d, today=clock.today()), merged
        )
        return _write_practitioner(actor=actor, practitioner=locked, parsed=parsed)


# --- USCC allow-list --------------------------------------------------------------------------


def uscc_allowlist_add(*, actor: User, uscc: str, reason: str) -> UsccAllowListEntry:
    """List an early pilot code whose check character fails yet is legally valid."""
    errors: FieldErrors = {}
    code = ""
    try:
        code = validate_uscc(uscc, allow_failed_check=True)
    except IdentifierError as exc:
        errors["uscc"] = [exc.message]
    else:
        if uscc_check_ok(code):
            errors["uscc"] = [
                _("The check character of this code is correct; it needs no exception.")
            ]
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("Please give the reason (e.g. the document that confirms the code).")]
    elif _CONTROL_CHARS.search(reason):
        errors["reason"] = [_("Contains invisible control characters.")]
    elif len(reason) > ALLOWLIST_REASON_MAX:
        errors["reason"] = [
            _("The reason may have at most %(max)d characters.") % {"max": ALLOWLIST_REASON_MAX}
        ]
    with _race_is_conflict(), transaction.atomic():
        if code and "uscc" not in errors and UsccAllowListEntry.objects.filter(uscc=code).exists():
            errors["uscc"] = [_("This code is already on the exception list.")]
        if errors:
            raise _invalid(errors)
        entry = UsccAllowListEntry.objects.create(uscc=code, reason=reason, added_by=actor)
        audit_record(
            actor=actor,
            action="subjects.uscc_allowlist.add",
            target_type="subjects.usccallowlistentry",
            target_id=code,
            after={"uscc": code, "reason": reason},
        )
    return entry


def uscc_allowlist_remove(*, actor: User, uscc: str) -> None:
    """Take a code off the allow-list. Operators already registered under it keep their flag;
    the code is simply no longer accepted for new registrations or changes."""
    code = (uscc or "").strip().upper()
    with transaction.atomic():
        entry = UsccAllowListEntry.objects.select_for_update().filter(uscc=code).first()
        if entry is None:
            raise NotFound(_("This code is not on the exception list."))
        before = {"uscc": entry.uscc, "reason": entry.reason}
        entry.delete()
        audit_record(
            actor=actor,
            action="subjects.uscc_allowlist.remove",
            target_type="subjects.usccallowlistentry",
            target_id=code,
            before=before,
        )


# --- Business-scope catalogue -----------------------------------------------------------------


@dataclass(frozen=True)
class CatalogueLoadResult:
    version: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    unchanged: int = 0


def business_scopes_load(*, actor: User | None, catalogue: ScopeCatalogue) -> CatalogueLoadResult:
    """Bring the BusinessScope table in line with the catalogue file (idempotent). Entries are
    matched by code; those missing from the file are deactivated, never deleted. One audit row
    per run records what changed."""
    created: list[str] = []
    updated: list[str] = []
    deactivated: list[str] = []
    unchanged = 0
    with transaction.atomic():
        existing = {s.code: s for s in BusinessScope.objects.select_for_update()}
        for spec in catalogue.scopes:
            scope = existing.pop(spec.code, None)
            if scope is None:
                BusinessScope.objects.create(
                    code=spec.code, name=spec.name, active=spec.active, sort_order=spec.sort_order
                )
                created.append(spec.code)
            elif (scope.name, scope.active, scope.sort_order) != (
                spec.name,
                spec.active,
                spec.sort_order,
            ):
                scope.name, scope.active, scope.sort_order = spec.name, spec.active, spec.sort_order
                scope.save(update_fields=["name", "active", "sort_order"])
                updated.append(spec.code)
            else:
                unchanged += 1
        for code, scope in existing.items():
            if scope.active:
                scope.active = False
                scope.save(update_fields=["active"])
                deactivated.append(code)
            else:
                unchanged += 1
        result = CatalogueLoadResult(
            version=catalogue.version,
            created=created,
            updated=updated,
            deactivated=deactivated,
            unchanged=unchanged,
        )
        audit_record(
            actor=actor,
            action="subjects.business_scopes.load",
            target_type="subjects.businessscope",
            target_id=catalogue.version,
            after={
                "version": catalogue.version,
                "created": created,
                "updated": updated,
                "deactivated": deactivated,
                "unchanged": unchanged,
            },
        )
    return result
