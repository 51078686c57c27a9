"""Job handlers for the paper-stock ledger and stock conversion.

``elicences.convert_paper_licences`` converts a paper-licence ledger file (see
``services.conversion``). Checkpoint: ``{}`` before the check; then ``{"phase": "convert",
"after_row": N, "today": "YYYY-MM-DD", "summary": {...}}`` after each chunk, committed with that
chunk's licences, so a killed job resumes at the next row and converts nothing twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from roadcredit.core import clock
from roadcredit.core.jobs import ChunkResult, JobHandler, register
from roadcredit.core.models import Job
from roadcredit.elicences.services.conversion import (
    CHUNK_ROWS,
    JOB_KIND,
    ConversionSummary,
    LedgerUnreadable,
    conversion_audit_finish,
    conversion_check,
    conversion_report_write,
    conversion_run_chunk,
    ledger_open,
    ledger_path,
)
from roadcredit.exchange import tabular

RESULT_ERRORS = 500


def conversion_summary_lines(summary: ConversionSummary) -> list[tuple[str, str]]:
    """Label/value lines of a conversion's result (the job page, the conversion page)."""
    lines = [
        (_("Ledger file"), summary.file_name),
        (_("Data rows"), str(summary.total_rows)),
    ]
    if summary.errors:
        lines.append(
            (
                _("Problems"),
                _("%(count)d problems: nothing was converted.") % {"count": len(summary.errors)},
            )
        )
        return lines
    lines += [
        (_("Paper licences to convert"), str(summary.to_register)),
        (_("Paper-only records to convert"), str(summary.to_convert)),
        (_("Expired licences to record without an e-licence"), str(summary.to_record)),
        (_("Already converted"), str(summary.already_done)),
    ]
    if summary.dry_run:
        lines.append((_("Dry run"), _("Checked only; nothing was converted.")))
    elif summary.done:
        lines += [
            (_("E-licences issued"), str(summary.registered + summary.converted)),
            (_("Recorded without an e-licence"), str(summary.recorded)),
            (_("Skipped (already converted)"), str(summary.skipped)),
        ]
    return lines


@register(JOB_KIND)
class ConvertPaperLicencesHandler(JobHandler):
    label = gettext_lazy("Paper licence conversion")

    def total(self, job: Job) -> int:
        """The ledger's data rows (blank rows not counted); 1 for an unreadable file."""
        params = job.params
        try:
            ledger = ledger_open(ledger_path(params), file_name=str(params["file_name"]))
            return max(1, sum(1 for _row in ledger.rows()))
        except (LedgerUnreadable, tabular.TabularError):
            return 1

    def run_chunk(self, job: Job, checkpoint: dict[str, Any]) -> ChunkResult:
        params = job.params
        path = ledger_path(params)
        file_name = str(params["file_name"])
        if checkpoint.get("phase") != "convert":
            today = timezone.localdate(clock.now())
            summary = conversion_check(
                path=path,
                file_name=file_name,
                sha256=str(params["sha256"]),
                today=today,
                dry_run=bool(params.get("dry_run")),
            )
            if summary.errors or summary.dry_run:
                if summary.errors:
                    conversion_report_write(summary, job_public_id=job.public_id)
                return ChunkResult(
                    checkpoint={},
                    done=job.total or 1,
                    finished=True,
                    result=summary.as_dict(max_errors=RESULT_ERRORS),
                )
            return ChunkResult(
                checkpoint={
                    "phase": "convert",
                    "after_row": 1,
                    "today": today.isoformat(),
                    "summary": summary.as_dict(),
                },
                done=0,
            )
        summary = ConversionSummary.from_dict(checkpoint["summary"])
        chunk_rows = int(params.get("chunk_rows") or CHUNK_ROWS)
        outcome = conversion_run_chunk(
            actor=job.created_by,
            path=path,
            file_name=file_name,
            after_row=int(checkpoint["after_row"]),
            today=dt.date.fromisoformat(checkpoint["today"]),
            limit=chunk_rows,
        )
        summary.registered += outcome.registered
        summary.recorded += outcome.recorded
        summary.converted += outcome.converted
        summary.skipped += outcome.skipped
        done = summary.registered + summary.recorded + summary.converted + summary.skipped
        if outcome.rows < chunk_rows:  # the last rows of the file
            summary.done = True
            conversion_audit_finish(actor=job.created_by, summary=summary)
            return ChunkResult(
                checkpoint={**checkpoint, "summary": summary.as_dict()},
                done=done,
                finished=True,
                result=summary.as_dict(),
            )
        return ChunkResult(
            checkpoint={**checkpoint, "after_row": outcome.last_row, "summary": summary.as_dict()},
            done=done,
        )

    def summary(self, job: Job) -> list[tuple[str, str]]:
        if not job.result:
            return []
        return conversion_summary_lines(ConversionSummary.from_dict(job.result))

    def links(self, job: Job) -> list[tuple[str, str]]:
        links = [
            (_("Conversion result"), reverse("elicences:conversion") + f"?job={job.public_id}")
        ]
        if job.result and job.result.get("errors"):
            links.append(
                (
                    _("Download the error report"),
                    reverse("elicences:conversion_report", args=[job.public_id]),
                )
            )
        return links
