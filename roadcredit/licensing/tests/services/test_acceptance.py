"""Acceptance, correction and deemed acceptance: the 5-working-day rule, 容缺 deadlines, notices."""

from __future__ import annotations

import datetime as dt

import pytest

from roadcredit.accounts.roles import Role
from roadcredit.core.errors import ApplicationError, Conflict, PermissionDenied, ValidationFailed
from roadcredit.licensing.models import Application, CorrectionNotice, MissingMaterialNotice, Notice
from roadcredit.licensing.services import (
    application_accept,
    application_not_accept,
    application_resubmit,
    application_return_for_correction,
    application_submit,
    applications_deem_accepted,
    material_upload,
    missing_reminders_send,
)
from roadcredit.licensing.tests.factories import (
    bundle_data,
    fleet,
    grade_operator,
    single_data,
    submitted,
    upload,
    upload_all,
)

pytestmark = pytest.mark.django_db
CHINA = dt.timezone(dt.timedelta(hours=8))


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=CHINA)


@pytest.fixture
def owner(personas):
    user = personas[Role.OPERATOR]
    grade_operator(user.operator, "AA")
    return user


def vehicle_item(vehicle):
    return single_data(
        "transport_certificate_new",
        items=[
            {
                "item": "transport_certificate_new",
                "plate": vehicle.plate,
                "plate_colour": vehicle.plate_colour,
            }
        ],
    )


def test_it_refuses_to_accept_while_a_principal_material_is_missing(owner, personas):
    vehicle = fleet(owner.operator, 1)[0]
    application = submitted(owner, vehicle_item(vehicle), skip=("vehicle_licence",))
    with pytest.raises(ApplicationError) as caught:
        application_accept(actor=personas[Role.CLERK], application=application)
    assert "主要申请材料不齐全" in caught.value.message and "机动车行驶证" in caught.value.message
    application.refresh_from_db()
    assert application.status == "submitted" and application.version == 2
    assert not Notice.objects.filter(application=application).exists()


def test_a_rongque_deadline_on_a_holiday_is_refused_and_nothing_changes(owner, personas):
    vehicle = fleet(owner.operator, 1)[0]
    application = submitted(owner, vehicle_item(vehicle), skip=("vehicle_photo",))
    submitted_at = at(dt.date(2026, 9, 28))
    Application.objects.filter(pk=application.pk).update(submitted_at=submitted_at)
    application.refresh_from_db()
    with pytest.raises(ValidationFailed) as caught:
        application_accept(
            actor=personas[Role.CLERK],
            application=application,
            rongque=True,
            rongque_deadline=dt.date(2026, 10, 1),
            at=at(dt.date(2026, 9, 29)),
        )
    assert (
        caught.value.message
        == "补正期限 2026年10月1日 是法定节假日（国庆节），不是工作日，请选择工作日"
    )
    assert caught.value.extra["fields"]["deadline"] == [caught.value.message]
    application.refresh_from_db()
    assert application.status == "submitted"
    assert not MissingMaterialNotice.objects.exists()


def test_a_rongque_deadline_beyond_the_promised_limit_is_refused(owner, personas):
    vehicle = fleet(owner.operator, 1)[0]
    application = submitted(owner, vehicle_item(vehicle), skip=("insurance",))
    with pytest.raises(ValidationFailed) as caught:
        application_accept(
            actor=personas[Role.CLERK],
            application=application,
            rongque=True,
            rongque_deadline=dt.date(2026, 10, 14),
            at=at(dt.date(2026, 9, 29)),
        )
    # The certificate is promised in 1 working day: 2026-09-30.
    assert "不能晚于本申请的承诺办结期限（2026年9月30日）" in caught.value.message


def test_rongque_is_refused_to_a_tier_that_does_not_earn_it(personas):
    owner = personas[Role.OPERATOR]
    grade_operator(owner.operator, "A")  # good: commitment yes, 容缺 no
    vehicle = fleet(owner.operator, 1)[0]
    application = submitted(owner, vehicle_item(vehicle), skip=("vehicle_photo",))
    with pytest.raises(ApplicationError) as caught:
        application_accept(actor=personas[Role.CLERK], application=application, rongque=True)
    assert "信用分级不适用容缺受理" in caught.value.message


def test_rongque_acceptance_lists_every_missing_material_once_with_its_deadline(owner, personas):
    vehicles = fleet(owner.operator, 2)
    application = submitted(owner, bundle_data(vehicles), skip=("vehicle_photo", "safety_rules"))
    accepted = application_accept(
        actor=personas[Role.CLERK],
        application=application,
        rongque=True,
        at=at(dt.date(2026, 9, 28)),
    )
    notice = MissingMaterialNotice.objects.get(application=accepted)
    assert [(e["item"], e["key"]) for e in notice.items] == [
        (1, "safety_rules"),
        (2, "vehicle_photo"),
        (3, "vehicle_photo"),
    ]
    assert notice.deadline == dt.date(
        2026, 10, 8
    )  # 3 working days across 国庆节, within the promise
    assert accepted.due_on == dt.date(2026, 10, 10)  # 5 working days: the make-up Saturday counts
    document = Notice.objects.get(application=accepted)
    assert document.title == "容缺受理通知书" and "2026年10月8日前" in document.body
    assert accepted.commitments.get(kind="rongque").on_behalf


