"""The registry import as a background job (found by the job registry's autodiscovery).

One chunk does the whole file: the import is all or nothing, so its writes cannot be spread
over several chunk transactions. The error report is written next to the uploads.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from roadcredit.core.jobs import ChunkResult, JobHandler, register
from roadcredit.core.models import Job

from .registry_import import (
    JOB_KIND,
    ImportSummary,
    import_subjects,
    report_write,
    summary_lines,
    upload_path,
)

# Errors kept in the job's result (the page's table); the report file holds all of them.
RESULT_ERRORS = 500


@register(JOB_KIND)
class ImportSubjectsHandler(JobHandler):
    label = gettext_lazy("Registry import")

    def total(self, job: Job) -> int:
        return 1

    def run_chunk(self, job: Job, checkpoint: dict[str, Any]) -> ChunkResult:
        params = job.params
        summary = import_subjects(
            actor=job.created_by,
            kind=params["kind"],
            path_or_file=upload_path(params["sha256"], params["suffix"]),
            dry_run=bool(params["dry_run"]),
            file_name=params["file_name"],
        )
        if summary.errors:
            report_write(summary, job_public_id=job.public_id)
        return ChunkResult(
            checkpoint={},
            done=1,
            finished=True,
            result=summary.as_dict(max_errors=RESULT_ERRORS),
        )

    def summary(self, job: Job) -> list[tuple[str, str]]:
        if not job.result:
            return []
        summary = ImportSummary.from_dict(job.result)
        return [(_("Import summary"), line) for line in summary_lines(summary)]

    def links(self, job: Job) -> list[tuple[str, str]]:
        links = [
            (
                _("Import result"),
                reverse("exchange:import_upload") + f"?job={job.public_id}",
            )
        ]
        if job.result and job.result.get("errors"):
            links.append(
                (
                    _("Download the error report"),
                    reverse("exchange:import_report", args=[job.public_id]),
                )
            )
        return links
