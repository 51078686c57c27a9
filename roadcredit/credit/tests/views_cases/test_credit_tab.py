"""The 信用 tab of the subject pages and the subject-facing explanation page."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from roadcredit.accounts.roles import Role
from roadcredit.credit.tests.cases.helpers import days_ago, holder_of
from roadcredit.credit.tests.factories import (
    make_record,
    owned_vehicle,
    rated_operator,
    rated_practitioner,
)

pytestmark = pytest.mark.django_db


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def xinda():
    """烟台鑫达物流: an overloading record (95 points) and a repaired one."""
    operator = rated_operator(name="烟台鑫达物流有限公司")
    make_record(
        operator, behaviour_code="RT-N-008", occurred_on=days_ago(60), decided_on=days_ago(50)
    )
    make_record(
        operator,
        behaviour_code="RT-N-020",
        occurred_on=days_ago(90),
        decided_on=days_ago(80),
        status="repaired",
    )
    return operator


def test_staff_see_grade_chart_records_and_explanation(xinda, client_as):
    response = client_as(Role.CREDIT_OFFICER).get(
        reverse("subjects:operator_detail", args=[xinda.public_id])
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="credit"' in html
    assert "AA级（优良）" in html
    assert "95分" in html
    assert '<svg class="score-chart"' in html
    assert 'class="line"' in html and "<path" in html
    assert "超限超载运输" in html and "未随车携带道路运输证" in html
    assert reverse("credit:explanation", args=["operator", xinda.public_id]) in html
    # no inline styles anywhere (CSP)
    assert not re.search(r"\sstyle=", html)
    assert "<style" not in html
    # a credit officer does not apply for the subject (the holder or a clerk does)
    assert "/credit/repairs/apply/" not in html
    assert "/credit/objections/new/" not in html


def test_the_holder_sees_its_own_tab_with_the_case_actions(xinda):
    response = as_user(holder_of(xinda)).get(
        reverse("subjects:operator_detail", args=[xinda.public_id])
    )

    html = response.content.decode()
    assert response.status_code == 200
    record = xinda.credit_records.get(behaviour_code="RT-N-008")
    assert reverse("credit:repair_apply", args=[record.public_id]) in html
    assert reverse("credit:objection_submit", args=[record.public_id]) in html
    repaired = xinda.credit_records.get(behaviour_code="RT-N-020")
    assert reverse("credit:repair_apply", args=[repaired.public_id]) not in html


def test_a_vehicle_page_shows_its_records_and_names_the_operator_they_count_toward():
    operator = rated_operator(name="牟平区宏达运输有限公司")
    vehicle = owned_vehicle(operator)
    make_record(
        vehicle, behaviour_code="RT-N-015", occurred_on=days_ago(30), decided_on=days_ago(20)
    )

    response = as_user(holder_of(operator)).get(
        reverse("subjects:vehicle_detail", args=[vehicle.public_id])
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "牟平区宏达运输有限公司" in html
    assert "破坏、屏蔽卫星定位装置" in html


def test_an_employer_does_not_see_its_drivers_credit_file():
    operator = rated_operator(name="烟台顺通物流有限公司")
    driver = rated_practitioner(name="张志强", employer_uscc=operator.uscc)
    make_record(
        driver, behaviour_code="RT-N-016", occurred_on=days_ago(30), decided_on=days_ago(20)
    )

    response = as_user(holder_of(operator)).get(
        reverse("subjects:practitioner_detail", args=[driver.public_id])
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "超时驾驶" not in html


def test_the_driver_tab_draws_demerit_points():
    driver = rated_practitioner(name="张志强")
    make_record(
        driver, behaviour_code="RT-N-016", occurred_on=days_ago(400), decided_on=days_ago(390)
    )

    response = as_user(holder_of(driver)).get(
        reverse("subjects:practitioner_detail", args=[driver.public_id])
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "记分" in html
    assert '<svg class="score-chart"' in html


def test_the_explanation_page_explains_in_chinese(xinda):
    response = as_user(holder_of(xinda)).get(
        reverse("credit:explanation", args=["operator", xinda.public_id])
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "当前信用等级为AA级（优良）" in html
    assert "可适用告知承诺制" in html  # a benefit of the excellent tier
    assert "自" in html and "起不再计入评价期" in html  # how to improve
    assert "联合惩戒" in html  # measures for dishonesty


def test_another_holder_cannot_read_the_explanation(xinda):
    stranger = holder_of(rated_operator(name="牟平区大窑街道李记货运部"))

    response = as_user(stranger).get(
        reverse("credit:explanation", args=["operator", xinda.public_id])
    )

    assert response.status_code == 404


def test_the_explanation_of_a_vehicle_is_its_operators(client_as):
    operator = rated_operator(name="烟台安捷危险货物运输有限公司")
    vehicle = owned_vehicle(operator)

    response = client_as(Role.INSPECTOR).get(
        reverse("credit:explanation", args=["vehicle", vehicle.public_id])
    )

    assert response.status_code == 200
    assert "烟台安捷危险货物运输有限公司当前信用等级" in response.content.decode()
