"""Helpers for the background-jobs tests, including subprocesses that share the test database."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings

from roadcredit.accounts.roles import Role


def subprocess_database_url() -> str:
    """A DATABASE_URL naming the very database this test run uses (the test database)."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        name = str(db["NAME"])
        if name in ("", ":memory:") or name.startswith("file:"):
            pytest.fail("subprocess tests need a file-based SQLite test database")
        return "sqlite:///" + name
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}"


def subprocess_env(**extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": subprocess_database_url(),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("CELERY_BROKER_URL", None)
    env.update(extra)
    return env


@pytest.fixture
def clerk(personas: dict[Role, Any]) -> Any:
    return personas[Role.CLERK]
