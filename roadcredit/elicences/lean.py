"""A lean ASGI route for the one public check behind every roadside scan.

``GET /v/check?t=<token or verification URL>`` answers the verdict as JSON, served by the same
deployment beside Django (``config.asgi`` puts ``with_lean_verification`` in front of the
Django application). It skips Django's URL resolution, middleware and template rendering, but
not the rules: it calls ``verification.verify_scanned_public`` — the same token check, the same
claims match and verdict as the page and the API — so a status change shows at once: the
licence's row is read on every check, there is no cache that could answer a stale "valid".

Speed (``bench/bench_verify_online.py``): the check runs on the event loop, as a minimal raw
ASGI app would, with no thread hop and no per-request connection handling. Its one database
statement (``selectors.verification_sql``: the unique ``identifier`` index, the holder's name
joined by primary keys) goes through ``LeanDatabase``: one read-only DB-API connection per
worker process, opened on first use and kept (reopened once after an error, e.g. a database
restart). The statement takes a fraction of a millisecond, so running it inline is cheaper than
handing it to a thread; a stalled database stalls this route of the worker (``statement_timeout``
bounds it on PostgreSQL).

It is covered by the access policy like every other route: the policy registry must declare
``verify_lean`` public, or the route answers 403. It is rate-limited per client with the other
public verification routes (``core.ratelimit``: 429 over the limit). The answer is the public
summary only (masked holder and number); full face data needs the logged-in page or API.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
from collections.abc import Awaitable, Callable, Coroutine, MutableMapping
from typing import Any
from urllib.parse import unquote_plus

from django.utils.translation import gettext as _

from roadcredit.accounts.policy import policy_for
from roadcredit.core.ratelimit import RateLimited, verification_wait

from .selectors import LicenceRecord, licence_record_from_row, verification_sql

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Coroutine[Any, Any, None]]

PATH = "/v/check"
POLICY_KEY = "verify_lean"
MAX_QUERY = 8192
STATEMENT_TIMEOUT_MS = 2000
_HEADERS = [
    (b"content-type", b"application/json; charset=utf-8"),
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
]


class DatabaseUnavailable(Exception):
    """The lean route's connection failed twice in a row (answered 503)."""


class LeanDatabase:
    """One read-only DB-API connection of this worker process for the verification lookup.

    Opened on first use from Django's ``DATABASES["default"]`` (so the test database in tests),
    reopened when those settings or the process change (a fork) and once after an error. Used
    under a lock, so the event loop's thread and any other thread never share it at once."""

    def __init__(self, alias: str = "default", settings_dict: dict[str, Any] | None = None) -> None:
        self.alias = alias
        self._lock = threading.Lock()
        self._connection: Any = None
        self._opened_for: tuple[Any, ...] | None = None
        self._sql = ""
        self._settings = settings_dict

    def _settings_dict(self) -> dict[str, Any]:
        if self._settings is None:
            from django.db import connections

            # The very dict Django's connections use (the test runner renames the database in
            # it), so a change of database is seen here too.
            self._settings = connections.settings[self.alias]
        return self._settings

    def _open(self, key: tuple[Any, ...]) -> Any:
        from django.db.utils import load_backend

        self.close()
        settings_dict = self._settings_dict()
        wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, self.alias)
        sql = verification_sql()
        if wrapper.vendor == "sqlite":
            name = str(wrapper.settings_dict["NAME"])
            connection: Any = sqlite3.connect(
                name,
                check_same_thread=False,
                isolation_level=None,
                uri=name.startswith("file:"),
                timeout=float(wrapper.settings_dict["OPTIONS"].get("timeout", 5)),
            )
            connection.execute("PRAGMA query_only = ON")
            self._sql = sql.replace("%s", "?")
        elif wrapper.vendor == "postgresql":
            import psycopg

            params = wrapper.get_connection_params()
            # psycopg's own cursor (server-side binding, where Django's binds client-side), the
            # statement prepared after a few uses (psycopg's default) unless the settings say
            # otherwise: the one statement is parsed and planned once per connection.
            params.pop("cursor_factory", None)
            options = wrapper.settings_dict.get("OPTIONS", {})
            params["prepare_threshold"] = options.get("prepare_threshold", 5)
            connection = psycopg.connect(**params)
            connection.autocommit = True
            connection.execute("SET default_transaction_read_only = on")
            connection.execute(f"SET statement_timeout = {int(STATEMENT_TIMEOUT_MS)}")
            self._sql = sql
        else:  # pragma: no cover - the project runs on SQLite and PostgreSQL only
            raise DatabaseUnavailable(f"unsupported database vendor {wrapper.vendor!r}")
        self._connection = connection
        self._opened_for = key
        return connection

    def close(self) -> None:
        connection, self._connection, self._opened_for = self._connection, None, None
        if connection is not None:
            with contextlib.suppress(Exception):  # closing a broken connection
                connection.close()

    def lookup(self, identifier: str) -> LicenceRecord | None:
        """The licence's current record by identifier (None when there is none)."""
        if not identifier:
            return None
        settings_dict = self._settings_dict()
        key = (
            os.getpid(),
            settings_dict["NAME"],
            settings_dict.get("HOST"),
            settings_dict.get("PORT"),
        )
        with self._lock:
            for attempt in (1, 2):
                connection = self._connection
                try:
                    if connection is None or self._opened_for != key:
                        connection = self._open(key)
                    row = connection.execute(self._sql, (identifier,)).fetchone()
                except DatabaseUnavailable:
                    raise
                except Exception as exc:
                    self.close()
                    if attempt == 2:
                        raise DatabaseUnavailable(type(exc).__name__) from exc
                    continue
                return licence_record_from_row(row)
        raise AssertionError("unreachable")  # pragma: no cover


