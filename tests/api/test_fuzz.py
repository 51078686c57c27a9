"""Property-based API testing: schemathesis drives every operation of the OpenAPI document.

No operation may answer with a 5xx, and every response must match its documented schema.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from roadcredit.accounts.models import ApiToken
from roadcredit.accounts.roles import Role


@pytest.fixture
def wsgi_app(db: Any) -> Iterator[Any]:
    # Depends on `db` so the test database exists before the first request opens a connection.
    from django.core import signals
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections

    # As Django's test client does: keep the test transaction's connection open between requests.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(wsgi_app: Any) -> Any:
    return schemathesis.openapi.from_wsgi("/api/openapi.json", wsgi_app)


schema = schemathesis.pytest.from_fixture("api_schema")

# In CI the examples are derived from each test's name (the same cases every run, so a red run
# is reproducible and a green one is not luck); on a developer's machine they are random, so
# each local run explores new input.
REPRODUCIBLE = os.environ.get("CI") == "true"


@pytest.fixture
def clerk_token(personas: dict[Role, Any]) -> str:
    raw = secrets.token_urlsafe(24)
    ApiToken.objects.create(
        user=personas[Role.CLERK], name="fuzz", token_hash=ApiToken.hash_token(raw)
    )
    return raw


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    derandomize=REPRODUCIBLE,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_no_operation_fails_or_breaks_its_schema(case: Any, clerk_token: str) -> None:
    # Business validation (check characters, clashes) rejects much schema-valid random data with
    # a documented 400, and pydantic's lax mode accepts a date given as a Unix timestamp
    # ("0" is 1970-01-01), so the two acceptance/rejection heuristics do not apply; the
    # checks that matter — no 5xx, documented status codes, responses matching the schema — do.
    case.call_and_validate(
        headers={"Authorization": f"Bearer {clerk_token}"},
        excluded_checks=[positive_data_acceptance, negative_data_rejection],
    )


@pytest.fixture
def driver_token(personas: dict[Role, Any]) -> str:
    """A token of the holder persona 张伟 (a driver): the API as a holder's app would call it."""
    raw = secrets.token_urlsafe(24)
    ApiToken.objects.create(
        user=personas[Role.PRACTITIONER], name="fuzz-holder", token_hash=ApiToken.hash_token(raw)
    )
    return raw


@schema.parametrize()
@settings(
    max_examples=4,
    deadline=None,
    derandomize=REPRODUCIBLE,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_no_operation_fails_or_breaks_its_schema_for_a_holder(case: Any, driver_token: str) -> None:
    # The same checks as a holder: most staff operations answer a documented 403, the holder's
    # own ones (my tier, notices, applications) run on random input.
    case.call_and_validate(
        headers={"Authorization": f"Bearer {driver_token}"},
        excluded_checks=[positive_data_acceptance, negative_data_rejection],
    )
