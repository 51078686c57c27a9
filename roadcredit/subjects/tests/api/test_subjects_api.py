"""The registry API: policy (401 / 403), the field-level error shape, masking per role, scope."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from roadcredit.accounts.roles import Role
from roadcredit.audit.models import AuditEntry
from roadcredit.subjects.models import Operator
from roadcredit.subjects.tests.factories import (
    ensure_scopes,
    make_operator,
    make_practitioner,
    make_vehicle,
    operator_data,
    practitioner_data,
    valid_id_number,
    valid_uscc,
    vehicle_data,
)

pytestmark = pytest.mark.django_db


def _post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def _patch(client, url, body):
    return client.patch(url, data=json.dumps(body), content_type="application/json")


def test_an_anonymous_caller_gets_401(client_as):
    response = client_as(None).get("/api/subjects/search", {"q": "顺通"})
    assert response.status_code == 401
    assert set(response.json()) == {"message", "extra"}


def test_a_role_outside_the_policy_gets_403(client_as):
    assert client_as(Role.SYSADMIN).get("/api/subjects/search", {"q": "顺通"}).status_code == 403
    response = _post(client_as(Role.LEADER), "/api/subjects/operators", operator_data())
    assert response.status_code == 403
    assert response.json()["message"]


def test_search_answers_hits_for_staff(client_as):
    operator = make_operator(name="烟台顺通物流有限公司")
    response = client_as(Role.INSPECTOR).get("/api/subjects/search", {"q": "顺通"})
    assert response.status_code == 200
    assert response.json() == [
        {
            "kind": "operator",
            "public_id": operator.public_id,
            "title": "烟台顺通物流有限公司",
            "subtitle": f"{operator.uscc} · 企业 · {operator.get_status_display()}",
        }
    ]


def test_a_clerk_registers_an_operator(client_as, personas):
    ensure_scopes()
    body = operator_data(name="烟台顺通物流有限公司", business_scope_codes=["2010"])
    response = _post(client_as(Role.CLERK), "/api/subjects/operators", body)
    assert response.status_code == 201, response.content
    payload = response.json()
    assert payload["uscc"] == body["uscc"]
    assert payload["kind_label"] == "企业"
    assert payload["business_scopes"] == [{"code": "2010", "name": "道路普通货物运输"}]
    entry = AuditEntry.objects.get(action="subjects.operator.create")
    assert entry.actor == personas[Role.CLERK]


def test_broken_input_answers_400_with_every_field_named(client_as):
    response = _post(
        client_as(Role.CLERK),
        "/api/subjects/operators",
        {"uscc": "91370612MA3C4X5Y6Z", "address": "山东省烟台市牟平区"},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["message"] == "提交的数据有误，请按提示修改"
    fields = body["extra"]["fields"]
    assert {"uscc", "name", "legal_representative"} <= set(fields)
    assert all(isinstance(m, str) for messages in fields.values() for m in messages)


def test_a_registered_code_is_a_field_error(client_as):
    existing = make_operator()
    response = _post(
        client_as(Role.CLERK), "/api/subjects/operators", operator_data(uscc=existing.uscc)
    )
    assert response.status_code == 400
    assert "已登记" in response.json()["extra"]["fields"]["uscc"][0]


def test_patch_changes_only_the_fields_sent(client_as):
    operator = make_operator(name="牟平区宏达运输有限公司")
    response = _patch(
        client_as(Role.APPROVER),
        f"/api/subjects/operators/{operator.public_id}",
        {"status": "suspended"},
    )
    assert response.status_code == 200
    stored = Operator.objects.get(pk=operator.pk)
    assert response.json()["status_label"] == stored.get_status_display()
    assert stored.status == "suspended"
    assert stored.name == "牟平区宏达运输有限公司"


def test_patch_of_an_unknown_operator_is_404(client_as):
    response = _patch(client_as(Role.CLERK), "/api/subjects/operators/nosuchoperator00", {})
    assert response.status_code == 404


def test_a_vehicle_with_an_unregistered_owner_is_refused(client_as):
    response = _post(
        client_as(Role.CLERK), "/api/subjects/vehicles", vehicle_data(operator_uscc=valid_uscc())
    )
    assert response.status_code == 400
    assert "operator_uscc" in response.json()["extra"]["fields"]


def test_a_vehicle_is_created_read_and_updated(client_as):
    owner = make_operator()
    clerk = client_as(Role.CLERK)
    created = _post(clerk, "/api/subjects/vehicles", vehicle_data(operator_uscc=owner.uscc))
    assert created.status_code == 201, created.content
    public_id = created.json()["public_id"]
    assert created.json()["operator"]["uscc"] == owner.uscc

    read = clerk.get(f"/api/subjects/vehicles/{public_id}")
    assert read.json()["vehicle_type_label"] == "普通货运车辆"

    patched = _patch(clerk, f"/api/subjects/vehicles/{public_id}", {"approved_load_kg": 31000})
    assert patched.json()["approved_load_kg"] == 31000


def test_a_practitioner_is_registered_and_answered_without_stored_columns(client_as):
    employer = make_operator()
    number = valid_id_number(dt.date(1984, 2, 29))
    response = _post(
        client_as(Role.CLERK),
        "/api/subjects/practitioners",
        practitioner_data(id_number=number, phone="13905351234", employer_uscc=employer.uscc),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id_number"] == number
    assert body["birth_date"] == "1984-02-29"
    assert not any("encrypted" in key or "index" in key for key in body)
    assert body["qualifications"][0]["category_label"] == "道路货物运输驾驶员"


def test_leaders_get_masked_personal_data_and_clerks_the_full_values(client_as):
    number = valid_id_number(dt.date(1975, 6, 1))
    person = make_practitioner(id_number=number, phone="13905351234")
    url = f"/api/subjects/practitioners/{person.public_id}"

    clerk_view = client_as(Role.CLERK).get(url).json()
    leader_view = client_as(Role.LEADER).get(url).json()

    assert clerk_view["id_number"] == number
    assert clerk_view["phone"] == "13905351234"
    assert clerk_view["personal_data_masked"] is False
    assert leader_view["id_number"] == number[:6] + "********" + number[-4:]
    assert leader_view["phone"] == "139****1234"
    assert leader_view["personal_data_masked"] is True
    assert leader_view["birth_date"] is None
    assert number not in json.dumps(leader_view)


def test_practitioner_patch_replaces_the_qualifications(client_as):
    person = make_practitioner()
    response = _patch(
        client_as(Role.CLERK),
        f"/api/subjects/practitioners/{person.public_id}",
        {"qualifications": [{"category": "taxi", "first_issue_date": "2018-10-10"}]},
    )
    assert response.status_code == 200, response.content
    assert [q["category"] for q in response.json()["qualifications"]] == ["taxi"]


def test_an_operator_account_reads_its_own_vehicle_but_not_anothers(client_as, personas):
    account = personas[Role.OPERATOR]
    own = make_vehicle(account.operator)
    foreign = make_vehicle(make_operator())
    client = client_as(Role.OPERATOR)
    assert client.get(f"/api/subjects/vehicles/{own.public_id}").status_code == 200
    response = client.get(f"/api/subjects/vehicles/{foreign.public_id}")
    assert response.status_code == 404
    assert response.json()["message"] == "未找到该车辆"


def test_a_practitioner_account_reads_itself_masked(client_as, personas):
    me = personas[Role.PRACTITIONER].practitioner
    response = client_as(Role.PRACTITIONER).get(f"/api/subjects/practitioners/{me.public_id}")
    assert response.status_code == 200
    assert response.json()["personal_data_masked"] is True


def test_a_bearer_token_authenticates_a_call(personas):
    from django.test import Client

    from roadcredit.accounts.models import ApiToken

    ApiToken.objects.create(
        user=personas[Role.INSPECTOR],
        name="执法终端",
        token_hash=ApiToken.hash_token("t-1234567890"),
    )
    make_operator(name="烟台顺通物流有限公司")
    response = Client().get(
        "/api/subjects/search", {"q": "顺通"}, HTTP_AUTHORIZATION="Bearer t-1234567890"
    )
    assert response.status_code == 200
    assert len(response.json()) == 1


def test_control_characters_are_a_field_error_not_a_database_failure(client_as):
    clerk = client_as(Role.CLERK)
    response = _post(
        clerk, "/api/subjects/operators", operator_data(name="烟台顺通\x00物流有限公司")
    )
    assert response.status_code == 400
    assert response.json()["extra"]["fields"]["name"] == ["含有不可见的控制字符"]
    assert clerk.get("/api/subjects/search", {"q": "顺通\x00"}).status_code == 200
    assert clerk.get("/api/subjects/operators/ab%00cd").status_code == 404
