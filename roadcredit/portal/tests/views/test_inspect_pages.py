"""The inspector's pages: verify a typed or scanned code, record a finding with its photo,
enter the penalty decision."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from roadcredit.accounts.roles import Role
from roadcredit.core import clock
from roadcredit.credit.models import RecordStatus
from roadcredit.portal.models import Finding, ScanEvent
from roadcredit.portal.presentation import presentation_code
from roadcredit.portal.tests.support import JPEG

pytestmark = pytest.mark.django_db


def _finding_form(scan_id: str, client, photo: bytes = JPEG, name: str = "现场.jpg", **data):
    from roadcredit.portal.selectors import finding_behaviours

    scan = ScanEvent.objects.get(public_id=scan_id)
    assert scan.licence is not None
    payload = {
        "behaviour_code": finding_behaviours(scan.licence)[0].code,
        "occurred_on": clock.today().isoformat(),
        "place": "牟平区正阳路与北关大街路口",
        "description": "驾驶员未携带从业资格证",
        "photo": SimpleUploadedFile(name, photo, content_type="image/jpeg"),
    }
    payload.update(data)
    return client.post(f"/m/inspect/scans/{scan_id}/finding/", payload)


def test_a_typed_live_code_shows_the_verdict_the_kind_the_face_and_the_credit(
    inspector_client, zhang_wei_certificate
):
    code = presentation_code(licence=zhang_wei_certificate)
    response = inspector_client.post(
        "/m/inspect/", {"code": code.url, "latitude": "37.3886", "longitude": "121.6025"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-verdict="valid"' in body
    assert "亮证" in body
    assert "370612198503150018" in body  # full face data for the inspector (logged)
    assert "持证主体信用" in body
    scan = ScanEvent.objects.get()
    assert f"/m/inspect/scans/{scan.public_id}/finding/" in body
    assert "<script>" not in body and "style=" not in body


def test_an_old_screenshot_reads_as_expired(inspector_client, zhang_wei_certificate):
    import datetime as dt

    old = presentation_code(
        licence=zhang_wei_certificate, now=clock.now() - dt.timedelta(minutes=2)
    )
    body = inspector_client.post("/m/inspect/", {"code": old.url}).content.decode()
    assert 'data-verdict="code_expired"' in body
    assert "已过期" in body
    assert "370612198503150018" not in body


def test_an_empty_code_shows_a_chinese_message(inspector_client):
    body = inspector_client.post("/m/inspect/", {"code": ""}).content.decode()
    assert "这个字段是必填项" in body or "此项为必填项" in body


def test_holders_and_the_public_cannot_open_the_inspector_page(client_as):
    assert client_as(Role.OPERATOR).get("/m/inspect/").status_code == 403
    assert client_as(None).get("/m/inspect/").status_code == 302


def test_the_inspector_records_a_finding_and_the_credit_officer_enters_the_decision(
    inspector_client, client_as, xinda_truck_certificate
):
    inspector_client.post("/m/inspect/", {"code": xinda_truck_certificate.qr_text})
    scan = ScanEvent.objects.get()
    form = inspector_client.get(f"/m/inspect/scans/{scan.public_id}/finding/")
    assert "鲁F3A826" in form.content.decode()
    response = _finding_form(scan.public_id, inspector_client)
    finding = Finding.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/m/inspect/findings/{finding.public_id}/"
    assert finding.record.status == RecordStatus.PENDING

    officer = client_as(Role.CREDIT_OFFICER)
    listing = officer.get("/m/inspect/findings/").content.decode()
    assert finding.public_id in listing
    response = officer.post(
        f"/m/inspect/findings/{finding.public_id}/",
        {"decision_number": "牟交罚决字〔2026〕第0412号", "decided_on": clock.today().isoformat()},
    )
    assert response.status_code == 302
    finding.record.refresh_from_db()
    assert finding.record.status == RecordStatus.ACTIVE
    page = officer.get(f"/m/inspect/findings/{finding.public_id}/").content.decode()
    assert "牟交罚决字〔2026〕第0412号" in page


def test_an_oversized_photo_is_refused_on_the_form(inspector_client, xinda_truck_certificate):
    inspector_client.post("/m/inspect/", {"code": xinda_truck_certificate.qr_text})
    scan = ScanEvent.objects.get()
    response = _finding_form(
        scan.public_id, inspector_client, photo=JPEG + b"\x00" * (10 * 1024 * 1024)
    )
    assert response.status_code == 200
    assert "照片超过 10 MB" in response.content.decode()
    assert not Finding.objects.exists()


def test_a_text_file_called_jpg_is_refused_on_the_form(inspector_client, xinda_truck_certificate):
    inspector_client.post("/m/inspect/", {"code": xinda_truck_certificate.qr_text})
    scan = ScanEvent.objects.get()
    response = _finding_form(scan.public_id, inspector_client, photo=b"hello", name="a.jpg")
    assert "JPG 或 PNG" in response.content.decode()
    assert not Finding.objects.exists()


def test_another_inspectors_scan_is_not_found(client_as, inspector_client, xinda_licence):
    from django.test import Client

    from roadcredit.accounts.tests.factories import make_user

    inspector_client.post("/m/inspect/", {"code": xinda_licence.qr_text})
    scan = ScanEvent.objects.get()
    other = Client()
    other.force_login(make_user(Role.INSPECTOR, "inspector2"))
    response = other.get(f"/m/inspect/scans/{scan.public_id}/finding/")
    assert response.status_code == 404
    assert "未找到该核验记录" in response.content.decode()


def test_an_inspector_sees_only_his_own_findings(inspector_client, xinda_truck_certificate):
    from django.test import Client

    from roadcredit.accounts.tests.factories import make_user

    inspector_client.post("/m/inspect/", {"code": xinda_truck_certificate.qr_text})
    scan = ScanEvent.objects.get()
    _finding_form(scan.public_id, inspector_client)
    finding = Finding.objects.get()
    other = Client()
    other.force_login(make_user(Role.INSPECTOR, "inspector2"))
    assert other.get(f"/m/inspect/findings/{finding.public_id}/").status_code == 404
    assert finding.public_id not in other.get("/m/inspect/findings/").content.decode()


def test_the_findings_list_costs_the_same_queries_for_2_and_8_findings(
    inspector_client, xinda_truck_certificate
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    inspector_client.post("/m/inspect/", {"code": xinda_truck_certificate.qr_text})
    scan = ScanEvent.objects.get()

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert inspector_client.get("/m/inspect/findings/?all=1").status_code == 200
        return len(captured.captured_queries)

    for _ in range(2):
        _finding_form(scan.public_id, inspector_client)
    few = count()
    for _ in range(6):
        _finding_form(
            scan.public_id, inspector_client, photo=JPEG + bytes([len(Finding.objects.all())])
        )
    assert Finding.objects.count() == 8
    assert count() == few
