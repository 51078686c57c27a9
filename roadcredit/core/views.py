from __future__ import annotations

from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.response import TemplateResponse

from roadcredit.core.errors import ApplicationError, NotFound
from roadcredit.core.jobs.registry import UnknownJobKind, handler_for, kind_label
from roadcredit.core.jobs.selectors import job_get_for, job_snapshot
from roadcredit.core.models import Job, JobStatus


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def _result_lines(job: Job) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    if job.status != JobStatus.SUCCEEDED:
        return [], []
    try:
        handler = handler_for(job.kind)
    except UnknownJobKind:
        return [(str(key), str(value)) for key, value in (job.result or {}).items()], []
    return handler.summary(job), handler.links(job)


def job_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    """A job's progress page (policy ``core:job_detail``); the bar updates from ``job_progress``."""
    try:
        job = job_get_for(viewer=request.user, public_id=public_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        return TemplateResponse(request, "403.html", {"message": exc.message}, status=403)
    summary, links = _result_lines(job)
    creator = job.created_by
    submitter = (
        (f"{creator.last_name}{creator.first_name}" or creator.get_username()) if creator else ""
    )
    return render(
        request,
        "core/job_detail.html",
        {
            "job": job,
            "kind_label": kind_label(job.kind),
            "status_label": JobStatus(job.status).label,
            "submitter": submitter,  # Chinese order: family name first
            "summary": summary,
            "links": links,
        },
    )


def job_progress(request: HttpRequest, public_id: str) -> JsonResponse:
    """The JSON the progress page polls (policy ``core:job_progress``)."""
    try:
        job = job_get_for(viewer=request.user, public_id=public_id)
    except ApplicationError as exc:
        return JsonResponse(
            {"message": exc.message, "extra": exc.extra},
            status=exc.status_code,
            json_dumps_params={"ensure_ascii": False},
        )
    response = JsonResponse(job_snapshot(job), json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response
