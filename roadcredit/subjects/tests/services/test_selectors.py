"""subjects_search and the *_get_for selectors: every identifier kind, masking per viewer, and
the holder scope (a holder never sees, nor learns of, another holder's records)."""

from __future__ import annotations

import datetime as dt

import pytest

from roadcredit.accounts.roles import Role
from roadcredit.core.errors import NotFound, PermissionDenied
from roadcredit.subjects import selectors
from roadcredit.subjects.tests.factories import (
    make_operator,
    make_practitioner,
    make_vehicle,
    valid_id_number,
    valid_uscc,
    valid_vin,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(personas):
    shuntong = make_operator(name="烟台顺通物流有限公司", uscc=valid_uscc(4101))
    hongda = make_operator(name="牟平区宏达运输有限公司", uscc=valid_uscc(4102))
    truck = make_vehicle(shuntong, plate="鲁F61234", vin=valid_vin(4103))
    other_truck = make_vehicle(hongda, plate="鲁F65678", vin=valid_vin(4104))
    driver_number = valid_id_number(dt.date(1981, 9, 30), serial=11)
    driver = make_practitioner(shuntong, name="王建华", id_number=driver_number)
    colleague = make_practitioner(hongda, name="王建国")
    return {
        "shuntong": shuntong,
        "hongda": hongda,
        "truck": truck,
        "other_truck": other_truck,
        "driver": driver,
        "driver_number": driver_number,
        "colleague": colleague,
    }


def _titles(hits):
    return [(h.kind, h.title) for h in hits]


def test_it_finds_operators_by_name_fragment(personas, registry):
    hits = selectors.subjects_search(viewer=personas[Role.CLERK], query="顺通")
    assert ("operator", "烟台顺通物流有限公司") in _titles(hits)


def test_it_finds_operators_by_exact_code_and_by_prefix(personas, registry):
    clerk = personas[Role.CLERK]
    code = registry["shuntong"].uscc
    assert [h.public_id for h in selectors.subjects_search(viewer=clerk, query=code)] == [
        registry["shuntong"].public_id
    ]
    prefix_hits = selectors.subjects_search(viewer=clerk, query=code[:10].lower())
    assert registry["shuntong"].public_id in {h.public_id for h in prefix_hits}


def test_it_finds_vehicles_by_plate_written_with_spaces_and_dots(personas, registry):
    hits = selectors.subjects_search(viewer=personas[Role.INSPECTOR], query="鲁F·61 234")
    assert [h.public_id for h in hits] == [registry["truck"].public_id]
    assert hits[0].title == "鲁F61234（黄色）"


def test_it_finds_vehicles_by_vin_and_its_last_digits(personas, registry):
    vin = registry["truck"].vin
    clerk = personas[Role.CLERK]
    assert selectors.subjects_search(viewer=clerk, query=vin)[0].public_id == (
        registry["truck"].public_id
    )
    tail_hits = selectors.subjects_search(viewer=clerk, query=vin[-8:].lower())
    assert registry["truck"].public_id in {h.public_id for h in tail_hits}


def test_it_finds_practitioners_by_name(personas, registry):
    hits = selectors.subjects_search(viewer=personas[Role.CLERK], query="王建")
    assert {("practitioner", "王建华"), ("practitioner", "王建国")} <= set(_titles(hits))


def test_it_finds_a_practitioner_by_exact_id_number_through_the_blind_index(personas, registry):
    number = registry["driver_number"]
    hits = selectors.subjects_search(viewer=personas[Role.CLERK], query=number.lower())
    assert [h.public_id for h in hits] == [registry["driver"].public_id]
    # Part of a number finds nothing: only exact numbers are indexed.
    assert selectors.subjects_search(viewer=personas[Role.CLERK], query=number[:12]) == []


def test_clerks_see_the_full_id_number_and_leaders_the_masked_one(personas, registry):
    number = registry["driver_number"]
    clerk_hit = selectors.subjects_search(viewer=personas[Role.CLERK], query=number)[0]
    leader_hit = selectors.subjects_search(viewer=personas[Role.LEADER], query=number)[0]
    assert number in clerk_hit.subtitle
    assert number not in leader_hit.subtitle
    assert registry["driver"].id_number_masked in leader_hit.subtitle


def test_an_empty_query_finds_nothing(personas, registry):
    assert selectors.subjects_search(viewer=personas[Role.CLERK], query="   ") == []


def test_the_limit_caps_the_answer(personas, registry):
    assert len(selectors.subjects_search(viewer=personas[Role.CLERK], query="王", limit=1)) == 1


def test_an_operator_account_searches_only_its_own_subjects(personas, registry):
    account = personas[Role.OPERATOR]
    make_vehicle(account.operator, plate="鲁F60001")
    hits = selectors.subjects_search(viewer=account, query="鲁F6")
    assert [h.title for h in hits] == ["鲁F60001（黄色）"]
    assert selectors.subjects_search(viewer=account, query="顺通") == []


def test_an_operator_account_cannot_fetch_another_operators_vehicle(personas, registry):
    account = personas[Role.OPERATOR]
    with pytest.raises(NotFound):
        selectors.vehicle_get_for(viewer=account, public_id=registry["truck"].public_id)
    own = make_vehicle(account.operator)
    assert selectors.vehicle_get_for(viewer=account, public_id=own.public_id) == own


def test_an_operator_account_sees_its_own_practitioners_but_no_one_elses(personas, registry):
    account = personas[Role.OPERATOR]
    employee = make_practitioner(account.operator)
    assert selectors.practitioner_get_for(viewer=account, public_id=employee.public_id) == employee
    with pytest.raises(NotFound):
        selectors.practitioner_get_for(viewer=account, public_id=registry["driver"].public_id)
    with pytest.raises(NotFound):
        selectors.operator_get_for(viewer=account, public_id=registry["shuntong"].public_id)


def test_a_practitioner_account_sees_only_itself(personas, registry):
    account = personas[Role.PRACTITIONER]
    me = selectors.practitioner_get_for(viewer=account, public_id=account.practitioner.public_id)
    assert me == account.practitioner
    with pytest.raises(NotFound):
        selectors.practitioner_get_for(viewer=account, public_id=registry["driver"].public_id)
    with pytest.raises(NotFound):
        selectors.operator_get_for(
            viewer=account, public_id=account.practitioner.employer.public_id
        )


def test_unknown_ids_are_not_found(personas):
    with pytest.raises(NotFound):
        selectors.operator_get_for(viewer=personas[Role.CLERK], public_id="nosuchoperator00")


def test_administrators_are_refused_the_registry(personas, registry):
    for role in (Role.SYSADMIN, Role.SECADMIN, Role.AUDITADMIN):
        with pytest.raises(PermissionDenied):
            selectors.operator_get_for(
                viewer=personas[role], public_id=registry["shuntong"].public_id
            )
        assert selectors.subjects_search(viewer=personas[role], query="顺通") == []


def test_personal_data_is_decrypted_only_for_roles_that_need_it(personas, registry):
    driver = registry["driver"]
    full = selectors.practitioner_personal_data(
        viewer=personas[Role.INSPECTOR], practitioner=driver
    )
    masked = selectors.practitioner_personal_data(viewer=personas[Role.LEADER], practitioner=driver)
    own = selectors.practitioner_personal_data(viewer=personas[Role.OPERATOR], practitioner=driver)
    assert full == {"id_number": registry["driver_number"], "phone": full["phone"], "masked": False}
    assert len(full["phone"]) == 11
    assert masked["masked"] is True and masked["id_number"] == driver.id_number_masked
    assert own["masked"] is True
