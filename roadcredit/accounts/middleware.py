"""Deny-by-default enforcement of the policy registry for every page.

API operations under /api/ are checked by their own auth classes (per operation, per method);
every other resolved view must have a declared policy that admits the user's role.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from .access import user_role
from .policy import policy_for

API_NAMESPACE = "api-1.0"


class PolicyEnforcementMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        match = request.resolver_match
        if match is None:
            return None
        if API_NAMESPACE in match.namespaces and policy_for(match.view_name) is None:
            return None  # API operations check their own per-method policy (accounts.api_auth)
        if match.view_name.startswith("static") or (
            settings.DEBUG and request.path.startswith("/" + settings.STATIC_URL.lstrip("/"))
        ):
            return None
        policy = policy_for(match.view_name)
        if policy is None:
            return _forbidden(request, "该页面未声明访问策略，已拒绝访问。")
        role = user_role(request.user)
        if policy.allows(role):
            return None
        if role is None:
            return redirect_to_login(request.get_full_path())
        return _forbidden(request, "您没有权限访问此页面。")


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return TemplateResponse(request, "403.html", {"message": message}, status=403).render()
