"""Registry pages: search, subject pages with their placeholders, scope and masking."""

from __future__ import annotations

import datetime as dt

import pytest

from roadcredit.accounts.roles import Role
from roadcredit.subjects.tests.factories import (
    make_operator,
    make_practitioner,
    make_vehicle,
    valid_id_number,
)

pytestmark = pytest.mark.django_db


def test_the_search_page_shows_the_box_and_results(client_as):
    operator = make_operator(name="烟台顺通物流有限公司")
    response = client_as(Role.CLERK).get("/subjects/", {"q": "顺通"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "主体查询" in html
    assert "烟台顺通物流有限公司" in html
    assert f"/subjects/operators/{operator.public_id}/" in html


def test_the_search_page_says_when_nothing_matches(client_as):
    html = client_as(Role.INSPECTOR).get("/subjects/", {"q": "不存在的公司"}).content.decode()
    assert "没有与“不存在的公司”匹配的结果" in html


def test_the_search_page_sends_anonymous_visitors_to_log_in(client_as):
    response = client_as(None).get("/subjects/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", [Role.SYSADMIN, Role.SECADMIN, Role.AUDITADMIN, Role.OPERATOR])
def test_the_search_page_is_refused_to_roles_outside_the_policy(client_as, role):
    assert client_as(role).get("/subjects/").status_code == 403


def test_the_operator_page_lists_facts_vehicles_practitioners_and_empty_tabs(client_as):
    operator = make_operator(name="牟平区宏达运输有限公司")
    make_vehicle(operator, plate="鲁F61234")
    make_practitioner(operator, name="王建华")
    response = client_as(Role.CLERK).get(f"/subjects/operators/{operator.public_id}/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("牟平区宏达运输有限公司", operator.uscc, "鲁F61234", "王建华", "信用", "证照"):
        assert text in html
    assert html.count("暂无数据") >= 2
    assert "style=" not in html and "<script>" not in html


def test_the_practitioner_page_masks_personal_data_for_a_leader(client_as):
    number = valid_id_number(dt.date(1979, 11, 2), sex="F")
    person = make_practitioner(name="李秀英", id_number=number, phone="13905351234")
    url = f"/subjects/practitioners/{person.public_id}/"
    clerk_html = client_as(Role.CLERK).get(url).content.decode()
    leader_html = client_as(Role.LEADER).get(url).content.decode()
    assert number in clerk_html and "13905351234" in clerk_html
    assert "1979-11-02" in clerk_html
    assert number not in leader_html and "13905351234" not in leader_html
    assert person.id_number_masked in leader_html
    assert "139****1234" in leader_html


def test_the_vehicle_page_links_its_operator(client_as):
    operator = make_operator(name="烟台顺通物流有限公司")
    vehicle = make_vehicle(operator, plate="鲁F65678")
    html = (
        client_as(Role.INSPECTOR).get(f"/subjects/vehicles/{vehicle.public_id}/").content.decode()
    )
    assert "鲁F65678" in html
    assert f"/subjects/operators/{operator.public_id}/" in html


def test_an_operator_account_opens_its_own_page_but_gets_404_for_another(client_as, personas):
    own = personas[Role.OPERATOR].operator
    other = make_operator()
    client = client_as(Role.OPERATOR)
    assert client.get(f"/subjects/operators/{own.public_id}/").status_code == 200
    assert client.get(f"/subjects/operators/{other.public_id}/").status_code == 404
    foreign_vehicle = make_vehicle(other)
    assert client.get(f"/subjects/vehicles/{foreign_vehicle.public_id}/").status_code == 404


def test_a_practitioner_account_lands_on_its_phone_portal_and_opens_its_own_page(
    client_as, personas
):
    me = personas[Role.PRACTITIONER].practitioner
    client = client_as(Role.PRACTITIONER)
    landing = client.get("/", follow=True)
    assert landing.redirect_chain[-1][0] == "/m/"
    response = client.get(f"/subjects/practitioners/{me.public_id}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "张伟" in html
    # The employer's name is shown, but not as a link to a page this account may not open.
    assert me.employer.name in html
    assert f"/subjects/operators/{me.employer.public_id}/" not in html
