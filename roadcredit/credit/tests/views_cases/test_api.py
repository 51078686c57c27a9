"""The /api/credit-cases operations: repair, objections, lists, publicity, explanation, notices."""

from __future__ import annotations

import json
import secrets

import pytest
from django.test import Client

from roadcredit.accounts.models import ApiToken
from roadcredit.accounts.roles import Role
from roadcredit.credit.models import ListEntry, ListEntryStatus, ListKind, RecordStatus
from roadcredit.credit.services.lists import lists_refresh
from roadcredit.credit.services.publicity import publicity_record_penalty_decision
from roadcredit.credit.tests.cases.helpers import commended, days_ago, holder_of
from roadcredit.credit.tests.factories import make_record, rated_operator, rated_practitioner

pytestmark = pytest.mark.django_db

BASE = "/api/credit-cases"
EVIDENCE = "罚款2000元已于缴款当日缴清，缴款书编号 3706122026000456"


def bearer(user) -> Client:
    raw = secrets.token_urlsafe(24)
    ApiToken.objects.create(user=user, name="测试", token_hash=ApiToken.hash_token(raw))
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def post(client: Client, path: str, body: dict[str, object] | None = None):
    return client.post(BASE + path, data=json.dumps(body or {}), content_type="application/json")


@pytest.fixture
def shuntong():
    operator = rated_operator(name="烟台顺通物流有限公司")
    record = make_record(
        operator, behaviour_code="RT-N-008", occurred_on=days_ago(210), decided_on=days_ago(200)
    )
    return operator, record


def test_a_holder_applies_for_repair_and_an_officer_approves(shuntong, personas):
    operator, record = shuntong
    holder = bearer(holder_of(operator))

    created = post(
        holder,
        "/repairs",
        {
            "record": record.public_id,
            "obligations_fulfilled": True,
            "obligations_evidence": EVIDENCE,
            "commitment_accepted": True,
        },
    )

    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "submitted"
    assert body["subject"]["public_id"] == operator.public_id
    assert body["commitment_signed_by"].startswith("holder-op-")
    listed = holder.get(BASE + "/repairs").json()
    assert listed["total"] == 1

    decided = post(
        bearer(personas[Role.CREDIT_OFFICER]),
        f"/repairs/{body['public_id']}/decision",
        {"approve": True, "reason": "罚款已缴清，准予修复"},
    )

    assert decided.status_code == 200, decided.content
    assert decided.json()["status"] == "approved"
    record.refresh_from_db()
    assert record.status == RecordStatus.REPAIRED


def test_missing_declarations_come_back_as_field_errors(shuntong):
    operator, record = shuntong

    response = post(
        bearer(holder_of(operator)),
        "/repairs",
        {
            "record": record.public_id,
            "obligations_fulfilled": False,
            "obligations_evidence": "",
            "commitment_accepted": False,
        },
    )

    assert response.status_code == 400
    body = response.json()
    assert set(body["extra"]["fields"]) == {
        "obligations_fulfilled",
        "obligations_evidence",
        "commitment",
    }
    assert body["message"]


def test_a_holder_cannot_reach_another_subjects_record(shuntong):
    _operator, record = shuntong
    stranger = bearer(holder_of(rated_operator(name="牟平区宏达运输有限公司")))

    response = post(
        stranger,
        "/objections",
        {"record": record.public_id, "grounds": "记录有误"},
    )

    assert response.status_code == 404
    assert set(response.json()) == {"message", "extra"}


def test_a_holder_may_not_decide(shuntong):
    operator, record = shuntong
    holder = bearer(holder_of(operator))
    created = post(
        holder, "/objections", {"record": record.public_id, "grounds": "车辆当日在维修厂"}
    )

    response = post(
        holder,
        f"/objections/{created.json()['public_id']}/decision",
        {"outcome": "deleted", "reason": "自己删除"},
    )

    assert response.status_code == 403


def test_an_objection_is_corrected_through_the_api(shuntong, personas):
    _operator, record = shuntong
    created = post(
        bearer(personas[Role.CLERK]),
        "/objections",
        {"record": record.public_id, "grounds": "超载比例计算有误，应为10%以下"},
    )
    assert created.status_code == 201, created.content
    assert created.json()["on_behalf"] is True

    decided = post(
        bearer(personas[Role.CREDIT_OFFICER]),
        f"/objections/{created.json()['public_id']}/decision",
        {"outcome": "corrected", "reason": "分值核减为2分", "corrections": {"points": 2}},
    )

    assert decided.status_code == 200, decided.content
    body = decided.json()
    assert body["outcome"] == "corrected"
    assert body["record_before"]["points"] == 5
    assert body["record_after"]["points"] == 2


def test_the_public_lists_need_no_login_and_mask_natural_persons(client):
    commended(rated_practitioner(name="王建华"))
    operator = rated_operator(name="烟台安捷危险货物运输有限公司")
    commended(operator)
    lists_refresh(actor=None)

    response = client.get(BASE + "/lists?kind=red")

    assert response.status_code == 200
    rows = {row["subject_code_kind"]: row for row in response.json()}
    assert rows["统一社会信用代码"]["subject_code"] == operator.uscc
    assert rows["居民身份证号码"]["subject_name"] == "王*华"


