"""The holder's pages: own licences only, 亮证 with a live code, PDF, credit, notices."""

from __future__ import annotations

import datetime as dt
import html
import re
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from roadcredit.accounts.roles import Role
from roadcredit.core import clock
from roadcredit.credit.models import NoticeKind
from roadcredit.credit.services.notices import notice_send
from roadcredit.elicences.verification import verify_scanned
from roadcredit.portal.presentation import presentation_code
from roadcredit.portal.tests.support import fleet, other_operator_licence

pytestmark = pytest.mark.django_db


def _qr_url(body: str) -> str:
    found = re.search(r'id="present-qr"[^>]*data-url="([^"]+)"', body)
    assert found, "the 亮证 page carries its code's URL"
    return html.unescape(found.group(1))


def test_an_operator_sees_its_own_licence_and_its_vehicles_certificates(
    operator_client, xinda_licence, xinda_truck_certificate
):
    other = other_operator_licence()
    response = operator_client.get("/m/licences/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "道路运输经营许可证" in body
    assert "道路运输证" in body
    assert "鲁F3A826" in body
    assert other.public_id not in body
    assert "宏达" not in body


def test_a_driver_sees_only_his_own_certificate(
    driver_client, zhang_wei_certificate, xinda_licence
):
    body = driver_client.get("/m/licences/").content.decode()
    assert "道路运输从业人员从业资格证" in body
    assert zhang_wei_certificate.public_id in body
    assert xinda_licence.public_id not in body


@pytest.mark.parametrize("suffix", ["", "show/", "pdf"])
def test_another_holders_licence_in_the_url_is_not_found_and_shows_nothing_of_it(
    operator_client, xinda_licence, suffix
):
    other = other_operator_licence()
    response = operator_client.get(f"/m/licences/{other.public_id}/{suffix}")
    assert response.status_code == 404
    body = response.content.decode()
    assert "没有该证照" in body
    assert "宏达" not in body and other.paper_number not in body


def test_another_holders_live_code_is_refused_as_json(operator_client, xinda_licence):
    other = other_operator_licence()
    response = operator_client.get(f"/m/licences/{other.public_id}/code.json")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "宏达" not in response.content.decode()


def test_a_malformed_licence_id_is_not_found(operator_client):
    response = operator_client.get("/m/licences/..%2F..%2Fetc/")
    assert response.status_code == 404


def test_the_show_page_carries_a_live_code_that_verifies_as_shown_live(
    operator_client, xinda_licence
):
    response = operator_client.get(f"/m/licences/{xinda_licence.public_id}/show/")
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    body = response.content.decode()
    assert "<script>" not in body and "style=" not in body
    assert 'src="data:image/svg+xml' in body
    outcome = verify_scanned(text=_qr_url(body))
    assert outcome.verdict == "valid"
    assert outcome.token_kind == "presentation"
    assert "亮证" in outcome.token_kind_label
    assert outcome.summary is not None and outcome.summary.public_id == xinda_licence.public_id


def test_a_two_minute_old_live_code_reads_as_expired_never_as_live(xinda_licence):
    old = presentation_code(licence=xinda_licence, now=clock.now() - dt.timedelta(seconds=120))
    outcome = verify_scanned(text=old.url)
    assert outcome.verdict == "code_expired"
    assert outcome.token_kind == "presentation"
    assert "已过期" in outcome.label
    assert outcome.summary is None


def test_the_printed_licence_code_is_reported_as_the_licence_code_not_a_live_showing(
    xinda_licence,
):
    outcome = verify_scanned(text=xinda_licence.qr_text)
    assert outcome.verdict == "valid"
    assert outcome.token_kind == "licence"


def test_a_tampered_live_code_is_not_accepted(operator_client, xinda_licence):
    url = presentation_code(licence=xinda_licence).url
    head, token = url.split("t=", 1)
    flipped = token[:40] + ("A" if token[40] != "A" else "B") + token[41:]
    outcome = verify_scanned(text=head + "t=" + flipped)
    assert outcome.verdict in {"tampered", "unknown"}
    assert outcome.summary is None
    assert re.search(r"[\u4e00-\u9fff]", outcome.message)


def test_the_code_endpoint_gives_a_fresh_uncached_code_every_time(operator_client, xinda_licence):
    path = f"/m/licences/{xinda_licence.public_id}/code.json"
    first = operator_client.get(path)
    second = operator_client.get(path)
    assert first.status_code == 200
    assert "no-store" in first["Cache-Control"]
    assert first.json()["url"] != second.json()["url"]
    assert first.json()["image"].startswith("data:image/svg+xml")
    assert first.json()["refresh_seconds"] == 30
    assert verify_scanned(text=second.json()["url"]).verdict == "valid"


def test_an_expired_session_is_sent_to_sign_in(client_as, xinda_licence):
    anonymous = client_as(None)
    response = anonymous.get(f"/m/licences/{xinda_licence.public_id}/show/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    response = anonymous.get(f"/m/licences/{xinda_licence.public_id}/code.json")
    assert response.status_code == 302


def test_staff_do_not_get_the_holder_portal(client_as):
    assert client_as(Role.CLERK).get("/m/").status_code == 403
    assert client_as(Role.INSPECTOR).get("/m/licences/").status_code == 403


def test_the_holder_downloads_the_sealed_pdf_of_its_own_licence(operator_client, xinda_licence):
    response = operator_client.get(f"/m/licences/{xinda_licence.public_id}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert "attachment" in response["Content-Disposition"]
    assert quote("道路运输经营许可证") in response["Content-Disposition"]


def test_the_licence_page_shows_the_face_and_the_actions(driver_client, zhang_wei_certificate):
    response = driver_client.get(f"/m/licences/{zhang_wei_certificate.public_id}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "张伟" in body
    assert "370612198503150018" in body  # the holder's own ID number, in full, to himself
    assert f"/m/licences/{zhang_wei_certificate.public_id}/show/" in body


def test_the_home_page_shows_the_grade_the_licences_and_unread_notices(
    operator_client, xinda, xinda_licence
):
    notice_send(
        subject=xinda,
        kind=NoticeKind.REPAIR,
        title="信用修复申请已受理",
        body="您单位提交的信用修复申请已受理。",
        actor=None,
    )
    body = operator_client.get("/m/").content.decode()
    assert "烟台鑫达物流有限公司" in body
    assert "2 条未读通知" in body  # the credit notice of the issue, and this one
    assert xinda_licence.public_id in body


def test_my_credit_explains_the_grade_benefits_measures_and_paths(operator_client, xinda):
    response = operator_client.get("/m/credit/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "烟台鑫达物流有限公司" in body
    assert "守信激励" in body or "享受" in body
    assert "严重失信主体名单" in body or "联合惩戒" in body
    assert "信用修复" in body and "异议" in body


def test_opening_a_notice_marks_it_read(operator_client, xinda):
    notice = notice_send(
        subject=xinda,
        kind=NoticeKind.OBJECTION,
        title="异议处理结果",
        body="经核实，该记录予以更正。",
        actor=None,
    )
    listing = operator_client.get("/m/notices/").content.decode()
    assert "异议处理结果" in listing and "未读" in listing
    detail = operator_client.get(f"/m/notices/{notice.public_id}/")
    assert "经核实，该记录予以更正。" in detail.content.decode()
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_another_subjects_notice_is_not_found(operator_client):
    from roadcredit.subjects.tests.factories import make_operator

    other = make_operator(name="牟平区宏达运输有限公司")
    notice = notice_send(
        subject=other, kind=NoticeKind.REPAIR, title="宏达的通知", body="……", actor=None
    )
    response = operator_client.get(f"/m/notices/{notice.public_id}/")
    assert response.status_code == 404
    assert "宏达" not in response.content.decode()


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_licence_list_costs_the_same_queries_for_5_and_50_licences(operator_client, xinda):
    fleet(xinda, 4)
    few = _queries(operator_client, "/m/licences/")
    fleet(xinda, 45)
    many = _queries(operator_client, "/m/licences/?page=2")
    assert many == few


def test_the_home_page_costs_the_same_queries_for_5_and_50_licences(operator_client, xinda):
    fleet(xinda, 5)
    few = _queries(operator_client, "/m/")
    fleet(xinda, 45)
    assert _queries(operator_client, "/m/") == few


def test_the_holder_follows_its_applications_and_sees_no_one_elses(operator_client, personas):
    from roadcredit.licensing.services import application_create
    from roadcredit.licensing.tests.factories import bundle_data, grade_operator, submitted
    from roadcredit.licensing.tests.factories import fleet as make_fleet
    from roadcredit.subjects.tests.factories import make_operator

    owner = personas[Role.OPERATOR]
    grade_operator(owner.operator, "AA")
    mine = submitted(owner, bundle_data(make_fleet(owner.operator, 1)))
    other = grade_operator(make_operator(name="牟平区宏达运输有限公司"), "AA")
    theirs = application_create(
        actor=personas[Role.CLERK],
        data={**bundle_data(make_fleet(other, 1)), "applicant_uscc": other.uscc},
    )
    body = operator_client.get("/m/applications/").content.decode()
    assert mine.number in body
    assert "已提交" in body
    assert "道路运输证" in body
    assert theirs.number not in body


def test_the_applications_page_costs_the_same_queries_for_1_and_3_applications(
    operator_client, personas
):
    from roadcredit.licensing.services import application_create
    from roadcredit.licensing.tests.factories import bundle_data, grade_operator
    from roadcredit.licensing.tests.factories import fleet as make_fleet

    owner = personas[Role.OPERATOR]
    grade_operator(owner.operator, "AA")
    application_create(actor=owner, data=bundle_data(make_fleet(owner.operator, 1)))
    few = _queries(operator_client, "/m/applications/")
    from roadcredit.licensing.models import Application

    Application.objects.update(status="closed")  # the next bundles are not duplicates
    for _ in range(2):
        application_create(actor=owner, data=bundle_data(make_fleet(owner.operator, 3)))
        Application.objects.update(status="closed")
    assert _queries(operator_client, "/m/applications/") == few
