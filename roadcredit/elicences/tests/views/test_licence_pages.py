"""The e-licence pages: the public verification page, the PDF check, the status and trust
lists, the staff licence page with its actions, issuance from the registry, the subject tab."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from roadcredit.accounts.roles import Role
from roadcredit.accounts.tests.factories import persona_operator
from roadcredit.audit.models import AuditEntry
from roadcredit.elicences.models import Licence, LicenceStatus
from roadcredit.elicences.services import licence_pdf, licence_revoke
from roadcredit.elicences.tests.services.support import (
    freight_operator,
    issue_business_licence,
    issue_qualification,
    issue_transport_certificate,
)
from roadcredit.elicences.tokens import token_from_scan
from roadcredit.subjects.tests.factories import make_practitioner

pytestmark = pytest.mark.django_db


def _path(qr_text: str) -> str:
    return qr_text.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def test_the_qr_url_opens_the_public_page_with_a_green_banner(client_as):
    licence = issue_qualification(make_practitioner(name="杨帆", id_number="37061219900708452X"))
    response = client_as(None).get(_path(licence.qr_text))
    assert response.status_code == 200
    html = response.content.decode()
    assert "verdict-valid" in html and "有效" in html
    assert "杨*" in html
    assert "370612********452X" in html
    assert "37061219900708452X" not in html
    assert "查看完整照面信息" not in html
    assert "<script" not in html and "style=" not in html


def test_the_token_in_the_path_works_too(client_as):
    licence = issue_business_licence()
    token = token_from_scan(licence.qr_text) or ""
    response = client_as(None).get("/v/" + quote(token, safe=""))
    assert "verdict-valid" in response.content.decode()


def test_a_revoked_licence_shows_a_red_banner(client_as):
    licence = issue_business_licence()
    licence_revoke(actor=None, licence=licence, reason="吊销")
    html = client_as(None).get(_path(licence.qr_text)).content.decode()
    assert "verdict-revoked" in html and "已吊销" in html


def test_garbage_shows_not_recognised(client_as):
    html = client_as(None).get("/v/", {"t": "这不是证照"}).content.decode()
    assert "verdict-unknown" in html and "无法识别" in html


def test_the_empty_page_offers_a_form(client_as):
    response = client_as(None).get("/v/")
    assert response.status_code == 200
    assert 'name="t"' in response.content.decode()


def test_an_inspector_asks_for_the_full_face_and_the_access_is_logged(client_as, personas):
    licence = issue_qualification(make_practitioner(name="陈静", id_number="37061219900708452X"))
    client = client_as(Role.INSPECTOR)
    page = client.get(_path(licence.qr_text)).content.decode()
    assert "查看完整照面信息" in page
    assert not AuditEntry.objects.filter(action="elicences.full_view").exists()
    token = token_from_scan(licence.qr_text)
    full = client.post(reverse("elicences:verify"), {"t": token, "full": "1"}).content.decode()
    assert "37061219900708452X" in full and "陈静" in full
    assert (
        AuditEntry.objects.filter(
            action="elicences.full_view", actor=personas[Role.INSPECTOR]
        ).count()
        == 1
    )


def test_the_public_posting_full_gets_nothing_more(client_as):
    licence = issue_qualification(make_practitioner(name="陈静", id_number="37061219900708452X"))
    token = token_from_scan(licence.qr_text)
    html = (
        client_as(None)
        .post(reverse("elicences:verify"), {"t": token, "full": "1"})
        .content.decode()
    )
    assert "37061219900708452X" not in html
    assert not AuditEntry.objects.filter(action="elicences.full_view").exists()


def test_the_pdf_check_page_accepts_a_kept_file_and_rejects_a_tampered_one(client_as):
    licence = issue_business_licence()
    pdf = licence_pdf(licence=licence)
    client = client_as(None)
    ok = client.post(reverse("elicences:verify_pdf"), {"file": SimpleUploadedFile("a.pdf", pdf)})
    assert "verdict-valid" in ok.content.decode()
    bad = bytearray(pdf)
    bad[bad.index(b"/Subject") + 12] ^= 1
    html = client.post(
        reverse("elicences:verify_pdf"), {"file": SimpleUploadedFile("b.pdf", bytes(bad))}
    ).content.decode()
    assert "verdict-tampered" in html


def test_the_status_list_and_trust_list_are_public(client_as):
    licence = issue_business_licence()
    client = client_as(None)
    status = client.get(reverse("elicences:status_list"))
    assert status.status_code == 200 and status["Content-Type"] == "application/cose"
    assert status["X-Status-List-Id"] == licence.status_list
    trust = client.get(reverse("elicences:trust_list"))
    assert trust.json()["format"] == "roadcredit.trust-list.v1"
    assert client.get(reverse("elicences:status_list_by_id", args=["370612-99"])).status_code == 404


def test_staff_see_the_licence_page_with_qr_and_history(client_as):
    licence = issue_business_licence()
    client = client_as(Role.LEADER)
    page = client.get(reverse("elicences:licence_detail", args=[licence.public_id]))
    assert page.status_code == 200
    html = page.content.decode()
    assert licence.paper_number in html and licence.identifier in html
    assert "签发" in html
    assert "吊销" not in html  # no lifecycle forms for a leader
    qr = client.get(reverse("elicences:licence_qr", args=[licence.public_id]))
    assert qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content
    pdf = client.get(reverse("elicences:licence_pdf", args=[licence.public_id]))
    assert pdf.content.startswith(b"%PDF-")


def test_a_holder_opens_its_own_licence_page_but_not_anothers(client_as, personas):
    own = issue_business_licence(persona_operator())
    other = issue_business_licence(freight_operator())
    client = client_as(Role.OPERATOR)
    assert client.get(reverse("elicences:licence_detail", args=[own.public_id])).status_code == 200
    assert (
        client.get(reverse("elicences:licence_detail", args=[other.public_id])).status_code == 404
    )
    assert client.get(reverse("elicences:licence_print", args=[own.public_id])).status_code == 403


def test_an_approver_suspends_and_changes_from_the_page(client_as):
    licence = issue_business_licence()
    client = client_as(Role.APPROVER)
    page = client.get(
        reverse("elicences:licence_detail", args=[licence.public_id])
    ).content.decode()
    assert "暂停" in page and "吊销" in page
    response = client.post(
        reverse("elicences:licence_action", args=[licence.public_id, "suspend"]),
        {"reason": "暂扣：安全检查不合格"},
    )
    assert response.status_code == 302
    licence.refresh_from_db()
    assert licence.status == LicenceStatus.SUSPENDED
    refused = client.post(
        reverse("elicences:licence_action", args=[licence.public_id, "change"]), {}, follow=True
    )
    assert "不能执行" in refused.content.decode()
    resumed = client.post(
        reverse("elicences:licence_action", args=[licence.public_id, "resume"]), {}
    )
    assert resumed.status_code == 302
    changed = client.post(
        reverse("elicences:licence_action", args=[licence.public_id, "change"]), {}
    )
    new = Licence.objects.get(predecessor=licence)
    assert changed["Location"].endswith(f"/licences/{new.public_id}/")


def test_a_clerk_may_not_post_a_lifecycle_action(client_as):
    licence = issue_business_licence()
    response = client_as(Role.CLERK).post(
        reverse("elicences:licence_action", args=[licence.public_id, "suspend"]), {"reason": "x"}
    )
    assert response.status_code == 403


def test_a_clerk_issues_from_the_registry_and_the_subject_tab_lists_it(client_as):
    operator = freight_operator()
    client = client_as(Role.CLERK)
    form = client.get(
        reverse("elicences:licence_issue"), {"kind": "operator", "holder": operator.public_id}
    )
    assert form.status_code == 200
    assert "道路运输经营许可证" in form.content.decode()
    response = client.post(
        reverse("elicences:licence_issue"),
        {"type_key": "business_licence", "holder_kind": "operator", "holder": operator.public_id},
    )
    licence = Licence.objects.get(operator=operator)
    assert response["Location"].endswith(f"/licences/{licence.public_id}/")
    tab = client.get(
        reverse("subjects:operator_detail", args=[operator.public_id])
    ).content.decode()
    assert licence.paper_number in tab
    assert "签发证照" in tab
    again = client.post(
        reverse("elicences:licence_issue"),
        {"type_key": "business_licence", "holder_kind": "operator", "holder": operator.public_id},
    )
    assert again.status_code == 200
    assert "有效的同类证照" in again.content.decode()


def test_the_vehicle_tab_shows_its_transport_certificate(client_as):
    licence = issue_transport_certificate()
    assert licence.vehicle is not None
    html = (
        client_as(Role.INSPECTOR)
        .get(reverse("subjects:vehicle_detail", args=[licence.vehicle.public_id]))
        .content.decode()
    )
    assert licence.paper_number in html
    assert "签发证照" not in html


def test_issuing_without_a_holder_sends_the_clerk_to_the_registry(client_as):
    response = client_as(Role.CLERK).get(reverse("elicences:licence_issue"))
    assert response.status_code == 302
