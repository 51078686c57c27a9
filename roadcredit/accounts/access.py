"""Checking the policy registry for a request's user (used by pages, the API and selectors)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from roadcredit.core.errors import PermissionDenied

from .policy import Policy, policy_for
from .roles import FULL_PERSONAL_DATA, HOLDERS, Role

if TYPE_CHECKING:
    from django.http import HttpRequest

    from .models import User


def user_role(user: Any) -> Role | None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    role = getattr(user, "role", "")
    return Role(role) if role else None


def require(user: Any, key: str) -> Policy:
    """Raise PermissionDenied unless the user's role may use ``key``."""
    policy = policy_for(key)
    if policy is None:
        raise PermissionDenied("该功能未声明访问策略，已拒绝访问。", {"policy": key})
    if not policy.allows(user_role(user)):
        raise PermissionDenied("您没有权限执行此操作。", {"policy": key})
    return policy


def is_holder(user: Any) -> bool:
    return user_role(user) in HOLDERS


def sees_full_personal_data(user: Any) -> bool:
    """Whether the viewer's work needs unmasked ID numbers and phone numbers."""
    return user_role(user) in FULL_PERSONAL_DATA


def acting_user(request: HttpRequest) -> User:
    """The signed-in user of a request that the page or API policy has already admitted (views
    and handlers run only after it did), typed for the services' ``actor`` arguments."""
    return cast("User", request.user)