def test_supplementing_every_listed_material_closes_the_notice(owner, personas):
    vehicle = fleet(owner.operator, 1)[0]
    application = submitted(owner, vehicle_item(vehicle), skip=("vehicle_photo", "insurance"))
    application = application_accept(
        actor=personas[Role.CLERK], application=application, rongque=True
    )
    with pytest.raises(Conflict):
        material_upload(
            actor=owner,
            application=application,
            item_position=1,
            material_key="vehicle_licence",
            file=upload(),
        )
    material_upload(
        actor=owner,
        application=application,
        item_position=1,
        material_key="vehicle_photo",
        file=upload(),
    )
    assert MissingMaterialNotice.objects.get(application=application).supplemented_at is None
    material = material_upload(
        actor=owner,
        application=application,
        item_position=1,
        material_key="insurance",
        file=upload(),
    )
    assert material.supplement
    assert MissingMaterialNotice.objects.get(application=application).supplemented_at is not None


def test_reminders_go_out_on_the_working_days_before_the_deadline(owner, personas):
    vehicle = fleet(owner.operator, 1)[0]
    application = submitted(owner, vehicle_item(vehicle), skip=("insurance",))
    application_accept(
        actor=personas[Role.CLERK],
        application=application,
        rongque=True,
        at=at(dt.date(2026, 6, 1)),
    )
    notice = MissingMaterialNotice.objects.get(application=application)
    assert notice.deadline == dt.date(2026, 6, 2)  # capped at the 1-day promise
    assert missing_reminders_send(at=at(dt.date(2026, 5, 28))) == []
    assert missing_reminders_send(at=at(dt.date(2026, 6, 1))) == [application.number]
    assert missing_reminders_send(at=at(dt.date(2026, 6, 1))) == []  # once a day at most
    notice.refresh_from_db()
    assert notice.reminders_sent == 2  # the 2-day and the 1-day reminder were both due: one message


def test_the_correction_notice_lists_everything_missing_at_once(owner, personas):
    vehicle = fleet(owner.operator, 1)[0]
    application = submitted(owner, vehicle_item(vehicle), skip=("vehicle_licence", "insurance"))
    returned = application_return_for_correction(
        actor=personas[Role.CLERK], application=application, note="行驶证须为正副本"
    )
    correction = CorrectionNotice.objects.get(application=returned)
    assert [e["key"] for e in correction.items] == ["vehicle_licence", "insurance"]
    document = Notice.objects.get(application=returned, kind="correction")
    assert "一次性告知需要补正的全部内容" in document.body and "行驶证须为正副本" in document.body
    upload_all(owner, returned)
    resubmitted = application_resubmit(actor=owner, application=returned)
    assert resubmitted.status == "submitted"
    assert CorrectionNotice.objects.get(pk=correction.pk).corrected_at is not None


def test_no_correction_after_five_working_days_the_application_is_deemed_accepted(owner, personas):
    vehicle = fleet(owner.operator, 1)[0]
    application = application_submit(
        actor=owner,
        application=_draft_with_all(owner, vehicle),
        at=at(dt.date(2026, 9, 28)),
    )
    assert application.correction_due_on == dt.date(2026, 10, 10)
    with pytest.raises(ApplicationError) as caught:
        application_return_for_correction(
            actor=personas[Role.CLERK], application=application, at=at(dt.date(2026, 10, 12))
        )
    assert "已超过5个工作日" in caught.value.message
    assert applications_deem_accepted(at=at(dt.date(2026, 10, 10))) == []
    assert applications_deem_accepted(at=at(dt.date(2026, 10, 12))) == [application.number]
    application.refresh_from_db()
    assert application.status == "accepted" and application.deemed_accepted
    assert application.accepted_on == dt.date(2026, 9, 28)
    notice = Notice.objects.get(application=application, kind="acceptance")
    assert "即为受理" in notice.body


def _draft_with_all(owner, vehicle):
    from roadcredit.licensing.services import application_create

    application = application_create(actor=owner, data=vehicle_item(vehicle))
    upload_all(owner, application)
    return application


def test_non_acceptance_states_the_reasons_and_the_remedies(owner, personas):
    vehicle = fleet(owner.operator, 1)[0]
    application = submitted(owner, vehicle_item(vehicle))
    with pytest.raises(ValidationFailed):
        application_not_accept(actor=personas[Role.CLERK], application=application, reason="  ")
    done = application_not_accept(
        actor=personas[Role.CLERK],
        application=application,
        reason="该车辆总质量不超过4.5吨，无需配发道路运输证",
    )
    notice = Notice.objects.get(application=done)
    assert notice.adverse and notice.title == "不予受理决定书"
    assert "六十日内向烟台市牟平区人民政府申请行政复议" in notice.remedies


def test_an_applicant_cannot_accept_its_own_application(owner, personas):
    vehicle = fleet(owner.operator, 1)[0]
    application = submitted(owner, vehicle_item(vehicle))
    with pytest.raises(PermissionDenied) as caught:
        application_accept(actor=owner, application=application)
    assert "只能由窗口受理人员办理" in caught.value.message
