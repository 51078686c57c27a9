"""The conversion page, its error report, the ledger template, and on-demand conversion
(service, licence-page button and API operation)."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from roadcredit.accounts.roles import Role
from roadcredit.audit.models import AuditEntry
from roadcredit.core.errors import Conflict, ValidationFailed
from roadcredit.core.jobs import job_run
from roadcredit.core.models import Job
from roadcredit.elicences.models import Licence, LicenceEvent, LicenceOrigin
from roadcredit.elicences.services import licence_register_existing
from roadcredit.elicences.services.conversion import JOB_KIND, licence_convert_on_demand
from roadcredit.elicences.tests.conversion.support import business_row, ledger_xlsx
from roadcredit.elicences.tests.services.support import freight_operator

pytestmark = pytest.mark.django_db
PAGE = reverse("elicences:conversion")


def _paper_licence(*, valid_until=dt.date(2028, 4, 11), seq=101):
    return licence_register_existing(
        actor=None,
        type_key="business_licence",
        holder=freight_operator(),
        number=f"鲁交运管许可烟字370612{seq:06d}号",
        issued_on=dt.date(2024, 4, 12),
        valid_from=dt.date(2024, 4, 12),
        valid_until=valid_until,
        electronic=False,
    )


def test_a_clerk_uploads_a_ledger_and_sees_the_conversion(client_as):
    operator = freight_operator()
    client = client_as(Role.CLERK)
    upload = SimpleUploadedFile("台账.xlsx", ledger_xlsx([business_row(operator, 12)]))
    response = client.post(PAGE, {"file": upload})
    job = Job.objects.get(kind=JOB_KIND)
    assert response.status_code == 302 and job.public_id in response["Location"]
    job_run(job)
    page = client.get(PAGE, {"job": job.public_id})
    text = page.content.decode()
    assert "已生成电子证照" in text
    assert Licence.objects.get(operator=operator).origin == LicenceOrigin.CONVERTED


def test_a_failed_check_offers_the_error_report(client_as):
    operator = freight_operator()
    row = business_row(operator, 12)
    row[1] = "鲁交运管许可烟字12号"
    client = client_as(Role.CLERK)
    client.post(PAGE, {"file": SimpleUploadedFile("台账.xlsx", ledger_xlsx([row]))})
    job = job_run(Job.objects.get(kind=JOB_KIND))
    page = client.get(PAGE, {"job": job.public_id}).content.decode()
    assert "未转换任何证照" in page
    report = client.get(reverse("elicences:conversion_report", args=[job.public_id]))
    assert report.status_code == 200
    sheet = load_workbook(io.BytesIO(report.content))["错误报告"]
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [2]


def test_the_ledger_template_has_the_chinese_headers(client_as):
    response = client_as(Role.CLERK).get(reverse("elicences:conversion_template"))
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    assert headers[:3] == ["证照类型*", "证照编号*", "持证主体统一社会信用代码"]


def test_only_the_issuing_staff_convert(client_as):
    assert client_as(Role.LEADER).get(PAGE).status_code == 403
    assert client_as(Role.APPROVER).get(PAGE).status_code == 200


def test_on_demand_conversion_gives_a_paper_licence_its_e_licence(personas):
    paper = _paper_licence()
    clerk = personas[Role.CLERK]
    converted = licence_convert_on_demand(actor=clerk, licence=paper)
    assert converted.has_electronic and converted.identifier and converted.qr_text
    assert converted.paper_number == "鲁交运管许可烟字370612000101号"
    assert LicenceEvent.objects.get(licence=converted, kind="convert").actor == clerk
    assert AuditEntry.objects.filter(action="elicences.licence_convert").exists()
    with pytest.raises(Conflict):
        licence_convert_on_demand(actor=clerk, licence=converted)


def test_an_expired_paper_licence_is_not_converted_on_demand():
    paper = _paper_licence(valid_until=dt.date(2025, 4, 11))
    with pytest.raises(ValidationFailed):
        licence_convert_on_demand(actor=None, licence=paper)
    assert not Licence.objects.get(pk=paper.pk).has_electronic


def test_the_licence_page_offers_the_button_and_it_converts(client_as):
    paper = _paper_licence()
    client = client_as(Role.CLERK)
    detail = reverse("elicences:licence_detail", args=[paper.public_id])
    assert "立即生成电子证照" in client.get(detail).content.decode()
    assert "立即生成电子证照" not in client_as(Role.INSPECTOR).get(detail).content.decode()
    response = client.post(
        reverse("elicences:licence_convert", args=[paper.public_id]), follow=True
    )
    assert "已生成电子证照" in response.content.decode()
    assert Licence.objects.get(pk=paper.pk).has_electronic
    assert "立即生成电子证照" not in client.get(detail).content.decode()


def test_the_api_converts_on_demand_and_refuses_a_second_time(client_as):
    paper = _paper_licence()
    client = client_as(Role.CLERK)
    url = f"/api/elicences/licences/{paper.public_id}/convert"
    first = client.post(url)
    assert first.status_code == 200, first.content
    body = json.loads(first.content)
    assert body["has_electronic"] is True and body["identifier"]
    second = client.post(url)
    assert second.status_code == 409
    assert json.loads(second.content)["message"]
    assert client_as(Role.INSPECTOR).post(url).status_code == 403


def test_the_paper_only_ledger_download_lists_the_paper_licences(client_as):
    paper = _paper_licence()
    response = client_as(Role.CLERK).get(reverse("elicences:conversion_paper_only"))
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("证照类型", "证照编号")
    assert rows[1][1] == paper.paper_number
    assert AuditEntry.objects.filter(action="elicences.paper_ledger_export").exists()
    assert client_as(Role.LEADER).get(reverse("elicences:conversion_paper_only")).status_code == 403


def test_uploading_the_same_ledger_after_a_failure_resumes_its_job(
    client_as, monkeypatch, django_capture_on_commit_callbacks
):
    operator = freight_operator()
    content = ledger_xlsx([business_row(operator, 12)])
    client = client_as(Role.CLERK)
    client.post(PAGE, {"file": SimpleUploadedFile("台账.xlsx", content)})
    job = Job.objects.get(kind=JOB_KIND)
    Job.objects.filter(pk=job.pk).update(status="failed", error="进程被终止")
    resumed: list[int] = []
    monkeypatch.setattr("roadcredit.elicences.services.conversion.dispatch", resumed.append)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(PAGE, {"file": SimpleUploadedFile("再次上传.xlsx", content)})
    assert job.public_id in response["Location"]
    assert resumed == [job.pk]
    assert Job.objects.filter(kind=JOB_KIND).count() == 1
