"""A lean ASGI route for the one public check behind every roadside scan.

``GET /v/check?t=<token or verification URL>`` answers the verdict as JSON, served by the same
deployment beside Django (``config.asgi`` puts ``with_lean_verification`` in front of the
Django application). It skips Django's URL resolution, middleware and template rendering, but
not the rules: it calls ``verification.verify_scanned`` — the same token check and the same
real-time database lookup as the page and the API — so a status change shows at once; there is
no cache that could answer a stale "valid".

It is covered by the access policy like every other route: the policy registry must declare
``verify_lean`` public, or the route answers 403. The answer is the public summary only (masked
holder and number); full face data needs the logged-in page or API.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Coroutine, MutableMapping
from typing import Any
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from django.db import close_old_connections

from roadcredit.accounts.policy import policy_for

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Coroutine[Any, Any, None]]

PATH = "/v/check"
POLICY_KEY = "verify_lean"
MAX_QUERY = 8192
_HEADERS = [
    (b"content-type", b"application/json; charset=utf-8"),
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
]


def lean_answer(text: str) -> dict[str, Any]:
    """The JSON answer of the lean check (also served by Django at the same path under WSGI)."""
    from .verification import verify_scanned

    outcome = verify_scanned(text=text)
    summary = outcome.summary
    return {
        "verdict": outcome.verdict,
        "label": outcome.label,
        "message": outcome.message,
        "ok": outcome.ok,
        "token_kind": outcome.token_kind,
        "reason": outcome.reason,
        "licence": None
        if summary is None
        else {
            "identifier": summary.identifier,
            "type_name": summary.type_name,
            "number": summary.number,
            "holder": summary.holder,
            "issuer": summary.issuer,
            "valid_from": summary.valid_from.isoformat(),
            "valid_until": summary.valid_until.isoformat() if summary.valid_until else None,
            "status": summary.status,
        },
    }


def _check(text: str) -> dict[str, Any]:
    # Runs in a worker thread: its database connection follows CONN_MAX_AGE like a request's.
    close_old_connections()
    try:
        return lean_answer(text)
    finally:
        close_old_connections()


async def _answer(send: Send, status: int, body: dict[str, Any]) -> None:
    payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
    await send({"type": "http.response.start", "status": status, "headers": _HEADERS})
    await send({"type": "http.response.body", "body": payload})


async def lean_verify(scope: Scope, receive: Receive, send: Send) -> None:
    """The ASGI application of ``GET /v/check``."""
    policy = policy_for(POLICY_KEY)
    if policy is None or policy.audience != "public":
        await _answer(send, 403, {"message": "该功能未声明访问策略，已拒绝访问。", "extra": {}})
        return
    if scope.get("method") not in ("GET", "HEAD"):
        await _answer(send, 405, {"message": "只支持 GET 请求", "extra": {}})
        return
    raw = bytes(scope.get("query_string") or b"")
    if len(raw) > MAX_QUERY:
        await _answer(send, 414, {"message": "请求内容过长", "extra": {}})
        return
    values = parse_qs(raw.decode("utf-8", errors="replace")).get("t", [""])
    body = await sync_to_async(_check, thread_sensitive=False)(values[0])
    await _answer(send, 200, body)


def with_lean_verification(django_app: Callable[..., Awaitable[None]]) -> ASGIApp:
    """Put the lean route in front of the Django ASGI application."""

    async def application(scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") == "http" and scope.get("path") == PATH:
            await lean_verify(scope, receive, send)
            return
        await django_app(scope, receive, send)

    return application
