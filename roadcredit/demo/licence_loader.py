"""Writing the demo district's licences (``licence_plan``) into the register: a bulk writer.

Per chunk of about ``chunk_size`` records (a superseded version stays in the chunk of its
successor), in one transaction: the records already stored are looked up (type, number key,
issue date) and skipped, the holders are read with one query per kind, and the rest are made
exactly as the issuance service makes them — the face through ``issuance.build_face``, the
number key and public number from the catalogue, the GB/T 36904 identifier, a status-list slot
and the signed QR token (``issuance.sign_licence_token``) — then ``bulk_create``d with their
events, one ``demo.load`` audit row, the status lists touched and the number sequences moved
past every number used, so licences issued later never collide with the demo's.

The sealed PDFs are not made here (they are made and kept on first download), so the quick
start stays within minutes: about 12,000 records load in well under a minute.

Run again, it creates nothing; interrupted, it resumes. It refuses to write into a licence
register that holds licences it did not make (their numbers would collide with the plan's).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from roadcredit.accounts.models import User
from roadcredit.audit.services import audit_record
from roadcredit.core import clock, pii
from roadcredit.elicences.catalogue import Catalogue, LicenceType
from roadcredit.elicences.identifiers import build_licence_identifier
from roadcredit.elicences.issuance_rates import percent_text, period_of, rate
from roadcredit.elicences.models import (
    Licence,
    LicenceEvent,
    LicenceEventKind,
    LicenceStatus,
    NumberSequence,
)
from roadcredit.elicences.selectors import holder_public_name, licence_catalogue, licence_number_key
from roadcredit.elicences.selectors_rates import issuance_counts
from roadcredit.elicences.services.issuance import build_face, sign_licence_token
from roadcredit.elicences.services.numbering_alloc import (
    paper_number_scope,
    status_list_id,
    status_list_size,
)
from roadcredit.elicences.services.statuslist_publish import status_list_touch
from roadcredit.subjects.models import Operator, Practitioner, Qualification, Vehicle

from .generator import DemoDistrict
from .licence_plan import LicencePlan, PlannedLicence

AUDIT_ACTION = "demo.load"
DEFAULT_CHUNK_SIZE = 2_000
BULK_BATCH = 500
EVENT_HOUR = 10  # events happen at 10:00 in the bureau's time zone

Progress = Callable[[int, int], None]
Holder = Operator | Vehicle | Practitioner


class DemoLicencesRefused(CommandError):
    """The licence register already holds licences the demo did not make (a CommandError, so
    ``load_demo`` stops with the message rather than a traceback)."""


@dataclass
class LicenceLoadResult:
    total: int = 0
    created: int = 0
    skipped: int = 0
    missing_holders: int = 0
    electronic: int = 0
    paper_only: int = 0
    seconds: float = 0.0
    sequences: dict[str, int] = field(default_factory=dict)

    @property
    def rows_per_second(self) -> float:
        return self.total / self.seconds if self.seconds > 0 else 0.0


def _moment(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(EVENT_HOUR)))


def _chunks(rows: Iterable[PlannedLicence], size: int) -> Iterator[list[PlannedLicence]]:
    """Chunks of about ``size`` records; a superseded version never ends a chunk."""
    chunk: list[PlannedLicence] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size and row.successor_action is None:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _holders(rows: Sequence[PlannedLicence]) -> dict[tuple[str, str], Holder]:
    """(holder kind, key) → subject, with what the face needs prefetched (one query per kind
    and relation)."""
    found: dict[tuple[str, str], Holder] = {}
    usccs = {r.holder_key for r in rows if r.holder_kind == "operator"}
    for operator in Operator.objects.filter(uscc__in=usccs).prefetch_related("business_scopes"):
        found[("operator", operator.uscc)] = operator
    vins = {r.holder_key for r in rows if r.holder_kind == "vehicle"}
    vehicles = Vehicle.objects.filter(vin__in=vins).select_related("operator")
    for vehicle in vehicles.prefetch_related("operator__business_scopes"):
        found[("vehicle", vehicle.vin)] = vehicle
    indexes = {
        pii.blind_index(r.holder_key, purpose="id_number"): r.holder_key
        for r in rows
        if r.holder_kind == "practitioner"
    }
    practitioners = Practitioner.objects.filter(id_number_index__in=list(indexes)).select_related(
        "employer"
    )
    for practitioner in practitioners.prefetch_related(
        Prefetch("qualifications", queryset=Qualification.objects.order_by("category"))
    ):
        found[("practitioner", indexes[practitioner.id_number_index])] = practitioner
    return found


def _business_licence_numbers(holders: Iterable[Holder]) -> dict[int | None, str]:
    """Operator id → its live business licence number, for the vehicles' faces (one query)."""
    owners = {h.operator_id for h in holders if isinstance(h, Vehicle) and h.operator_id}
    numbers: dict[int | None, str] = {}
    for operator_id, number in (
        Licence.objects.filter(
            operator_id__in=owners,
            type_key="business_licence",
            status__in=[LicenceStatus.VALID, LicenceStatus.SUSPENDED],
        )
        .order_by("issued_on")
        .values_list("operator_id", "paper_number")
    ):
        numbers[operator_id] = number
    return numbers


