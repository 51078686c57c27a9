"""The e-licence API: policy (401 / 403), scope (own vs another holder), issuance, lifecycle,
verification (incl. 577 foreign tokens), status and trust lists, one error shape."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from roadcredit.accounts.roles import Role
from roadcredit.accounts.tests.factories import persona_operator, persona_practitioner
from roadcredit.audit.models import AuditEntry
from roadcredit.elicences.services import licence_pdf
from roadcredit.elicences.statuslist import verify_status_list
from roadcredit.elicences.tests.services.support import (
    freight_operator,
    issue_business_licence,
    issue_qualification,
)
from roadcredit.elicences.trustlist import TrustStore
from roadcredit.subjects.tests.factories import make_practitioner, make_vehicle

pytestmark = pytest.mark.django_db
FOREIGN = json.loads(
    (Path(__file__).resolve().parents[1] / "unit" / "data" / "dcc_foreign_tokens.json").read_text(
        encoding="utf-8"
    )
)


def _post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_an_anonymous_caller_cannot_read_a_licence(client_as):
    licence = issue_business_licence()
    response = client_as(None).get(f"/api/elicences/licences/{licence.public_id}")
    assert response.status_code == 401
    assert set(response.json()) == {"message", "extra"}


def test_a_clerk_issues_a_licence_through_the_api(client_as):
    operator = freight_operator()
    response = _post(
        client_as(Role.CLERK),
        "/api/elicences/licences",
        {
            "type_key": "business_licence",
            "holder_kind": "operator",
            "holder_public_id": operator.public_id,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"].startswith("鲁交运管许可烟字370612")
    assert body["identifier"].startswith("1.2.156.3005.2.11100000000019713D008.")
    assert body["status"] == "valid" and body["status_label"] == "有效"
    assert body["qr_text"].startswith("http")


@pytest.mark.parametrize("role", [Role.LEADER, Role.INSPECTOR, Role.SYSADMIN, Role.OPERATOR])
def test_only_clerks_and_approvers_may_issue(client_as, role):
    operator = freight_operator()
    response = _post(
        client_as(role),
        "/api/elicences/licences",
        {
            "type_key": "business_licence",
            "holder_kind": "operator",
            "holder_public_id": operator.public_id,
        },
    )
    assert response.status_code == 403


def test_issuing_a_type_not_issued_here_answers_the_field_error(client_as):
    operator = freight_operator()
    response = _post(
        client_as(Role.CLERK),
        "/api/elicences/licences",
        {
            "type_key": "radioactive_permit",
            "holder_kind": "operator",
            "holder_public_id": operator.public_id,
        },
    )
    assert response.status_code == 400
    assert "type_key" in response.json()["extra"]["fields"]


def test_a_holder_reads_its_own_licence_but_not_anothers(client_as, personas):
    own = issue_business_licence(persona_operator())
    other = issue_business_licence(freight_operator())
    client = client_as(Role.OPERATOR)
    assert client.get(f"/api/elicences/licences/{own.public_id}").status_code == 200
    assert client.get(f"/api/elicences/licences/{other.public_id}").status_code == 404
    assert client.get(f"/api/elicences/licences/{other.public_id}/pdf").status_code == 404


def test_an_operator_sees_the_certificates_of_its_vehicles(client_as, personas):
    from roadcredit.elicences.tests.services.support import issue_transport_certificate

    licence = issue_transport_certificate(make_vehicle(persona_operator()))
    response = client_as(Role.OPERATOR).get(f"/api/elicences/licences/{licence.public_id}")
    assert response.status_code == 200


def test_a_practitioner_sees_its_own_number_in_full_and_staff_views_are_logged(client_as, personas):
    licence = issue_qualification(persona_practitioner())
    own = client_as(Role.PRACTITIONER).get(f"/api/elicences/licences/{licence.public_id}").json()
    assert {row["key"]: row["value"] for row in own["face"]}["number"] == "370612198503150018"
    assert own["number"] == "370612********0018"
    leader = client_as(Role.LEADER).get(f"/api/elicences/licences/{licence.public_id}").json()
    assert {row["key"]: row["value"] for row in leader["face"]}["number"] == "370612********0018"
    assert {row["key"]: row["value"] for row in leader["face"]}["name"] == "张*"
    clerk = client_as(Role.CLERK).get(f"/api/elicences/licences/{licence.public_id}").json()
    assert {row["key"]: row["value"] for row in clerk["face"]}["number"] == "370612198503150018"
    assert (
        AuditEntry.objects.filter(action="elicences.full_view", actor=personas[Role.CLERK]).count()
        == 1
    )


def test_licences_of_a_subject_list_every_version(client_as):
    operator = freight_operator()
    licence = issue_business_licence(operator)
    approver = client_as(Role.APPROVER)
    assert (
        _post(
            approver, f"/api/elicences/licences/{licence.public_id}/change", {"reason": "名称变更"}
        ).status_code
        == 200
    )
    response = client_as(Role.LEADER).get(
        f"/api/elicences/subjects/operator/{operator.public_id}/licences"
    )
    assert response.status_code == 200
    assert [(item["version"], item["status"]) for item in response.json()] == [
        (2, "valid"),
        (1, "changed"),
    ]


def test_an_approver_moves_a_licence_and_a_clerk_may_not(client_as):
    licence = issue_business_licence()
    url = f"/api/elicences/licences/{licence.public_id}"
    assert _post(client_as(Role.CLERK), f"{url}/suspend", {"reason": "暂扣"}).status_code == 403
    approver = client_as(Role.APPROVER)
    response = _post(approver, f"{url}/suspend", {"reason": "暂扣：车辆检测不合格"})
    assert response.status_code == 200 and response.json()["status"] == "suspended"
    assert (
        _post(approver, f"{url}/revoke", {"reason": "吊销", "credit_record_ref": "cr-1"}).json()[
            "credit_record_ref"
        ]
        == "cr-1"
    )
    refused = _post(approver, f"{url}/resume", {})
    assert refused.status_code == 409
    assert "已吊销" in refused.json()["message"]


def test_a_missing_reason_is_a_field_error(client_as):
    licence = issue_business_licence()
    response = _post(
        client_as(Role.APPROVER), f"/api/elicences/licences/{licence.public_id}/cancel", {}
    )
    assert response.status_code == 400
    assert "reason" in response.json()["extra"]["fields"]


def test_anyone_verifies_a_scanned_code(client_as):
    licence = issue_qualification(make_practitioner(name="赵国庆"))
    response = _post(client_as(None), "/api/elicences/verify", {"text": licence.qr_text})
    assert response.status_code == 200
    body = response.json()
    assert (body["verdict"], body["label"], body["token_kind_label"]) == (
        "valid",
        "有效",
        "证照二维码",
    )
    assert body["licence"]["holder"] == "赵*庆"
    assert body["face"] is None


def test_an_inspector_gets_the_full_face_through_the_verify_api_and_it_is_logged(
    client_as, personas
):
    licence = issue_qualification(make_practitioner(name="孙丽娟"))
    response = _post(
        client_as(Role.INSPECTOR), "/api/elicences/verify", {"text": licence.qr_text, "full": True}
    )
    face = {row["key"]: row["value"] for row in response.json()["face"]}
    assert face["name"] == "孙丽娟"
    assert AuditEntry.objects.filter(
        action="elicences.full_view", actor=personas[Role.INSPECTOR]
    ).exists()


def test_the_public_asking_for_the_full_face_gets_the_summary_only(client_as):
    licence = issue_qualification()
    response = _post(
        client_as(None), "/api/elicences/verify", {"text": licence.qr_text, "full": True}
    )
    assert response.json()["face"] is None


def test_all_577_foreign_tokens_are_answered_without_a_server_error(client_as):
    client = client_as(None)
    verdicts = set()
    for item in FOREIGN:
        response = _post(client, "/api/elicences/verify", {"text": item["token"]})
        assert response.status_code == 200, item["source"]
        verdicts.add(response.json()["verdict"])
        body = item["token"].split(":", 1)[-1]
        again = _post(client, "/api/elicences/verify", {"text": "RC1:" + body})
        assert again.status_code == 200, item["source"]
        verdicts.add(again.json()["verdict"])
    assert verdicts <= {"unknown", "tampered"}


def test_garbage_in_the_verify_api_is_a_field_error_or_unknown(client_as):
    client = client_as(None)
    assert _post(client, "/api/elicences/verify", {"text": "x" * 9000}).status_code == 422
    assert _post(client, "/api/elicences/verify", {}).status_code == 422
    assert _post(client, "/api/elicences/verify", {"text": "\ufffd?"}).json()["verdict"] == (
        "unknown"
    )
    nul = _post(client, "/api/elicences/verify", {"text": "\x00\ufffd"})
    assert nul.status_code == 400
    assert nul.json()["extra"]["fields"] == {"text": ["含有不可见的控制字符"]}


def test_a_pdf_is_checked_through_the_api(client_as):
    from django.core.files.uploadedfile import SimpleUploadedFile

    licence = issue_business_licence()
    pdf = licence_pdf(licence=licence)
    response = client_as(None).post(
        "/api/elicences/verify-pdf",
        {"file": SimpleUploadedFile("licence.pdf", pdf, "application/pdf")},
    )
    assert response.status_code == 200
    assert (response.json()["verdict"], response.json()["match"]) == ("valid", "file")
    tampered = pdf.replace(b"/Subject", b"/Subjekt", 1)
    response = client_as(None).post(
        "/api/elicences/verify-pdf",
        {"file": SimpleUploadedFile("x.pdf", tampered, "application/pdf")},
    )
    assert response.json()["verdict"] in {"tampered", "unknown"}


def test_the_holder_downloads_its_pdf(client_as, personas):
    licence = issue_business_licence(persona_operator())
    response = client_as(Role.OPERATOR).get(f"/api/elicences/licences/{licence.public_id}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")


def test_the_status_and_trust_lists_are_public_and_verify(client_as):
    licence = issue_business_licence()
    client = client_as(None)
    trust = client.get("/api/elicences/trust-list")
    assert trust.status_code == 200
    store = TrustStore.from_document(trust.json())
    status = client.get("/api/elicences/status-list").json()
    signed = verify_status_list(base64.b64decode(status["signed"]), trust=store)
    assert signed.list_id == licence.status_list
    assert client.get("/api/elicences/status-list", {"list_id": "999999-9"}).status_code == 404
