from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from .services import LoginRefused, login_attempt


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: ``REMOTE_ADDR``, or behind ``LOGIN_TRUSTED_PROXIES`` reverse
    proxies the address the outermost trusted proxy saw (counted from the right of
    ``X-Forwarded-For``, so a client cannot choose it)."""
    proxies = int(getattr(settings, "LOGIN_TRUSTED_PROXIES", 0))
    remote: str | None = request.META.get("REMOTE_ADDR") or None
    if proxies <= 0:
        return remote
    header = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    forwarded = [part.strip() for part in header.split(",") if part.strip()]
    if len(forwarded) < proxies:
        return remote
    return forwarded[-proxies]


class LoginForm(AuthenticationForm):
    """Django's login form (labels and messages translated by Django) with lockout: every
    attempt goes through ``accounts.services.login_attempt``."""

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            request = self.request

            def check() -> Any:
                return authenticate(request, username=username, password=password)

            try:
                self.user_cache = login_attempt(
                    username=username,
                    ip=client_ip(request) if request is not None else None,
                    authenticate=check,
                )
            except LoginRefused as exc:
                raise ValidationError(exc.message, code="locked") from exc
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data
