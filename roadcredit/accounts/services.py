"""Writes of the accounts app: sign-in attempts, lockout and per-address throttling.

Every attempt is a ``LoginAttempt`` row (the database, so the count holds across every web
process); the rules are in ``accounts.lockout``. A lock or a throttle that starts is written to
the audit trail in the same transaction as the failure that caused it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from roadcredit.audit.services import audit_record
from roadcredit.core import clock
from roadcredit.core.errors import ApplicationError

from .lockout import LockoutPolicy, locked_until, minutes_left
from .models import LoginAttempt, User


class LoginRefused(ApplicationError):
    """Too many failed sign-ins: the account is locked, or the address throttled, for a while."""

    status_code = 429


def lockout_policy() -> LockoutPolicy:
    """The rules, with the defaults of ``LockoutPolicy`` unless settings override them."""
    defaults = LockoutPolicy()
    return LockoutPolicy(
        max_failures=int(getattr(settings, "LOGIN_MAX_FAILURES", defaults.max_failures)),
        ip_max_failures=int(getattr(settings, "LOGIN_IP_MAX_FAILURES", defaults.ip_max_failures)),
        window=dt.timedelta(minutes=int(getattr(settings, "LOGIN_FAILURE_WINDOW_MINUTES", 15))),
        lock_for=dt.timedelta(minutes=int(getattr(settings, "LOGIN_LOCK_MINUTES", 15))),
    )


def _normalised(username: str) -> str:
    # Case-folded, so "Clerk" and "clerk" share one count.
    return username.strip().casefold()[:150]


def _user_failures(username: str, now: dt.datetime, policy: LockoutPolicy) -> list[dt.datetime]:
    since = now - policy.lookback
    last_success = (
        LoginAttempt.objects.filter(
            username=username, outcome=LoginAttempt.Outcome.SUCCEEDED, at__gt=since
        )
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    return list(
        LoginAttempt.objects.filter(
            username=username,
            outcome=LoginAttempt.Outcome.FAILED,
            at__gt=max(since, last_success) if last_success else since,
            at__lte=now,
        )
        .order_by("at")
        .values_list("at", flat=True)
    )


def _ip_failures(ip: str | None, now: dt.datetime, policy: LockoutPolicy) -> list[dt.datetime]:
    if not ip:
        return []
    return list(
        LoginAttempt.objects.filter(
            ip=ip, outcome=LoginAttempt.Outcome.FAILED, at__gt=now - policy.lookback, at__lte=now
        )
        .order_by("at")
        .values_list("at", flat=True)
    )


def _user_lock(username: str, now: dt.datetime, policy: LockoutPolicy) -> dt.datetime | None:
    until = locked_until(
        _user_failures(username, now, policy),
        max_failures=policy.max_failures,
        window=policy.window,
        lock_for=policy.lock_for,
    )
    return until if until is not None and until > now else None


def _ip_lock(ip: str | None, now: dt.datetime, policy: LockoutPolicy) -> dt.datetime | None:
    until = locked_until(
        _ip_failures(ip, now, policy),
        max_failures=policy.ip_max_failures,
        window=policy.window,
        lock_for=policy.lock_for,
    )
    return until if until is not None and until > now else None


def _locked_message(until: dt.datetime, now: dt.datetime) -> str:
    return _(
        "Too many failed sign-in attempts: the account is temporarily locked. "
        "Please try again in %(minutes)d minutes."
    ) % {"minutes": minutes_left(until, now)}


def _throttled_message(until: dt.datetime, now: dt.datetime) -> str:
    return _(
        "Too many sign-in attempts from your network address. "
        "Please try again in %(minutes)d minutes."
    ) % {"minutes": minutes_left(until, now)}


def _record(username: str, ip: str | None, outcome: str, at: dt.datetime) -> None:
    LoginAttempt.objects.create(at=at, username=username, ip=ip or None, outcome=outcome)


def _audit_lock(
    *, action: str, username: str, ip: str | None, until: dt.datetime, failures: int
) -> None:
    user = User.objects.filter(username__iexact=username).first()
    audit_record(
        actor=None,
        actor_label=f"anonymous@{ip or '-'}",
        action=action,
        target=user,
        target_type="" if user is not None else "accounts.username",
        target_id="" if user is not None else username,
        after={
            "username": username,
            "ip": ip,
            "failures": failures,
            "until": until.isoformat(timespec="seconds"),
        },
    )


def login_attempt(
    *,
    username: str,
    ip: str | None,
    authenticate: Callable[[], Any],
    at: dt.datetime | None = None,
) -> Any:
    """One sign-in attempt: the user on success, None for a wrong name or password.

    ``LoginRefused`` (with the minutes left, in Chinese) while the name is locked or the address
    throttled — the password is then not even checked — and also for the failure that starts a
    lock, so the user learns at once. ``authenticate`` checks the credentials (Django's
    ``authenticate`` bound to the request).
    """
    now = at or clock.now()
    policy = lockout_policy()
    name = _normalised(username)
    user_until = _user_lock(name, now, policy)
    ip_until = _ip_lock(ip, now, policy)
    if user_until is not None or ip_until is not None:
        outcome = LoginAttempt.Outcome.LOCKED if user_until else LoginAttempt.Outcome.THROTTLED
        _record(name, ip, outcome, now)
        if user_until is not None:
            raise LoginRefused(_locked_message(user_until, now), {"until": user_until.isoformat()})
        assert ip_until is not None
        raise LoginRefused(_throttled_message(ip_until, now), {"until": ip_until.isoformat()})

    user = authenticate()
    if user is not None:
        _record(name, ip, LoginAttempt.Outcome.SUCCEEDED, now)
        return user

    with transaction.atomic():
        _record(name, ip, LoginAttempt.Outcome.FAILED, now)
        # Neither was locked before this failure, so a lock found now starts with it. (Two
        # failures racing in two processes may both see it start: two audit rows, no harm.)
        user_until = _user_lock(name, now, policy)
        ip_until = _ip_lock(ip, now, policy)
        if user_until is not None:
            _audit_lock(
                action="accounts.login.lockout",
                username=name,
                ip=ip,
                until=user_until,
                failures=policy.max_failures,
            )
        if ip_until is not None:
            _audit_lock(
                action="accounts.login.throttle",
                username=name,
                ip=ip,
                until=ip_until,
                failures=policy.ip_max_failures,
            )
    if user_until is not None:
        raise LoginRefused(_locked_message(user_until, now), {"until": user_until.isoformat()})
    if ip_until is not None:
        raise LoginRefused(_throttled_message(ip_until, now), {"until": ip_until.isoformat()})
    return None
