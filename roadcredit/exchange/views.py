"""Pages of the registry import: upload (and the result of an upload), templates, error report.

Access is declared in ``accounts.policy`` and enforced by the policy middleware; the selector
adds who may see one import's result.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header

from roadcredit.core.errors import ApplicationError, NotFound, PermissionDenied
from roadcredit.core.models import Job, JobStatus

from . import columns, reports
from .forms import ImportUploadForm
from .registry_import import (
    ImportSummary,
    error_text,
    import_submit,
    report_bytes,
    report_path,
    summary_lines,
)
from .selectors import import_job_get_for

View = Callable[..., HttpResponse]


def _import_errors(view: View) -> View:
    """Render the selector's NotFound / PermissionDenied as Django's 404 / 403 pages."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except PermissionDenied as exc:
            raise DjangoPermissionDenied(exc.message) from exc

    return wrapper


def _xlsx(content: bytes, file_name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=reports.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, file_name)
    response["Cache-Control"] = "no-store"
    return response


def _result(job: Job) -> dict[str, Any]:
    summary = ImportSummary.from_dict(job.result) if job.result else None
    return {
        "job": job,
        "finished": job.is_finished,
        "failed": job.status == JobStatus.FAILED,
        "summary": summary,
        "summary_lines": summary_lines(summary) if summary else [],
        "error_count": (job.result or {}).get("error_count", 0),
        "errors": [
            {"row": e.row, "column": e.column_label, "message": e.message, "text": error_text(e)}
            for e in (summary.errors if summary else [])
        ],
    }


@_import_errors
def import_upload(request: HttpRequest) -> HttpResponse:
    """Upload a file to import (POST), or show the result of an upload (``?job=<id>``)."""
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = import_submit(
                    actor=request.user,  # type: ignore[arg-type]
                    kind=form.cleaned_data["kind"],
                    chunks=upload.chunks(),
                    file_name=upload.name or "",
                    dry_run=form.cleaned_data["dry_run"],
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                return redirect(reverse("exchange:import_upload") + f"?job={job.public_id}")
    else:
        form = ImportUploadForm(initial={"kind": request.GET.get("kind", "operator")})
    context: dict[str, Any] = {
        "form": form,
        "templates": [(kind, columns.KIND_LABELS[kind]) for kind in columns.KINDS],
        "columns": [
            (columns.KIND_LABELS[kind], columns.columns_for(kind)) for kind in columns.KINDS
        ],
    }
    public_id = request.GET.get("job", "").strip()
    if public_id and request.method != "POST":
        context.update(_result(import_job_get_for(viewer=request.user, public_id=public_id)))
    return render(request, "exchange/import.html", context)


def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    """The empty .xlsx template of one kind, with Chinese column headers."""
    if kind not in columns.KINDS:
        raise Http404(kind)
    return _xlsx(reports.template_workbook(kind), reports.template_file_name(kind))


@_import_errors
def import_report(request: HttpRequest, public_id: str) -> HttpResponse:
    """The .xlsx report of every failing row and field of one import."""
    job = import_job_get_for(viewer=request.user, public_id=public_id)
    if not job.result or not job.result.get("errors"):
        raise Http404(public_id)
    summary = ImportSummary.from_dict(job.result)
    path = report_path(job.public_id)
    content = path.read_bytes() if path.exists() else report_bytes(summary)
    return _xlsx(content, reports.report_file_name(summary.file_name))
