"""The holder on a phone: sign in, open a licence, show it (亮证) with its live code, and the
code's URL verifies as shown live while a two-minute-old code reads as expired. Strict CSP on."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any
from urllib.parse import urlsplit

import pytest

from roadcredit.accounts.roles import Role
from roadcredit.core import clock
from roadcredit.elicences.services import licence_issue
from roadcredit.portal.presentation import presentation_code

from .conftest import ARTIFACTS

pytestmark = pytest.mark.browser


@pytest.fixture
def xinda_licence(personas: dict[Role, Any]) -> Any:
    return licence_issue(
        actor=None, type_key="business_licence", holder=personas[Role.OPERATOR].operator
    )


def _wait_for_new_code(page: Any, old: str, *, seconds: float = 10) -> str:
    """Poll (from Python: the CSP forbids the string predicates ``wait_for_function`` evaluates)
    until the page shows a code other than ``old``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        current = page.get_attribute("#present-qr", "data-url")
        if current and current != old:
            return str(current)
        page.wait_for_timeout(100)
    raise AssertionError("the live code was not refreshed")


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_a_holder_shows_a_licence_whose_live_code_verifies_and_whose_old_code_expired(
    phone, public_base_url, xinda_licence
):
    page = phone.page
    # A wrong password first: a clear Chinese message, nothing else.
    phone.sign_in("operator", "wrong-password-1", next_path="/m/")
    assert "请输入" in page.inner_text("body") or "不正确" in page.inner_text("body")
    page = phone.sign_in("operator", next_path="/m/")
    assert page.url.endswith("/m/")
    assert "烟台鑫达物流有限公司" in page.inner_text("h1")
    phone.screenshot("portal-holder-home.png")

    page.click(".tabbar >> text=我的证照")
    page.click("text=道路运输经营许可证")
    page.wait_for_selector("#show-licence")
    page.click("#show-licence")
    qr = page.wait_for_selector("#present-qr")
    assert page.is_visible("#present")
    assert "亮证中" in page.inner_text(".present-live")
    page.wait_for_selector("#present-countdown:has-text('剩余')")
    first_url = qr.get_attribute("data-url")
    assert first_url and first_url.startswith(public_base_url)
    # The page refreshes its code (every 30 s, or when it is shown again): force one now.
    page.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")
    live_url = _wait_for_new_code(page, first_url)
    phone.screenshot("portal-show-licence.png")
    assert not phone.console.csp_violations, phone.console.errors
    assert not phone.console.page_errors, phone.console.errors

    # An inspector's phone opens the live code: valid, and read as a live showing.
    verifier = phone.context.new_page()
    verifier.goto(live_url)
    verifier.wait_for_selector(".verdict-valid")
    text = verifier.inner_text("body")
    assert "有效" in text
    assert "亮证" in text
    verifier.screenshot(path=str(ARTIFACTS / "portal-verify-live.png"), full_page=True)

    # A screenshot taken two minutes ago: its code reads as expired, never as valid.
    old = presentation_code(licence=xinda_licence, now=clock.now() - dt.timedelta(minutes=2))
    verifier.goto(phone.base_url + _path(old.url))
    verifier.wait_for_selector(".verdict-code_expired")
    text = verifier.inner_text("body")
    assert "过期" in text
    assert "verdict-valid" not in verifier.content()
    verifier.screenshot(path=str(ARTIFACTS / "portal-verify-expired.png"), full_page=True)
    assert not phone.console.csp_violations, phone.console.errors

    # The session expires while the licence is shown: the page says so in Chinese, and stops.
    phone.context.clear_cookies()
    page.bring_to_front()
    page.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")
    page.wait_for_selector("#present-error:has-text('登录已过期')")
    phone.screenshot("portal-session-expired.png")


def test_another_holders_licence_shows_a_chinese_not_found_and_nothing_of_it(
    phone, personas, xinda_licence
):
    from roadcredit.subjects.tests.factories import make_operator

    other = licence_issue(
        actor=None, type_key="business_licence", holder=make_operator(name="牟平区宏达运输有限公司")
    )
    page = phone.sign_in("operator", next_path="/m/")
    page.goto(f"{phone.base_url}/m/licences/{other.public_id}/show/")
    body = page.inner_text("body")
    assert "没有该证照" in body
    assert "宏达" not in body and other.paper_number not in body
    phone.screenshot("portal-not-found.png")
    assert not phone.console.csp_violations, phone.console.errors
