"""Writing the demo district into the registry: a streaming bulk writer.

``demo_load`` walks the generator in chunks (5,000 rows by default), never holding more than one
chunk: per chunk it looks up which identifiers are already stored (USCC; VIN and plate + colour;
the ID number's blind index), ``bulk_create``s the rest and appends one ``demo.load`` audit row,
all in one transaction. Running it again therefore creates nothing, and a run that was
interrupted resumes where it stopped.

The rows come from the generator already valid (the tests prove every generated row passes
``subjects.validation``), so the bulk path skips per-row validation on purpose: that is what
makes province-size data (``scale`` 100 and more) load in minutes. Personal data is stored the
same way as by the services (``practitioner_fields_for_storage``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from roadcredit.accounts.models import User
from roadcredit.audit.services import audit_record
from roadcredit.core import pii
from roadcredit.subjects.models import (
    BusinessScope,
    Operator,
    Practitioner,
    Qualification,
    Vehicle,
)
from roadcredit.subjects.services import practitioner_fields_for_storage

from .credit_loader import CreditLoadResult, demo_credit_load
from .generator import (
    DEFAULT_SEED,
    DemoDistrict,
    OperatorRow,
    PractitionerRow,
    VehicleRow,
    chunked,
)
from .licence_loader import LicenceLoadResult, demo_licences_load
from .personas import PersonaAccount, demo_personas_ensure

DEFAULT_CHUNK_SIZE = 5_000
AUDIT_ACTION = "demo.load"

Progress = Callable[[int, int], None]
ProgressFactory = Callable[[str], Progress]


@dataclass
class KindResult:
    kind: str  # "operator", "vehicle", "practitioner"
    total: int = 0
    created: int = 0
    skipped: int = 0
    seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return self.total / self.seconds if self.seconds > 0 else 0.0


@dataclass
class LoadSummary:
    scale: float
    seed: int
    kinds: list[KindResult] = field(default_factory=list)
    qualifications_created: int = 0
    personas: list[PersonaAccount] = field(default_factory=list)
    licences: LicenceLoadResult | None = None
    credit: CreditLoadResult | None = None

    @property
    def created(self) -> int:
        return sum(k.created for k in self.kinds)

    def kind(self, name: str) -> KindResult:
        return next(k for k in self.kinds if k.kind == name)


def _audit_chunk(
    *, actor: User | None, kind: str, chunk: int, created: int, skipped: int, district: DemoDistrict
) -> None:
    audit_record(
        actor=actor,
        action=AUDIT_ACTION,
        target_type=f"subjects.{kind}",
        after={
            "kind": kind,
            "chunk": chunk,
            "created": created,
            "skipped": skipped,
            "scale": district.scale,
            "seed": district.seed,
        },
        actor_label="" if actor is not None else "load_demo",
    )


def _load_operators(chunk: Sequence[OperatorRow], scope_ids: dict[str, int]) -> tuple[int, int]:
    existing = set(
        Operator.objects.filter(uscc__in=[r.uscc for r in chunk]).values_list("uscc", flat=True)
    )
    rows = [r for r in chunk if r.uscc not in existing]
    operators = Operator.objects.bulk_create(
        [
            Operator(
                uscc=r.uscc,
                name=r.name,
                kind=r.kind,
                legal_representative=r.legal_representative,
                address=r.address,
                division_code=r.division_code,
                status=r.status,
            )
            for r in rows
        ]
    )
    through: Any = Operator.business_scopes.through
    through.objects.bulk_create(
        [
            through(operator_id=operator.pk, businessscope_id=scope_ids[code])
            for operator, row in zip(operators, rows, strict=True)
            for code in row.business_scope_codes
            if code in scope_ids
        ]
    )
    return len(rows), len(existing)


def _operator_ids(usccs: set[str]) -> dict[str, int]:
    return dict(Operator.objects.filter(uscc__in=usccs).values_list("uscc", "pk"))


def _load_vehicles(chunk: Sequence[VehicleRow]) -> tuple[int, int]:
    vins = set(Vehicle.objects.filter(vin__in=[r.vin for r in chunk]).values_list("vin", flat=True))
    plates = set(
        Vehicle.objects.filter(plate__in=[r.plate for r in chunk]).values_list(
            "plate", "plate_colour"
        )
    )
    rows = [r for r in chunk if r.vin not in vins and (r.plate, r.plate_colour) not in plates]
    owners = _operator_ids({r.operator_uscc for r in rows if r.operator_uscc})
    Vehicle.objects.bulk_create(
        [
            Vehicle(
                plate=r.plate,
                plate_colour=r.plate_colour,
                vin=r.vin,
                vehicle_type=r.vehicle_type,
                fuel=r.fuel,
                approved_load_kg=r.approved_load_kg,
                seats=r.seats,
                operator_id=owners.get(r.operator_uscc) if r.operator_uscc else None,
                status=r.status,
            )
            for r in rows
        ]
    )
    return len(rows), len(chunk) - len(rows)


def _load_practitioners(chunk: Sequence[PractitionerRow]) -> tuple[int, int, int]:
    indexes = {r.index: pii.blind_index(r.id_number, purpose="id_number") for r in chunk}
    existing = set(
        Practitioner.objects.filter(id_number_index__in=list(indexes.values())).values_list(
            "id_number_index", flat=True
        )
    )
    rows = [r for r in chunk if indexes[r.index] not in existing]
    employers = _operator_ids({r.employer_uscc for r in rows if r.employer_uscc})
    practitioners = Practitioner.objects.bulk_create(
        [
            Practitioner(
                name=r.name,
                birth_date=r.birth_date,
                sex=r.sex,
                employer_id=employers.get(r.employer_uscc) if r.employer_uscc else None,
                status=r.status,
                **practitioner_fields_for_storage(r.id_number, r.phone),
            )
            for r in rows
        ]
    )
    qualifications = Qualification.objects.bulk_create(
        [
            Qualification(
                practitioner_id=practitioner.pk,
                category=q.category,
                first_issue_date=q.first_issue_date,
                valid_until=q.valid_until,
            )
            for practitioner, row in zip(practitioners, rows, strict=True)
            for q in row.qualifications
        ]
    )
    return len(rows), len(existing), len(qualifications)


def demo_load(
    *,
    actor: User | None,
    scale: float = 1.0,
    seed: int = DEFAULT_SEED,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: ProgressFactory | None = None,
    personas: bool = True,
    licences: bool = False,
    credit: bool = False,
) -> LoadSummary:
    """Load the demo district (operators, vehicles, practitioners with their qualifications),
    with ``licences`` their licences (``licence_loader``), the persona accounts, and with
    ``credit`` their credit history, cases and grades (``credit_loader``, after the personas,
    who act in the cases). Idempotent: rows whose identifiers are already stored are skipped.
    Each chunk is one transaction with one ``demo.load`` audit row (none when nothing new)."""
    district = DemoDistrict(scale=scale, seed=seed)
    summary = LoadSummary(scale=scale, seed=seed)
    scope_ids = dict(BusinessScope.objects.values_list("code", "pk"))

    def run(kind: str, label: str, total: int, rows: Any, write: Callable[[Any], Any]) -> None:
        result = KindResult(kind=kind, total=total)
        summary.kinds.append(result)
        report = progress(label) if progress is not None else None
        started = time.monotonic()
        done = 0
        if report is not None:
            report(0, total)
        for number, chunk in enumerate(chunked(rows, chunk_size), start=1):
            with transaction.atomic():
                created, skipped, *extra = write(chunk)
                if created:
                    _audit_chunk(
                        actor=actor,
                        kind=kind,
                        chunk=number,
                        created=created,
                        skipped=skipped,
                        district=district,
                    )
            result.created += created
            result.skipped += skipped
            if extra:
                summary.qualifications_created += extra[0]
            done += len(chunk)
            if report is not None:
                report(done, total)
        result.seconds = time.monotonic() - started

    counts = district.counts
    run(
        "operator",
        _("Operators"),
        counts.operators,
        district.operators(),
        lambda chunk: _load_operators(chunk, scope_ids),
    )
    run("vehicle", _("Vehicles"), counts.vehicles, district.vehicles(), _load_vehicles)
    run(
        "practitioner",
        _("Practitioners"),
        counts.practitioners,
        district.practitioners(),
        _load_practitioners,
    )

    if licences:
        summary.licences = demo_licences_load(
            actor=actor,
            district=district,
            progress=progress(_("Licences")) if progress is not None else None,
        )
    if personas:
        summary.personas = _ensure_personas(actor=actor, district=district)
    if credit:
        summary.credit = demo_credit_load(
            actor=actor,
            district=district,
            progress=progress(_("Credit records")) if progress is not None else None,
        )
    return summary


def _ensure_personas(*, actor: User | None, district: DemoDistrict) -> list[PersonaAccount]:
    operator_row = district.persona_operator()
    practitioner_row = district.persona_practitioner()
    operator = Operator.objects.get(uscc=operator_row.uscc)
    practitioner = Practitioner.objects.get(
        id_number_index=pii.blind_index(practitioner_row.id_number, purpose="id_number")
    )
    return demo_personas_ensure(actor=actor, operator=operator, practitioner=practitioner)
