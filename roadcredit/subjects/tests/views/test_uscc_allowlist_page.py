"""The allow-list page belongs to the security administrator alone (三员分立)."""

from __future__ import annotations

import pytest

from roadcredit.accounts.roles import Role
from roadcredit.audit.models import AuditEntry
from roadcredit.subjects.models import UsccAllowListEntry
from roadcredit.subjects.tests.factories import PILOT_USCC, valid_uscc

pytestmark = pytest.mark.django_db

URL = "/subjects/uscc-allowlist/"


def test_the_security_administrator_adds_a_code(client_as, personas):
    client = client_as(Role.SECADMIN)
    response = client.post(
        URL, {"action": "add", "uscc": PILOT_USCC, "reason": "福建省早期试点赋码"}, follow=True
    )
    assert response.status_code == 200
    assert UsccAllowListEntry.objects.filter(uscc=PILOT_USCC).exists()
    html = response.content.decode()
    assert PILOT_USCC in html
    assert "已将" in html
    assert (
        AuditEntry.objects.get(action="subjects.uscc_allowlist.add").actor
        == personas[Role.SECADMIN]
    )


def test_a_refused_code_is_explained_on_the_form(client_as):
    response = client_as(Role.SECADMIN).post(
        URL, {"action": "add", "uscc": valid_uscc(), "reason": "误加"}
    )
    assert response.status_code == 200
    assert "无需列入例外名单" in response.content.decode()
    assert not UsccAllowListEntry.objects.exists()


def test_the_security_administrator_removes_a_code(client_as):
    client = client_as(Role.SECADMIN)
    client.post(URL, {"action": "add", "uscc": PILOT_USCC, "reason": "福建省早期试点赋码"})
    response = client.post(URL, {"action": "remove", "uscc": PILOT_USCC}, follow=True)
    assert not UsccAllowListEntry.objects.exists()
    assert "移出例外名单" in response.content.decode()


def test_the_page_loads_its_confirmation_script_from_a_static_file(client_as):
    html = client_as(Role.SECADMIN).get(URL).content.decode()
    assert "subjects/confirm.js" in html
    assert "<script>" not in html and "style=" not in html


@pytest.mark.parametrize("role", [Role.SYSADMIN, Role.AUDITADMIN, Role.CLERK, Role.LEADER])
def test_other_roles_are_refused(client_as, role):
    client = client_as(role)
    assert client.get(URL).status_code == 403
    response = client.post(URL, {"action": "add", "uscc": PILOT_USCC, "reason": "越权"})
    assert response.status_code == 403
    assert not UsccAllowListEntry.objects.exists()
