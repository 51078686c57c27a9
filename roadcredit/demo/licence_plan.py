"""The demo district's licences, planned from the generated registry (pure Python, no Django).

At ``scale`` 1 the plan holds exactly the seed's figures (scaled and rounded otherwise):

* 11,960 licence records in all (every version counts: a renewal or change is a record of its
  own, its predecessor stays as a superseded record);
* 1,392 new e-licences issued in 2024, 26 renewals and changes with their e-licence and 41
  licences issued on paper only, so the 2024 issuance rate (制证率) is 1,418 / 1,459 = 97.19 %;
* 761 new e-licences in the first half of 2025;
* issue dates from 2019 to mid-2026; about 4 % of the records still paper-only (mostly from
  2019–2020, before e-licences were routine), and part of the 2019–2022 paper licences
  converted in a 2023 campaign — so the issuance rate, the stock rate and the conversion (batch
  and on demand) can all be seen working.

Who holds what: every operator a road transport business licence (道路运输经营许可证); every
vehicle that needs one a road transport certificate (道路运输证; none for ordinary freight
vehicles of 4.5 t or less); practitioners a qualification certificate (从业资格证) — except
taxi and ride-hailing drivers, whose certificates the city issues, and, to meet the seed's
total, the last practitioners not employed by a Muping operator (their certificates are on
another bureau's register). A deregistered holder's licence is cancelled, a suspended one's
suspended, a licence past its validity expired.

Everything is drawn from seeded generators: the same (scale, seed) gives the same records. Only
compact per-holder arrays are kept (the bucket and kind of each holder's licence); the records
themselves are streamed by ``licences()`` in holder order, which also fixes the identifier
serials and status-list slots (counters carried along the stream).
"""

from __future__ import annotations

import datetime as dt
import random
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate

from roadcredit.elicences.catalogue import Catalogue, default_valid_until
from roadcredit.elicences.numbering import identifier_serial

from .generator import DemoDistrict, OperatorRow, PractitionerRow, VehicleRow

SEED_TOTAL = 11_960
E_LICENCES_FROM = dt.date(2019, 1, 1)
CONVERSION_CAMPAIGN = (dt.date(2023, 5, 8), dt.date(2023, 6, 30))
CITY_ISSUED_CATEGORIES = frozenset({"taxi", "ride_hailing"})

BUSINESS = "business_licence"
TRANSPORT = "transport_certificate"
QUALIFICATION = "qualification_certificate"
KINDS = (BUSINESS, TRANSPORT, QUALIFICATION)  # index = kind code in the arrays
BUSINESS_CODE, TRANSPORT_CODE, QUALIFICATION_CODE = 0, 1, 2
# Earliest issue date of a *current* licence version per type (a business licence lasts four
# years, a qualification certificate six; a transport certificate lasts with the vehicle).
EARLIEST_CURRENT = {BUSINESS: dt.date(2022, 1, 1), QUALIFICATION: dt.date(2020, 1, 1)}

# Slot kinds of a current licence version.
NEW_E, NEW_PAPER, CONVERTED, RENEW_E = 0, 1, 2, 3


@dataclass(frozen=True)
class Bucket:
    """Issue dates ``start``–``end`` with the number of current licence versions of each kind
    at scale 1. ``converted`` of the ``new_paper`` licences got their e-licence in the 2023
    campaign; ``balance`` buckets absorb the rest of the seed total (weights)."""

    start: dt.date
    end: dt.date
    new_e: int
    new_paper: int
    renew_e: int = 0
    converted: int = 0
    balance: bool = False


BUCKETS: tuple[Bucket, ...] = (
    Bucket(dt.date(2019, 1, 1), dt.date(2019, 12, 31), 620, 560, converted=340),
    Bucket(dt.date(2020, 1, 1), dt.date(2020, 12, 31), 1480, 150, converted=80, balance=True),
    Bucket(dt.date(2021, 1, 1), dt.date(2021, 12, 31), 1600, 80, converted=30, balance=True),
    Bucket(dt.date(2022, 1, 1), dt.date(2022, 12, 31), 1550, 55, converted=10, balance=True),
    Bucket(dt.date(2023, 1, 1), dt.date(2023, 12, 31), 1640, 45, renew_e=40, balance=True),
    Bucket(dt.date(2024, 1, 1), dt.date(2024, 12, 31), 1392, 41, renew_e=26),
    Bucket(dt.date(2025, 1, 1), dt.date(2025, 6, 30), 761, 12, renew_e=14),
    Bucket(dt.date(2025, 7, 1), dt.date(2025, 12, 31), 780, 8, renew_e=22),
    Bucket(dt.date(2026, 1, 1), dt.date(2026, 6, 30), 540, 4, renew_e=18),
)