def _raise_sequence(scope: str, value: int) -> None:
    """Move a number sequence past ``value`` (never back). Inside the chunk's transaction."""
    if value <= 0:
        return
    # Lock the sequence row: a clerk issuing a licence meanwhile would otherwise read the old
    # last value and hand out a number the demo has just used.
    row = NumberSequence.objects.select_for_update().filter(scope=scope).first()
    if row is None:
        NumberSequence.objects.create(scope=scope, last_value=value)
    elif row.last_value < value:
        row.last_value = value
        row.save(update_fields=["last_value"])


class _Writer:
    def __init__(self, *, actor: User | None, catalogue: Catalogue, district: DemoDistrict) -> None:
        self.actor = actor
        self.catalogue = catalogue
        self.district = district
        self.size = status_list_size()
        self.sequences: dict[str, int] = {}
        self.business_numbers: dict[int | None, str] = {}

    def _track(self, scope: str, value: int) -> None:
        if value > self.sequences.get(scope, 0):
            self.sequences[scope] = value

    def write(self, chunk: Sequence[PlannedLicence], number: int) -> tuple[int, int, int]:
        """(created, skipped, missing holders) of one chunk, in the caller's transaction."""
        keys = {r.ref: licence_number_key(self.catalogue[r.type_key], r.number) for r in chunk}
        stored: dict[tuple[str, str, dt.date], Licence] = {
            (lic.type_key, lic.number_key, lic.issued_on): lic
            for lic in Licence.objects.filter(
                type_key__in={r.type_key for r in chunk}, number_key__in=set(keys.values())
            )
        }
        holders = _holders(chunk)
        self.business_numbers = _business_licence_numbers(holders.values())
        made: dict[str, Licence] = {}
        first_pass: list[Licence] = []
        second_pass: list[Licence] = []
        events: list[tuple[Licence, PlannedLicence]] = []
        skipped = missing = 0
        for row in chunk:
            existing = stored.get((row.type_key, keys[row.ref], row.issued_on))
            if existing is not None:
                made[row.ref] = existing
                skipped += 1
                continue
            holder = holders.get((row.holder_kind, row.holder_key))
            if holder is None:
                missing += 1
                continue
            predecessor = made.get(row.predecessor_ref) if row.predecessor_ref else None
            licence = self._licence(row, holder, keys[row.ref], predecessor)
            made[row.ref] = licence
            (second_pass if predecessor is not None else first_pass).append(licence)
            events.append((licence, row))
        Licence.objects.bulk_create(first_pass, batch_size=BULK_BATCH)
        for licence in second_pass:
            licence.predecessor_id = licence.predecessor.pk if licence.predecessor else None
            licence.root_id = licence.predecessor.chain_root_id if licence.predecessor else None
        Licence.objects.bulk_create(second_pass, batch_size=BULK_BATCH)
        LicenceEvent.objects.bulk_create(
            (event for licence, row in events for event in self._events(licence, row, made)),
            batch_size=BULK_BATCH,
        )
        created = len(first_pass) + len(second_pass)
        if created:
            status_list_touch({lic.status_list for lic, _row in events if lic.status_list})
            audit_record(
                actor=self.actor,
                action=AUDIT_ACTION,
                target_type="elicences.licence",
                after={
                    "kind": "licence",
                    "chunk": number,
                    "created": created,
                    "skipped": skipped,
                    "scale": self.district.scale,
                    "seed": self.district.seed,
                },
                actor_label="" if self.actor is not None else "load_demo",
            )
        for scope, value in self.sequences.items():
            _raise_sequence(scope, value)
        return created, skipped, missing

    def _licence(
        self,
        row: PlannedLicence,
        holder: Holder,
        number_key: str,
        predecessor: Licence | None,
    ) -> Licence:
        licence_type: LicenceType = self.catalogue[row.type_key]
        public_number = licence_type.public_number(row.number)
        face_data = dict(row.face_data)
        if isinstance(holder, Vehicle):
            # The owner's live business licence number, looked up once per chunk (the face
            # builder would query it for every vehicle).
            face_data["business_licence_number"] = self.business_numbers.get(holder.operator_id, "")
        licence = Licence(
            type_key=row.type_key,
            type_code=licence_type.type_code,
            holder_kind=row.holder_kind,
            operator=holder if isinstance(holder, Operator) else None,
            vehicle=holder if isinstance(holder, Vehicle) else None,
            practitioner=holder if isinstance(holder, Practitioner) else None,
            paper_number=public_number,
            number_key=number_key,
            version=row.version,
            predecessor=predecessor,
            face=build_face(
                licence_type,
                holder,
                public_number=public_number,
                valid_from=row.valid_from,
                valid_until=row.valid_until,
                issued_on=row.issued_on,
                data=face_data,
            ),
            valid_from=row.valid_from,
            valid_until=row.valid_until,
            issued_on=row.issued_on,
            status=row.status,
            status_reason=row.status_reason,
            status_changed_at=_moment(row.status_changed_on) if row.status_changed_on else None,
            origin=row.origin,
            has_electronic=False,
        )
        if licence_type.number_template is not None:
            sequence = int(row.number[-7:-1] if row.number.endswith("号") else row.number[-6:])
            self._track(paper_number_scope(licence_type, year=row.issued_on.year), sequence)
        if row.electronic and row.serial is not None and row.status_slot is not None:
            issuer = self.catalogue.issuer.uscc
            identifier = build_licence_identifier(
                licence_type.type_code, issuer, row.serial, row.identifier_version
            )
            list_number, index = divmod(row.status_slot, self.size)
            licence.identifier = identifier
            licence.serial = row.serial
            licence.status_list = status_list_id(list_number + 1)
            licence.status_index = index
            licence.qr_text = sign_licence_token(
                identifier=identifier,
                type_key=row.type_key,
                public_number=public_number,
                holder=holder_public_name(licence),
                valid_from=row.valid_from,
                valid_until=row.valid_until,
                status_list=licence.status_list,
                status_index=index,
            )
            licence.has_electronic = True
            self._track(
                f"serial:{licence_type.type_code}:{issuer}:{row.serial[:4]}", int(row.serial[4:])
            )
            self._track(f"status:{self.catalogue.issuer.division}", row.status_slot + 1)
        return licence

    def _events(
        self, licence: Licence, row: PlannedLicence, made: dict[str, Licence]
    ) -> Iterator[LicenceEvent]:
        data: dict[str, Any] = {"source": "demo"}
        if row.origin != "issued":
            data["paper"] = True
        if licence.predecessor is not None:
            action = "renew" if row.type_key == "business_licence" else "change"
            data.update(predecessor=licence.predecessor.identifier, action=action)
        yield LicenceEvent(
            licence=licence, kind=LicenceEventKind.ISSUE, at=_moment(row.issued_on), data=data
        )
        if row.converted_on is not None:
            yield LicenceEvent(
                licence=licence,
                kind=LicenceEventKind.CONVERT,
                at=_moment(row.converted_on),
                data={"source": "demo"},
            )
        changed_at = _moment(row.status_changed_on) if row.status_changed_on else None
        if row.successor_action and changed_at is not None:
            successor = next((lic for lic in made.values() if lic.predecessor is licence), None)
            yield LicenceEvent(
                licence=licence,
                kind=LicenceEventKind(row.successor_action),
                at=changed_at,
                data={
                    "successor": successor.identifier if successor else None,
                    "successor_public_id": successor.public_id if successor else None,
                },
            )
        elif changed_at is not None:
            kind = {
                LicenceStatus.CANCELLED: LicenceEventKind.CANCEL,
                LicenceStatus.SUSPENDED: LicenceEventKind.SUSPEND,
                LicenceStatus.EXPIRED: LicenceEventKind.EXPIRE,
            }[LicenceStatus(row.status)]
            yield LicenceEvent(licence=licence, kind=kind, at=changed_at, reason=row.status_reason)


