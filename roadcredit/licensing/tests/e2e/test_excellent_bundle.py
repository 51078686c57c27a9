"""Done when (1): an AA freight enterprise applies online for its business licence and 3
vehicle certificates in one form with a commitment, is approved with 0 trips, and receives
e-licences that verify."""

from __future__ import annotations

import pytest

from roadcredit.accounts.roles import Role
from roadcredit.elicences.models import Licence
from roadcredit.licensing.tests.e2e.support import Api, ok, upload_required
from roadcredit.licensing.tests.factories import bundle_data, fleet, grade_operator

pytestmark = pytest.mark.django_db


def test_an_aa_enterprise_gets_licence_and_three_certificates_with_zero_trips(client_as, personas):
    operator = grade_operator(personas[Role.OPERATOR].operator, "AA")  # from records, by the engine
    vehicles = fleet(operator, 3)
    owner = Api(client_as(Role.OPERATOR))
    clerk = Api(client_as(Role.CLERK))
    approver = Api(client_as(Role.APPROVER))

    tier = ok(owner.get("/my-tier"))
    assert tier["tier"] == "excellent" and tier["one_form"] and tier["commitment"]

    application = ok(owner.post("/applications", bundle_data(vehicles)), 201)
    assert application["channel"] == "online" and len(application["items"]) == 4
    pid = application["public_id"]
    commitment = ok(owner.post(f"/applications/{pid}/commitment", {"confirmed": True}), 201)
    assert "driver_certificates" in {m["key"] for m in commitment["replaced_materials"]}
    upload_required(owner, ok(owner.get(f"/applications/{pid}")))
    application = ok(owner.act(ok(owner.get(f"/applications/{pid}")), "submit"))
    assert application["tier"] == "excellent" and application["tier_name"] == "守信优良"
    assert "烟台鑫达物流有限公司当前信用等级为AA级（优良）" in application["tier_reason"]
    assert all(
        row["covered_by_commitment"] or not row["missing_key"] for row in application["missing"]
    )

    queue = ok(clerk.get("/queue"))
    assert queue[0]["public_id"] == pid and queue[0]["priority"] == 1
    application = ok(clerk.act(application, "accept"))
    assert application["status"] == "accepted" and application["due_on"]
    application = ok(approver.act(application, "start-review"))
    panel = ok(approver.get(f"/applications/{pid}/credit"))
    assert panel["entries"][0]["grade"] == "AA" and not panel["entries"][0]["on_serious_list"]
    application = ok(approver.act(application, "approve"))
    assert application["commitment"]["outcome"] == "pending"
    application = ok(approver.act(application, "issue"))
    application = ok(clerk.act(application, "close", delivery="electronic"))

    mine = ok(owner.get(f"/applications/{pid}"))
    assert mine["status"] == "closed"
    assert mine["trips"] == 0
    assert mine["processing_working_days"] == 0
    assert [n["title"] for n in mine["notices"]] == ["受理通知书", "准予行政许可决定书"]
    licences = [Licence.objects.get(public_id=item["result_licence"]) for item in mine["items"]]
    assert (
        sorted(lic.type_key for lic in licences)
        == ["business_licence"] + ["transport_certificate"] * 3
    )
    assert {lic.vehicle.plate for lic in licences if lic.vehicle} == {v.plate for v in vehicles}
    inspector = client_as(None)
    for licence in licences:
        verdict = ok(
            inspector.post(
                "/api/elicences/verify", {"text": licence.qr_text}, content_type="application/json"
            )
        )
        assert verdict["verdict"] == "valid" and verdict["seal_ok"]

    approval = mine["notices"][1]
    pdf = client_as(Role.OPERATOR).get(
        f"/api/licensing/applications/{pid}/notices/{approval['public_id']}/pdf"
    )
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and b"/ByteRange" in pdf.content

    stats = ok(Api(client_as(Role.LEADER)).get("/statistics"))
    assert stats["closed"] == 1 and stats["average_trips"] == 0 and stats["trips_saved"] == 2
