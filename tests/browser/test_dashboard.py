"""The leadership dashboard in a real browser: the vendored Chart.js draws every chart under the
strict content security policy (no CDN, no inline script)."""

from __future__ import annotations

from typing import Any

import pytest

from roadcredit.accounts.roles import Role
from roadcredit.credit.services.grading import subject_regrade
from roadcredit.elicences.services import licence_issue
from roadcredit.subjects.tests.factories import make_operator, make_practitioner, make_vehicle

pytestmark = pytest.mark.browser


@pytest.fixture
def district(personas: dict[Role, Any]) -> None:
    for name in ("烟台顺通物流有限公司", "牟平区宏达运输有限公司"):
        operator = make_operator(name=name)
        licence_issue(actor=None, type_key="business_licence", holder=operator)
        for _ in range(2):
            licence_issue(
                actor=None,
                type_key="transport_certificate",
                holder=make_vehicle(operator),
                data={"dimensions": "9600×2550×3950"},
            )
        subject_regrade(subject=operator, reason="测试：评级")
    driver = make_practitioner(name="王建华")
    licence_issue(actor=None, type_key="qualification_certificate", holder=driver)
    subject_regrade(subject=driver, reason="测试：评级")


def test_the_dashboard_draws_its_charts_with_the_vendored_library_under_the_csp(desk, district):
    page = desk.sign_in("leader", next_path="/stats/")
    assert page.url.endswith("/stats/")
    assert page.inner_text("h1") == "领导驾驶舱"
    canvases = page.query_selector_all(".chart canvas")
    assert len(canvases) >= 6
    page.wait_for_selector(".chart canvas[data-rendered=true]")
    rendered = page.query_selector_all(".chart canvas[data-rendered=true]")
    assert len(rendered) == len(canvases)
    for canvas in rendered:
        box = canvas.bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 100
    assert page.evaluate("() => typeof window.Chart") == "function"
    scripts = [s.get_attribute("src") for s in page.query_selector_all("script[src]")]
    assert all(src and src.startswith("/static/") for src in scripts), scripts
    assert "导出 Excel" in page.inner_text("body")
    desk.screenshot("dashboard-charts.png")
    assert not desk.console.csp_violations, desk.console.errors
    assert not desk.console.page_errors, desk.console.errors


def test_the_dashboard_exports_a_table_to_excel(desk, district):
    page = desk.sign_in("leader", next_path="/stats/")
    with page.expect_download() as download:
        page.click("#table-elicences_issued >> text=导出 Excel")
    assert download.value.suggested_filename.endswith(".xlsx")
    assert "电子证照发放量" in download.value.suggested_filename
