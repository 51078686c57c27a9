"""The progress page and its JSON endpoint, with the policy and the object-level rule."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from roadcredit.accounts.roles import Role
from roadcredit.core.jobs import job_submit
from roadcredit.core.models import Job
from roadcredit.core.tests.jobs_demo.jobs import KIND

pytestmark = pytest.mark.django_db


def submit(actor, run="inline", **params) -> Job:
    return job_submit(actor=actor, kind=KIND, params={"n": 25, "chunk": 10, **params}, run=run)


def detail_url(job: Job) -> str:
    return reverse("core:job_detail", args=[job.public_id])


def progress_url(job: Job) -> str:
    return reverse("core:job_progress", args=[job.public_id])


def test_the_page_shows_a_finished_job_in_chinese_with_its_result(personas, client_as):
    job = submit(personas[Role.CLERK])

    response = client_as(Role.CLERK).get(detail_url(job))

    assert response.status_code == 200
    html = response.content.decode()
    assert "演示任务：平方和" in html
    assert "已完成" in html
    assert '<progress data-job="bar" max="25" value="25">' in html
    assert "25 / 25" in html
    assert "平方和" in html and "5525" in html
    assert "王窗口" in html
    assert 'data-finished="1"' in html


def test_the_page_of_a_queued_job_polls_for_progress_from_a_static_script(personas, client_as):
    job = submit(personas[Role.CLERK], run="defer")

    response = client_as(Role.CLERK).get(detail_url(job))

    html = response.content.decode()
    assert "排队中" in html
    assert 'data-finished="0"' in html
    assert f'data-progress-url="{progress_url(job)}"' in html
    assert 'src="/static/core/job_progress.js"' in html
    # CSP: every script is a file; no inline code or styles.
    assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", html))
    assert "style=" not in html and "<style" not in html


def test_a_failed_job_shows_its_error(personas, client_as):
    job = submit(personas[Role.CLERK], fail_at=1)

    html = client_as(Role.CLERK).get(detail_url(job)).content.decode()

    assert "失败" in html
    assert "模拟故障" in html


def test_the_progress_endpoint_answers_json_for_polling(personas, client_as):
    job = submit(personas[Role.CLERK], run="defer")

    response = client_as(Role.CLERK).get(progress_url(job))

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response.json() == {
        "id": job.public_id,
        "kind": KIND,
        "kind_label": "演示任务：平方和",
        "status": "queued",
        "status_label": "排队中",
        "done": 0,
        "total": None,
        "percent": 0,
        "finished": False,
        "heartbeat_at": None,
    }


def test_other_business_staff_see_a_clerks_job(personas, client_as):
    job = submit(personas[Role.CLERK])

    for role in (Role.APPROVER, Role.CREDIT_OFFICER, Role.INSPECTOR, Role.LEADER):
        assert client_as(role).get(detail_url(job)).status_code == 200, role
        assert client_as(role).get(progress_url(job)).status_code == 200, role


def test_holders_never_see_a_job(personas, client_as):
    job = submit(personas[Role.CLERK])

    for role in (Role.OPERATOR, Role.PRACTITIONER):
        assert client_as(role).get(detail_url(job)).status_code == 403, role
        assert client_as(role).get(progress_url(job)).status_code == 403, role


def test_the_system_administrator_sees_only_the_jobs_he_started(personas, client_as):
    clerks_job = submit(personas[Role.CLERK])
    own_job = submit(personas[Role.SYSADMIN])
    sysadmin = client_as(Role.SYSADMIN)

    response = sysadmin.get(detail_url(clerks_job))
    assert response.status_code == 403
    assert "您无权查看该后台任务" in response.content.decode()
    denied = sysadmin.get(progress_url(clerks_job))
    assert denied.status_code == 403
    assert set(denied.json()) == {"message", "extra"}
    assert sysadmin.get(detail_url(own_job)).status_code == 200
    assert sysadmin.get(progress_url(own_job)).status_code == 200


def test_the_security_and_audit_administrators_see_no_jobs(personas, client_as):
    job = submit(personas[Role.CLERK])

    for role in (Role.SECADMIN, Role.AUDITADMIN):
        assert client_as(role).get(detail_url(job)).status_code == 403, role
        assert client_as(role).get(progress_url(job)).status_code == 403, role


def test_anonymous_visitors_are_sent_to_the_login_page(personas, client_as):
    job = submit(personas[Role.CLERK])

    for url in (detail_url(job), progress_url(job)):
        response = client_as(None).get(url)
        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]


def test_an_unknown_job_is_not_found(client_as):
    assert client_as(Role.CLERK).get("/jobs/zzzzzzzzzzzzzzzz/").status_code == 404
    response = client_as(Role.CLERK).get("/jobs/zzzzzzzzzzzzzzzz/progress")
    assert response.status_code == 404
    assert response.json()["message"] == "未找到该后台任务。"
