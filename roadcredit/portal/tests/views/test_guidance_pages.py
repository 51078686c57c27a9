"""Credit guidance: the public page, the printable notice, the clerk's window notice."""

from __future__ import annotations

import pytest

from roadcredit.accounts.roles import Role

pytestmark = pytest.mark.django_db


def test_anyone_can_read_the_credit_guidance(client_as):
    response = client_as(None).get("/m/guidance/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "守信激励" in body and "失信惩戒" in body
    assert "信用修复" in body and "异议" in body
    assert "严重失信主体名单" in body


def test_the_printable_notice_has_a_print_stylesheet_and_signature_lines(client_as):
    response = client_as(Role.INSPECTOR).get("/m/guidance/print/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "portal/print.css" in body and "portal/print.js" in body
    assert "道路运输信用告知书" in body
    assert "执法人员（签字）" in body
    assert "<script>" not in body and "onclick" not in body


def test_the_public_cannot_print_the_staff_notice(client_as):
    assert client_as(None).get("/m/guidance/print/").status_code == 302


def test_the_clerk_finds_a_subject_and_gets_its_credit_notice(client_as, xinda):
    clerk = client_as(Role.CLERK)
    search = clerk.get("/m/window/", {"q": "鑫达"}).content.decode()
    assert f"/m/window/operator/{xinda.public_id}/" in search
    notice = clerk.get(f"/m/window/operator/{xinda.public_id}/")
    assert notice.status_code == 200
    body = notice.content.decode()
    assert "烟台鑫达物流有限公司" in body
    assert "当前享受的守信激励" in body or "目前不享受守信激励措施" in body
    assert "失信惩戒措施" in body


def test_an_unknown_subject_at_the_window_is_not_found(client_as):
    response = client_as(Role.CLERK).get("/m/window/operator/aaaaaaaaaaaaaaaa/")
    assert response.status_code == 404


def test_a_holder_cannot_use_the_window_pages(client_as, xinda):
    assert client_as(Role.OPERATOR).get(f"/m/window/operator/{xinda.public_id}/").status_code == 403
