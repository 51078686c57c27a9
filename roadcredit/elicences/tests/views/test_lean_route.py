"""The lean ASGI route for the roadside check: same verdicts, a status change shows at once,
covered by the access policy; and the same answer from Django under WSGI."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlencode

import pytest

from roadcredit.elicences import lean
from roadcredit.elicences.services import licence_revoke
from roadcredit.elicences.tests.services.support import issue_qualification


async def _django_app(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 299, "headers": []})
    await send({"type": "http.response.body", "body": b"django"})


def _call(path: str, query: dict[str, str], method: str = "GET") -> tuple[int, Any]:
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
        "headers": [],
    }
    asyncio.run(app(scope, receive, send))
    status = sent[0]["status"]
    body = sent[1]["body"]
    return status, json.loads(body) if status != 299 else body


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
