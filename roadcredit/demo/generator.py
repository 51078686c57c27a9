"""The demo district: deterministic, realistic registry rows for Muping (370612). Pure Python.

``DemoDistrict(scale=…, seed=…)`` streams operators, vehicles and practitioners as frozen row
objects. The same seed and scale always give byte-identical rows, at the district's real size
(1,505 operators, 3,563 vehicles, 7,878 practitioners) by default and at province size with a
``scale`` of 100 or more, without holding the rows in memory:

* every row draws from its own ``random.Random`` seeded by (seed, kind, index), so a row does
  not depend on how many rows were drawn before it;
* identifiers are derived from a counter through a keyed permutation (a small Feistel network),
  so they look random yet can never collide: USCC, plate (per plate format), VIN and ID number;
* the links (vehicles and practitioners to operators) follow each operator's sector and fleet
  weight; only those small per-operator profiles (a few bytes each) are kept in memory.

Identifier check characters come from ``roadcredit.subjects.identifiers`` (the one home of those
rules). The licence numbers the later licence issue will use are part of the rows (operators:
the road transport business licence number; vehicles: the road transport certificate number)
but are not stored anywhere yet.

Names, places and company words are data in ``data/*.toml``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import random
import tomllib
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import accumulate, islice
from pathlib import Path
from typing import Any, TypeVar

from roadcredit.subjects.identifiers import (
    id_number_check_char,
    uscc_check_char,
    vin_check_char,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_SEED = 370612
DIVISION_CODE = "370612"
# Generated data is as of this date (ages, qualification dates), so rows never depend on today.
REFERENCE_DATE = dt.date(2025, 6, 30)
PROVINCE_ADDRESS = "山东省烟台市牟平区"

T = TypeVar("T")


@dataclass(frozen=True)
class Counts:
    operators: int
    vehicles: int
    practitioners: int

    @property
    def total(self) -> int:
        return self.operators + self.vehicles + self.practitioners


# Muping District Transport Bureau's registry (issue item 14).
DISTRICT_COUNTS = Counts(operators=1505, vehicles=3563, practitioners=7878)


# --- sectors of operators -----------------------------------------------------------------------
@dataclass(frozen=True)
class Sector:
    code: str
    share: float  # of all operators
    individual: bool
    fleet: tuple[int, int]  # fleet weight range (vehicles per operator, roughly)
    staff_per_vehicle: int  # practitioner weight per vehicle
    scopes: tuple[str, ...]  # business-scope codes (subjects/data/business_scopes.toml)
    industry_words: tuple[str, ...]


SECTORS: tuple[Sector, ...] = (
    # About 91.5 % of freight operators are individual businesses; with the passenger, taxi and
    # dangerous-goods enterprises added, about 70 % of all operators are "92…" codes.
    Sector("freight_individual", 0.70, True, (1, 2), 2, ("2010",), ("货运部", "运输户")),
    Sector("freight", 0.22, False, (2, 5), 2, ("2010",), ("物流", "运输", "货运", "汽车运输")),
    Sector(
        "dangerous_goods", 0.03, False, (3, 8), 3, ("2050", "2010"), ("危险货物运输", "化工物流")
    ),
    Sector("passenger", 0.02, False, (4, 12), 2, ("1020", "1030"), ("客运", "旅游客运")),
    Sector("taxi", 0.015, False, (6, 16), 2, ("3010",), ("出租汽车", "出租车")),
    Sector("ride_hailing", 0.015, False, (3, 8), 1, ("3020",), ("出行服务", "汽车租赁")),
)
_SECTOR_CUM = tuple(accumulate(s.share for s in SECTORS))
_FREIGHT_ENTERPRISE = 1  # index of "freight" in SECTORS (the persona operator's sector)
# Extra business scopes some freight enterprises hold.
_FREIGHT_EXTRA_SCOPES = ("2020", "2030", "2040")

PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # A-Z without I and O (GA 36-2018)
PLATE_ISSUERS = ("F", "Y")  # Yantai's issuing letters
VIN_ALPHABET = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"  # no I, O, Q
VIN_YEAR_CODES = {2015 + i: code for i, code in enumerate("FGHJKLMNPRS")}  # 2015 … 2025
_WMI = {
    "truck": ("LZZ", "LFW", "LGA", "LZG", "LFN", "LRD"),
    "trailer": ("LJR", "LA9", "LM6"),
    "bus": ("LZY", "LKL", "LA6", "LGL"),
    "car_petrol": ("LSV", "LFV", "LVS", "LGB", "LVH"),
    "car_electric": ("LC0", "LGX", "LNB", "LB3"),
}
QUALIFICATION_VALIDITY_YEARS = 6


@dataclass(frozen=True)
class OperatorRow:
    index: int
    uscc: str
    name: str
    kind: str  # "enterprise" / "individual"
    legal_representative: str
    address: str
    division_code: str
    business_scope_codes: tuple[str, ...]
    status: str
    sector: str
    licence_number: str  # 道路运输经营许可证 number, for the later licence issue

    def as_input(self) -> dict[str, object]:
        """The mapping ``subjects.validation.parse_operator`` and the services take."""
        return {
            "uscc": self.uscc,
            "name": self.name,
            "kind": self.kind,
            "legal_representative": self.legal_representative,
            "address": self.address,
            "division_code": self.division_code,
            "business_scope_codes": list(self.business_scope_codes),
            "status": self.status,
        }


@dataclass(frozen=True)
class VehicleRow:
    index: int
    plate: str
    plate_colour: str
    vin: str
    vehicle_type: str
    fuel: str
    approved_load_kg: int | None
    seats: int | None
    operator_uscc: str | None
    status: str
    certificate_number: str | None  # 道路运输证 number (none for freight vehicles ≤ 4.5 t)

    def as_input(self) -> dict[str, object]:
        return {
            "plate": self.plate,
            "plate_colour": self.plate_colour,
            "vin": self.vin,
            "vehicle_type": self.vehicle_type,
            "fuel": self.fuel,
            "approved_load_kg": self.approved_load_kg,
            "seats": self.seats,
            "operator_uscc": self.operator_uscc,
            "status": self.status,
        }


@dataclass(frozen=True)
class QualificationRow:
    category: str
    first_issue_date: dt.date
    valid_until: dt.date | None

    def as_input(self) -> dict[str, object]:
        return {
            "category": self.category,
            "first_issue_date": self.first_issue_date,
            "valid_until": self.valid_until,
        }


@dataclass(frozen=True)
class PractitionerRow:
    index: int
    name: str
    id_number: str
    birth_date: dt.date
    sex: str  # "M" / "F"
    phone: str
    employer_uscc: str | None
    qualifications: tuple[QualificationRow, ...]
    status: str

    def as_input(self) -> dict[str, object]:
        return {
            "name": self.name,
            "id_number": self.id_number,
            "phone": self.phone,
            "employer_uscc": self.employer_uscc,
            "qualifications": [q.as_input() for q in self.qualifications],
            "status": self.status,
        }


Row = OperatorRow | VehicleRow | PractitionerRow


# --- tables -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Weighted:
    items: tuple[str, ...]
    cum: tuple[float, ...]

    @classmethod
    def of(cls, mapping: dict[str, Any]) -> _Weighted:
        return cls(tuple(mapping), tuple(accumulate(float(w) for w in mapping.values())))

    def pick(self, rng: random.Random) -> str:
        return rng.choices(self.items, cum_weights=self.cum)[0]


@dataclass(frozen=True)
class _Town:
    name: str
    roads: tuple[str, ...]
    villages: tuple[str, ...]


@dataclass(frozen=True)
class Tables:
    surnames: _Weighted
    male_chars: tuple[str, ...]
    female_chars: tuple[str, ...]
    towns: tuple[_Town, ...]
    town_cum: tuple[float, ...]
    id_address_codes: _Weighted
    mobile_prefixes: tuple[str, ...]
    trade_chars: tuple[str, ...]
    company_prefixes: tuple[str, ...]


@cache
def load_tables(data_dir: Path = DATA_DIR) -> Tables:
    names = tomllib.loads((data_dir / "names.toml").read_text(encoding="utf-8"))
    places = tomllib.loads((data_dir / "places.toml").read_text(encoding="utf-8"))
    towns = tuple(
        _Town(t["name"], tuple(t["roads"]), tuple(t["villages"])) for t in places["towns"]
    )
    return Tables(
        surnames=_Weighted.of(names["surnames"]),
        male_chars=tuple(names["given"]["male"]),
        female_chars=tuple(names["given"]["female"]),
        towns=towns,
        town_cum=tuple(accumulate(float(t["weight"]) for t in places["towns"])),
        id_address_codes=_Weighted.of(places["id_address_codes"]),
        mobile_prefixes=tuple(places["mobile_prefixes"]["prefixes"]),
        trade_chars=tuple(places["company"]["trade_chars"]),
        company_prefixes=tuple(places["company"]["prefixes"]),
    )


# --- counter → identifier -----------------------------------------------------------------------
_MASK64 = (1 << 64) - 1


def _mix64(value: int) -> int:
    """A 64-bit integer mixer (splitmix64 finaliser)."""
    value = (value + 0x9E3779B97F4A7C15) & _MASK64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK64
    return value ^ (value >> 31)


class Permutation:
    """A keyed bijection of ``range(size)``: a 4-round Feistel network over the next even power
    of two, with cycle walking back into range. Counter ``i`` maps to a distinct value, so
    identifiers built from ``perm(i)`` never collide and still look scattered."""

    ROUNDS = 4

    def __init__(self, size: int, key: str) -> None:
        if size < 1:
            raise ValueError("empty permutation domain")
        self.size = size
        bits = max(2, (size - 1).bit_length())
        bits += bits % 2
        self._half = bits // 2
        self._mask = (1 << self._half) - 1
        digest = hashlib.sha256(key.encode("utf-8")).digest()
        self._keys = tuple(
            int.from_bytes(digest[8 * r : 8 * r + 8], "big") for r in range(self.ROUNDS)
        )

    def __call__(self, index: int) -> int:
        if not 0 <= index < self.size:
            raise IndexError(f"counter {index} outside the identifier space of {self.size}")
        value = index
        while True:
            left, right = value >> self._half, value & self._mask
            for key in self._keys:
                left, right = right, left ^ (_mix64(right ^ key) & self._mask)
            value = (left << self._half) | right
            if value < self.size:
                return value


def _digits(value: int, width: int) -> str:
    return str(value).zfill(width)


def _radix(value: int, alphabet: str, width: int) -> str:
    chars = []
    base = len(alphabet)
    for _ in range(width):
        value, digit = divmod(value, base)
        chars.append(alphabet[digit])
    return "".join(reversed(chars))


_USCC_ALNUM = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_GB11714_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _gb11714_check(body8: str) -> str:
    """Check character of the 9-character organisation code (GB 11714), positions 9-17 of a
    USCC: digits count 0-9, letters A=10 … Z=35; weights 3,7,9,10,5,8,4,2, mod 11."""
    total = sum(
        (int(c) if c.isdigit() else ord(c) - 55) * w
        for c, w in zip(body8, _GB11714_WEIGHTS, strict=True)
    )
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


# 5-character ordinary plates: at most two letters (the common Yantai pattern).
def _plate_patterns(width: int, max_letters: int) -> tuple[tuple[tuple[bool, ...], int], ...]:
    patterns: list[tuple[tuple[bool, ...], int]] = []
    for mask in range(1 << width):
        letters = tuple(bool(mask >> (width - 1 - p) & 1) for p in range(width))
        if sum(letters) <= max_letters:
            size = 1
            for is_letter in letters:
                size *= len(PLATE_LETTERS) if is_letter else 10
            patterns.append((letters, size))
    return tuple(sorted(patterns, key=lambda item: (sum(item[0]), item[0])))


_ORDINARY_PATTERNS = _plate_patterns(5, 2)
_TRAILER_PATTERNS = _plate_patterns(4, 2)


def _decode_pattern(value: int, patterns: Sequence[tuple[tuple[bool, ...], int]]) -> str:
    for letters, size in patterns:
        if value < size:
            chars = []
            for is_letter in reversed(letters):
                base = len(PLATE_LETTERS) if is_letter else 10
                value, digit = divmod(value, base)
                chars.append(PLATE_LETTERS[digit] if is_letter else str(digit))
            return "".join(reversed(chars))
        value -= size
    raise IndexError("plate pattern value out of range")


_NEV_SECOND = "0123456789" + PLATE_LETTERS  # second character of a small NEV plate


class _PlateSpace:
    """One plate format (ordinary, trailer, small or large NEV) as a counter space."""

    def __init__(self, name: str, size: int, seed: int, render: Callable[[int], str]) -> None:
        self.name = name
        self.perm = Permutation(size, f"{seed}:plate:{name}")
        self.render = render
        self.next = 0

    def take(self) -> str:
        if self.next >= self.perm.size:
            raise ValueError(f"demo plate space {self.name} exhausted at {self.next} plates")
        value = self.perm(self.next)
        self.next += 1
        issuer, value = PLATE_ISSUERS[value % 2], value // 2
        return "鲁" + issuer + self.render(value)


def _render_ordinary(value: int) -> str:
    return _decode_pattern(value, _ORDINARY_PATTERNS)


def _render_trailer(value: int) -> str:
    return _decode_pattern(value, _TRAILER_PATTERNS) + "挂"


def _render_small_nev(letter: str) -> Callable[[int], str]:
    def render(value: int) -> str:
        second, rest = divmod(value, 10_000)
        return letter + _NEV_SECOND[second] + _digits(rest, 4)

    return render


def _render_large_nev(letter: str) -> Callable[[int], str]:
    def render(value: int) -> str:
        return _digits(value, 5) + letter

    return render


def _pattern_space(patterns: Sequence[tuple[tuple[bool, ...], int]]) -> int:
    return len(PLATE_ISSUERS) * sum(size for _, size in patterns)


# --- the district -------------------------------------------------------------------------------
_KIND_TAG = {"profile": 1, "operator": 2, "vehicle": 3, "practitioner": 4}
_MAX_SEQUENCE = 999_999  # 6-digit sequences in licence and certificate numbers
_ID_SEQ_PAIRS = 499  # sequence numbers 001-998 as (pair, sex) → 499 pairs per birth date
_MIN_AGE, _MAX_AGE = 22, 60
_UNEMPLOYED_PERCENT = 4


def counts_for(scale: float) -> Counts:
    """The district's counts times ``scale`` (at least one row of each kind)."""
    if not scale > 0:
        raise ValueError("scale must be positive")
    return Counts(*(max(1, round(n * scale)) for n in dataclasses.astuple(DISTRICT_COUNTS)))


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


