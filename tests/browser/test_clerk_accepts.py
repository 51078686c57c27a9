"""A window clerk accepts an application in a real browser, strict CSP on."""

from __future__ import annotations

from typing import Any

import pytest

from roadcredit.accounts.roles import Role
from roadcredit.licensing.models import Application
from roadcredit.licensing.tests.conftest import _calendar_dir, working_calendar
from roadcredit.licensing.tests.factories import bundle_data, fleet, grade_operator, submitted

pytestmark = pytest.mark.browser
__all__ = ["_calendar_dir", "working_calendar"]


@pytest.fixture
def application(personas: dict[Role, Any]) -> Application:
    owner = personas[Role.OPERATOR]
    operator = grade_operator(owner.operator, "AA")
    return submitted(owner, bundle_data(fleet(operator, 2)))


def test_a_clerk_accepts_an_application_from_the_window_queue(desk, application):
    page = desk.sign_in("clerk", next_path="/services/queue/")
    assert application.number in page.inner_text("body")
    page.click(f"text={application.number}")
    page.wait_for_selector("form:has(input[name=action][value=accept]) button")
    desk.screenshot("clerk-application-before-accept.png")
    page.click("form:has(input[name=action][value=accept]) button")
    page.wait_for_load_state("networkidle")
    assert "已受理" in page.inner_text("body")
    desk.screenshot("clerk-application-accepted.png")
    application.refresh_from_db()
    assert application.status == "accepted"
    assert not desk.console.csp_violations, desk.console.errors
    assert not desk.console.page_errors, desk.console.errors
