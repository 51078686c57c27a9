"""Sign-in lockout and throttling, password rules and the production settings' deploy check.

Five failed sign-ins for one name within 15 minutes lock it for 15 minutes (the correct password
is refused meanwhile), twenty from one address throttle that address; every attempt is recorded
in the database (so it holds across processes) and every lock is audited."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client, RequestFactory
from django.urls import reverse

from roadcredit.accounts.forms import client_ip
from roadcredit.accounts.lockout import locked_until, minutes_left
from roadcredit.accounts.models import LoginAttempt
from roadcredit.accounts.roles import Role
from roadcredit.accounts.tests.factories import make_user
from roadcredit.audit.models import AuditEntry
from roadcredit.core import clock

LOCKED = "登录失败次数过多，账户已临时锁定，请 15 分钟后再试"
WRONG = "请输入一个正确的"
T0 = dt.datetime(2026, 3, 9, 1, 0, tzinfo=dt.UTC)
ROOT = Path(__file__).resolve().parents[3]


def minutes(n: float) -> dt.timedelta:
    return dt.timedelta(minutes=n)


# --- the rule -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("failure_minutes", "expected_end"),
    [
        ([], None),
        ([0, 1, 2, 3], None),  # four failures: no lock
        ([0, 1, 2, 3, 4], 19),  # the fifth within 15 minutes locks until 4 + 15
        ([0, 4, 8, 12, 15], 30),  # exactly 15 minutes apart still counts
        ([0, 4, 8, 12, 16], None),  # spread over 16 minutes: no lock
        ([0, 20, 21, 22, 23, 24], 39),  # the window slides
        ([0, 1, 2, 3, 4, 5], 20),  # a sixth failure (before the lock was noticed) extends it
    ],
)
def test_the_lock_follows_five_failures_within_fifteen_minutes(failure_minutes, expected_end):
    failures = [T0 + minutes(m) for m in failure_minutes]
    until = locked_until(failures, max_failures=5, window=minutes(15), lock_for=minutes(15))
    assert until == (None if expected_end is None else T0 + minutes(expected_end))


@pytest.mark.parametrize(("left", "shown"), [(15, 15), (14.01, 15), (0.2, 1), (1, 1)])
def test_the_minutes_left_are_rounded_up(left, shown):
    assert minutes_left(T0 + minutes(left), T0) == shown


# --- the sign-in page ---------------------------------------------------------------------------
@pytest.fixture
def at(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Set the clock: ``at(minutes after T0)``."""
    moment = {"now": T0}
    monkeypatch.setattr(clock, "now", lambda: moment["now"])

    def move(offset: float) -> None:
        moment["now"] = T0 + minutes(offset)

    return move


def sign_in(username: str, password: str, *, ip: str = "10.37.6.12") -> str:
    response = Client(REMOTE_ADDR=ip).post(
        reverse("accounts:login"), {"username": username, "password": password}
    )
    if response.status_code == 302:
        return "signed in"
    return response.content.decode()


pytestmark = pytest.mark.django_db


def test_five_wrong_passwords_lock_the_account_with_a_chinese_message(personas, at):
    for attempt in range(4):
        at(attempt)
        assert WRONG in sign_in("clerk", "wrong-password")
    at(4)
    page = sign_in("clerk", "wrong-password")
    assert LOCKED in page


def test_the_correct_password_is_refused_while_locked_and_accepted_after(personas, at):
    for attempt in range(5):
        at(attempt)
        sign_in("clerk", "wrong-password")
    at(10)
    assert "请 9 分钟后再试" in sign_in("clerk", "roadcredit-demo")
    at(18.9)
    assert "请 1 分钟后再试" in sign_in("clerk", "roadcredit-demo")
    at(19)
    assert sign_in("clerk", "roadcredit-demo") == "signed in"


def test_refused_attempts_do_not_prolong_the_lock(personas, at):
    for attempt in range(5):
        at(attempt)
        sign_in("clerk", "wrong-password")
    for later in (5, 8, 12, 15, 18):
        at(later)
        assert "账户已临时锁定" in sign_in("clerk", "wrong-password")
    at(19.5)
    assert sign_in("clerk", "roadcredit-demo") == "signed in"


def test_a_successful_sign_in_starts_the_count_afresh(personas, at):
    for attempt in range(4):
        at(attempt)
        sign_in("clerk", "wrong-password")
    at(4)
    assert sign_in("clerk", "roadcredit-demo") == "signed in"
    for attempt in range(5, 9):
        at(attempt)
        assert WRONG in sign_in("clerk", "wrong-password")


def test_other_spellings_of_the_name_share_one_count(personas, at):
    for attempt, name in enumerate(["clerk", "CLERK", "Clerk", " clerk", "cLeRk"]):
        at(attempt)
        page = sign_in(name, "wrong-password")
    assert LOCKED in page
    assert "账户已临时锁定" in sign_in("clerk", "roadcredit-demo")


def test_an_unknown_name_locks_the_same_way_so_names_cannot_be_probed(db, at):
    for attempt in range(5):
        at(attempt)
        page = sign_in("wangjianhua", "guess-123456")
    assert LOCKED in page


def test_one_locked_account_does_not_lock_another(personas, at):
    for attempt in range(5):
        at(attempt)
        sign_in("clerk", "wrong-password")
    assert sign_in("approver", "roadcredit-demo") == "signed in"


