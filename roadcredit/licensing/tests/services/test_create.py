"""Creating an application: the one form, every problem reported at once, the window channel."""

from __future__ import annotations

from typing import Any

import pytest

from roadcredit.accounts.roles import Role
from roadcredit.core.errors import PermissionDenied, ValidationFailed
from roadcredit.elicences.services import licence_issue
from roadcredit.licensing.models import Application
from roadcredit.licensing.services import application_create
from roadcredit.licensing.tests.factories import bundle_data, fleet, grade_operator, single_data
from roadcredit.subjects.tests.factories import make_operator, make_vehicle

pytestmark = pytest.mark.django_db


def fields_of(caught: Any) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = caught.value.extra["fields"]
    return fields


def test_it_reports_every_missing_field_at_once(personas):
    with pytest.raises(ValidationFailed) as caught:
        application_create(actor=personas[Role.OPERATOR], data={"contact_phone": "12345"})
    fields = fields_of(caught)
    assert fields["contact_name"] == ["必填"]
    assert "手机" in fields["contact_phone"][0]
    assert fields["items"] == ["请至少选择一个办理事项"]
    assert not Application.objects.exists()


def test_it_refuses_unknown_items_and_items_for_the_other_kind_of_applicant(personas):
    data = single_data("no_such_item")
    data["items"].append({"item": "qualification_new"})
    with pytest.raises(ValidationFailed) as caught:
        application_create(actor=personas[Role.OPERATOR], data=data)
    fields = fields_of(caught)
    assert fields["items.0.item"] == ["没有这个办理事项：no_such_item"]
    assert "须由从业人员本人申请" in fields["items.1.item"][0]


def test_a_vehicle_must_belong_to_the_applicant(personas):
    grade_operator(personas[Role.OPERATOR].operator, "AA")
    stranger = make_vehicle(make_operator())
    data = bundle_data([stranger])
    with pytest.raises(ValidationFailed) as caught:
        application_create(actor=personas[Role.OPERATOR], data=data)
    assert "未登记在申请人名下" in fields_of(caught)["items.1.plate"][0]


def test_a_bundle_must_hold_its_items_and_no_item_twice(personas):
    operator = grade_operator(personas[Role.OPERATOR].operator, "AA")
    vehicle = fleet(operator, 1)[0]
    data = bundle_data([vehicle, vehicle])
    data["items"] = data["items"][1:]
    with pytest.raises(ValidationFailed) as caught:
        application_create(actor=personas[Role.OPERATOR], data=data)
    fields = fields_of(caught)
    assert "重复选择了同一对象" in fields["items.1"][0]
    assert any("须包含事项“道路货物运输经营许可（新办）”" in m for m in fields["items"])


def test_several_items_in_one_form_need_excellent_credit(personas):
    operator = grade_operator(personas[Role.OPERATOR].operator, "B")
    with pytest.raises(ValidationFailed) as caught:
        application_create(actor=personas[Role.OPERATOR], data=bundle_data(fleet(operator, 2)))
    assert "本申请的信用分级为“信用一般”" in fields_of(caught)["items"][0]


def test_it_refuses_a_second_new_licence_and_a_change_without_a_licence(personas):
    operator = grade_operator(personas[Role.OPERATOR].operator, "AA")
    with pytest.raises(ValidationFailed) as caught:
        application_create(
            actor=personas[Role.OPERATOR], data=single_data("business_licence_change")
        )
    assert fields_of(caught)["items.0"] == ["没有有效的道路运输经营许可证，不能办理变更"]
    licence_issue(actor=None, type_key="business_licence", holder=operator)
    with pytest.raises(ValidationFailed) as caught:
        application_create(actor=personas[Role.OPERATOR], data=single_data("freight_business_new"))
    assert "已持有有效的道路运输经营许可证" in fields_of(caught)["items.0"][0]


def test_the_same_item_cannot_be_applied_for_twice_at_once(personas):
    grade_operator(personas[Role.OPERATOR].operator, "AA")
    first = application_create(
        actor=personas[Role.OPERATOR], data=single_data("freight_business_new")
    )
    with pytest.raises(ValidationFailed) as caught:
        application_create(actor=personas[Role.OPERATOR], data=single_data("freight_business_new"))
    assert first.number in fields_of(caught)["items.0"][0]


def test_a_clerk_applies_at_the_window_for_a_named_operator_and_that_is_one_trip(personas):
    operator = grade_operator(personas[Role.OPERATOR].operator, "AA")
    application = application_create(
        actor=personas[Role.CLERK],
        data=single_data("freight_business_new", applicant_uscc=operator.uscc),
    )
    assert application.channel == "window" and application.trips == 1
    assert application.operator == operator and application.created_by == personas[Role.CLERK]
    assert application.contact_phone_masked == "139****1234"
    assert application.contact_phone_encrypted and b"13905351234" not in bytes(
        application.contact_phone_encrypted
    )


def test_a_clerk_must_name_the_applicant(personas):
    with pytest.raises(ValidationFailed) as caught:
        application_create(actor=personas[Role.CLERK], data=single_data("freight_business_new"))
    assert "统一社会信用代码或身份证号码之一" in fields_of(caught)["applicant_uscc"][0]


def test_only_applicants_and_clerks_create_applications(personas):
    with pytest.raises(PermissionDenied):
        application_create(actor=personas[Role.APPROVER], data=single_data("freight_business_new"))


def test_the_contact_phone_is_shown_in_full_only_to_staff_who_need_it_and_each_view_is_logged(
    personas,
):
    from roadcredit.audit.models import AuditEntry
    from roadcredit.licensing.selectors import application_contact_phone

    operator = grade_operator(personas[Role.OPERATOR].operator, "AA")
    application = application_create(
        actor=personas[Role.CLERK],
        data=single_data("freight_business_new", applicant_uscc=operator.uscc),
    )
    views = AuditEntry.objects.filter(action="licensing.full_view")
    assert application_contact_phone(viewer=personas[Role.LEADER], application=application) == (
        "139****1234"
    )
    assert not views.exists()
    clerk = personas[Role.CLERK]
    assert application_contact_phone(viewer=clerk, application=application) == "13905351234"
    entry = views.get()
    assert entry.actor == clerk and entry.target_id == application.public_id
