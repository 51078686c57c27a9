"""Every page and API operation has a declared policy, and the policy is what is enforced."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from config.api import api
from roadcredit.accounts.api_auth import PolicyBearer, PolicySession, PublicAccess
from roadcredit.accounts.policy import POLICIES, policy_for
from roadcredit.accounts.roles import ADMINISTRATORS, Role

API_NAMESPACE = "api-1.0"


def iter_url_names(
    patterns: list[URLPattern | URLResolver] | None = None, namespace: str = ""
) -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            prefix = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from iter_url_names(entry.url_patterns, prefix)
        elif entry.name:
            yield (f"{namespace}:{entry.name}" if namespace else entry.name), entry


def iter_operations() -> Iterator[tuple[str, str, object]]:
    for _prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                yield path, operation.operation_id or operation.view_func.__name__, operation


def test_every_page_has_a_declared_policy():
    undeclared = [
        name
        for name, _pattern in iter_url_names()
        if not name.startswith(API_NAMESPACE + ":") and policy_for(name) is None
    ]
    assert undeclared == []


def test_every_api_operation_is_guarded_by_its_declared_policy():
    seen = 0
    for path, operation_id, operation in iter_operations():
        key = f"api:{operation_id}"
        assert key in POLICIES, f"{path} {operation_id} has no declared policy"
        auth = operation.auth_callbacks  # type: ignore[attr-defined]
        assert auth, f"{path} {operation_id} has no auth"
        for callback in auth:
            assert isinstance(callback, PolicyBearer | PolicySession | PublicAccess)
            assert callback.policy_key == key, f"{operation_id} checks {callback.policy_key}"
        seen += 1
    assert seen > 0


def test_every_declared_api_policy_names_a_real_operation():
    operation_keys = {f"api:{op_id}" for _p, op_id, _o in iter_operations()}
    declared = {key for key in POLICIES if key.startswith("api:")}
    assert declared - operation_keys == set()


ARGLESS_PAGES = [
    *sorted(
        name
        for name, pattern in iter_url_names()
        if not name.startswith(API_NAMESPACE + ":")
        and not pattern.pattern.regex.groups
        and not name.startswith("admin:")
        and name not in {"accounts:logout", "set_language"}
    ),
    "admin:index",
]


@pytest.mark.parametrize("url_name", ARGLESS_PAGES)
def test_pages_admit_exactly_the_declared_roles(url_name, client_as):
    policy = policy_for(url_name)
    assert policy is not None
    url = reverse(url_name)
    anonymous = client_as(None).get(url)
    if policy.audience == "public":
        assert anonymous.status_code == 200
    else:
        assert anonymous.status_code == 302
        assert reverse("accounts:login") in anonymous["Location"]
    for role in Role:
        response = client_as(role).get(url)
        if policy.allows(role):
            assert response.status_code in (200, 302), f"{role} should open {url_name}"
            if response.status_code == 302:
                assert reverse("accounts:login") not in response["Location"]
        else:
            assert response.status_code == 403, f"{role} must not open {url_name}"


def test_no_policy_admits_more_than_one_of_the_three_administrators():
    """三员分立: the system, security and audit administrators never share a function."""
    shared = {
        key: sorted(policy.roles & ADMINISTRATORS)
        for key, policy in POLICIES.items()
        if policy.audience == "roles" and len(policy.roles & ADMINISTRATORS) > 1
    }
    assert shared == {}


def test_the_api_denies_anonymous_callers_with_the_one_error_shape(client):
    response = client.get("/api/accounts/me")
    assert response.status_code == 401
    assert set(response.json()) == {"message", "extra"}


def test_the_api_answers_a_logged_in_persona(client_as):
    response = client_as(Role.CLERK).get("/api/accounts/me")
    assert response.status_code == 200
    assert response.json()["role_label"] == "窗口受理人员"