def test_every_attempt_is_recorded_with_its_address_and_outcome(personas, at):
    sign_in("clerk", "roadcredit-demo", ip="10.37.6.12")
    for attempt in range(1, 7):
        at(attempt)
        sign_in("approver", "wrong-password", ip="172.16.8.20")

    rows = list(LoginAttempt.objects.order_by("at").values_list("username", "ip", "outcome"))
    assert rows == [
        ("clerk", "10.37.6.12", "succeeded"),
        *[("approver", "172.16.8.20", "failed")] * 5,
        ("approver", "172.16.8.20", "locked"),
    ]


def test_a_lockout_is_written_to_the_audit_trail(personas, at):
    for attempt in range(5):
        at(attempt)
        sign_in("clerk", "wrong-password", ip="10.37.6.99")

    entry = AuditEntry.objects.get(action="accounts.login.lockout")
    assert entry.target_id == personas[Role.CLERK].public_id
    assert entry.actor_label == "anonymous@10.37.6.99"
    assert entry.after == {
        "username": "clerk",
        "ip": "10.37.6.99",
        "failures": 5,
        "until": "2026-03-09T01:19:00+00:00",
    }


def test_many_names_tried_from_one_address_throttle_that_address(personas, at, settings):
    settings.LOGIN_IP_MAX_FAILURES = 8
    names = ["wangwei", "lina", "zhangmin", "liujie", "chenjing", "yangfan", "zhaolei", "sunli"]
    for attempt, name in enumerate(names):
        at(attempt * 0.5)
        page = sign_in(name, "123456abc", ip="203.0.113.7")
    assert "您所在网络地址的登录尝试过于频繁，请 15 分钟后再试" in page
    at(5)
    assert "登录尝试过于频繁" in sign_in("clerk", "roadcredit-demo", ip="203.0.113.7")
    assert sign_in("clerk", "roadcredit-demo", ip="10.37.6.12") == "signed in"
    assert AuditEntry.objects.filter(action="accounts.login.throttle").count() == 1


def test_twenty_failures_from_one_address_throttle_it_by_default(db, at):
    for attempt in range(20):
        at(attempt * 0.5)
        page = sign_in(f"user{attempt:02d}", "123456abc", ip="198.51.100.4")
    assert "登录尝试过于频繁" in page


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "10.0.0.5", "1.2.3.4", "10.0.0.5"),  # no proxy: the header is the client's lie
        (1, "127.0.0.1", "198.51.100.4", "198.51.100.4"),
        (1, "127.0.0.1", "6.6.6.6, 198.51.100.4", "198.51.100.4"),  # spoofed left part ignored
        (2, "127.0.0.1", "6.6.6.6, 198.51.100.4, 10.1.1.1", "198.51.100.4"),
        (1, "127.0.0.1", "", "127.0.0.1"),
    ],
)
def test_the_client_address_trusts_only_the_configured_proxies(
    settings, proxies, remote, forwarded, expected
):
    settings.LOGIN_TRUSTED_PROXIES = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


# --- password rules -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Yt3706a", "密码长度太短"),
        ("password123", "这个密码太常见了"),
        ("3706121985031", "密码只包含数字"),
    ],
)
def test_the_password_rules_speak_chinese(password, message):
    with pytest.raises(ValidationError) as refused:
        validate_password(password)
    assert any(message in text for text in refused.value.messages)


def test_a_password_like_the_users_name_is_refused(db):
    user = make_user(Role.CLERK, "wangchuangkou", last_name="王", first_name="窗口")
    with pytest.raises(ValidationError) as refused:
        validate_password("wangchuangkou1", user=user)
    assert any("太相似" in text for text in refused.value.messages)


# --- production settings ------------------------------------------------------------------------
def test_the_production_settings_pass_the_deploy_check_without_warnings(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "xypt.jtj.muping.gov.cn",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "https://xypt.jtj.muping.gov.cn",
        "ROADCREDIT_KEYSTORE_PASSPHRASE": secrets.token_urlsafe(24),
        "ROADCREDIT_VAR_DIR": str(tmp_path),
        "DATABASE_URL": "postgres://roadcredit@127.0.0.1:5432/roadcredit",
    }
    completed = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "System check identified no issues" in completed.stdout
    assert "WARNINGS" not in completed.stdout + completed.stderr


def test_the_production_settings_harden_cookies_and_transport(tmp_path):
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY,"
        " s.CSRF_COOKIE_HTTPONLY, s.SESSION_COOKIE_NAME, s.SECURE_HSTS_SECONDS,"
        " s.SECURE_SSL_REDIRECT, s.DEBUG, s.KEYSTORE_AUTO_CREATE, s.ALLOWED_HOSTS)"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "xypt.jtj.muping.gov.cn",
        "ROADCREDIT_KEYSTORE_PASSPHRASE": "x",
        "ROADCREDIT_VAR_DIR": str(tmp_path),
    }
    completed = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert completed.stdout.split() == [
        "True",
        "True",
        "True",
        "True",
        "__Host-sessionid",
        "31536000",
        "True",
        "False",
        "False",
        "['xypt.jtj.muping.gov.cn']",
    ]
    without_hosts = {k: v for k, v in env.items() if k != "DJANGO_ALLOWED_HOSTS"}
    refused = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=without_hosts,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert refused.returncode != 0 and "DJANGO_ALLOWED_HOSTS is required" in refused.stderr
