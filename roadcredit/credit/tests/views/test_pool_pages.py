"""Pages of the data pool: file intake with its error report, the to-link queue, rule sets."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from roadcredit.accounts.roles import Role
from roadcredit.core import clock
from roadcredit.credit.grading import RULES_DIR
from roadcredit.credit.models import IntakeBatch, LinkQueueItem, RuleSetStatus, RuleSetVersion
from roadcredit.credit.services.intake import intake_submit
from roadcredit.credit.tests.factories import make_source, rated_operator
from roadcredit.subjects.tests.factories import valid_uscc, wrong_check_uscc

pytestmark = pytest.mark.django_db

OCCURRED = (clock.today() - dt.timedelta(days=40)).isoformat()
HEADER = "来源记录编号,统一社会信用代码,行为代码,发生日期\n"


def test_an_officer_uploads_a_csv_and_sees_the_batch(client_as: Any) -> None:
    operator = rated_operator()
    make_source()
    officer = client_as(Role.CREDIT_OFFICER)
    page = officer.get("/credit/intake/")
    assert page.status_code == 200 and "山东省公共信用信息共享交换平台" in page.content.decode()
    upload = SimpleUploadedFile(
        "执法记录.csv", (HEADER + f"ZF-1,{operator.uscc},RT-N-008,{OCCURRED}\n").encode()
    )
    response = officer.post("/credit/intake/", {"source": "sdcredit", "file": upload})
    batch = IntakeBatch.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(
        f"/credit/intake/{batch.pk}/"
    )
    detail = officer.get(response["Location"]).content.decode()
    assert "执法记录.csv" in detail and batch.status == "accepted"


def test_a_rejected_upload_lists_the_errors_and_offers_the_report(client_as: Any) -> None:
    operator = rated_operator()
    make_source()
    officer = client_as(Role.CREDIT_OFFICER)
    upload = SimpleUploadedFile(
        "bad.csv",
        (HEADER + f"ZF-1,{wrong_check_uscc(operator.uscc)},RT-N-008,{OCCURRED}\n").encode(),
    )
    response = officer.post("/credit/intake/", {"source": "sdcredit", "file": upload}, follow=True)
    content = response.content.decode()
    assert "校验位" in content
    batch = IntakeBatch.objects.get()
    report = officer.get(f"/credit/intake/{batch.pk}/report.xlsx")
    assert report.status_code == 200 and report["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )


def test_an_upload_of_the_wrong_type_is_refused_on_the_form(client_as: Any) -> None:
    make_source()
    upload = SimpleUploadedFile("records.doc", b"x")
    response = client_as(Role.CREDIT_OFFICER).post(
        "/credit/intake/", {"source": "sdcredit", "file": upload}
    )
    assert response.status_code == 200 and IntakeBatch.objects.count() == 0


def test_the_queue_page_resolves_a_record(client_as: Any) -> None:
    code = valid_uscc()
    intake_submit(
        source=make_source(),
        records=[
            {
                "source_ref": "Q-1",
                "uscc": code,
                "behaviour_code": "RT-N-008",
                "occurred_on": OCCURRED,
                "subject_name": "烟台新锐运输有限公司",
            }
        ],
    )
    officer = client_as(Role.CREDIT_OFFICER)
    item = LinkQueueItem.objects.get()
    assert "烟台新锐运输有限公司" in officer.get("/credit/link-queue/").content.decode()
    assert officer.get(f"/credit/link-queue/{item.public_id}/").status_code == 200
    wrong = officer.post(
        f"/credit/link-queue/{item.public_id}/",
        {"action": "resolve", "subject_id": "zzzzzzzzzzzzzzzz"},
    )
    assert wrong.status_code == 200 and "error" in wrong.content.decode()
    assert LinkQueueItem.objects.get().status == "open"
    operator = rated_operator(uscc=code)
    done = officer.post(
        f"/credit/link-queue/{item.public_id}/",
        {"action": "resolve", "subject_id": operator.public_id},
    )
    assert done.status_code == 302
    item.refresh_from_db()
    assert item.status == "linked"


def test_rule_set_pages_load_preview_and_activate(client_as: Any) -> None:
    rated_operator()
    officer = client_as(Role.CREDIT_OFFICER)
    text = (
        (RULES_DIR / "enterprise-jiangsu-2024.toml")
        .read_text(encoding="utf-8")
        .replace('version = "2024.2"', 'version = "2026.9"', 1)
    )
    response = officer.post(
        "/credit/rulesets/", {"file": SimpleUploadedFile("enterprise-2026.toml", text.encode())}
    )
    draft = RuleSetVersion.objects.get(version="2026.9")
    assert response.status_code == 302
    leader = client_as(Role.LEADER)
    preview = leader.get(f"/credit/rulesets/{draft.pk}/?preview=1").content.decode()
    assert 'id="preview"' in preview
    assert leader.post(f"/credit/rulesets/{draft.pk}/activate").status_code == 403
    assert officer.post(f"/credit/rulesets/{draft.pk}/activate").status_code == 302
    draft.refresh_from_db()
    assert draft.status == RuleSetStatus.ACTIVE
    bad = officer.post(
        "/credit/rulesets/", {"file": SimpleUploadedFile("bad.toml", b"[meta]\nkind = 1")}
    )
    assert bad.status_code == 200 and "规则文件" in bad.content.decode()


def test_pages_are_closed_to_other_roles(client_as: Any) -> None:
    for role in (Role.CLERK, Role.OPERATOR):
        assert client_as(role).get("/credit/intake/").status_code == 403
    assert client_as(None).get("/credit/link-queue/").status_code in (302, 403)