_BIRTH_FIRST = _years_before(REFERENCE_DATE, _MAX_AGE + 1) + dt.timedelta(days=1)
_BIRTH_LAST = _years_before(REFERENCE_DATE, _MIN_AGE)
_BIRTH_DAYS = (_BIRTH_LAST - _BIRTH_FIRST).days + 1


def capacity() -> Counts:
    """The largest counts the identifier spaces allow (licence and certificate numbers have six
    sequence digits; ID numbers 499 sequence pairs per birth date in the 22-60 age range)."""
    return Counts(
        operators=min(_MAX_SEQUENCE, len(_USCC_ALNUM) ** 5),
        vehicles=min(_MAX_SEQUENCE, len(VIN_YEAR_CODES) * 1_000_000),
        practitioners=_BIRTH_DAYS * _ID_SEQ_PAIRS,
    )


def max_scale() -> float:
    cap = capacity()
    return min(
        cap.operators / DISTRICT_COUNTS.operators,
        cap.vehicles / DISTRICT_COUNTS.vehicles,
        cap.practitioners / DISTRICT_COUNTS.practitioners,
    )


class DemoDistrict:
    """The generated district for one (scale, seed). Iterate ``operators()``, ``vehicles()`` and
    ``practitioners()``; each call starts a fresh, identical stream."""

    def __init__(
        self, *, scale: float = 1.0, seed: int = DEFAULT_SEED, tables: Tables | None = None
    ) -> None:
        self.scale = scale
        self.seed = seed
        self.counts = counts_for(scale)
        cap = capacity()
        for kind in ("operators", "vehicles", "practitioners"):
            if getattr(self.counts, kind) > getattr(cap, kind):
                raise ValueError(
                    f"scale {scale} needs {getattr(self.counts, kind)} {kind}; the demo "
                    f"identifier spaces hold {getattr(cap, kind)} (max scale {max_scale():.0f})"
                )
        self.tables = tables or load_tables()
        self._uscc_perm = Permutation(len(_USCC_ALNUM) ** 5, f"{seed}:uscc")
        self._vin_perm = Permutation(len(VIN_YEAR_CODES) * 1_000_000, f"{seed}:vin")
        self._id_perm = Permutation(_BIRTH_DAYS * _ID_SEQ_PAIRS, f"{seed}:id_number")
        self._sector = array("B")
        self._fleet_weight = array("H")
        self._cancelled = bytearray()
        for i in range(self.counts.operators):
            sector, weight, status = self._profile(i)
            self._sector.append(sector)
            self._fleet_weight.append(weight)
            self._cancelled.append(status == "cancelled")
        self._fleet: array[int] | None = None

    # --- per-row randomness ------------------------------------------------------------------
    def _rng(self, kind: str, index: int) -> random.Random:
        return random.Random((self.seed << 48) | (_KIND_TAG[kind] << 40) | index)

    def _profile(self, index: int) -> tuple[int, int, str]:
        """(sector, fleet weight, status). A cancelled operator keeps no vehicles or staff (the
        registry refuses to link new ones to it), so its fleet weight is 0."""
        rng = self._rng("profile", index)
        if index == 0:  # the showcase operator behind the operator persona
            return _FREIGHT_ENTERPRISE, 6, "active"
        roll = rng.random() * _SECTOR_CUM[-1]
        sector = next(n for n, cum in enumerate(_SECTOR_CUM) if roll < cum)
        status = self._status(rng, suspended=0.015, cancelled=0.03)
        low, high = SECTORS[sector].fleet
        if status == "cancelled":
            return sector, 0, status
        if SECTORS[sector].individual:  # mostly one truck, about a third have two
            return sector, low + (rng.random() < 0.35) * (high - low), status
        return sector, rng.randint(low, high), status

    # --- shared pieces ---------------------------------------------------------------------
    def _person_name(self, rng: random.Random, sex: str) -> str:
        t = self.tables
        chars = t.male_chars if sex == "M" else t.female_chars
        surname = t.surnames.pick(rng)
        if len(surname) == 1 and rng.random() < 0.72:
            return surname + rng.choice(chars) + rng.choice(chars)
        return surname + rng.choice(chars)

    def _address(self, rng: random.Random) -> str:
        town = rng.choices(self.tables.towns, cum_weights=self.tables.town_cum)[0]
        if town.roads and (not town.villages or rng.random() < 0.6):
            return f"{PROVINCE_ADDRESS}{town.name}{rng.choice(town.roads)}{rng.randint(1, 688)}号"
        return f"{PROVINCE_ADDRESS}{town.name}{rng.choice(town.villages)}{rng.randint(1, 320)}号"

    def _phone(self, rng: random.Random) -> str:
        return rng.choice(self.tables.mobile_prefixes) + _digits(rng.randrange(10**8), 8)

    @staticmethod
    def _status(rng: random.Random, suspended: float, cancelled: float) -> str:
        roll = rng.random()
        if roll < cancelled:
            return "cancelled"
        if roll < cancelled + suspended:
            return "suspended"
        return "active"

    def operator_uscc(self, index: int) -> str:
        sector = SECTORS[self._sector[index]]
        org8 = "MA3" + _radix(self._uscc_perm(index), _USCC_ALNUM, 5)
        body = "9" + ("2" if sector.individual else "1") + DIVISION_CODE + org8
        body += _gb11714_check(org8)
        return body + uscc_check_char(body)

    # --- operators -------------------------------------------------------------------------
    def operators(self) -> Iterator[OperatorRow]:
        for i in range(self.counts.operators):
            yield self._operator(i)

    def _operator(self, index: int) -> OperatorRow:
        rng = self._rng("operator", index)
        sector = SECTORS[self._sector[index]]
        representative = self._person_name(rng, "M" if rng.random() < 0.88 else "F")
        address = self._address(rng)
        if sector.individual:
            name = f"牟平区{representative}{rng.choice(sector.industry_words)}"
        else:
            t = self.tables
            trade = "".join(rng.sample(t.trade_chars, 2))
            name = f"{rng.choice(t.company_prefixes)}{trade}{rng.choice(sector.industry_words)}有限公司"
        scopes = sector.scopes
        if sector.code == "freight" and rng.random() < 0.25:
            scopes = (*scopes, rng.choice(_FREIGHT_EXTRA_SCOPES))
        status = self._profile(index)[2]
        if index == 0:
            name, representative = "烟台鑫达物流有限公司", "刘建国"
            address = f"{PROVINCE_ADDRESS}大窑街道工业园路18号"
        return OperatorRow(
            index=index,
            uscc=self.operator_uscc(index),
            name=name,
            kind="individual" if sector.individual else "enterprise",
            legal_representative=representative,
            address=address,
            division_code=DIVISION_CODE,
            business_scope_codes=scopes,
            status=status,
            sector=sector.code,
            licence_number=f"鲁交运管许可烟字{DIVISION_CODE}{_digits(index + 1, 6)}号",
        )

    # --- vehicles --------------------------------------------------------------------------
    def fleet_sizes(self) -> array[int]:
        """Vehicles per operator: vehicle j belongs to the operator whose stretch of the
        cumulative fleet weights holds the point (j + ½) · W / N (exact integer arithmetic)."""
        if self._fleet is None:
            fleet = array("I", bytes(4 * self.counts.operators))
            for _, operator in self._walk(self.counts.vehicles, self._fleet_weight):
                fleet[operator] += 1
            self._fleet = fleet
        return self._fleet

    @staticmethod
    def _walk(count: int, weights: Sequence[int]) -> Iterator[tuple[int, int]]:
        """(item, operator) pairs spreading ``count`` items over operators by ``weights``."""
        total = sum(weights)
        if total == 0:
            return
        operator, upper = 0, weights[0] * 2 * count
        for item in range(count):
            point = (2 * item + 1) * total
            while point >= upper:
                operator += 1
                upper += weights[operator] * 2 * count
            yield item, operator

    def vehicles(self) -> Iterator[VehicleRow]:
        seed = self.seed
        spaces = {
            "ordinary": _PlateSpace(
                "ordinary", _pattern_space(_ORDINARY_PATTERNS), seed, _render_ordinary
            ),
            "trailer": _PlateSpace(
                "trailer", _pattern_space(_TRAILER_PATTERNS), seed, _render_trailer
            ),
            "nev_small_D": _PlateSpace(
                "nev_small_D", 2 * len(_NEV_SECOND) * 10_000, seed, _render_small_nev("D")
            ),
            "nev_small_F": _PlateSpace(
                "nev_small_F", 2 * len(_NEV_SECOND) * 10_000, seed, _render_small_nev("F")
            ),
            "nev_large_D": _PlateSpace("nev_large_D", 2 * 100_000, seed, _render_large_nev("D")),
        }
        certificates = 0
        last: tuple[int, str] | None = None  # (operator, its USCC): vehicles come in runs
        for index, operator in self._walk(self.counts.vehicles, self._fleet_weight):
            if last is None or last[0] != operator:
                last = (operator, self.operator_uscc(operator))
            rng = self._rng("vehicle", index)
            spec = _vehicle_spec(SECTORS[self._sector[operator]].code, rng)
            plate = spaces[spec.plate_space].take()
            certificate = None
            if spec.needs_certificate:
                certificates += 1
                certificate = f"{DIVISION_CODE}{_digits(certificates, 6)}"
            yield VehicleRow(
                index=index,
                plate=plate,
                plate_colour=spec.colour,
                vin=self._vin(index, spec.wmi_group, rng),
                vehicle_type=spec.vehicle_type,
                fuel=spec.fuel,
                approved_load_kg=spec.load_kg,
                seats=spec.seats,
                operator_uscc=last[1],
                status=self._status(rng, suspended=0.015, cancelled=0.02),
                certificate_number=certificate,
            )

    def _vin(self, index: int, wmi_group: str, rng: random.Random) -> str:
        key = self._vin_perm(index)
        year_index, serial = divmod(key, 1_000_000)
        year_code = VIN_YEAR_CODES[2015 + year_index]
        wmi = rng.choice(_WMI[wmi_group])
        vds = "".join(rng.choice(VIN_ALPHABET) for _ in range(5))
        plant = rng.choice(VIN_ALPHABET[10:])
        body = f"{wmi}{vds}0{year_code}{plant}{_digits(serial, 6)}"
        return body[:8] + vin_check_char(body) + body[9:]

    # --- practitioners ---------------------------------------------------------------------
    def _unemployed(self, index: int) -> bool:
        return index != 0 and _mix64((self.seed << 40) ^ index) % 100 < _UNEMPLOYED_PERCENT

    def practitioners(self) -> Iterator[PractitionerRow]:
        fleet = self.fleet_sizes()
        weights = array(
            "I",
            (
                fleet[k] * SECTORS[self._sector[k]].staff_per_vehicle
                + (1 if SECTORS[self._sector[k]].individual and not self._cancelled[k] else 0)
                for k in range(self.counts.operators)
            ),
        )
        employed_total = sum(1 for p in range(self.counts.practitioners) if not self._unemployed(p))
        employers = self._walk(employed_total, weights)
        last: tuple[int, str] | None = None  # (operator, its USCC): staff come in runs
        for index in range(self.counts.practitioners):
            employer_uscc: str | None = None
            sector: str | None = None
            if not self._unemployed(index):
                _, operator = next(employers)
                if last is None or last[0] != operator:
                    last = (operator, self.operator_uscc(operator))
                employer_uscc = last[1]
                sector = SECTORS[self._sector[operator]].code
            yield self._practitioner(index, sector, employer_uscc)

    def _practitioner(
        self, index: int, sector: str | None, employer_uscc: str | None
    ) -> PractitionerRow:
        rng = self._rng("practitioner", index)
        categories = _qualification_categories(sector, rng)
        male_share = 0.6 if categories[0] in ("dg_escort", "dg_loader") else 0.93
        sex = "M" if index == 0 or rng.random() < male_share else "F"
        name = "张伟" if index == 0 else self._person_name(rng, sex)
        key = self._id_perm(index)
        day, pair = divmod(key, _ID_SEQ_PAIRS)
        birth = _BIRTH_FIRST + dt.timedelta(days=day)
        sequence = 2 * pair + (1 if sex == "M" else 2)
        body = (
            self.tables.id_address_codes.pick(rng) + birth.strftime("%Y%m%d") + _digits(sequence, 3)
        )
        id_number = body + id_number_check_char(body)
        phone = self._phone(rng)
        qualifications = tuple(_qualification(category, birth, rng) for category in categories)
        status = "active" if index == 0 else self._status(rng, suspended=0.01, cancelled=0.02)
        return PractitionerRow(
            index=index,
            name=name,
            id_number=id_number,
            birth_date=birth,
            sex=sex,
            phone=phone,
            employer_uscc=employer_uscc,
            qualifications=qualifications,
            status=status,
        )

    # --- the showcase subjects behind the holder personas -----------------------------------
    def persona_operator(self) -> OperatorRow:
        """Operator 0: 烟台鑫达物流有限公司, a freight enterprise (the "operator" persona)."""
        return self._operator(0)

    def persona_practitioner(self) -> PractitionerRow:
        """Practitioner 0: 张伟, a freight driver employed by operator 0 (the "driver" persona)."""
        return next(self.practitioners())


