"""The import pages: upload as a clerk, the result and its error report, templates, access."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from roadcredit.accounts.roles import Role
from roadcredit.accounts.tests.factories import make_persona, make_user
from roadcredit.core.jobs import job_run
from roadcredit.core.models import Job
from roadcredit.exchange.registry_import import JOB_KIND
from roadcredit.exchange.tests.files import csv_bytes, headers
from roadcredit.subjects.models import Operator
from roadcredit.subjects.tests.factories import valid_uscc, wrong_check_uscc

pytestmark = pytest.mark.django_db

UPLOAD = reverse("exchange:import_upload")


def login(role: Role) -> Client:
    client = Client()
    client.force_login(make_persona(role))
    return client


def operator_csv(*codes: str) -> bytes:
    rows = [
        [code, "牟平区宏达运输有限公司", "", "刘洋", "山东省烟台市牟平区姜格庄街道", "", "", ""]
        for code in codes
    ]
    return csv_bytes(headers("operator"), rows, encoding="gb18030")


def upload(client: Client, content: bytes, *, name: str = "业户.csv", dry_run: bool = False) -> Any:
    data: dict[str, Any] = {"kind": "operator", "file": SimpleUploadedFile(name, content)}
    if dry_run:
        data["dry_run"] = "on"
    return client.post(UPLOAD, data)


def run_latest_job() -> Job:
    job = Job.objects.filter(kind=JOB_KIND).latest("created_at")
    return job_run(job)


def test_a_clerk_uploads_a_file_and_sees_the_result(settings: Any) -> None:
    client = login(Role.CLERK)

    response = upload(client, operator_csv(valid_uscc(), valid_uscc()))

    job = Job.objects.get(kind=JOB_KIND)
    assert response.status_code == 302
    assert response["Location"] == f"{UPLOAD}?job={job.public_id}"
    assert (Path(settings.MEDIA_ROOT) / "imports" / f"{job.params['sha256']}.csv").exists()
    run_latest_job()
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "导入完成：新增 2 条" in page.content.decode()
    assert Operator.objects.count() == 2


def test_a_running_import_page_reloads_itself() -> None:
    client = login(Role.APPROVER)
    response = upload(client, operator_csv(valid_uscc()))

    page = client.get(response["Location"]).content.decode()

    assert 'http-equiv="refresh"' in page


def test_uploading_the_same_file_again_returns_the_same_job() -> None:
    client = login(Role.CLERK)
    content = operator_csv(valid_uscc())

    first = upload(client, content)
    second = upload(client, content, name="改了名字.csv")
    dry = upload(client, content, dry_run=True)

    assert first["Location"] == second["Location"] != dry["Location"]
    assert Job.objects.filter(kind=JOB_KIND).count() == 2


def test_the_result_lists_the_errors_and_offers_the_report() -> None:
    client = login(Role.CLERK)
    response = upload(client, operator_csv(valid_uscc(), wrong_check_uscc(valid_uscc())))
    job = run_latest_job()

    page = client.get(response["Location"]).content.decode()
    report = client.get(reverse("exchange:import_report", args=[job.public_id]))

    assert "校验位错误" in page and "未写入任何数据" in page
    assert report.status_code == 200
    assert report["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(report.content)).worksheets[0]
    assert [cell.value for cell in sheet[2]][:2] == [3, "统一社会信用代码"]
    assert Operator.objects.count() == 0


def test_another_clerk_may_see_the_report_but_the_job_must_be_an_import() -> None:
    owner = login(Role.CLERK)
    upload(owner, operator_csv(wrong_check_uscc(valid_uscc())))
    job = run_latest_job()
    colleague = Client()
    colleague.force_login(make_user(Role.CLERK, "clerk2"))

    assert colleague.get(reverse("exchange:import_report", args=[job.public_id])).status_code == 200
    assert owner.get(reverse("exchange:import_report", args=["nosuchjob"])).status_code == 404


@pytest.mark.parametrize("role", [Role.LEADER, Role.OPERATOR, Role.PRACTITIONER, Role.SYSADMIN])
def test_other_roles_are_refused(role: Role) -> None:
    client = login(role)

    assert client.get(UPLOAD).status_code == 403
    assert upload(client, operator_csv(valid_uscc())).status_code == 403
    assert client.get(reverse("exchange:import_template", args=["operator"])).status_code == 403
    assert not Job.objects.exists()


def test_an_anonymous_visitor_is_sent_to_sign_in() -> None:
    response = Client().get(UPLOAD)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize("kind", ["operator", "vehicle", "practitioner"])
def test_the_template_downloads_with_chinese_headers(kind: str) -> None:
    response = login(Role.CLERK).get(reverse("exchange:import_template", args=[kind]))

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [cell.value for cell in sheet[1]] == headers(kind)


def test_an_unknown_template_is_not_found() -> None:
    assert login(Role.CLERK).get("/exchange/import/templates/licence.xlsx").status_code == 404


@pytest.mark.parametrize(
    ("name", "fragment"),
    [("业户.xls", "只能导入 .xlsx 或 .csv"), ("业户.txt", "只能导入 .xlsx 或 .csv")],
)
def test_a_file_of_another_type_is_refused(name: str, fragment: str) -> None:
    response = upload(login(Role.CLERK), b"whatever", name=name)

    assert response.status_code == 200
    assert fragment in response.content.decode()
    assert not Job.objects.exists()


def test_a_file_over_the_size_limit_is_refused(settings: Any) -> None:
    settings.IMPORT_MAX_BYTES = 100

    response = upload(login(Role.CLERK), operator_csv(*[valid_uscc() for _ in range(5)]))

    assert "请拆分后分批导入" in response.content.decode()
    assert not Job.objects.exists()


def test_the_page_offers_the_templates_without_inline_script() -> None:
    page = login(Role.CLERK).get(UPLOAD).content.decode()

    for kind in ("operator", "vehicle", "practitioner"):
        assert reverse("exchange:import_template", args=[kind]) in page
    assert "<script>" not in page and "style=" not in page


def test_the_job_progress_page_links_to_the_result_and_the_report() -> None:
    client = login(Role.CLERK)
    upload(client, operator_csv(wrong_check_uscc(valid_uscc())))
    job = run_latest_job()

    page = client.get(reverse("core:job_detail", args=[job.public_id])).content.decode()

    assert f"{UPLOAD}?job={job.public_id}" in page
    assert reverse("exchange:import_report", args=[job.public_id]) in page
    assert "未写入任何数据" in page
