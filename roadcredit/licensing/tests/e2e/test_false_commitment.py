"""Done when (3): a driver's false commitment produces a breach record that lowers the grade and
starts revocation; the driver loses commitment eligibility."""

from __future__ import annotations

import pytest

from roadcredit.accounts.roles import Role
from roadcredit.credit.models import CreditRecord
from roadcredit.credit.services.grading import grade_current
from roadcredit.licensing.models import CommitmentBan, RevocationProceeding
from roadcredit.licensing.tests.e2e.support import Api, ok, refused, upload_required
from roadcredit.licensing.tests.factories import grade_driver, single_data
from roadcredit.subjects.services import practitioner_update

pytestmark = pytest.mark.django_db
FIRST_ISSUE = "2019-05-20"


def test_a_false_commitment_is_recorded_regraded_and_starts_revocation(client_as, personas):
    import datetime as dt

    zhang = practitioner_update(
        actor=None,
        practitioner=personas[Role.PRACTITIONER].practitioner,
        data={"qualifications": [{"category": "freight", "first_issue_date": FIRST_ISSUE}]},
    )
    grade_driver(zhang, "AAA", first_issue=dt.date.fromisoformat(FIRST_ISSUE))  # by the engine
    driver, clerk = Api(client_as(Role.PRACTITIONER)), Api(client_as(Role.CLERK))
    approver, officer = Api(client_as(Role.APPROVER)), Api(client_as(Role.CREDIT_OFFICER))

    application = ok(
        driver.post("/applications", single_data("qualification_new", contact_name="张伟")), 201
    )
    pid = application["public_id"]
    commitment = ok(driver.post(f"/applications/{pid}/commitment", {"confirmed": True}), 201)
    assert len(commitment["replaced_materials"]) == 4  # the 4 paper proofs
    upload_required(driver, ok(driver.get(f"/applications/{pid}")))
    application = ok(driver.act(ok(driver.get(f"/applications/{pid}")), "submit"))
    assert application["tier"] == "excellent"
    for step in ("accept",):
        application = ok(clerk.act(application, step))
    for step in ("start-review", "approve", "issue"):
        application = ok(approver.act(application, step))
    application = ok(clerk.act(application, "close"))
    assert application["trips"] == 0
    licence_id = application["items"][0]["result_licence"]

    tasks = ok(officer.get("/verification-tasks"))
    assert [t["application_number"] for t in tasks] == [application["number"]]
    assert tasks[0]["officer"] == "赵信用" and tasks[0]["due_on"]
    verified = ok(
        officer.post(
            f"/commitments/{tasks[0]['public_id']}/verify",
            {
                "truthful": False,
                "finding": "经向公安交管部门核实，申请人近3年内有重大交通责任事故记录",
            },
        )
    )
    assert verified["outcome"] == "false" and verified["breach_record"]

    record = CreditRecord.objects.get(public_id=verified["breach_record"])
    assert record.behaviour_code == "RT-N-005" and record.practitioner_id == zhang.pk
    assert record.severity == "serious" and record.on_serious_list
    snapshot = grade_current(zhang)
    assert snapshot is not None and snapshot.grade == "B"  # was AAA: lowered at once

    proceeding = RevocationProceeding.objects.get(licence__public_id=licence_id)
    assert proceeding.status == "open" and proceeding.credit_record_ref == record.public_id
    qr = proceeding.licence.qr_text
    scan = ok(
        client_as(None).post("/api/elicences/verify", {"text": qr}, content_type="application/json")
    )
    assert scan["verdict"] == "suspended"
    assert CommitmentBan.objects.filter(practitioner=zhang).exists()

    listed = ok(approver.get("/revocations"))
    decided = ok(
        approver.post(
            f"/revocations/{listed[0]['public_id']}/decide",
            {"revoke": True, "reason": "以欺骗手段（承诺不实）取得从业资格证，依法吊销"},
        )
    )
    assert decided["status"] == "revoked" and decided["licence_status"] == "revoked"

    mine = ok(driver.get("/my-tier"))
    assert mine["tier"] == "doubtful" and not mine["commitment"]
    assert any("信用承诺不实" in line for line in mine["reasons"])
    retry = ok(
        driver.post("/applications", single_data("qualification_new", contact_name="张伟")), 201
    )
    body = refused(
        driver.post(f"/applications/{retry['public_id']}/commitment", {"confirmed": True}), 400
    )
    assert "信用承诺仅适用于" in body["message"] and "信用承诺不实" in body["message"]