def test_the_serious_list_procedure_through_the_api(personas):
    operator = rated_operator(name="烟台市牟平区金海岸客运有限公司")
    make_record(
        operator, behaviour_code="RT-N-001", occurred_on=days_ago(60), decided_on=days_ago(45)
    )
    officer = bearer(personas[Role.CREDIT_OFFICER])
    refreshed = post(officer, "/lists/refresh")
    assert refreshed.status_code == 200
    assert refreshed.json()["serious_proposed"] == 1
    entry = ListEntry.objects.get(list_kind=ListKind.SERIOUS, operator=operator)

    notified = post(officer, f"/list-entries/{entry.public_id}/notify")
    assert notified.json()["status"] == "notified"
    holder = bearer(holder_of(operator))
    own = holder.get(BASE + "/list-entries").json()
    assert [item["public_id"] for item in own["items"]] == [entry.public_id]
    stated = post(
        holder, f"/list-entries/{entry.public_id}/statement", {"text": "已整改，请求不予列入"}
    )
    assert stated.status_code == 200, stated.content
    decided = post(
        officer,
        f"/list-entries/{entry.public_id}/decision",
        {"listed": False, "reason": "已整改且为首次违法，采纳陈述意见，不予列入"},
    )

    assert decided.json()["status"] == ListEntryStatus.NOT_LISTED
    assert decided.json()["statement_text"] == "已整改，请求不予列入"


def test_the_publicity_feed_and_publishing(personas):
    operator = rated_operator(name="烟台顺通物流有限公司")
    record = make_record(
        operator, behaviour_code="RT-N-008", occurred_on=days_ago(30), decided_on=days_ago(20)
    )
    publicity_record_penalty_decision(record=record)
    inspector = bearer(personas[Role.INSPECTOR])

    feed = inspector.get(BASE + "/publicity?pending_only=true")

    assert feed.status_code == 200
    [item] = feed.json()["items"]
    assert item["kind"] == "penalty"
    assert item["subject_code"] == operator.uscc
    assert item["overdue"] is True  # decided 20 days ago, still unpublished
    assert post(inspector, "/publicity/published").status_code == 403
    marked = post(
        bearer(personas[Role.CREDIT_OFFICER]),
        "/publicity/published",
        {"items": [item["public_id"]]},
    )
    assert marked.json() == {"published": 1}
    assert inspector.get(BASE + "/publicity?pending_only=true").json()["total"] == 0


def test_the_subject_explanation_and_the_notices(shuntong):
    operator, record = shuntong
    client = bearer(holder_of(operator))
    post(client, "/objections", {"record": record.public_id, "grounds": "车辆当日在维修厂保养"})

    explanation = client.get(f"{BASE}/explanation/operator/{operator.public_id}")
    notices = client.get(BASE + "/notices")

    assert explanation.status_code == 200
    body = explanation.json()
    assert body["grade"] == "AA"
    assert body["score"] == 95
    assert body["records"][0]["under_objection"] is True
    assert body["benefits_now"]
    assert notices.json()["unread"] == 1
    notice_id = notices.json()["items"][0]["public_id"]
    read = post(client, f"/notices/{notice_id}/read")
    assert read.status_code == 200 and read.json()["read_at"]
    assert client.get(BASE + "/notices").json()["unread"] == 0


def test_staff_have_no_notices_endpoint(personas):
    response = bearer(personas[Role.CREDIT_OFFICER]).get(BASE + "/notices")

    assert response.status_code == 403


def test_the_operations_are_in_the_openapi_document(client):
    paths = client.get("/api/openapi.json").json()["paths"]

    for path in (
        "/api/credit-cases/repairs",
        "/api/credit-cases/objections/{public_id}/decision",
        "/api/credit-cases/lists",
        "/api/credit-cases/publicity",
        "/api/credit-cases/explanation/{kind}/{public_id}",
    ):
        assert path in paths


ODD_IDS = ["x", "../../etc", "0" * 16, "abcdefghjkmnpqrs", "%00", "名单"]
ODD_BODIES: list[object] = [
    {},
    {"record": "0" * 16, "grounds": "x"},
    {"record": None},
    {"approve": "maybe", "reason": 5},
    {"outcome": "burn", "reason": ""},
    {"items": ["x"] * 3},
    [],
    "null",
]


@pytest.mark.parametrize("role", [Role.CLERK, Role.CREDIT_OFFICER, Role.OPERATOR])
def test_no_operation_answers_odd_input_with_a_server_error(role, personas):
    client = bearer(personas[role])
    from roadcredit.credit.api_cases import router

    mine = {
        BASE + path: {method.lower() for op in view.operations for method in op.methods}
        for path, view in router.path_operations.items()
    }
    assert len(mine) >= 15
    for template, methods in mine.items():
        for method in methods:
            for odd in ODD_IDS:
                path = template.replace("{public_id}", odd).replace("{kind}", "operator")
                if method == "get":
                    for query in ("", "?limit=0", "?offset=-1&status=bogus", "?since=2026-13-40"):
                        response = client.get(path + query)
                        assert response.status_code < 500, (path, query, response.content)
                else:
                    for body in ODD_BODIES:
                        response = client.post(
                            path, data=json.dumps(body), content_type="application/json"
                        )
                        assert response.status_code < 500, (path, body, response.content)
                        if (
                            response.status_code >= 400
                            and response["Content-Type"] == "application/json"
                        ):
                            assert set(response.json()) == {"message", "extra"}, (path, body)
