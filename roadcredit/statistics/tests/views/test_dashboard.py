"""The leadership dashboard: figures, charts' data, date filter, Excel export, query counts."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from roadcredit.accounts.roles import Role
from roadcredit.core import clock
from roadcredit.credit.services.grading import subject_regrade
from roadcredit.elicences.services import licence_register_existing
from roadcredit.portal.tests.support import business_licence, fleet, qualification
from roadcredit.subjects.tests.factories import make_operator, make_practitioner

pytestmark = pytest.mark.django_db


@pytest.fixture
def leader(client_as):
    return client_as(Role.LEADER)


@pytest.fixture
def district():
    """Two operators (one with three trucks), a driver, each licensed and graded."""
    shuntong = make_operator(name="烟台顺通物流有限公司")
    hongda = make_operator(name="牟平区宏达运输有限公司")
    business_licence(shuntong)
    business_licence(hongda)
    fleet(shuntong, 3)
    driver = make_practitioner(name="王建华")
    qualification(driver)
    for subject in (shuntong, hongda, driver):
        subject_regrade(subject=subject, reason="测试：评级")
    return shuntong


def _charts(body: str) -> list[dict[str, Any]]:
    found = re.search(
        r'<script id="dashboard-charts" type="application/json">(.*?)</script>', body, re.S
    )
    assert found
    charts: list[dict[str, Any]] = json.loads(found.group(1))
    return charts


def test_the_dashboard_shows_every_figure_with_its_chart_data(leader, district):
    response = leader.get("/stats/")
    assert response.status_code == 200
    body = response.content.decode()
    for title in (
        "各类证照逐月制证率",
        "电子证照发放量",
        "电子信用档案建档情况",
        "信用等级分布",
        "红黑名单规模",
    ):
        assert title in body
    charts = {c["key"]: c for c in _charts(body)}
    assert {"issuance_rate", "elicences_issued", "credit_files", "grades_operator", "lists"} <= set(
        charts
    )
    issued = charts["elicences_issued"]
    assert "道路运输证" in issued["labels"]
    totals = dict(zip(issued["labels"], issued["datasets"][2]["data"], strict=True))
    assert totals["道路运输证"] == 3
    assert totals["道路运输经营许可证"] == 2
    rate = charts["issuance_rate"]
    assert rate["unit"] == "%"
    assert 100.0 in rate["datasets"][0]["data"]
    assert "statistics/vendor/chart.umd.min.js" in body
    assert "<script>" not in body and "style=" not in body


def test_a_paper_licence_lowers_the_e_licence_rate_of_its_month(leader):
    operator = make_operator(name="牟平区大窑街道李记货运部")
    business_licence(operator)
    today = clock.today()
    vehicle_operator = make_operator(name="烟台安捷危险货物运输有限公司")
    licence_register_existing(
        actor=None,
        type_key="business_licence",
        holder=vehicle_operator,
        number="鲁交运管许可烟字370612009999号",
        electronic=False,
        issued_on=today,
        valid_from=today,
        valid_until=today + dt.timedelta(days=365 * 4),
    )
    charts = {c["key"]: c for c in _charts(leader.get("/stats/").content.decode())}
    assert 50.0 in charts["issuance_rate"]["datasets"][0]["data"]


def test_the_period_filter_narrows_the_monthly_figures(leader, district):
    today = clock.today()
    start = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    response = leader.get("/stats/", {"start": start.isoformat(), "end": today.isoformat()})
    body = response.content.decode()
    assert f"统计期：{start.isoformat()} 至 {today.isoformat()}" in body
    charts = {c["key"]: c for c in _charts(body)}
    assert len(charts["issuance_rate"]["labels"]) == 2


def test_a_reversed_period_is_refused_with_a_chinese_message(leader):
    body = leader.get("/stats/", {"start": "2026-03-01", "end": "2026-01-01"}).content.decode()
    assert "结束日期早于开始日期" in body


@pytest.mark.parametrize(
    "key",
    [
        "issuance_rate",
        "stock_rate",
        "elicences_issued",
        "credit_files",
        "grades",
        "lists",
        "applications",
        "applications_by_tier",
        "commitments",
    ],
)
def test_every_table_exports_to_excel(leader, district, key):
    response = leader.get(f"/stats/export/{key}.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    assert str(sheet.cell(row=2, column=1).value).startswith("统计期：")
    assert sheet.max_row >= 3


def test_an_unknown_table_is_not_found(leader):
    assert leader.get("/stats/export/passwords.xlsx").status_code == 404


def test_holders_and_clerks_do_not_see_the_dashboard(client_as):
    assert client_as(Role.OPERATOR).get("/stats/").status_code == 403
    assert client_as(Role.CLERK).get("/stats/").status_code == 403
    assert client_as(None).get("/stats/").status_code == 302


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured.captured_queries)


def test_the_dashboard_costs_the_same_queries_for_5_and_50_licences(leader):
    operator = make_operator(name="烟台顺通物流有限公司")
    business_licence(operator)
    fleet(operator, 4)
    subject_regrade(subject=operator, reason="测试：评级")
    few = _queries(leader, "/stats/")
    for n in range(5):
        other = make_operator(name=f"牟平区宏达运输有限公司（{n}）")
        business_licence(other)
        fleet(other, 8)
        subject_regrade(subject=other, reason="测试：评级")
        qualification(make_practitioner(name="李秀英"))
    assert _queries(leader, "/stats/") == few


def test_applications_trips_time_and_commitments_are_counted(leader, personas):
    from roadcredit.licensing.services import (
        application_accept,
        application_approve,
        application_close,
        application_create,
        application_issue,
        application_start_review,
        application_submit,
        commitment_sign,
    )
    from roadcredit.licensing.tests.factories import bundle_data, grade_operator, upload_all
    from roadcredit.licensing.tests.factories import fleet as make_fleet

    owner = personas[Role.OPERATOR]
    clerk, approver = personas[Role.CLERK], personas[Role.APPROVER]
    operator = grade_operator(owner.operator, "AA")
    application = application_create(actor=owner, data=bundle_data(make_fleet(operator, 2)))
    commitment_sign(actor=owner, application=application, confirmed=True)
    upload_all(owner, application)
    application = application_submit(actor=owner, application=application)
    application = application_accept(actor=clerk, application=application)
    application = application_start_review(actor=approver, application=application)
    application = application_approve(actor=approver, application=application)
    application = application_issue(actor=approver, application=application)
    application_close(actor=clerk, application=application, delivery="window")

    body = leader.get("/stats/").content.decode()
    rows = {
        match.group(1): match.group(2)
        for match in re.finditer(r"<tr><td>([^<]+)</td><td>([^<]+)</td></tr>", body)
    }
    assert rows["统计期内提交的申请"] == "1"
    assert rows["统计期内办结的申请"] == "1"
    assert rows["办结件平均跑动次数"] == "1.0"
    assert rows["比传统方式少跑动（次）"] == "1"
    charts = {c["key"]: c for c in _charts(body)}
    commitments = charts["commitments"]
    assert commitments["datasets"][0]["data"][0] == 1  # one 告知承诺 signed
    sheet = load_workbook(io.BytesIO(leader.get("/stats/export/commitments.xlsx").content)).active
    assert sheet is not None
    signed = {row[0].value: row[1].value for row in sheet.iter_rows(min_row=4) if row[0].value}
    assert sum(v for v in signed.values() if isinstance(v, int)) == 2  # the kind and the total


def test_figures_are_reused_for_a_few_minutes_and_say_when_they_were_counted(leader, settings):
    from django.core.cache import cache

    settings.STATISTICS_CACHE_SECONDS = 300
    cache.clear()
    operator = make_operator(name="烟台顺通物流有限公司")
    business_licence(operator)
    first = leader.get("/stats/").content.decode()
    assert "统计时间" in first
    business_licence(make_operator(name="牟平区宏达运输有限公司"))
    again = _queries(leader, "/stats/")
    cached = {c["key"]: c for c in _charts(leader.get("/stats/").content.decode())}
    assert sum(cached["elicences_issued"]["datasets"][2]["data"]) == 1  # not yet the second
    cache.clear()
    fresh = {c["key"]: c for c in _charts(leader.get("/stats/").content.decode())}
    assert sum(fresh["elicences_issued"]["datasets"][2]["data"]) == 2
    assert again < 15