def _refuse_foreign_register(plan: LicencePlan, catalogue: Catalogue) -> None:
    if not Licence.objects.exists():
        return
    first = next(plan.licences(), None)
    if first is None:
        return
    key = licence_number_key(catalogue[first.type_key], first.number)
    if not Licence.objects.filter(
        type_key=first.type_key, number_key=key, issued_on=first.issued_on
    ).exists():
        raise DemoLicencesRefused(
            _(
                "The licence register already holds licences that the demo did not make; load "
                "the demo licences into an empty register, or run load_demo --no-licences."
            )
        )


def demo_licences_load(
    *,
    actor: User | None,
    district: DemoDistrict,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: Progress | None = None,
    today: dt.date | None = None,
) -> LicenceLoadResult:
    """Load the district's licences (see the module docstring). Idempotent, resumable."""
    catalogue = licence_catalogue()
    plan = LicencePlan(district, catalogue, today=today or clock.today())
    counts = plan.counts()
    result = LicenceLoadResult(
        total=counts.total, electronic=counts.electronic, paper_only=counts.paper_only
    )
    _refuse_foreign_register(plan, catalogue)
    writer = _Writer(actor=actor, catalogue=catalogue, district=district)
    started = time.monotonic()
    done = 0
    if progress is not None:
        progress(0, counts.total)
    for number, chunk in enumerate(_chunks(plan.licences(), chunk_size), start=1):
        with transaction.atomic():
            created, skipped, missing = writer.write(chunk, number)
        result.created += created
        result.skipped += skipped
        result.missing_holders += missing
        done += len(chunk)
        if progress is not None:
            progress(done, counts.total)
    result.seconds = time.monotonic() - started
    result.sequences = dict(writer.sequences)
    return result


def licence_summary_lines(result: LicenceLoadResult) -> list[str]:
    """What ``load_demo`` prints about the licences, with the 2024 issuance rate as stored."""
    counts = issuance_counts(period=period_of("year", year=2024))
    with_e = sum(pair[0] for pair in counts.values())
    total = sum(pair[1] for pair in counts.values())
    return [
        _(
            "Licences: %(created)d created, %(skipped)d already present, %(total)d in all "
            "(%(electronic)d with their e-licence, %(paper)d paper only), %(seconds).1f s"
        )
        % {
            "created": result.created,
            "skipped": result.skipped,
            "total": result.total,
            "electronic": result.electronic,
            "paper": result.paper_only,
            "seconds": result.seconds,
        },
        _("2024 issuance rate: %(rate)s (%(with_e)d of %(all)d licences with their e-licence)")
        % {"rate": percent_text(rate(with_e, total)), "with_e": with_e, "all": total},
    ]
