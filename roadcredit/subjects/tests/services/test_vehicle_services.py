"""vehicle_create / vehicle_update: owner lookup, plate + colour and VIN clashes, audit rows."""

from __future__ import annotations

import pytest

from roadcredit.accounts.roles import Role
from roadcredit.audit.models import AuditEntry
from roadcredit.core.errors import ValidationFailed
from roadcredit.subjects import services
from roadcredit.subjects.tests.factories import (
    audit_after,
    audit_before,
    make_operator,
    make_vehicle,
    valid_uscc,
    valid_vin,
    vehicle_data,
)

pytestmark = pytest.mark.django_db


def test_it_registers_a_vehicle_under_its_operator_and_audits_it(personas):
    owner = make_operator(name="烟台顺通物流有限公司")
    clerk = personas[Role.CLERK]

    vehicle = services.vehicle_create(
        actor=clerk, data=vehicle_data(plate="鲁F 2·3456", operator_uscc=owner.uscc)
    )

    assert vehicle.plate == "鲁F23456"
    assert vehicle.operator == owner
    entry = AuditEntry.objects.get(action="subjects.vehicle.create")
    assert entry.actor == clerk
    assert entry.target_id == vehicle.public_id
    assert audit_after(entry)["plate"] == "鲁F23456"
    assert audit_after(entry)["operator_uscc"] == owner.uscc


def test_it_rejects_a_plate_and_colour_already_on_another_vehicle(personas):
    make_vehicle(plate="鲁F23456", plate_colour="2")
    with pytest.raises(ValidationFailed) as caught:
        services.vehicle_create(
            actor=personas[Role.CLERK], data=vehicle_data(plate="鲁F23456", plate_colour="2")
        )
    assert "鲁F23456" in caught.value.extra["fields"]["plate"][0]


def test_the_same_plate_in_another_colour_is_another_vehicle(personas):
    make_vehicle(plate="鲁F23456", plate_colour="2")
    other = services.vehicle_create(
        actor=personas[Role.CLERK],
        data=vehicle_data(plate="鲁F23456", plate_colour="1", vehicle_type="freight"),
    )
    assert other.plate_colour == "1"


def test_it_rejects_a_vin_already_on_another_vehicle(personas):
    first = make_vehicle()
    with pytest.raises(ValidationFailed) as caught:
        services.vehicle_create(actor=personas[Role.CLERK], data=vehicle_data(vin=first.vin))
    assert "vin" in caught.value.extra["fields"]


def test_it_names_an_unregistered_owner_as_a_field_error(personas):
    with pytest.raises(ValidationFailed) as caught:
        services.vehicle_create(
            actor=personas[Role.CLERK], data=vehicle_data(operator_uscc=valid_uscc())
        )
    assert "尚未登记" in caught.value.extra["fields"]["operator_uscc"][0]


def test_it_collects_every_clash_in_one_answer(personas):
    first = make_vehicle(plate="鲁F23456", plate_colour="2")
    with pytest.raises(ValidationFailed) as caught:
        services.vehicle_create(
            actor=personas[Role.CLERK],
            data=vehicle_data(
                plate="鲁F23456", plate_colour="2", vin=first.vin, operator_uscc=valid_uscc()
            ),
        )
    assert {"plate", "vin", "operator_uscc"} <= set(caught.value.extra["fields"])


def test_a_cancelled_operator_takes_no_new_vehicles(personas):
    owner = make_operator(status="cancelled")
    with pytest.raises(ValidationFailed) as caught:
        services.vehicle_create(
            actor=personas[Role.CLERK], data=vehicle_data(operator_uscc=owner.uscc)
        )
    assert "已注销" in caught.value.extra["fields"]["operator_uscc"][0]


def test_a_partial_update_keeps_the_other_fields_and_audits_the_change(personas):
    owner = make_operator()
    vehicle = make_vehicle(owner, approved_load_kg=18000)

    updated = services.vehicle_update(
        actor=personas[Role.APPROVER], vehicle=vehicle, data={"status": "suspended"}
    )

    assert updated.status == "suspended"
    assert updated.operator == owner
    assert updated.approved_load_kg == 18000
    entry = AuditEntry.objects.get(action="subjects.vehicle.update")
    assert audit_before(entry)["status"] == "active"
    assert audit_after(entry)["status"] == "suspended"


def test_an_update_may_keep_its_own_plate_and_vin(personas):
    vehicle = make_vehicle()
    updated = services.vehicle_update(
        actor=personas[Role.CLERK],
        vehicle=vehicle,
        data={"plate": vehicle.plate, "vin": vehicle.vin, "approved_load_kg": 25000},
    )
    assert updated.approved_load_kg == 25000


def test_an_update_can_release_the_vehicle_from_its_operator(personas):
    vehicle = make_vehicle(make_operator())
    updated = services.vehicle_update(
        actor=personas[Role.CLERK], vehicle=vehicle, data={"operator_uscc": None}
    )
    assert updated.operator is None


def test_an_update_reports_type_rules_from_the_validation(personas):
    vehicle = make_vehicle()
    with pytest.raises(ValidationFailed) as caught:
        services.vehicle_update(
            actor=personas[Role.CLERK], vehicle=vehicle, data={"vehicle_type": "bus"}
        )
    assert "seats" in caught.value.extra["fields"]
    vehicle.refresh_from_db()
    assert vehicle.vehicle_type == "freight"


def test_a_valid_vin_factory_makes_distinct_codes():
    assert valid_vin(1) != valid_vin(2)
