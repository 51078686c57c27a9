"""The credit data-pool API: the source-token push (401 for a wrong or revoked token, the one
error shape for a rejected batch), records, the to-link queue, grades, rule sets, regrade."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from roadcredit.accounts.roles import Role
from roadcredit.core import clock
from roadcredit.credit.grading import RULES_DIR
from roadcredit.credit.models import CreditRecord, LinkQueueItem
from roadcredit.credit.services.intake import source_token_issue, source_token_revoke
from roadcredit.credit.tests.factories import (
    make_record,
    make_source,
    rated_operator,
    rated_practitioner,
)
from roadcredit.subjects.tests.factories import valid_uscc, wrong_check_uscc

pytestmark = pytest.mark.django_db

OCCURRED = (clock.today() - dt.timedelta(days=40)).isoformat()
DECIDED = (clock.today() - dt.timedelta(days=30)).isoformat()


def _post(client: Client, url: str, body: Any, **extra: Any) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json", **extra)


def _push(token: str, body: Any) -> Any:
    return _post(Client(), "/api/credit/intake", body, HTTP_AUTHORIZATION=f"Bearer {token}")


def _record(ref: str, uscc: str, **extra: Any) -> dict[str, Any]:
    return {
        "source_ref": ref,
        "uscc": uscc,
        "behaviour_code": "RT-N-008",
        "occurred_on": OCCURRED,
        "decision_number": f"鲁交执罚〔2026〕{ref}号",
        "decided_on": DECIDED,
        **extra,
    }


def test_a_source_pushes_a_batch_with_its_own_token() -> None:
    operator = rated_operator()
    token = source_token_issue(actor=None, source=make_source())
    response = _push(
        token,
        {
            "batch_id": "SD-0601",
            "records": [_record("SD-1", operator.uscc), _record("SD-2", valid_uscc())],
        },
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["created"], body["to_link"]) == ("accepted", 1, 1)
    again = _push(
        token,
        {
            "batch_id": "SD-0601",
            "records": [_record("SD-1", operator.uscc), _record("SD-2", valid_uscc())],
        },
    )
    assert again.status_code in (200, 409)
    assert CreditRecord.objects.count() == 1


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer wrong-token", "Basic abc"])
def test_a_wrong_or_missing_token_gets_401_in_the_one_error_shape(header: str) -> None:
    make_source()
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = _post(Client(), "/api/credit/intake", {"records": []}, **extra)
    assert response.status_code == 401
    assert set(response.json()) == {"message", "extra"}


def test_a_revoked_token_gets_401() -> None:
    source = make_source()
    token = source_token_issue(actor=None, source=source)
    source_token_revoke(actor=None, source=source)
    assert _push(token, {"records": [_record("SD-1", valid_uscc())]}).status_code == 401


def test_a_user_session_cannot_push(client_as: Any) -> None:
    response = _post(client_as(Role.CREDIT_OFFICER), "/api/credit/intake", {"records": []})
    assert response.status_code == 401


def test_a_rejected_batch_is_a_400_listing_every_row_and_field() -> None:
    operator = rated_operator()
    token = source_token_issue(actor=None, source=make_source())
    response = _push(
        token,
        {
            "records": [
                _record("SD-1", operator.uscc),
                _record("SD-2", wrong_check_uscc(operator.uscc)),
                _record("SD-3", operator.uscc, occurred_on="2099-01-01"),
            ]
        },
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"message", "extra"}
    rows = {(r["row"], r["field"]) for r in body["extra"]["rows"]}
    assert rows == {(2, "uscc"), (3, "occurred_on")}
    assert body["extra"]["error_count"] == 2
    assert CreditRecord.objects.count() == 0


def test_a_malformed_push_body_gets_422() -> None:
    token = source_token_issue(actor=None, source=make_source())
    response = _push(token, {"records": "not a list"})
    assert response.status_code == 422
    assert "records" in response.json()["extra"]["fields"]


def test_an_officer_enters_decides_and_moves_a_record(client_as: Any) -> None:
    operator = rated_operator()
    officer = client_as(Role.CREDIT_OFFICER)
    response = _post(
        officer,
        "/api/credit/records",
        {
            "subject_kind": "operator",
            "subject_id": operator.public_id,
            "behaviour_code": "RT-N-008",
            "points": 25,
            "occurred_on": OCCURRED,
        },
    )
    assert response.status_code == 201, response.json()
    record = response.json()
    assert (
        record["status"] == "pending" and record["counts_toward"]["public_id"] == operator.public_id
    )
    decided = _post(
        officer,
        f"/api/credit/records/{record['public_id']}/decide",
        {"decision_number": "牟交罚决字〔2026〕0007号", "decided_on": DECIDED},
    )
    assert decided.status_code == 200 and decided.json()["status"] == "active"
    assert decided.json()["takedown_on"]
    grade = officer.get(f"/api/credit/subjects/operator/{operator.public_id}/grade").json()
    assert grade["score"] == 75 and grade["grade"] == "B"
    moved = _post(
        officer,
        f"/api/credit/records/{record['public_id']}/status",
        {"status": "under_objection", "reason": "当事人提出异议"},
    )
    assert moved.status_code == 200 and moved.json()["status"] == "under_objection"
    refused = _post(
        officer,
        f"/api/credit/records/{record['public_id']}/status",
        {"status": "expired", "reason": "x"},
    )
    assert refused.status_code == 409 and set(refused.json()) == {"message", "extra"}
    listed = officer.get(
        "/api/credit/records", {"subject_kind": "operator", "subject_id": operator.public_id}
    ).json()
    assert listed["total"] == 1
    assert (
        officer.get(f"/api/credit/records/{record['public_id']}").json()["decision_number"]
        == "牟交罚决字〔2026〕0007号"
    )


def test_bad_record_fields_come_back_by_field(client_as: Any) -> None:
    operator = rated_operator()
    response = _post(
        client_as(Role.CREDIT_OFFICER),
        "/api/credit/records",
        {
            "subject_kind": "operator",
            "subject_id": operator.public_id,
            "behaviour_code": "RT-Q-000",
            "occurred_on": "2099-12-31",
        },
    )
    assert response.status_code == 400
    assert set(response.json()["extra"]["fields"]) == {"behaviour_code", "occurred_on"}


def test_roles_outside_the_policy_are_refused(client_as: Any) -> None:
    operator = rated_operator()
    body = {
        "subject_kind": "operator",
        "subject_id": operator.public_id,
        "behaviour_code": "RT-N-008",
        "occurred_on": OCCURRED,
    }
    assert _post(client_as(Role.CLERK), "/api/credit/records", body).status_code == 403
    assert _post(client_as(Role.INSPECTOR), "/api/credit/records", body).status_code == 201
    assert client_as(Role.OPERATOR).get("/api/credit/records").status_code == 403
    assert client_as(None).get("/api/credit/records").status_code == 401
    assert _post(client_as(Role.LEADER), "/api/credit/regrade", {}).status_code == 403


def test_a_holder_sees_only_its_own_grade(client_as: Any, personas: Any) -> None:
    own = personas[Role.OPERATOR].operator
    other = rated_operator()
    make_record(
        own,
        behaviour_code="RT-N-011",
        occurred_on=clock.today() - dt.timedelta(days=9),
        decided_on=clock.today() - dt.timedelta(days=2),
    )
    holder = client_as(Role.OPERATOR)
    assert holder.get(f"/api/credit/subjects/operator/{own.public_id}/grade").status_code == 200
    assert holder.get(f"/api/credit/subjects/operator/{other.public_id}/grade").status_code == 404
    explanation = holder.get(f"/api/credit/subjects/operator/{own.public_id}/grade/explain").json()
    assert explanation["grade"] and explanation["ruleset_id"] == "enterprise-jiangsu-2024"
    assert (
        len(holder.get(f"/api/credit/subjects/operator/{own.public_id}/grade/history").json()) == 1
    )


def test_a_driver_grade_is_explained_rule_by_rule(client_as: Any) -> None:
    driver = rated_practitioner()
    day = clock.today() - dt.timedelta(days=400)
    make_record(driver, behaviour_code="RT-N-008", occurred_on=day, decided_on=day)
    body = (
        client_as(Role.CREDIT_OFFICER)
        .get(f"/api/credit/subjects/practitioner/{driver.public_id}/grade/explain")
        .json()
    )
    assert body["contributions"] or body["adjustments"]
    assert any(a["kind"] == "threshold" for a in body["adjustments"]) or not body["rated"]


def test_the_to_link_queue_is_listed_and_resolved(client_as: Any) -> None:
    code = valid_uscc()
    token = source_token_issue(actor=None, source=make_source())
    _push(token, {"records": [_record("SD-5", code, subject_name="烟台新锐运输有限公司")]})
    officer = client_as(Role.CREDIT_OFFICER)
    listed = officer.get("/api/credit/link-queue").json()
    assert (
        listed["total"] == 1
        and listed["items"][0]["summary"]["subject_name"] == "烟台新锐运输有限公司"
    )
    operator = rated_operator(uscc=code)
    item_id = listed["items"][0]["public_id"]
    resolved = _post(
        officer, f"/api/credit/link-queue/{item_id}/resolve", {"subject_id": operator.public_id}
    )
    assert resolved.status_code == 200, resolved.json()
    assert resolved.json()["counts_toward"]["public_id"] == operator.public_id
    assert LinkQueueItem.objects.get().status == "linked"
    again = _post(
        officer, f"/api/credit/link-queue/{item_id}/resolve", {"subject_id": operator.public_id}
    )
    assert again.status_code == 409


def test_rule_sets_are_loaded_previewed_and_activated(client_as: Any) -> None:
    rated_operator()
    officer = client_as(Role.CREDIT_OFFICER)
    assert officer.get("/api/credit/rulesets").status_code == 200
    text = (
        (RULES_DIR / "enterprise-jiangsu-2024.toml")
        .read_text(encoding="utf-8")
        .replace('version = "2024.2"', 'version = "2026.2"', 1)
    )
    loaded = _post(
        officer, "/api/credit/rulesets", {"file_name": "enterprise-2026.toml", "text": text}
    )
    assert loaded.status_code == 201, loaded.json()
    pk = loaded.json()["id"]
    preview = client_as(Role.LEADER).get(f"/api/credit/rulesets/{pk}/preview")
    assert (
        preview.status_code == 200
        and preview.json()["subjects"] == 2
        and preview.json()["changed_count"] == 0
    )
    assert (
        _post(client_as(Role.LEADER), f"/api/credit/rulesets/{pk}/activate", {}).status_code == 403
    )
    activated = _post(officer, f"/api/credit/rulesets/{pk}/activate", {})
    assert activated.status_code == 200 and activated.json()["status"] == "active"
    broken = _post(
        officer,
        "/api/credit/rulesets",
        {"file_name": "x.toml", "text": "[meta]\nkind = 'grading-ruleset'"},
    )
    assert broken.status_code == 400 and "file" in broken.json()["extra"]["fields"]


def test_a_regrade_is_submitted_as_a_job(client_as: Any) -> None:
    response = _post(
        client_as(Role.CREDIT_OFFICER), "/api/credit/regrade", {"reason": "规则调整后重新评级"}
    )
    assert response.status_code == 202 and response.json()["job"]


def test_every_credit_operation_is_in_the_openapi_document() -> None:
    schema = Client().get("/api/openapi.json").json()
    operation_ids = {op["operationId"] for path in schema["paths"].values() for op in path.values()}
    assert {
        "credit_records_list",
        "credit_record_get",
        "credit_record_create",
        "credit_record_decide",
        "credit_record_status",
        "credit_intake_push",
        "credit_link_queue_list",
        "credit_link_queue_resolve",
        "credit_grade_current",
        "credit_grade_history",
        "credit_grade_explain",
        "credit_rulesets_list",
        "credit_ruleset_load",
        "credit_ruleset_activate",
        "credit_ruleset_preview",
        "credit_regrade",
    } <= operation_ids