database = LeanDatabase()


def lean_answer(
    text: str, lookup: Callable[[str], LicenceRecord | None] | None = None
) -> dict[str, Any]:
    """The JSON answer of the lean check (also served by Django at the same path under WSGI,
    with the lookup on Django's connection)."""
    from .verification import verify_scanned_public

    if lookup is None:
        outcome = verify_scanned_public(text=text)
    else:
        outcome = verify_scanned_public(text=text, lookup=lookup)
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


async def _answer(
    send: Send, status: int, body: dict[str, Any], headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": _HEADERS if headers is None else [*_HEADERS, *headers],
        }
    )
    await send({"type": "http.response.body", "body": payload})


def _token_parameter(query: bytes) -> str:
    """The first non-empty ``t`` of a query string, decoded as ``parse_qs`` would."""
    for part in query.split(b"&"):
        if part.startswith(b"t=") and len(part) > 2:
            return unquote_plus(part[2:].decode("utf-8", errors="replace"), errors="replace")
    return ""


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key == name:
            return bytes(value).decode("latin-1")
    return None


async def lean_verify(scope: Scope, receive: Receive, send: Send) -> None:
    """The ASGI application of ``GET /v/check``."""
    policy = policy_for(POLICY_KEY)
    if policy is None or policy.audience != "public":
        await _answer(send, 403, {"message": "该功能未声明访问策略，已拒绝访问。", "extra": {}})
        return
    if scope.get("method") not in ("GET", "HEAD"):
        await _answer(send, 405, {"message": "只支持 GET 请求", "extra": {}})
        return
    client = scope.get("client")
    wait = verification_wait(client[0] if client else None, _header(scope, b"x-forwarded-for"))
    if wait > 0:
        limited = RateLimited(wait)
        await _answer(
            send,
            429,
            {"message": limited.message, "extra": limited.extra},
            [(b"retry-after", str(limited.retry_after).encode("ascii"))],
        )
        return
    raw = bytes(scope.get("query_string") or b"")
    if len(raw) > MAX_QUERY:
        await _answer(send, 414, {"message": "请求内容过长", "extra": {}})
        return
    try:
        body = lean_answer(_token_parameter(raw), database.lookup)
    except DatabaseUnavailable:
        message = _("The verification service is temporarily unavailable: please try again.")
        await _answer(send, 503, {"message": message, "extra": {}})
        return
    await _answer(send, 200, body)


def with_lean_verification(django_app: Callable[..., Awaitable[None]]) -> ASGIApp:
    """Put the lean route in front of the Django ASGI application."""

    async def application(scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") == "http" and scope.get("path") == PATH:
            await lean_verify(scope, receive, send)
            return
        await django_app(scope, receive, send)

    return application
