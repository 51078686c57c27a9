"""Text no database can hold (NUL, lone UTF-16 surrogates) is refused at the API's door with the
one error shape, before any handler sends it to a query (found by schemathesis on PostgreSQL: a
NUL in 经营范围代码 reached a query and answered 500)."""

from __future__ import annotations

import pytest

from roadcredit.accounts.roles import Role
from roadcredit.licensing.models import Application

pytestmark = pytest.mark.django_db

APPLICATION = (
    '{"contact_name": "王建国", "contact_phone": "13905351234", '
    '"business_scope_codes": [%s], "items": [{"item": "freight_business_new"}], '
    '"applicant_uscc": "91370612MA3C5LX28K"}'
)


@pytest.mark.parametrize(
    "codes", ['"\\u0000sm"', '"\\ud8ff"', '"1010", "\\udc00x"'], ids=["nul", "surrogate", "mixed"]
)
def test_an_application_with_unstorable_text_is_refused_whole(client_as, codes):
    response = client_as(Role.CLERK).post(
        "/api/licensing/applications", APPLICATION % codes, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "message": "请求数据含有无法保存的字符（空字符或无效的 Unicode 代理字符）",
        "extra": {},
    }
    assert not Application.objects.exists()


def test_a_key_with_a_nul_is_refused_too(client_as):
    body = '{"contact_name": "王建国", "\\u0000": 1}'
    response = client_as(Role.CLERK).post(
        "/api/licensing/applications", body, content_type="application/json"
    )
    assert response.status_code == 400


def test_a_query_string_with_a_nul_is_refused(client_as):
    response = client_as(Role.CLERK).get("/api/subjects/search", {"q": "顺通\x00"})
    assert response.status_code == 400
    assert response.json()["message"].startswith("请求数据含有无法保存的字符")


def test_a_body_that_is_not_json_gets_a_chinese_message(client_as):
    response = client_as(Role.CLERK).post(
        "/api/licensing/applications", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["message"] == "请求体无法解析：须为 UTF-8 编码的 JSON"


def test_ordinary_chinese_text_and_emoji_pass_the_door(client_as):
    response = client_as(Role.CLERK).get("/api/subjects/search", {"q": "顺通物流🚚"})
    assert response.status_code == 200
