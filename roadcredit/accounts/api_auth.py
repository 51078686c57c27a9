"""Auth classes for the API that also enforce the policy registry, per operation.

Every operation declares ``auth=policy_auth("api:<operation_id>")``. A request authenticates by
session cookie (with CSRF for unsafe methods) or by ``Authorization: Bearer <token>``; an
authenticated user whose role the policy does not admit gets 403, an anonymous one 401.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from roadcredit.core.errors import PermissionDenied

from .access import require
from .models import ApiToken
from .policy import POLICIES


class _PolicyMixin:
    policy_key: str

    def _admit(self, request: HttpRequest, user: Any) -> Any:
        require(user, self.policy_key)
        request.user = user
        return user


class PolicyBearer(_PolicyMixin, HttpBearer):
    def __init__(self, policy_key: str) -> None:
        super().__init__()
        self.policy_key = policy_key

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = (
            ApiToken.objects.select_related("user")
            .filter(token_hash=ApiToken.hash_token(token), revoked_at__isnull=True)
            .first()
        )
        if found is None or not found.user.is_active:
            return None
        return self._admit(request, found.user)


class PolicySession(_PolicyMixin, APIKeyCookie):
    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self, policy_key: str) -> None:
        super().__init__(csrf=True)
        self.policy_key = policy_key

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return self._admit(request, user)


class PublicAccess:
    """For operations the policy declares public: always admits, but stays a declared policy."""

    def __init__(self, policy_key: str) -> None:
        self.policy_key = policy_key

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        return user if user is not None and user.is_authenticated else AnonymousUser()


def policy_auth(key: str) -> list[Any]:
    policy = POLICIES.get(key)
    if policy is None:
        raise PermissionDenied(f"undeclared API policy {key}")
    if policy.audience == "public":
        return [PublicAccess(key)]
    return [PolicyBearer(key), PolicySession(key)]
