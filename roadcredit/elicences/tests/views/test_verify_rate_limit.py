"""The public verification page, PDF upload page and API operations share the per-client
rate limit: over it, 429 with the Chinese message (the error page, or the API's one error
shape)."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings

from roadcredit.elicences.tests.services.support import issue_qualification

LIMITED = "核验请求过于频繁，请稍候再试。"


@pytest.mark.django_db
@override_settings(PUBLIC_VERIFY_RATE=0.01, PUBLIC_VERIFY_BURST=2)
def test_the_verify_page_answers_429_in_chinese_over_the_limit(client_as):
    licence = issue_qualification()
    client = client_as(None)
    first, second, third = (client.get("/v/", {"t": licence.qr_text}) for _ in range(3))
    assert (first.status_code, second.status_code, third.status_code) == (200, 200, 429)
    page = third.content.decode()
    assert LIMITED in page and "秒后可再次核验" in page
    assert int(third["Retry-After"]) >= 1
    # Another address still gets its page.
    other = client.get("/v/", {"t": licence.qr_text}, REMOTE_ADDR="198.51.100.77")
    assert other.status_code == 200


@pytest.mark.django_db
@override_settings(PUBLIC_VERIFY_RATE=0.01, PUBLIC_VERIFY_BURST=2)
def test_the_page_the_wsgi_check_and_the_api_share_one_budget(client_as):
    licence = issue_qualification()
    client = client_as(None)
    assert client.get("/licences/verify/pdf/").status_code == 200
    assert client.get("/v/check", {"t": licence.qr_text}).status_code == 200
    response = client.post(
        "/api/elicences/verify", json.dumps({"text": licence.qr_text}), "application/json"
    )
    assert response.status_code == 429
    body = response.json()
    assert (body["message"], list(body["extra"])) == (LIMITED, ["retry_after"])
    assert 1 <= body["extra"]["retry_after"] <= 100  # one request back every 100 s
    checked = client.get("/v/check", {"t": licence.qr_text})
    assert (checked.status_code, checked.json()["message"]) == (429, LIMITED)
    assert checked["Retry-After"] == str(checked.json()["extra"]["retry_after"])


@pytest.mark.django_db
def test_without_a_limit_every_request_is_answered(client_as, settings):
    settings.PUBLIC_VERIFY_RATE = 0
    licence = issue_qualification()
    client = client_as(None)
    statuses = {client.get("/v/check", {"t": licence.qr_text}).status_code for _ in range(80)}
    assert statuses == {200}
