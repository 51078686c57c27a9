"""Shared fixtures: fixed personas (one per role), an HTTP client per persona."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from roadcredit.accounts.roles import Role
from roadcredit.accounts.tests.factories import make_persona
from roadcredit.demo.personas import PERSONA_USERNAMES


def pytest_configure(config: Any) -> None:
    from roadcredit.core.i18n import compile_catalogues

    compile_catalogues()


@pytest.fixture(autouse=True)
def _close_the_lean_verification_connection() -> Any:
    """The lean /v/check route keeps its own database connection per process: close it after
    each test, so the test database can be dropped (PostgreSQL refuses while it is open)."""
    yield
    from roadcredit.elicences.lean import database

    database.close()


@pytest.fixture
def personas(db: Any) -> dict[Role, Any]:
    """Every role's persona: clerk 王窗口, approver 李审批, … operator 烟台鑫达物流, driver 张伟."""
    return {role: make_persona(role) for role in Role}


@pytest.fixture
def client_as(personas: dict[Role, Any]) -> Any:
    def _client(role: Role | None) -> Client:
        client = Client()
        if role is not None:
            client.force_login(personas[role])
        return client

    return _client


__all__ = ["PERSONA_USERNAMES"]
