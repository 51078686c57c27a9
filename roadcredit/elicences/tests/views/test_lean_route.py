"""The lean ASGI route for the roadside check: same verdicts, a status change shows at once,
covered by the access policy, rate-limited per client; and the same answer from Django under
WSGI."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import override_settings

from roadcredit.elicences import lean
from roadcredit.elicences.services import (
    licence_cancel,
    licence_change,
    licence_resume,
    licence_revoke,
    licence_suspend,
)
from roadcredit.elicences.tests.services.support import (
    issue_business_licence,
    issue_qualification,
    issue_transport_certificate,
)
from roadcredit.elicences.verification import verify_scanned, verify_scanned_public


async def _django_app(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 299, "headers": []})
    await send({"type": "http.response.body", "body": b"django"})


def _call(
    path: str,
    query: dict[str, str],
    method: str = "GET",
    *,
    client: str = "203.0.113.7",
    headers: list[tuple[bytes, bytes]] | None = None,
) -> tuple[int, Any]:
    return _call_full(path, query, method, client=client, headers=headers)[:2]


def _call_full(
    path: str,
    query: dict[str, str],
    method: str = "GET",
    *,
    client: str = "203.0.113.7",
    headers: list[tuple[bytes, bytes]] | None = None,
) -> tuple[int, Any, dict[bytes, bytes]]:
    app = lean.with_lean_verification(_django_app)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": urlencode(query).encode("ascii"),
        "headers": headers or [],
        "client": (client, 52000),
    }
    asyncio.run(app(scope, receive, send))
    status = sent[0]["status"]
    body = sent[1]["body"]
    return status, json.loads(body) if status != 299 else body, dict(sent[0]["headers"])


@pytest.mark.django_db(transaction=True)
def test_the_lean_route_answers_the_verdict_and_sees_a_revocation_at_once():
    licence = issue_qualification()
    status, body = _call("/v/check", {"t": licence.qr_text})
    assert status == 200
    assert (body["verdict"], body["label"]) == ("valid", "有效")
    assert body["licence"]["number"] == licence.paper_number
    assert "*" in body["licence"]["holder"]
    licence_revoke(actor=None, licence=licence, reason="吊销")
    status, body = _call("/v/check", {"t": licence.qr_text})
    assert (body["verdict"], body["label"]) == ("revoked", "已吊销")


@pytest.mark.django_db(transaction=True)
def test_the_lean_route_answers_garbage_as_not_recognised():
    status, body = _call("/v/check", {"t": "garbage"})
    assert (status, body["verdict"]) == (200, "unknown")


def test_other_paths_go_to_django():
    status, body = _call("/v/", {"t": "x"})
    assert (status, body) == (299, b"django")


def test_the_lean_route_refuses_other_methods():
    assert _call("/v/check", {}, method="POST")[0] == 405


def test_without_a_declared_policy_the_lean_route_refuses(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(lean, "policy_for", lambda key: None)
    assert _call("/v/check", {"t": "x"})[0] == 403


@pytest.mark.django_db
def test_django_serves_the_same_answer_under_wsgi(client_as):
    licence = issue_qualification()
    response = client_as(None).get("/v/check", {"t": licence.qr_text})
    assert response.status_code == 200
    assert response.json()["verdict"] == "valid"
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db(transaction=True)
def test_a_suspension_shows_on_the_very_next_check_and_so_does_the_resumption(client_as):
    licence = issue_transport_certificate()
    assert _call("/v/check", {"t": licence.qr_text})[1]["verdict"] == "valid"
    licence_suspend(actor=None, licence=licence, reason="车辆暂扣，待整改")
    status, body = _call("/v/check", {"t": licence.qr_text})
    assert (status, body["verdict"], body["label"], body["ok"]) == (
        200,
        "suspended",
        "已暂停",
        False,
    )
    assert body["licence"]["status"] == "suspended"
    # Django's own view (WSGI deployments) answers the very same JSON.
    assert client_as(None).get("/v/check", {"t": licence.qr_text}).json() == body
    licence.refresh_from_db()
    licence_resume(actor=None, licence=licence, reason="整改完毕")
    assert _call("/v/check", {"t": licence.qr_text})[1]["verdict"] == "valid"
    # The route's connection broke (e.g. the database restarted under the worker): the next
    # check opens a new one and still reads the current status.
    lean.database._connection.close()
    licence.refresh_from_db()
    licence_revoke(actor=None, licence=licence, reason="以欺骗手段取得许可")
    assert _call("/v/check", {"t": licence.qr_text})[1]["verdict"] == "revoked"


@pytest.mark.django_db(transaction=True)
def test_the_lean_lookup_gives_the_same_summary_as_the_page_for_every_holder_and_status():
    business = issue_business_licence()
    vehicle = issue_transport_certificate()
    person = issue_qualification()
    superseded = issue_qualification()
    licence_change(actor=None, licence=superseded, reason="住址变更")
    revoked = issue_transport_certificate()
    licence_revoke(
        actor=None, licence=revoked, reason="伪造营运证件", credit_record_ref="XY-2025-0031"
    )
    cancelled = issue_business_licence()
    licence_cancel(actor=None, licence=cancelled, reason="停业注销")
    cases = [business, vehicle, person, superseded, revoked, cancelled]
    verdicts = []
    for licence in cases:
        page = verify_scanned(text=licence.qr_text)
        fast = verify_scanned_public(text=licence.qr_text, lookup=lean.database.lookup)
        assert fast.summary == page.summary
        assert (fast.verdict, fast.message, fast.reason) == (
            page.verdict,
            page.message,
            page.reason,
        )
        verdicts.append(fast.verdict)
    assert verdicts == ["valid", "valid", "valid", "changed", "revoked", "cancelled"]
    changed = verify_scanned_public(text=superseded.qr_text).summary
    assert changed is not None and changed.successor_identifier
    holders = [_call("/v/check", {"t": c.qr_text})[1]["licence"]["holder"] for c in cases[:3]]
    assert business.operator is not None and vehicle.vehicle is not None
    assert holders[0] == business.operator.name
    assert holders[1] == f"{vehicle.vehicle.plate}（烟台顺通物流有限公司）"
    assert holders[2] == "王*华"


@pytest.mark.django_db
def test_an_unreachable_database_is_answered_503_in_chinese(monkeypatch: pytest.MonkeyPatch):
    from django.db import connection

    licence = issue_qualification()
    broken = dict(connection.settings_dict)
    if connection.vendor == "sqlite":
        broken["NAME"] = "/nonexistent-directory/roadcredit.sqlite3"
    else:
        broken["PORT"] = "1"  # nothing listens there
    monkeypatch.setattr(lean, "database", lean.LeanDatabase(settings_dict=broken))
    status, body = _call("/v/check", {"t": licence.qr_text})
    assert status == 503
    assert body["message"] == "核验服务暂时不可用，请稍后再试。"


# The limit is taken before the token is read: these checks need no licence on record.
@override_settings(PUBLIC_VERIFY_RATE=0.01, PUBLIC_VERIFY_BURST=3)
def test_the_lean_route_refuses_a_client_over_the_limit_with_429():
    answers = [
        _call_full("/v/check", {"t": "HC1:NOT-OURS"}, client="198.51.100.20") for _ in range(4)
    ]
    assert [status for status, _, _ in answers] == [200, 200, 200, 429]
    _, body, headers = answers[-1]
    assert body["message"] == "核验请求过于频繁，请稍候再试。"
    assert body["extra"]["retry_after"] >= 1
    assert int(headers[b"retry-after"]) == body["extra"]["retry_after"]
    # Another client is not affected.
    assert _call("/v/check", {"t": "HC1:NOT-OURS"}, client="198.51.100.21")[0] == 200


@override_settings(
    PUBLIC_VERIFY_RATE=0.01, PUBLIC_VERIFY_BURST=2, RATE_LIMIT_TRUSTED_PROXIES=["10.0.0.0/8"]
)
def test_the_limit_counts_the_client_behind_a_trusted_proxy_and_ignores_a_forged_header():
    def via_proxy(forwarded: str, peer: str = "10.1.2.3") -> int:
        headers = [(b"x-forwarded-for", forwarded.encode())]
        return _call("/v/check", {"t": "garbage"}, client=peer, headers=headers)[0]

    # Two phones behind the bureau's proxy get a bucket each.
    assert [via_proxy("223.104.1.10") for _ in range(3)] == [200, 200, 429]
    assert via_proxy("223.104.1.11") == 200
    # A client cannot pick a fresh address by sending its own X-Forwarded-For: the proxy
    # appends the address it saw, and that one counts.
    assert via_proxy("1.1.1.1, 223.104.1.10") == 429
    # From an untrusted peer the header is ignored: the peer itself is counted.
    assert [via_proxy(f"9.9.9.{n}", peer="192.0.2.50") for n in range(3)] == [200, 200, 429]