@dataclass(frozen=True)
class PlannedLicence:
    """One licence record. ``number`` is the full licence number (for a qualification
    certificate the holder's ID number: kept in memory only, never written in the clear)."""

    ref: str  # "operator:12:2" — holder kind, generator index, version
    type_key: str
    holder_kind: str  # "operator" / "vehicle" / "practitioner"
    holder_index: int
    holder_key: str  # USCC, VIN or ID number
    number: str
    version: int
    predecessor_ref: str | None
    successor_action: str | None  # on a superseded version: "renew" or "change"
    issued_on: dt.date
    valid_from: dt.date
    valid_until: dt.date | None
    origin: str  # "issued", "converted", "legacy_paper"
    electronic: bool
    converted_on: dt.date | None
    serial: str | None  # identifier serial (year + sequence); None for paper-only
    identifier_version: int
    status_slot: int | None  # ordinal in the status lists
    status: str
    status_changed_on: dt.date | None
    status_reason: str
    face_data: tuple[tuple[str, str], ...]  # values the registry does not hold


@dataclass(frozen=True)
class PlanCounts:
    total: int
    current: int
    superseded: int
    electronic: int
    paper_only: int


def _scaled(value: int, scale: float) -> int:
    return round(value * scale)


def _weekday(day: dt.date, start: dt.date | None = None, end: dt.date | None = None) -> dt.date:
    """Licences are issued on working days: a weekend day moves to the nearest weekday within
    ``start``–``end`` (a range without any weekday keeps the day)."""
    if day.weekday() < 5:
        return day
    for shift in (1, -1, 2, -2, 3, -3):
        moved = day + dt.timedelta(days=shift)
        if (
            moved.weekday() < 5
            and (start is None or moved >= start)
            and (end is None or moved <= end)
        ):
            return moved
    return day