# --- vehicle specs by sector --------------------------------------------------------------------
@dataclass(frozen=True)
class _VehicleSpec:
    vehicle_type: str
    plate_space: str
    colour: str
    fuel: str
    load_kg: int | None
    seats: int | None
    wmi_group: str
    needs_certificate: bool = True


def _heavy_load(rng: random.Random) -> int:
    return rng.choice((7_990, 9_800, 11_990, 15_800, 17_990, 18_000, 24_500, 31_000))


def _vehicle_spec(sector: str, rng: random.Random) -> _VehicleSpec:
    roll = rng.random()
    if sector in ("freight_individual", "freight"):
        light, tractor, trailer = (
            (0.12, 0.10, 0.05) if sector == "freight_individual" else (0.08, 0.20, 0.20)
        )
        if roll < light:  # ≤ 4.5 t total mass: blue plate, no road transport certificate
            fuel = "electric" if rng.random() < 0.1 else rng.choice(("petrol", "diesel"))
            if fuel == "electric":
                return _VehicleSpec(
                    "freight",
                    "nev_small_D",
                    "5",
                    fuel,
                    rng.choice((995, 1_245, 1_495)),
                    None,
                    "car_electric",
                    needs_certificate=False,
                )
            return _VehicleSpec(
                "freight",
                "ordinary",
                "1",
                fuel,
                rng.choice((495, 995, 1_495, 1_750)),
                None,
                "truck",
                needs_certificate=False,
            )
        if roll < light + tractor:  # 牵引车: no load of its own (准牵引总质量 is not stored)
            fuel = "gas" if rng.random() < 0.15 else "diesel"
            return _VehicleSpec("tractor", "ordinary", "2", fuel, 0, None, "truck")
        if roll < light + tractor + trailer:
            load = rng.choice((28_000, 31_500, 32_000, 33_500, 34_000))
            return _VehicleSpec("trailer", "trailer", "2", "diesel", load, None, "trailer")
        fuel = "gas" if rng.random() < 0.08 else "diesel"
        return _VehicleSpec("freight", "ordinary", "2", fuel, _heavy_load(rng), None, "truck")
    if sector == "dangerous_goods":
        if roll < 0.5:
            load = rng.choice((9_500, 13_800, 17_500, 19_800, 25_000))
            return _VehicleSpec("dangerous_goods", "ordinary", "2", "diesel", load, None, "truck")
        if roll < 0.75:
            return _VehicleSpec("tractor", "ordinary", "2", "diesel", 0, None, "truck")
        load = rng.choice((26_000, 30_000, 31_800))
        return _VehicleSpec("trailer", "trailer", "2", "diesel", load, None, "trailer")
    if sector == "passenger":
        seats = rng.choice((19, 23, 33, 35, 45, 49, 51, 55))
        if roll < 0.4:
            return _VehicleSpec("bus", "nev_large_D", "93", "electric", None, seats, "bus")
        return _VehicleSpec("bus", "ordinary", "2", "diesel", None, seats, "bus")
    if sector == "taxi":
        if roll < 0.55:
            return _VehicleSpec("taxi", "nev_small_D", "5", "electric", None, 5, "car_electric")
        fuel = "gas" if roll < 0.7 else "petrol"
        return _VehicleSpec("taxi", "ordinary", "1", fuel, None, 5, "car_petrol")
    # ride-hailing
    seats = 7 if rng.random() < 0.1 else 5
    if roll < 0.75:
        return _VehicleSpec(
            "ride_hailing", "nev_small_D", "5", "electric", None, seats, "car_electric"
        )
    if roll < 0.9:
        return _VehicleSpec(
            "ride_hailing", "nev_small_F", "5", "hybrid", None, seats, "car_electric"
        )
    return _VehicleSpec("ride_hailing", "ordinary", "1", "petrol", None, seats, "car_petrol")


