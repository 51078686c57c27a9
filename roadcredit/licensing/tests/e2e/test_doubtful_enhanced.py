"""Done when (2): a D-grade enterprise is routed to enhanced verification — extra materials, a
second reviewer, no commitment, no one-form bundle — and is told why."""

from __future__ import annotations

import pytest

from roadcredit.accounts.roles import Role
from roadcredit.accounts.tests.factories import make_user
from roadcredit.licensing.tests.e2e.support import Api, ok, refused, upload_required
from roadcredit.licensing.tests.factories import bundle_data, fleet, freight_operator, single_data

pytestmark = pytest.mark.django_db


def test_a_d_grade_enterprise_gets_enhanced_verification_and_a_second_reviewer(client_as, personas):
    operator = freight_operator("D", name="烟台恒通货运有限公司")  # D from records, by the engine
    account = make_user(
        Role.OPERATOR, "hengtong", operator=operator, last_name="烟台恒通", first_name="货运"
    )
    client = client_as(None)
    client.force_login(account)
    owner, clerk = Api(client), Api(client_as(Role.CLERK))
    first = Api(client_as(Role.APPROVER))
    second_account = make_user(Role.APPROVER, "approver2", last_name="孙", first_name="复核")
    second_client = client_as(None)
    second_client.force_login(second_account)
    second = Api(second_client)

    refusal = refused(owner.post("/applications", bundle_data(fleet(operator, 2))), 400)
    assert "仅适用于信用分级为“守信优良”的申请人" in refusal["extra"]["fields"]["items"][0]
    assert "失信关注" in refusal["extra"]["fields"]["items"][0]

    application = ok(owner.post("/applications", single_data("freight_business_new")), 201)
    pid = application["public_id"]
    refusal = refused(owner.post(f"/applications/{pid}/commitment", {"confirmed": True}), 400)
    assert "信用承诺仅适用于" in refusal["message"] and "D级（差）" in refusal["message"]
    assert ok(owner.get(f"/applications/{pid}"))["commitment"] is None

    upload_required(owner, application)
    application = ok(owner.act(ok(owner.get(f"/applications/{pid}")), "submit"))
    assert application["tier"] == "doubtful" and application["enhanced"] is True
    assert application["priority"] == 3
    assert "当前信用等级为D级（差），对应“失信关注”" in application["tier_reason"]
    assert "须经第二名审批人员复核" in application["tier_reason"]
    assert "信用情况说明及整改材料" in application["missing"][0]["missing_key"]

    body = refused(clerk.act(application, "accept"), 400)
    assert "主要申请材料不齐全" in body["message"] and "信用情况说明及整改材料" in body["message"]
    assert ok(clerk.get(f"/applications/{pid}"))["status"] == "submitted"
    ok(owner.upload(pid, 1, "credit_statement"), 201)
    application = ok(clerk.act(ok(clerk.get(f"/applications/{pid}")), "accept"))

    application = ok(first.act(application, "start-review"))
    body = refused(first.act(application, "approve"), 400)
    assert "须先由一名审批人员出具初审意见" in body["message"]
    application = ok(
        first.act(application, "first-review", opinion="经营场所已现场核实，建议准予许可")
    )
    body = refused(first.act(application, "approve"), 400)
    assert "出具初审意见的人员不能作出决定" in body["message"]
    application = ok(second.act(application, "approve"))
    assert application["status"] == "approved"
    assert application["first_review_opinion"] == "经营场所已现场核实，建议准予许可"
