"""The demo-district generator (pure: no database)."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from collections import Counter
from itertools import islice
from pathlib import Path

import pytest

from roadcredit.demo.generator import (
    DISTRICT_COUNTS,
    REFERENCE_DATE,
    DemoDistrict,
    OperatorRow,
    Permutation,
    PractitionerRow,
    VehicleRow,
    chunked,
    counts_for,
    max_scale,
    rows_digest,
)
from roadcredit.subjects.identifiers import (
    is_individual_business,
    validate_id_number,
    validate_plate,
    validate_uscc,
    validate_vin,
)
from roadcredit.subjects.validation import parse_operator, parse_practitioner, parse_vehicle

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def district() -> DemoDistrict:
    return DemoDistrict()


@pytest.fixture(scope="module")
def rows(
    district: DemoDistrict,
) -> tuple[list[OperatorRow], list[VehicleRow], list[PractitionerRow]]:
    return list(district.operators()), list(district.vehicles()), list(district.practitioners())


def _digests(district: DemoDistrict, n: int = 400) -> tuple[str, str, str]:
    return (
        rows_digest(islice(district.operators(), n)),
        rows_digest(islice(district.vehicles(), n)),
        rows_digest(islice(district.practitioners(), n)),
    )


def test_it_generates_the_districts_exact_counts_by_default(rows):
    operators, vehicles, practitioners = rows
    assert (len(operators), len(vehicles), len(practitioners)) == (1505, 3563, 7878)
    assert DemoDistrict().counts == DISTRICT_COUNTS


def test_scale_multiplies_the_counts_and_keeps_at_least_one_of_each():
    assert counts_for(100).total == 100 * DISTRICT_COUNTS.total
    assert (counts_for(0.02).operators, counts_for(0.02).vehicles) == (30, 71)
    assert counts_for(0.00001).total == 3
    with pytest.raises(ValueError):
        counts_for(0)


def test_it_refuses_a_scale_beyond_its_identifier_ranges():
    assert max_scale() > 100
    with pytest.raises(ValueError, match="max scale"):
        DemoDistrict(scale=max_scale() * 1.01)


def test_the_same_seed_and_scale_give_byte_identical_rows():
    assert _digests(DemoDistrict(scale=2, seed=7)) == _digests(DemoDistrict(scale=2, seed=7))


def test_a_different_seed_gives_different_rows():
    first, second = _digests(DemoDistrict(seed=1)), _digests(DemoDistrict(seed=2))
    assert all(a != b for a, b in zip(first, second, strict=True))


def test_rows_do_not_depend_on_the_interpreters_hash_seed():
    script = (
        "from roadcredit.demo.generator import DemoDistrict, rows_digest\n"
        "from itertools import islice\n"
        "d = DemoDistrict(scale=0.5)\n"
        "print(rows_digest(islice(d.practitioners(), 300)), rows_digest(islice(d.vehicles(), 300)))\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for hash_seed in ("1", "2")
    }
    assert len(outputs) == 1


def test_every_generated_row_passes_the_registry_validation(rows):
    operators, vehicles, practitioners = rows
    today = REFERENCE_DATE + dt.timedelta(days=1)
    for operator in operators:
        parsed = parse_operator(operator.as_input())
        assert (parsed.uscc, parsed.kind) == (operator.uscc, operator.kind)
    for vehicle in vehicles:
        parsed_vehicle = parse_vehicle(vehicle.as_input())
        assert (parsed_vehicle.plate, parsed_vehicle.vin) == (vehicle.plate, vehicle.vin)
    for practitioner in practitioners:
        parsed_person = parse_practitioner(practitioner.as_input(), today=today)
        assert parsed_person.birth_date == practitioner.birth_date
        assert parsed_person.sex == practitioner.sex
        assert len(parsed_person.qualifications) == len(practitioner.qualifications)


def test_every_identifier_has_a_valid_check_character(rows):
    operators, vehicles, practitioners = rows
    assert all(validate_uscc(o.uscc) == o.uscc for o in operators)
    assert all(validate_vin(v.vin) == v.vin for v in vehicles)
    assert all(validate_plate(v.plate, v.plate_colour) == v.plate for v in vehicles)
    for person in practitioners:
        info = validate_id_number(person.id_number)
        assert info.division_code.startswith(("3706", "3710", "3702"))
        assert 22 <= (REFERENCE_DATE - person.birth_date).days / 365.25 <= 61


def test_identifiers_are_unique(rows):
    operators, vehicles, practitioners = rows
    assert len({o.uscc for o in operators}) == len(operators)
    assert len({v.vin for v in vehicles}) == len(vehicles)
    assert len({(v.plate, v.plate_colour) for v in vehicles}) == len(vehicles)
    assert len({p.id_number for p in practitioners}) == len(practitioners)


def test_identifiers_stay_unique_at_province_scale_samples():
    district = DemoDistrict(scale=20)
    vehicles = list(district.vehicles())
    assert len({v.vin for v in vehicles}) == len(vehicles) == 71_260
    assert len({(v.plate, v.plate_colour) for v in vehicles}) == len(vehicles)
    ids = {district.operator_uscc(i) for i in range(district.counts.operators)}
    assert len(ids) == district.counts.operators


@pytest.mark.parametrize("size", [1, 2, 3, 31, 1000, 4097])
def test_the_counter_permutation_is_a_bijection(size):
    permutation = Permutation(size, "test")
    assert sorted(permutation(i) for i in range(size)) == list(range(size))


def test_about_seventy_percent_of_operators_are_individual_businesses(rows):
    operators = rows[0]
    share = sum(o.kind == "individual" for o in operators) / len(operators)
    assert 0.65 < share < 0.75
    assert all(is_individual_business(o.uscc) == (o.kind == "individual") for o in operators)
    individuals = [o for o in operators if o.kind == "individual"]
    assert all(re.fullmatch(r"牟平区\w{2,4}(货运部|运输户)", o.name) for o in individuals)


def test_vehicles_and_practitioners_are_linked_to_operators_of_the_right_sector(rows):
    operators, vehicles, practitioners = rows
    sector = {o.uscc: o.sector for o in operators}
    assert all(v.operator_uscc in sector for v in vehicles)
    assert {sector[v.operator_uscc] for v in vehicles if v.vehicle_type == "bus"} == {"passenger"}
    assert {sector[v.operator_uscc] for v in vehicles if v.vehicle_type == "dangerous_goods"} == {
        "dangerous_goods"
    }
    employed = [p for p in practitioners if p.employer_uscc]
    assert 0.9 < len(employed) / len(practitioners) < 1
    assert all(p.employer_uscc in sector for p in employed)
    categories = Counter(q.category for p in practitioners for q in p.qualifications)
    assert categories.most_common(1)[0][0] == "freight"


def test_plates_follow_the_vehicle_kind(rows):
    vehicles = rows[1]
    for v in vehicles:
        assert v.plate.startswith(("鲁F", "鲁Y"))
        if v.fuel in ("electric", "hybrid") and v.vehicle_type != "bus":
            assert (v.plate_colour, len(v.plate)) == ("5", 8)
        if v.vehicle_type == "trailer":
            assert v.plate.endswith("挂") and v.plate_colour == "2"
        if v.plate_colour == "2":
            assert v.approved_load_kg is not None or v.seats is not None


def test_licence_numbers_are_exposed_for_the_later_licence_issue(rows):
    operators, vehicles, _ = rows
    assert operators[0].licence_number == "鲁交运管许可烟字370612000001号"
    assert all(re.fullmatch(r"鲁交运管许可烟字370612\d{6}号", o.licence_number) for o in operators)
    numbers = [v.certificate_number for v in vehicles if v.certificate_number]
    assert len(set(numbers)) == len(numbers)
    assert all(re.fullmatch(r"370612\d{6}", n) for n in numbers)
    light = [v for v in vehicles if v.certificate_number is None]
    assert light and all((v.approved_load_kg or 0) <= 1_750 for v in light)


def test_the_persona_subjects_are_the_showcase_operator_and_its_driver(district):
    operator = district.persona_operator()
    driver = district.persona_practitioner()
    assert (operator.name, operator.kind, operator.status) == (
        "烟台鑫达物流有限公司",
        "enterprise",
        "active",
    )
    assert (driver.name, driver.sex, driver.employer_uscc) == ("张伟", "M", operator.uscc)


def test_chunked_splits_a_stream_without_losing_rows():
    assert [len(c) for c in chunked(range(12), 5)] == [5, 5, 2]
    with pytest.raises(ValueError):
        next(chunked(range(3), 0))
