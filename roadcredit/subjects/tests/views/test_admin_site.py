"""The admin site: the system administrator's, read-only for the registry, never ciphertexts."""

from __future__ import annotations

import pytest

from roadcredit.accounts.models import User
from roadcredit.accounts.roles import Role
from roadcredit.audit.models import AuditEntry
from roadcredit.subjects.tests.factories import audit_after, make_operator, make_practitioner

pytestmark = pytest.mark.django_db


def test_the_system_administrator_browses_operators_but_cannot_add_one(client_as):
    operator = make_operator(name="烟台顺通物流有限公司")
    client = client_as(Role.SYSADMIN)
    listing = client.get("/admin/subjects/operator/")
    assert listing.status_code == 200
    assert "烟台顺通物流有限公司" in listing.content.decode()
    assert client.get(f"/admin/subjects/operator/{operator.pk}/change/").status_code == 200
    assert client.get("/admin/subjects/operator/add/").status_code == 403


def test_the_practitioner_admin_shows_masked_values_only(client_as):
    person = make_practitioner(phone="13905351234")
    html = (
        client_as(Role.SYSADMIN)
        .get(f"/admin/subjects/practitioner/{person.pk}/change/")
        .content.decode()
    )
    assert person.id_number_masked in html
    assert "139****1234" in html
    assert "13905351234" not in html
    assert person.id_number_index not in html


@pytest.mark.parametrize("role", [Role.SECADMIN, Role.AUDITADMIN, Role.CLERK])
def test_the_admin_site_is_refused_to_everyone_else(client_as, role):
    assert client_as(role).get("/admin/").status_code == 403


def test_creating_an_account_in_the_admin_is_audited(client_as):
    response = client_as(Role.SYSADMIN).post(
        "/admin/accounts/user/add/",
        {
            "username": "clerk2",
            "last_name": "郑",
            "first_name": "受理",
            "role": "clerk",
            "usable_password": "true",
            "password1": "Muping-2025-window",
            "password2": "Muping-2025-window",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    created = User.objects.get(username="clerk2")
    assert created.role == "clerk" and not created.is_staff and not created.is_superuser
    entry = AuditEntry.objects.get(action="accounts.user.create")
    assert audit_after(entry)["role"] == "clerk"
    assert "password" not in str(audit_after(entry))


def test_an_operator_account_must_name_its_operator(client_as):
    response = client_as(Role.SYSADMIN).post(
        "/admin/accounts/user/add/",
        {
            "username": "yehu2",
            "role": "operator",
            "usable_password": "true",
            "password1": "Muping-2025-operator",
            "password2": "Muping-2025-operator",
        },
    )
    assert response.status_code == 200
    assert "经营业户账户必须关联经营业户" in response.content.decode()
    assert not User.objects.filter(username="yehu2").exists()