# --- qualifications -----------------------------------------------------------------------------
def _qualification_categories(sector: str | None, rng: random.Random) -> tuple[str, ...]:
    roll = rng.random()
    if sector == "dangerous_goods":
        if roll < 0.6:
            return ("dg_driver", "freight")
        return ("dg_escort",) if roll < 0.85 else ("dg_loader",)
    if sector == "passenger":
        return ("passenger", "freight") if roll < 0.1 else ("passenger",)
    if sector == "taxi":
        return ("taxi", "ride_hailing") if roll < 0.2 else ("taxi",)
    if sector == "ride_hailing":
        return ("ride_hailing", "taxi") if roll < 0.1 else ("ride_hailing",)
    if sector is None:  # not employed by a Muping operator right now
        if roll < 0.75:
            return ("freight",)
        return ("passenger",) if roll < 0.9 else ("taxi",)
    return ("freight", "dg_driver") if roll < 0.05 else ("freight",)


def _qualification(category: str, birth: dt.date, rng: random.Random) -> QualificationRow:
    earliest = max(_years_before(birth, -21), dt.date(2000, 1, 1))
    latest = REFERENCE_DATE - dt.timedelta(days=30)
    if earliest > latest:
        earliest = latest
    first = earliest + dt.timedelta(days=rng.randint(0, (latest - earliest).days))
    renewals = 1  # six-year cycles until the current one (ends after REFERENCE_DATE)
    while _years_before(first, -QUALIFICATION_VALIDITY_YEARS * renewals) <= REFERENCE_DATE:
        renewals += 1
    if renewals > 1 and rng.random() < 0.04:  # lapsed: not renewed after the last cycle
        renewals -= 1
    until = _years_before(first, -QUALIFICATION_VALIDITY_YEARS * renewals) - dt.timedelta(days=1)
    return QualificationRow(category=category, first_issue_date=first, valid_until=until)


# --- helpers for writers and tests ---------------------------------------------------------------
def chunked(rows: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of at most ``size`` items (the last may be shorter)."""
    if size < 1:
        raise ValueError("chunk size must be positive")
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def row_bytes(row: Row) -> bytes:
    """Canonical bytes of one row (sorted-key JSON), for digests."""
    return json.dumps(
        dataclasses.asdict(row), ensure_ascii=False, sort_keys=True, default=str
    ).encode("utf-8")


def rows_digest(rows: Iterable[Row]) -> str:
    """SHA-256 over the canonical bytes of ``rows``, one line each."""
    digest = hashlib.sha256()
    for row in rows:
        digest.update(row_bytes(row) + b"\n")
    return digest.hexdigest()
