"""Text no database can hold (NUL, lone UTF-16 surrogates) in a JSON body is refused at the
API's door, by field, in the one error shape, before any handler sends it to a query (found by
schemathesis on PostgreSQL: a NUL in 经营范围代码 reached a query and answered 500)."""

from __future__ import annotations

import pytest

from config.api import unstorable_text
from roadcredit.accounts.roles import Role
from roadcredit.licensing.models import Application

pytestmark = pytest.mark.django_db

APPLICATION = (
    '{"contact_name": "王建国", "contact_phone": "13905351234", '
    '"business_scope_codes": [%s], "items": [{"item": "freight_business_new"}], '
    '"applicant_uscc": "91370612MA3C5LX28K"}'
)


@pytest.mark.parametrize(
    ("codes", "fields"),
    [
        ('"\\u0000sm"', {"business_scope_codes.0": ["含有不可见的控制字符"]}),
        ('"\\ud8ff"', {"business_scope_codes.0": ["含有无效的 Unicode 字符"]}),
        ('"1010", "\\udc00x"', {"business_scope_codes.1": ["含有无效的 Unicode 字符"]}),
    ],
    ids=["nul", "surrogate", "second"],
)
def test_an_application_with_unstorable_text_is_refused_whole_naming_the_field(
    client_as, codes, fields
):
    response = client_as(Role.CLERK).post(
        "/api/licensing/applications", APPLICATION % codes, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {"message": "请求数据含有无法保存的字符", "extra": {"fields": fields}}
    assert not Application.objects.exists()


def test_a_bad_key_is_named_where_it_stands_and_never_echoed():
    assert unstorable_text({"items": [{"\ud800": "x", "plate": "鲁F\x0012345"}]}) == {
        "items.0": ["含有无效的 Unicode 字符"],
        "items.0.plate": ["含有不可见的控制字符"],
    }
    assert unstorable_text({"contact_name": "王建国", "items": [{"plate": "鲁F12345"}]}) == {}


def test_a_body_that_is_not_json_gets_a_chinese_message(client_as):
    response = client_as(Role.CLERK).post(
        "/api/licensing/applications", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["message"] == "请求体无法解析：须为 UTF-8 编码的 JSON"
