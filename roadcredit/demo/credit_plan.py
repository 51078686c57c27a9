"""The demo district's credit history: deterministic credit records for 2024-2026. Pure Python.

``CreditPlan(district)`` draws, for the subjects of a ``DemoDistrict``, the credit records a
district bureau would hold: mostly minor and general negative findings (overloading, a missing
road transport certificate, a switched-off satellite terminal, refusing fares, …) against
operators, their vehicles and their drivers, a few serious ones, some positive recognitions,
and the most recent findings still awaiting their decision. Behaviours come from the credit
behaviour catalogue (``credit/rules/behaviours.toml``); each source numbers its decision
documents per year in the order of their dates (``牟交执罚〔2026〕123号``).

Every subject draws from its own ``random.Random`` seeded by (seed, kind, index), so the same
seed always gives the same records and a subject's records do not depend on the subjects drawn
before it: an operator has the same records at every scale (which of its vehicles a finding names
follows its fleet at that scale; a driver's depend on the sector it works in, which the generator
assigns per scale).

Positive records (commendations, safety awards) are rare, and the red list needs one within its
12-month window (rule sets 2024.2 / 2026.2), so only a few percent of the subjects qualify;
``CreditPlan.commended`` names the subjects given one.

A handful of showcase subjects get fixed histories instead, so the demo accounts and the
licensing tiers have something to show (``Showcase``): the persona operator (no negative record,
yearly commendations: AA and the red list), the persona driver (safety awards: AAA and the red
list), an operator with
a poor grade (C, with a repair application in progress), an operator on the serious-dishonesty
list (two serious records), a driver with a 20-point accident record (B), and the subjects of two
objections in progress.

The operators' registration dates (the enterprise scheme's history anchor) are part of the plan:
a registry that has existed for years, with a few operators registered too recently to be rated.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from roadcredit.credit.grading import BehaviourCatalogue
from roadcredit.credit.grading.model import Scheme

from .generator import DemoDistrict, OperatorRow, PractitionerRow

PLAN_VERSION = 1
CATALOGUE_PATH = Path(__file__).resolve().parents[1] / "credit" / "rules" / "behaviours.toml"
PERIOD_START = dt.date(2024, 1, 2)
# The last day a demo record happens or is decided: the plan never depends on today.
PERIOD_END = dt.date(2026, 11, 20)
# Findings of the last PENDING_DAYS days are still awaiting their decision, half of them.
PENDING_DAYS = 30
DRIVING = ("freight", "passenger", "taxi", "ride_hailing", "dg_driver")


@dataclass(frozen=True)
class SourceSpec:
    code: str
    name: str
    kind: str  # credit.models.SourceKind value
    prefix: str  # decision document prefix, 牟交执罚 → 牟交执罚〔2026〕12号


SOURCES: dict[str, SourceSpec] = {
    "enforcement": SourceSpec(
        "muping-enforcement", "牟平区交通运输执法大队执法办案系统", "enforcement", "牟交执罚"
    ),
    "complaints": SourceSpec("muping-12328", "12328交通运输服务监督电话", "complaints", "牟交投处"),
    "bureau": SourceSpec("bureau", "牟平区交通运输局", "bureau", "牟交字"),
}
# Behaviours found through complaints (the rest by enforcement; positive ones by the bureau).
_COMPLAINT_CODES = frozenset({"RT-N-023", "RT-N-024", "RT-N-011"})

# (code, weight) by sector; codes marked for vehicles are recorded against a vehicle's plate.
_VEHICLE_CODES = frozenset(
    {"RT-N-008", "RT-N-009", "RT-N-010", "RT-N-011", "RT-N-014", "RT-N-015", "RT-N-017"}
    | {"RT-N-018", "RT-N-020", "RT-N-021", "RT-N-022", "RT-N-023", "RT-N-026"}
)
_OPERATOR_CODES: dict[str, tuple[tuple[str, int], ...]] = {
    "freight_individual": (
        ("RT-N-020", 6),
        ("RT-N-026", 5),
        ("RT-N-008", 5),
        ("RT-N-015", 3),
        ("RT-N-018", 3),
        ("RT-N-012", 1),
    ),
    "freight": (
        ("RT-N-008", 5),
        ("RT-N-020", 5),
        ("RT-N-015", 4),
        ("RT-N-026", 4),
        ("RT-N-018", 3),
        ("RT-N-019", 2),
        ("RT-N-013", 1),
        ("RT-N-012", 1),
    ),
    "dangerous_goods": (
        ("RT-N-015", 4),
        ("RT-N-017", 3),
        ("RT-N-018", 3),
        ("RT-N-019", 3),
        ("RT-N-026", 2),
        ("RT-N-013", 1),
    ),
    "passenger": (
        ("RT-N-022", 5),
        ("RT-N-021", 4),
        ("RT-N-015", 3),
        ("RT-N-010", 2),
        ("RT-N-009", 1),
        ("RT-N-011", 1),
        ("RT-N-019", 1),
    ),
    "taxi": (("RT-N-023", 6), ("RT-N-024", 5), ("RT-N-026", 2), ("RT-N-015", 1)),
    "ride_hailing": (("RT-N-014", 5), ("RT-N-024", 4), ("RT-N-023", 1)),
}
_SERIOUS_OPERATOR_CODES = (("RT-N-002", 2), ("RT-N-003", 2), ("RT-N-004", 1))
_DRIVER_CODES: dict[str, tuple[tuple[str, int], ...]] = {
    "freight": (("RT-N-016", 5), ("RT-N-008", 4), ("RT-N-020", 4), ("RT-N-015", 2)),
    "dg_driver": (("RT-N-016", 4), ("RT-N-017", 3), ("RT-N-015", 2)),
    "passenger": (
        ("RT-N-022", 4),
        ("RT-N-021", 3),
        ("RT-N-016", 3),
        ("RT-N-010", 2),
        ("RT-N-011", 1),
    ),
    "taxi": (("RT-N-023", 5), ("RT-N-024", 5)),
    "ride_hailing": (("RT-N-014", 4), ("RT-N-024", 4)),
}
_SERIOUS_DRIVER_CODES = (("RT-N-004", 2), ("RT-N-003", 1))
_ENTERPRISE_POSITIVE = (("RT-P-002", 5), ("RT-P-003", 2), ("RT-P-004", 1))
_DRIVER_POSITIVE = (("RT-P-003", 3), ("RT-P-004", 2), ("RT-P-001", 1))

# Positive records are decided by the bureau's commendations on these days.
_COMMENDATION_DAYS = (dt.date(2024, 12, 20), dt.date(2025, 12, 19), dt.date(2026, 6, 26))
# How many negative records a subject has over the three years, by risk class:
# (fewest, most, share of subjects). Most are clean; a few offend again and again.
_INDIVIDUAL_RISK = ((0, 0, 70), (1, 2, 22), (3, 7, 6), (8, 12, 2))
_ENTERPRISE_RISK = ((0, 0, 40), (1, 2, 33), (4, 7, 17), (8, 12, 8), (12, 18, 2))
_DRIVER_RISK = ((0, 0, 85), (1, 2, 11), (3, 5, 3), (5, 8, 1))
# Enforcement has grown: the share of the findings falling in each stretch of the period.
_PERIOD_WEIGHTS = (
    (dt.date(2024, 1, 2), dt.date(2024, 12, 31), 25),
    (dt.date(2025, 1, 2), dt.date(2025, 12, 31), 35),
    (dt.date(2026, 1, 4), PERIOD_END, 40),
)
_SERIOUS_SHARE = {"operator": 0.004, "practitioner": 0.002}
# Share of the subjects given a positive record (one of the commendation days, two of which fall
# within the red list's 12-month window at the end of the plan).
_POSITIVE_SHARE = {"enterprise": 0.12, "individual": 0.02, "practitioner": 0.03}
# Operators registered at most this long ago (the rest earlier, back to 2006).
_RECENT_REGISTRATION_SHARE = 0.06

_DESCRIPTIONS: dict[str, str] = {
    "RT-N-002": "检查中发现其使用变造的道路运输证，已依法处罚。",
    "RT-N-003": "将道路运输证件出借他人使用，已依法处罚。",
    "RT-N-004": "发生道路交通事故，经认定负同等以上责任。",
    "RT-N-006": "超越许可范围承运危险货物，已依法处罚。",
    "RT-N-008": "车辆超限超载运输，已卸载并依法处罚。",
    "RT-N-009": "客车超员百分之二十以上，已转运旅客并依法处罚。",
    "RT-N-010": "未按批准的客运线路行驶。",
    "RT-N-011": "经投诉核实，途中甩客。",
    "RT-N-012": "拒绝接受执法检查。",
    "RT-N-013": "聘用未取得从业资格证的人员驾驶营运车辆。",
    "RT-N-014": "未取得网络预约出租汽车运输证从事网约车经营。",
    "RT-N-015": "卫星定位装置不在线，未按规定实施动态监控。",
    "RT-N-016": "连续驾驶超过4小时未停车休息。",
    "RT-N-017": "运输危险货物未配备押运人员。",
    "RT-N-018": "车辆未按规定进行维护和检测。",
    "RT-N-019": "安全生产隐患责令限期整改，逾期未改正。",
    "RT-N-020": "营运车辆未随车携带道路运输证。",
    "RT-N-021": "客车超员（百分之二十以下）。",
    "RT-N-022": "在站外上客、沿途揽客。",
    "RT-N-023": "经乘客投诉核实，拒载、议价。",
    "RT-N-024": "经12328投诉核实，服务质量存在问题。",
    "RT-N-026": "道路运输证逾期未办理年度审验。",
    "RT-P-001": "见义勇为行为经有关部门认定。",
    "RT-P-002": "获评县级文明诚信经营户。",
    "RT-P-003": "获评市级安全生产先进。",
    "RT-P-004": "承担抢险救灾或重点物资运输任务，经认定。",
}


@dataclass(frozen=True, slots=True)
class PlannedRecord:
    source: str  # key of SOURCES
    source_ref: str
    subject_kind: str  # operator / vehicle / practitioner
    subject_key: tuple[str, ...]  # (uscc,) / (plate, plate colour) / (id number,)
    subject_name: str
    behaviour_code: str
    occurred_on: dt.date
    decided_on: dt.date | None
    decision_number: str = ""
    description: str = ""

    def as_input(self) -> dict[str, object]:
        """The record as a source system sends it (``credit.record_input.parse_record``)."""
        data: dict[str, object] = {
            "source_ref": self.source_ref,
            "subject_name": self.subject_name,
            "behaviour_code": self.behaviour_code,
            "occurred_on": self.occurred_on.isoformat(),
            "description": self.description,
        }
        if self.subject_kind == "operator":
            data["uscc"] = self.subject_key[0]
        elif self.subject_kind == "vehicle":
            data["plate"], data["plate_colour"] = self.subject_key
        else:
            data["id_number"] = self.subject_key[0]
        if self.decided_on is not None:
            data["decision_number"] = self.decision_number
            data["decided_on"] = self.decided_on.isoformat()
        return data


@dataclass(frozen=True)
class CaseSpec:
    """A case the loader opens through the case services once the records are in."""

    kind: str  # "objection" / "repair" / "serious_list"
    source_refs: tuple[str, ...]  # the records concerned
    subject_kind: str  # operator / practitioner
    subject_key: str  # USCC or ID number
    text: str  # grounds, evidence or statement
    on: dt.date  # the day it was filed (the listing: notified)


@dataclass
class Showcase:
    """Who the fixed histories were given to (USCC / ID number; empty when the scale is too
    small to hold such a subject)."""

    good_operator: str = ""
    poor_operator: str = ""
    serious_operator: str = ""
    good_driver: str = ""
    poor_driver: str = ""
    objection_driver: str = ""
    objection_operator: str = ""
    red_candidates: list[tuple[str, str]] = field(default_factory=list)  # (kind, key)


def _pick(rng: random.Random, weighted: Sequence[tuple[str, int]]) -> str:
    return rng.choices([c for c, _ in weighted], weights=[w for _, w in weighted])[0]


def _count(rng: random.Random, risk: Sequence[tuple[int, int, int]]) -> int:
    low, high, _share = rng.choices(risk, weights=[share for _, _, share in risk])[0]
    return rng.randint(low, high)


def _workday(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def _day_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))


Plate = tuple[str, str]  # plate number, plate colour code
_OperatorHistory = Callable[[OperatorRow, list[Plate]], None]
_DriverHistory = Callable[[PractitionerRow], None]


class CreditPlan:
    """The credit records of one demo district (see the module docstring)."""

    def __init__(self, district: DemoDistrict, catalogue: BehaviourCatalogue | None = None) -> None:
        self.district = district
        self.seed = district.seed
        self.catalogue = catalogue or BehaviourCatalogue.load(CATALOGUE_PATH)
        self.showcase = Showcase()
        self.cases: list[CaseSpec] = []
        self.registered_on: dict[str, dt.date] = {}
        # (kind, key) of each operator and practitioner given a positive record, in plan order:
        # the only subjects that can meet the red-list criteria.
        self.commended: list[tuple[str, str]] = []
        self._commended_set: set[tuple[str, str]] = set()
        self._records: list[PlannedRecord] = []
        self._serial: dict[tuple[str, str], int] = {}
        self._build()
        self.records: tuple[PlannedRecord, ...] = tuple(self._numbered(self._records))

    # --- drawing ----------------------------------------------------------------------------
    def _rng(self, kind: str, index: int) -> random.Random:
        return random.Random(f"{self.seed}:credit:{kind}:{index}")

    def _ref(self, prefix: str, index: int) -> str:
        number = self._serial.get((prefix, str(index)), 0) + 1
        self._serial[(prefix, str(index))] = number
        return f"DEMO-{prefix}{index:07d}-{number}"

    def _dates(
        self, rng: random.Random, *, after: dt.date = PERIOD_START
    ) -> tuple[dt.date, dt.date | None]:
        start, end, _weight = rng.choices(
            _PERIOD_WEIGHTS, weights=[weight for _, _, weight in _PERIOD_WEIGHTS]
        )[0]
        occurred = _workday(_day_between(rng, max(after, start), max(after, end)))
        while occurred > PERIOD_END:
            occurred -= dt.timedelta(days=1)
        decided = _workday(occurred + dt.timedelta(days=rng.randint(7, 40)))
        recent = (PERIOD_END - occurred).days < PENDING_DAYS
        if decided > PERIOD_END or (recent and rng.random() < 0.5):
            return occurred, None
        return occurred, decided

    def _add(
        self,
        *,
        code: str,
        kind: str,
        key: tuple[str, ...],
        name: str,
        ref: str,
        occurred: dt.date,
        decided: dt.date | None,
    ) -> PlannedRecord:
        behaviour = self.catalogue.get(code)
        scheme: Scheme = "driver" if kind == "practitioner" else "enterprise"
        if behaviour is None or behaviour.points_for(scheme) is None:
            raise ValueError(f"behaviour {code} is not recordable under the {scheme} scheme")
        if behaviour.direction == "positive":
            source = "bureau"
        elif code in _COMPLAINT_CODES:
            source = "complaints"
        else:
            source = "enforcement"
        record = PlannedRecord(
            source=source,
            source_ref=ref,
            subject_kind=kind,
            subject_key=key,
            subject_name=name,
            behaviour_code=code,
            occurred_on=occurred,
            decided_on=decided,
            description=_DESCRIPTIONS.get(code, ""),
        )
        self._records.append(record)
        if behaviour.direction == "positive" and kind in ("operator", "practitioner"):
            subject = (kind, key[0])
            if subject not in self._commended_set:
                self._commended_set.add(subject)
                self.commended.append(subject)
        return record

    def _build(self) -> None:
        fleets: dict[str, list[Plate]] = {}
        for vehicle in self.district.vehicles():
            if vehicle.operator_uscc and vehicle.status != "cancelled":
                fleets.setdefault(vehicle.operator_uscc, []).append(
                    (vehicle.plate, vehicle.plate_colour)
                )
        special = self._choose_showcase_operators(fleets)
        for operator in self.district.operators():
            if operator.uscc not in self.registered_on:
                self.registered_on[operator.uscc] = self._registration(operator)
            if operator.status == "cancelled":
                continue
            fleet = fleets.get(operator.uscc, [])
            if operator.uscc in special:
                special[operator.uscc](operator, fleet)
            else:
                self._operator_records(operator, fleet)
        drivers = self._choose_showcase_drivers()
        for practitioner in self.district.practitioners():
            categories = [q.category for q in practitioner.qualifications]
            if practitioner.status == "cancelled" or not set(categories) & set(DRIVING):
                continue
            if practitioner.index in drivers:
                drivers[practitioner.index](practitioner)
            else:
                self._driver_records(practitioner, categories)

    def _registration(self, operator: OperatorRow, *, long_ago: bool = False) -> dt.date:
        rng = self._rng("registered", operator.index)
        if operator.index == 0:
            return dt.date(2012, 3, 15)
        if not long_ago and rng.random() < _RECENT_REGISTRATION_SHARE:
            return _workday(_day_between(rng, dt.date(2025, 6, 1), dt.date(2026, 6, 30)))
        return _workday(_day_between(rng, dt.date(2006, 1, 4), dt.date(2025, 5, 31)))

    def _operator_records(self, operator: OperatorRow, fleet: list[Plate]) -> None:
        rng = self._rng("operator", operator.index)
        individual = operator.kind == "individual"
        count = _count(rng, _INDIVIDUAL_RISK if individual else _ENTERPRISE_RISK)
        registered = self.registered_on[operator.uscc]
        codes = [_pick(rng, _OPERATOR_CODES[operator.sector]) for _ in range(count)]
        if rng.random() < _SERIOUS_SHARE["operator"]:
            codes.append(_pick(rng, _SERIOUS_OPERATOR_CODES))
        for code in codes:
            occurred, decided = self._dates(rng, after=registered)
            # One draw whatever the fleet (its size changes with the scale), so the draws after
            # it do not.
            which = rng.random()
            self._finding(operator, fleet, code, occurred, decided, which=which)
        share = _POSITIVE_SHARE["individual" if individual else "enterprise"]
        if rng.random() < share:
            self._commendation(operator, _pick(rng, _ENTERPRISE_POSITIVE), rng)

    def _commendation(self, operator: OperatorRow, code: str, rng: random.Random) -> None:
        """Positive records come from yearly commendations (one document for everyone)."""
        decided = rng.choice(_COMMENDATION_DAYS)
        self._add(
            code=code,
            kind="operator",
            key=(operator.uscc,),
            name=operator.name,
            ref=self._ref("O", operator.index),
            occurred=decided - dt.timedelta(days=14),
            decided=decided,
        )

    def _driver_records(self, practitioner: PractitionerRow, categories: list[str]) -> None:
        rng = self._rng("practitioner", practitioner.index)
        driving = [c for c in categories if c in DRIVING]
        count = _count(rng, _DRIVER_RISK)
        codes = [_pick(rng, _DRIVER_CODES[rng.choice(driving)]) for _ in range(count)]
        if rng.random() < _SERIOUS_SHARE["practitioner"]:
            codes.append(_pick(rng, _SERIOUS_DRIVER_CODES))
        for code in codes:
            occurred, decided = self._dates(rng)
            self._person(practitioner, code, occurred, decided)
        if rng.random() < _POSITIVE_SHARE["practitioner"]:
            decided_on = rng.choice(_COMMENDATION_DAYS)
            code = _pick(rng, _DRIVER_POSITIVE)
            self._person(practitioner, code, decided_on - dt.timedelta(days=14), decided_on)

    def _person(
        self, practitioner: PractitionerRow, code: str, occurred: dt.date, decided: dt.date | None
    ) -> PlannedRecord:
        return self._add(
            code=code,
            kind="practitioner",
            key=(practitioner.id_number,),
            name=practitioner.name,
            ref=self._ref("P", practitioner.index),
            occurred=occurred,
            decided=decided,
        )

    # --- the showcase subjects --------------------------------------------------------------
    def _choose_showcase_operators(
        self, fleets: dict[str, list[Plate]]
    ) -> dict[str, _OperatorHistory]:
        """USCC → the function writing its fixed history."""
        chosen: dict[str, _OperatorHistory] = {}
        enterprises: list[OperatorRow] = []
        taxi: OperatorRow | None = None
        for operator in self.district.operators():
            if operator.index == 0:
                chosen[operator.uscc] = self._good_operator
                continue
            if operator.status != "active" or operator.kind != "enterprise":
                continue
            if len(enterprises) >= 2 and taxi is not None:
                break
            # Showcase operators have years of history, so they are rated.
            self.registered_on[operator.uscc] = self._registration(operator, long_ago=True)
            if operator.sector == "freight" and len(fleets.get(operator.uscc, [])) >= 2:
                enterprises.append(operator)
            if taxi is None and operator.sector in ("taxi", "ride_hailing"):
                taxi = operator
        if enterprises:
            chosen[enterprises[0].uscc] = self._poor_operator
        if len(enterprises) > 1:
            chosen[enterprises[1].uscc] = self._serious_operator
        if taxi is not None:
            chosen[taxi.uscc] = self._objection_operator
        return chosen

    def _choose_showcase_drivers(self) -> dict[int, _DriverHistory]:
        chosen: dict[int, _DriverHistory] = {}
        others = []
        for practitioner in self.district.practitioners():
            categories = {q.category for q in practitioner.qualifications}
            if practitioner.index == 0:
                chosen[0] = self._good_driver
            elif practitioner.status == "active" and "freight" in categories:
                others.append(practitioner.index)
            if len(others) >= 2:
                break
        if others:
            chosen[others[0]] = self._poor_driver
        if len(others) > 1:
            chosen[others[1]] = self._objection_driver
        return chosen

    def _good_operator(self, operator: OperatorRow, fleet: list[Plate]) -> None:
        self.showcase.good_operator = operator.uscc
        self.showcase.red_candidates.append(("operator", operator.uscc))
        for code, decided in (
            ("RT-P-002", dt.date(2024, 12, 20)),
            ("RT-P-002", dt.date(2025, 12, 19)),
            ("RT-P-003", dt.date(2026, 6, 26)),
        ):
            self._add(
                code=code,
                kind="operator",
                key=(operator.uscc,),
                name=operator.name,
                ref=self._ref("O", operator.index),
                occurred=decided - dt.timedelta(days=14),
                decided=decided,
            )

    def _finding(
        self,
        operator: OperatorRow,
        fleet: list[Plate],
        code: str,
        occurred: dt.date,
        decided: dt.date | None,
        *,
        which: float,
    ) -> PlannedRecord:
        """A finding in an operator's business: against the vehicle ``which`` (0 ≤ which < 1)
        picks from its fleet when the behaviour is a vehicle's, else against the operator. The
        reference counts the operator's findings either way."""
        kind, name = "operator", operator.name
        key: tuple[str, ...] = (operator.uscc,)
        if code in _VEHICLE_CODES and fleet:
            plate, colour = fleet[int(which * len(fleet))]
            kind, key, name = "vehicle", (plate, colour), plate
        return self._add(
            code=code,
            kind=kind,
            key=key,
            name=name,
            ref=self._ref("O", operator.index),
            occurred=occurred,
            decided=decided,
        )

    def _operator_history(
        self,
        operator: OperatorRow,
        fleet: list[Plate],
        history: Sequence[tuple[str, str, str]],
    ) -> list[PlannedRecord]:
        return [
            self._finding(
                operator,
                fleet,
                code,
                dt.date.fromisoformat(occurred),
                dt.date.fromisoformat(decided) if decided else None,
                which=(number % max(1, len(fleet))) / max(1, len(fleet)),
            )
            for number, (code, occurred, decided) in enumerate(history)
        ]

    def _poor_operator(self, operator: OperatorRow, fleet: list[Plate]) -> None:
        """46 points off within twelve months, 45 of them bad-conduct points: C."""
        self.showcase.poor_operator = operator.uscc
        made = self._operator_history(
            operator,
            fleet,
            (
                ("RT-N-019", "2026-03-10", "2026-03-24"),
                ("RT-N-008", "2025-12-08", "2025-12-22"),
                ("RT-N-013", "2026-04-20", "2026-05-06"),
                ("RT-N-012", "2026-06-15", "2026-06-29"),
                ("RT-N-015", "2026-08-03", "2026-08-17"),
                ("RT-N-018", "2026-09-14", "2026-09-28"),
                ("RT-N-020", "2026-10-12", "2026-10-26"),
                ("RT-N-008", "2024-05-13", "2024-05-27"),
            ),
        )
        self.cases.append(
            CaseSpec(
                kind="repair",
                source_refs=(made[0].source_ref,),
                subject_kind="operator",
                subject_key=operator.uscc,
                text="已完成隐患整改并经复查合格，罚款已缴清（缴款书编号 3706122026000418）。",
                on=dt.date(2026, 11, 16),
            )
        )

    def _serious_operator(self, operator: OperatorRow, fleet: list[Plate]) -> None:
        """Two serious records within twelve months: proposed, notified and listed."""
        self.showcase.serious_operator = operator.uscc
        made = self._operator_history(
            operator,
            fleet,
            (
                ("RT-N-006", "2026-07-07", "2026-07-21"),
                ("RT-N-003", "2026-09-02", "2026-09-16"),
                ("RT-N-020", "2025-03-18", "2025-03-31"),
            ),
        )
        self.cases.append(
            CaseSpec(
                kind="serious_list",
                source_refs=(made[0].source_ref, made[1].source_ref),
                subject_kind="operator",
                subject_key=operator.uscc,
                text="对违法事实无异议，请求从轻处理。",
                on=dt.date(2026, 10, 12),
            )
        )

    def _objection_operator(self, operator: OperatorRow, fleet: list[Plate]) -> None:
        self.showcase.objection_operator = operator.uscc
        made = self._operator_history(operator, fleet, (("RT-N-024", "2026-10-19", "2026-11-02"),))
        self.cases.append(
            CaseSpec(
                kind="objection",
                source_refs=(made[0].source_ref,),
                subject_kind="operator",
                subject_key=operator.uscc,
                text="投诉所涉车辆当日停运检修，并非本公司车辆运营，请予核查更正。",
                on=dt.date(2026, 11, 17),
            )
        )

    def _good_driver(self, practitioner: PractitionerRow) -> None:
        self.showcase.good_driver = practitioner.id_number
        self.showcase.red_candidates.append(("practitioner", practitioner.id_number))
        self._person(practitioner, "RT-P-003", dt.date(2026, 1, 9), dt.date(2026, 1, 23))
        self._person(practitioner, "RT-P-004", dt.date(2026, 6, 12), dt.date(2026, 6, 26))

    def _poor_driver(self, practitioner: PractitionerRow) -> None:
        """A 20-point accident record: B by veto."""
        self.showcase.poor_driver = practitioner.id_number
        self._person(practitioner, "RT-N-004", dt.date(2026, 5, 21), dt.date(2026, 6, 18))
        self._person(practitioner, "RT-N-016", dt.date(2025, 9, 2), dt.date(2025, 9, 16))

    def _objection_driver(self, practitioner: PractitionerRow) -> None:
        self.showcase.objection_driver = practitioner.id_number
        record = self._person(practitioner, "RT-N-008", dt.date(2026, 10, 9), dt.date(2026, 10, 23))
        self._person(practitioner, "RT-N-016", dt.date(2026, 2, 3), dt.date(2026, 2, 17))
        self.cases.append(
            CaseSpec(
                kind="objection",
                source_refs=(record.source_ref,),
                subject_kind="practitioner",
                subject_key=practitioner.id_number,
                text="当日所驾车辆已办理超限运输许可，称重数据有误，附许可证明。",
                on=dt.date(2026, 11, 18),
            )
        )

    # --- decision numbers -------------------------------------------------------------------
    def _numbered(self, records: list[PlannedRecord]) -> Iterator[PlannedRecord]:
        """Decision numbers per source and year in date order; one commendation document per
        behaviour and day."""
        order = sorted(
            (r for r in records if r.decided_on is not None),
            key=lambda r: (r.source, r.decided_on, r.source_ref),
        )
        numbers: dict[str, str] = {}
        serial: dict[tuple[str, int], int] = {}
        documents: dict[tuple[str, dt.date], str] = {}
        for record in order:
            assert record.decided_on is not None
            spec = SOURCES[record.source]
            year = record.decided_on.year
            if record.source == "bureau":
                shared = documents.get((record.behaviour_code, record.decided_on))
                if shared is not None:
                    numbers[record.source_ref] = shared
                    continue
            serial[(record.source, year)] = serial.get((record.source, year), 0) + 1
            number = f"{spec.prefix}〔{year}〕{serial[(record.source, year)]}号"
            numbers[record.source_ref] = number
            if record.source == "bureau":
                documents[(record.behaviour_code, record.decided_on)] = number
        for record in records:
            number = numbers.get(record.source_ref, "")
            yield dataclasses.replace(record, decision_number=number) if number else record

    # --- summaries --------------------------------------------------------------------------
    def by_source(self) -> dict[str, list[PlannedRecord]]:
        grouped: dict[str, list[PlannedRecord]] = {}
        for record in self.records:
            grouped.setdefault(record.source, []).append(record)
        return grouped
