"""The pages: public guides, the one form, the application page with its tier and why, queues.
No inline script or style anywhere (strict CSP)."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from roadcredit.accounts.roles import Role
from roadcredit.accounts.tests.factories import make_user
from roadcredit.licensing.models import Application
from roadcredit.licensing.services import application_create
from roadcredit.licensing.tests.factories import PDF, fleet, grade_operator, single_data, upload_all
from roadcredit.subjects.tests.factories import ensure_scopes, make_operator

pytestmark = pytest.mark.django_db
INLINE = re.compile(rb"<script(?![^>]*\bsrc=)|<style|\sstyle=|\son[a-z]+=")


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.status_code
    assert not INLINE.search(response.content)
    return response.content.decode()


def test_the_guides_are_public_pages_in_chinese(client):
    text = page(client, reverse("licensing:guides"))
    assert "办事指南" in text and "开办道路货物运输企业“一件事”" in text and "不收费" in text
    detail = page(client, reverse("licensing:guide_detail", args=["qualification_new"]))
    assert "近3年内无重大以上交通责任事故记录证明" in detail and "可以承诺替代" in detail
    assert client.get(reverse("licensing:guide_detail", args=["nothing"])).status_code == 404


def test_the_one_form_creates_a_bundle_with_the_shared_fields_entered_once(client_as, personas):
    operator = grade_operator(personas[Role.OPERATOR].operator, "AA")
    vehicles = fleet(operator, 3)
    ensure_scopes()
    client = client_as(Role.OPERATOR)
    text = page(client, reverse("licensing:apply"))
    assert "您当前的信用分级：守信优良" in text and "licensing/apply.js" in text
    response = client.post(
        reverse("licensing:apply"),
        {
            "mode": "bundle",
            "bundle": "freight_startup",
            "contact_name": "刘建国",
            "contact_phone": "139 0535 1234",
            "business_scope_codes": ["2010"],
            "vehicle_plate": [v.plate for v in vehicles] + [""],
            "vehicle_colour": ["2", "2", "2", "2"],
            "vehicle_dimensions": ["9600×2550×3950"] * 4,
        },
    )
    assert response.status_code == 302, re.findall(
        r'<ul class="messages">.*?</ul>', response.content.decode(), re.S
    )
    application = Application.objects.get()
    assert response["Location"].endswith(f"/{application.public_id}/")
    assert application.items.count() == 4 and application.bundle_key == "freight_startup"
    assert all(
        item.data["business_scope"] == "道路普通货物运输" for item in application.items.all()
    )


def test_the_one_form_shows_every_problem_at_once(client_as, personas):
    client = client_as(Role.OPERATOR)
    response = client.post(
        reverse("licensing:apply"), {"mode": "item", "item": "freight_business_new"}
    )
    text = response.content.decode()
    assert response.status_code == 200 and "申请填写有误" in text and "必填" in text
    assert not Application.objects.exists()


def test_the_application_page_shows_the_tier_and_why_to_applicant_and_clerk(client_as, personas):
    owner = personas[Role.OPERATOR]
    grade_operator(owner.operator, "AA")
    application = application_create(actor=owner, data=single_data("freight_business_new"))
    url = reverse("licensing:application_detail", args=[application.public_id])
    client = client_as(Role.OPERATOR)
    upload_all(owner, application)
    response = client.post(
        reverse("licensing:application_action", args=[application.public_id]),
        {"action": "submit", "version": application.version},
    )
    assert response.status_code == 302
    for role in (Role.OPERATOR, Role.CLERK):
        text = page(client_as(role), url)
        assert "信用分级：守信优良" in text
        assert "当前信用等级为AA级（优良）" in text
    clerk_page = page(client_as(Role.CLERK), url)
    assert "信用面板" in clerk_page and "受理" in clerk_page
    assert "信用面板" not in page(client, url)


def test_uploading_on_the_page_refuses_a_wrong_file_with_a_chinese_message(client_as, personas):
    owner = personas[Role.OPERATOR]
    grade_operator(owner.operator, "AA")
    application = application_create(actor=owner, data=single_data("freight_business_new"))
    client = client_as(Role.OPERATOR)
    upload_url = reverse("licensing:material_upload", args=[application.public_id])
    bad = SimpleUploadedFile("身份证.pdf", b"GIF89a....", content_type="application/pdf")
    response = client.post(upload_url, {"item": 1, "key": "identity", "file": bad}, follow=True)
    assert "只接受 PDF、JPG、PNG 格式的文件" in response.content.decode()
    good = SimpleUploadedFile("身份证.pdf", PDF, content_type="application/pdf")
    response = client.post(upload_url, {"item": 1, "key": "identity", "file": good}, follow=True)
    assert "身份证.pdf 已上传" in response.content.decode()
    material = application.materials.get()
    download = reverse(
        "licensing:material_download", args=[application.public_id, material.public_id]
    )
    assert client.get(download).content == PDF
    rival = make_user(Role.OPERATOR, "rival", operator=make_operator(name="烟台远航运输有限公司"))
    other = client_as(None)
    other.force_login(rival)
    assert other.get(download).status_code == 404
    assert client_as(Role.AUDITADMIN).get(download).status_code == 403


def test_a_refused_step_on_the_page_shows_the_reason_and_changes_nothing(client_as, personas):
    owner = personas[Role.OPERATOR]
    grade_operator(owner.operator, "B")
    application = application_create(actor=owner, data=single_data("freight_business_new"))
    response = client_as(Role.OPERATOR).post(
        reverse("licensing:commitment_sign", args=[application.public_id]),
        {"confirmed": "1"},
        follow=True,
    )
    assert "信用承诺仅适用于" in response.content.decode()
    response = client_as(Role.CLERK).post(
        reverse("licensing:application_action", args=[application.public_id]),
        {"action": "accept", "version": application.version},
        follow=True,
    )
    assert "申请当前状态为“草稿”，不能执行“受理”" in response.content.decode()


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("licensing:queue", Role.CLERK),
        ("licensing:workbench", Role.APPROVER),
        ("licensing:verification_tasks", Role.CREDIT_OFFICER),
        ("licensing:statistics", Role.LEADER),
        ("licensing:applications", Role.OPERATOR),
    ],
)
def test_the_staff_and_list_pages_render(client_as, personas, name, role):
    page(client_as(role), reverse(name))