def _years_later(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _dimensions(vehicle: VehicleRow, rng: random.Random) -> str:
    if vehicle.vehicle_type in ("taxi", "ride_hailing"):
        return f"{rng.choice((4630, 4750, 4855, 4980))}×{rng.choice((1780, 1820, 1865))}×1490"
    if vehicle.vehicle_type == "bus":
        return f"{rng.choice((8045, 9995, 10990, 11990))}×2500×{rng.choice((3250, 3400, 3650))}"
    if vehicle.vehicle_type == "tractor":
        return f"{rng.choice((6825, 7185))}×2550×{rng.choice((3720, 3950))}"
    if vehicle.vehicle_type == "trailer":
        return f"{rng.choice((12980, 13000, 13750))}×2550×{rng.choice((1580, 3990))}"
    return f"{rng.choice((6995, 8595, 9995, 11995))}×2550×{rng.choice((3450, 3700, 3990))}"


class LicencePlan:
    """The licences of one demo district as of ``today`` (status depends on the day)."""

    def __init__(self, district: DemoDistrict, catalogue: Catalogue, *, today: dt.date) -> None:
        self.district = district
        self.catalogue = catalogue
        self.today = today
        self.seed = district.seed
        scale = district.scale
        self.buckets = [
            Bucket(
                b.start,
                min(b.end, today - dt.timedelta(days=1)),
                _scaled(b.new_e, scale),
                _scaled(b.new_paper, scale),
                _scaled(b.renew_e, scale),
                min(_scaled(b.converted, scale), _scaled(b.new_paper, scale)),
                b.balance,
            )
            for b in BUCKETS
            if b.start < today - dt.timedelta(days=1)
        ]
        self._practitioner_taken = self._choose_practitioners()
        self.holder_counts = (
            district.counts.operators,
            sum(1 for v in district.vehicles() if v.certificate_number),
            sum(self._practitioner_taken),
        )
        self._assign()

    # --- who holds a licence ---------------------------------------------------------------

    def _choose_practitioners(self) -> bytearray:
        """1 for each practitioner whose certificate is on this register (see the docstring)."""
        scale = self.district.scale
        renewals = sum(b.renew_e for b in self.buckets)
        others = self.district.counts.operators + sum(
            1 for v in self.district.vehicles() if v.certificate_number
        )
        wanted = max(0, round(SEED_TOTAL * scale) - renewals - others)
        here = bytearray()
        employed_elsewhere: list[int] = []
        for row in self.district.practitioners():
            city = {q.category for q in row.qualifications} <= CITY_ISSUED_CATEGORIES
            here.append(0 if city else 1)
            if not city and row.employer_uscc is None:
                employed_elsewhere.append(row.index)
        surplus = sum(here) - wanted
        for index in reversed(employed_elsewhere):  # first: those working outside Muping
            if surplus <= 0:
                break
            here[index] = 0
            surplus -= 1
        for index in range(len(here) - 1, -1, -1):  # then the last ones, if still too many
            if surplus <= 0:
                break
            if here[index]:
                here[index] = 0
                surplus -= 1
        return here

    # --- issue dates -------------------------------------------------------------------------

    def _quotas(self) -> list[list[int]]:
        """Per bucket: [new e-licences, paper only, converted later, renewals]; the balance
        buckets' new e-licences take what the fixed quotas leave of the holders."""
        holders = sum(self.holder_counts)
        quotas = [
            [0 if b.balance else b.new_e, b.new_paper - b.converted, b.converted, b.renew_e]
            for b in self.buckets
        ]
        left = holders - sum(sum(q) for q in quotas)
        weights = [b.new_e if b.balance else 0 for b in self.buckets]
        if left > 0 and any(weights):
            total = sum(weights)
            shares = [left * w // total for w in weights]
            shares[weights.index(max(weights))] += left - sum(shares)
            for quota, share in zip(quotas, shares, strict=True):
                quota[NEW_E] += share
        elif left > 0:
            quotas[-1][NEW_E] += left
        # More fixed slots than holders (tiny scales): drop the newest slots first.
        excess = max(0, -left)
        for quota in reversed(quotas):
            for kind in (NEW_E, NEW_PAPER, RENEW_E, CONVERTED):
                take = min(excess, quota[kind])
                quota[kind] -= take
                excess -= take
        return quotas

    def _assign(self) -> None:
        """Give every holder's current licence a bucket and a slot kind (compact arrays)."""
        rng = random.Random(f"{self.seed}:licences:assign")
        quotas = self._quotas()
        remaining = [sum(q) for q in quotas]
        slot_kinds: list[list[int]] = []
        for quota in quotas:
            kinds = [NEW_E] * quota[NEW_E] + [NEW_PAPER] * quota[NEW_PAPER]
            kinds += [CONVERTED] * quota[CONVERTED] + [RENEW_E] * quota[RENEW_E]
            rng.shuffle(kinds)
            slot_kinds.append(kinds)
        self.bucket_of: list[array[int]] = [array("b") for _ in KINDS]
        self.slot_of: list[array[int]] = [array("b") for _ in KINDS]
        renew_left = [q[RENEW_E] for q in quotas]

        def take(kind_code: int, bucket: int) -> int:
            """A random remaining slot of the bucket (the lists are shuffled: the last one);
            renewal slots only for business and transport records while others remain."""
            kinds = slot_kinds[bucket]
            position = len(kinds) - 1
            if kind_code == QUALIFICATION_CODE:
                while position > 0 and kinds[position] == RENEW_E:
                    position -= 1
            slot = kinds.pop(position)
            remaining[bucket] -= 1
            if slot == RENEW_E:
                renew_left[bucket] -= 1
            return slot

        # Tightest first: business licences (recent buckets only), then qualification
        # certificates, then transport certificates (any bucket; they fill what is left).
        order = (BUSINESS_CODE, QUALIFICATION_CODE, TRANSPORT_CODE)
        for kind_code in order:
            earliest = EARLIEST_CURRENT.get(KINDS[kind_code])
            for _ in range(self.holder_counts[kind_code]):
                eligible = [
                    i
                    for i, b in enumerate(self.buckets)
                    if remaining[i] > 0 and (earliest is None or b.start >= earliest)
                ]
                if kind_code == QUALIFICATION_CODE:
                    # Renewal slots are for business and transport records.
                    eligible = [i for i in eligible if remaining[i] > renew_left[i]] or eligible
                if not eligible:
                    eligible = [i for i in range(len(self.buckets)) if remaining[i] > 0]
                weights = [remaining[i] for i in eligible]
                bucket = rng.choices(eligible, cum_weights=list(accumulate(weights)))[0]
                self.bucket_of[kind_code].append(bucket)
                self.slot_of[kind_code].append(take(kind_code, bucket))

    # --- the records ---------------------------------------------------------------------------

    def counts(self) -> PlanCounts:
        current = sum(self.holder_counts)
        superseded = sum(
            1 for code in range(len(KINDS)) for slot in self.slot_of[code] if slot == RENEW_E
        )
        paper = sum(
            1 for code in range(len(KINDS)) for slot in self.slot_of[code] if slot == NEW_PAPER
        )
        return PlanCounts(
            total=current + superseded,
            current=current,
            superseded=superseded,
            electronic=current + superseded - paper,
            paper_only=paper,
        )

    def licences(self) -> Iterator[PlannedLicence]:
        """Every record in holder order (operators, vehicles, practitioners); a renewed
        licence's superseded version comes right before its current version."""
        self._serials: dict[tuple[str, int], int] = {}
        self._slots = 0
        business = self.catalogue[BUSINESS]
        for position, operator in enumerate(self.district.operators()):
            yield from self._chain(
                BUSINESS_CODE,
                position,
                holder_kind="operator",
                holder_index=operator.index,
                holder_key=operator.uscc,
                number=self.catalogue.format_number(business.key, operator.index + 1),
                holder_status=operator.status,
                face_data=(),
                row=operator,
            )
        position = 0
        for vehicle in self.district.vehicles():
            if not vehicle.certificate_number:
                continue
            rng = random.Random(f"{self.seed}:licences:dimensions:{vehicle.index}")
            yield from self._chain(
                TRANSPORT_CODE,
                position,
                holder_kind="vehicle",
                holder_index=vehicle.index,
                holder_key=vehicle.vin,
                number=vehicle.certificate_number,
                holder_status=vehicle.status,
                face_data=(("dimensions", _dimensions(vehicle, rng)),),
                row=vehicle,
            )
            position += 1
        position = 0
        for practitioner in self.district.practitioners():
            if not self._practitioner_taken[practitioner.index]:
                continue
            yield from self._chain(
                QUALIFICATION_CODE,
                position,
                holder_kind="practitioner",
                holder_index=practitioner.index,
                holder_key=practitioner.id_number,
                number=practitioner.id_number,
                holder_status=practitioner.status,
                face_data=(),
                row=practitioner,
            )
            position += 1

    def _serial(self, type_key: str, year: int) -> str:
        key = (type_key, year)
        self._serials[key] = self._serials.get(key, 0) + 1
        return identifier_serial(year, self._serials[key])

    def _slot(self) -> int:
        self._slots += 1
        return self._slots - 1

    def _chain(
        self,
        kind_code: int,
        position: int,
        *,
        holder_kind: str,
        holder_index: int,
        holder_key: str,
        number: str,
        holder_status: str,
        face_data: tuple[tuple[str, str], ...],
        row: OperatorRow | VehicleRow | PractitionerRow,
    ) -> Iterator[PlannedLicence]:
        type_key = KINDS[kind_code]
        licence_type = self.catalogue[type_key]
        bucket = self.buckets[self.bucket_of[kind_code][position]]
        slot = self.slot_of[kind_code][position]
        rng = random.Random(f"{self.seed}:licences:{holder_kind}:{holder_index}")
        span = (bucket.end - bucket.start).days
        issued = bucket.start + dt.timedelta(days=rng.randint(0, span))
        for _attempt in range(8):  # licences are issued on working days
            if issued.weekday() < 5:
                break
            issued = bucket.start + dt.timedelta(days=rng.randint(0, span))
        issued = _weekday(issued, bucket.start, bucket.end)
        ref = f"{holder_kind}:{holder_index}"
        predecessor: PlannedLicence | None = None
        if slot == RENEW_E:
            action = "renew" if type_key == BUSINESS else "change"
            if type_key == BUSINESS:
                earlier = _weekday(_years_later(issued, -(licence_type.validity.years or 4)))
            else:
                earlier = _weekday(
                    _years_later(issued, -3) - dt.timedelta(days=rng.randint(0, 300))
                )
            earlier = max(earlier, E_LICENCES_FROM)
            predecessor = self._record(
                ref=f"{ref}:1",
                type_key=type_key,
                holder_kind=holder_kind,
                holder_index=holder_index,
                holder_key=holder_key,
                number=number,
                version=1,
                predecessor=None,
                successor_action=action,
                issued=earlier,
                valid_until=(
                    issued - dt.timedelta(days=1)
                    if type_key == BUSINESS
                    else default_valid_until(licence_type, earlier)
                ),
                origin="issued",
                converted_on=None,
                status=("changed", issued, ""),
                face_data=face_data,
            )
            yield predecessor
        converted_on = None
        if slot == CONVERTED:
            start, end = CONVERSION_CAMPAIGN
            converted_on = _weekday(start + dt.timedelta(days=rng.randint(0, (end - start).days)))
        origin = {NEW_E: "issued", RENEW_E: "issued", NEW_PAPER: "legacy_paper"}.get(
            slot, "converted"
        )
        valid_until = default_valid_until(licence_type, issued)
        yield self._record(
            ref=f"{ref}:{2 if predecessor else 1}",
            type_key=type_key,
            holder_kind=holder_kind,
            holder_index=holder_index,
            holder_key=holder_key,
            number=number,
            version=2 if predecessor else 1,
            predecessor=predecessor,
            successor_action=None,
            issued=issued,
            valid_until=valid_until,
            origin=origin,
            converted_on=converted_on,
            status=self._status(holder_status, issued, valid_until, rng),
            face_data=face_data,
        )

    def _status(
        self, holder_status: str, issued: dt.date, valid_until: dt.date | None, rng: random.Random
    ) -> tuple[str, dt.date | None, str]:
        if holder_status == "cancelled":
            last = min(self.today - dt.timedelta(days=1), valid_until or self.today)
            days = max(0, (last - issued).days)
            return "cancelled", issued + dt.timedelta(days=rng.randint(days // 2, days)), "业户注销"
        if valid_until is not None and valid_until < self.today:
            return "expired", valid_until + dt.timedelta(days=1), ""
        if holder_status == "suspended":
            days = max(0, (self.today - dt.timedelta(days=1) - issued).days)
            return "suspended", issued + dt.timedelta(days=rng.randint(days // 2, days)), "停业"
        return "valid", None, ""

    def _record(
        self,
        *,
        ref: str,
        type_key: str,
        holder_kind: str,
        holder_index: int,
        holder_key: str,
        number: str,
        version: int,
        predecessor: PlannedLicence | None,
        successor_action: str | None,
        issued: dt.date,
        valid_until: dt.date | None,
        origin: str,
        converted_on: dt.date | None,
        status: tuple[str, dt.date | None, str],
        face_data: tuple[tuple[str, str], ...],
    ) -> PlannedLicence:
        electronic = origin != "legacy_paper"
        serial = None
        identifier_version = 1
        if predecessor is not None and predecessor.serial is not None:
            serial, identifier_version = predecessor.serial, predecessor.identifier_version + 1
        elif electronic:
            serial = self._serial(type_key, (converted_on or issued).year)
        return PlannedLicence(
            ref=ref,
            type_key=type_key,
            holder_kind=holder_kind,
            holder_index=holder_index,
            holder_key=holder_key,
            number=number,
            version=version,
            predecessor_ref=predecessor.ref if predecessor is not None else None,
            successor_action=successor_action,
            issued_on=issued,
            valid_from=issued,
            valid_until=valid_until,
            origin=origin,
            electronic=electronic,
            converted_on=converted_on,
            serial=serial,
            identifier_version=identifier_version,
            status_slot=self._slot() if electronic else None,
            status=status[0],
            status_changed_on=status[1],
            status_reason=status[2],
            face_data=face_data,
        )


def seed_figures(plan_rows: Sequence[PlannedLicence]) -> dict[str, int]:
    """The seed's headline figures counted from planned records (tests and the load summary)."""
    in_2024 = [r for r in plan_rows if r.issued_on.year == 2024]
    h1_2025 = [r for r in plan_rows if dt.date(2025, 1, 1) <= r.issued_on <= dt.date(2025, 6, 30)]
    return {
        "total": len(plan_rows),
        "new_e_2024": sum(1 for r in in_2024 if r.version == 1 and r.origin == "issued"),
        "with_e_2024": sum(1 for r in in_2024 if r.origin == "issued"),
        "all_2024": len(in_2024),
        "new_e_2025h1": sum(1 for r in h1_2025 if r.version == 1 and r.origin == "issued"),
        "paper_only": sum(1 for r in plan_rows if not r.electronic),
    }
