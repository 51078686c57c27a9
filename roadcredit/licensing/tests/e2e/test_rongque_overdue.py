"""Done when (4): a 容缺 case that is not supplemented in time is terminated with a credit
record; reminders go out before the deadline."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from roadcredit.accounts.roles import Role
from roadcredit.core.workdays import get_calendar
from roadcredit.credit.models import CreditRecord
from roadcredit.licensing.models import MissingMaterialNotice
from roadcredit.licensing.tests.e2e.support import Api, ok, refused, upload_required
from roadcredit.licensing.tests.factories import fleet, grade_operator, single_data

pytestmark = pytest.mark.django_db


def _working_day_before(day: dt.date, n: int) -> dt.date:
    return get_calendar().add_working_days(day, -n)


def test_an_unsupplemented_rongque_case_is_terminated_with_a_credit_record(client_as, personas):
    operator = grade_operator(personas[Role.OPERATOR].operator, "AA")
    vehicle = fleet(operator, 1)[0]
    owner, clerk = Api(client_as(Role.OPERATOR)), Api(client_as(Role.CLERK))
    data = single_data(
        "transport_certificate_new",
        items=[
            {
                "item": "transport_certificate_new",
                "plate": vehicle.plate,
                "plate_colour": vehicle.plate_colour,
            }
        ],
    )
    application = ok(owner.post("/applications", data), 201)
    pid = application["public_id"]
    upload_required(owner, application, skip=("vehicle_photo", "insurance"))
    application = ok(owner.act(ok(owner.get(f"/applications/{pid}")), "submit"))
    assert application["missing"][0]["missing_rongque"] == [
        "车辆照片（车身左前45°，含号牌）",
        "承运人责任险或交强险保单",
    ]

    body = refused(clerk.act(application, "accept"), 400)
    assert "容缺受理承诺书" in body["message"]
    application = ok(clerk.act(application, "accept", rongque=True))
    notice = application["missing_notice"]
    assert [i["key"] for i in notice["items"]] == ["vehicle_photo", "insurance"]
    assert dt.date.fromisoformat(notice["deadline"]) <= dt.date.fromisoformat(application["due_on"])
    assert application["notices"][0]["title"] == "容缺受理通知书"

    # One listed material arrives in time; the other never does.
    ok(owner.upload(pid, 1, "vehicle_photo", name="车辆照片.pdf"), 201)
    # Time passes: the deadline is now behind us (the notice row is moved, not the clock).
    today = timezone.localdate()
    MissingMaterialNotice.objects.filter(application__public_id=pid).update(
        deadline=_working_day_before(today, 1)
    )
    call_command("licensing_sweep")

    mine = ok(owner.get(f"/applications/{pid}"))
    assert mine["status"] == "terminated"
    termination = mine["notices"][-1]
    assert termination["title"] == "终止办理通知书" and termination["adverse"]
    assert "六十日内" in termination["remedies"] and "六个月内" in termination["remedies"]
    record = CreditRecord.objects.get(operator=operator, behaviour_code="RT-N-025")
    assert record.decision_number == termination["number"]
    assert mine["missing_notice"]["terminated_at"]
    body = refused(owner.upload(pid, 1, "insurance"), 409)
    assert "当前状态" in body["message"] or "容缺受理通知书" in body["message"]
