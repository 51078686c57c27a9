"""三员分立 on the key functions, the audit entry behind every full personal-data view, and the
lean roadside check called through the real ASGI application."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse

from roadcredit.accounts.roles import Role
from roadcredit.audit.models import AuditEntry
from roadcredit.subjects.tests.factories import make_practitioner

pytestmark = pytest.mark.django_db

# The one administrator each function belongs to.
DUTIES = {
    "user management (admin site)": ("/admin/accounts/user/", Role.SYSADMIN),
    "USCC allow-list (security)": ("/subjects/uscc-allowlist/", Role.SECADMIN),
    "seal keys (security)": ("/licences/seal-keys/", Role.SECADMIN),
    "audit log": ("/audit/", Role.AUDITADMIN),
    "audit chain proof": ("/audit/heads/", Role.AUDITADMIN),
}
ADMINS = (Role.SYSADMIN, Role.SECADMIN, Role.AUDITADMIN)


@pytest.mark.parametrize("duty", sorted(DUTIES))
@pytest.mark.parametrize("admin", ADMINS, ids=lambda r: r.value)
def test_each_administrator_does_only_its_own_duty(duty: str, admin: Role, client_as: Any):
    url, owner = DUTIES[duty]
    response = client_as(admin).get(url)
    if admin == owner:
        assert response.status_code == 200, (duty, admin)
    else:
        assert response.status_code == 403, (duty, admin)


def test_the_security_administrator_cannot_create_an_account(client_as: Any):
    response = client_as(Role.SECADMIN).post(
        "/admin/accounts/user/add/",
        {"username": "intruder", "password1": "x-Long-pass-2026", "password2": "x-Long-pass-2026"},
    )
    assert response.status_code == 403
    from roadcredit.accounts.models import User

    assert not User.objects.filter(username="intruder").exists()


def test_the_system_administrator_cannot_change_the_allow_list(client_as: Any):
    from roadcredit.subjects.models import UsccAllowListEntry

    response = client_as(Role.SYSADMIN).post(
        "/subjects/uscc-allowlist/",
        {"action": "add", "uscc": "91350100M0001TGQXM", "reason": "福建早期试点代码"},
    )
    assert response.status_code == 403
    assert not UsccAllowListEntry.objects.exists()


def test_the_audit_administrator_cannot_edit_accounts_nor_the_allow_list(client_as: Any):
    client = client_as(Role.AUDITADMIN)
    assert client.get("/admin/").status_code == 403
    assert client.post("/subjects/uscc-allowlist/", {"action": "add"}).status_code == 403
    assert client.get("/api/subjects/search", {"q": "张伟"}).status_code == 403


def test_a_full_id_number_view_is_logged_with_viewer_and_subject(client_as: Any, personas: Any):
    driver = make_practitioner(name="李秀英", phone="13805358866")
    url = reverse("subjects:practitioner_detail", args=[driver.public_id])

    before = AuditEntry.objects.filter(action="subjects.full_view").count()
    page = client_as(Role.CLERK).get(url)

    assert page.status_code == 200
    assert "13805358866" in page.content.decode()
    entry = AuditEntry.objects.filter(action="subjects.full_view").order_by("-seq").first()
    assert entry is not None
    assert AuditEntry.objects.filter(action="subjects.full_view").count() == before + 1
    assert entry.actor == personas[Role.CLERK]
    assert entry.target_id == str(driver.pk) or entry.target_id == driver.public_id


def test_a_masked_view_writes_no_access_entry(client_as: Any):
    driver = make_practitioner(name="李秀英", phone="13805358866")
    url = reverse("subjects:practitioner_detail", args=[driver.public_id])

    page = client_as(Role.LEADER).get(url)

    assert page.status_code == 200
    assert "13805358866" not in page.content.decode()
    assert not AuditEntry.objects.filter(action="subjects.full_view").exists()


def test_the_api_full_view_of_a_driver_is_logged(client_as: Any, personas: Any):
    driver = make_practitioner(name="李秀英", phone="13805358866")

    response = client_as(Role.INSPECTOR).get(f"/api/subjects/practitioners/{driver.public_id}")

    assert response.status_code == 200
    assert response.json()["phone"] == "13805358866"
    assert AuditEntry.objects.filter(
        action="subjects.full_view", actor=personas[Role.INSPECTOR]
    ).exists()


def test_the_inspectors_full_face_view_is_logged(client_as: Any, personas: Any):
    from roadcredit.elicences.tests.services.support import issue_qualification

    licence = issue_qualification(make_practitioner(name="李秀英"))

    response = client_as(Role.INSPECTOR).post(
        reverse("elicences:verify"), {"t": licence.qr_text, "full": "1"}
    )

    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="elicences.full_view")
    assert entry.actor == personas[Role.INSPECTOR]
    assert entry.target_id in (str(licence.pk), licence.public_id)


def test_a_holder_asking_for_the_full_face_of_another_licence_gets_it_masked(
    client_as: Any,
):
    from roadcredit.elicences.tests.services.support import issue_qualification

    licence = issue_qualification(make_practitioner(name="李秀英"))

    response = client_as(Role.OPERATOR).post(
        reverse("elicences:verify"), {"t": licence.qr_text, "full": "1"}
    )

    assert response.status_code == 200
    assert "李秀英" not in response.content.decode()
    assert not AuditEntry.objects.filter(action="elicences.full_view").exists()


def _asgi_get(path: str, query: dict[str, str], cookie: str = "") -> tuple[int, Any]:
    from config.asgi import application

    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    headers = [(b"cookie", cookie.encode("ascii"))] if cookie else []
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "query_string": urlencode(query).encode("ascii"),
        "headers": headers,
    }
    asyncio.run(application(scope, receive, send))
    return sent[0]["status"], json.loads(sent[1]["body"])


@pytest.mark.django_db(transaction=True)
def test_the_lean_route_through_the_asgi_app_is_public_and_masked_for_every_persona(personas):
    """/v/check answers in front of Django: the same public, masked summary whoever calls."""
    from roadcredit.elicences.tests.services.support import issue_qualification

    licence = issue_qualification(make_practitioner(name="李秀英"))
    checked = 0
    for role in (None, *Role):
        cookie = ""
        if role is not None:
            client = Client()
            client.force_login(personas[role])
            cookie = f"sessionid={client.cookies['sessionid'].value}"
        status, body = _asgi_get("/v/check", {"t": licence.qr_text}, cookie)
        assert status == 200
        assert body["verdict"] == "valid"
        assert "李秀英" not in json.dumps(body, ensure_ascii=False)
        checked += 1
    assert checked == len(Role) + 1
