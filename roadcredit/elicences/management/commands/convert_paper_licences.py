"""``python manage.py convert_paper_licences LEDGER.xlsx``: issue the e-licences of the paper ledger.

    python manage.py convert_paper_licences 纸质证照台账.xlsx [--dry-run] [--report 错误.xlsx]
    python manage.py convert_paper_licences --template 台账模板.xlsx
    python manage.py convert_paper_licences --export-paper-only 仅纸质证照台账.xlsx

Runs the conversion job here with a progress bar (see ``services.conversion``): every row is
checked first (any problem: nothing converted, exit 1, the problems printed and written to
``--report``), then the licences are converted in chunks. Killed midway, run the same command
again: the same file is the same job and it resumes from its last chunk (``--force`` takes over
a job whose process died less than ``--stale-minutes`` ago); nothing is converted twice.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from roadcredit.accounts.models import User
from roadcredit.core.errors import ApplicationError
from roadcredit.core.jobs import JobBusy, job_run, progress_bar
from roadcredit.core.models import JobStatus
from roadcredit.elicences.jobs.stock import conversion_summary_lines
from roadcredit.elicences.services.conversion import (
    CHUNK_ROWS,
    ConversionSummary,
    conversion_report_bytes,
    conversion_submit,
    ledger_template_workbook,
    paper_only_ledger_workbook,
)
from roadcredit.exchange.registry_import import error_text

PRINTED_ERRORS = 200
READ_BLOCK = 1 << 20


class Command(BaseCommand):
    help = "Convert a paper-licence ledger (.xlsx/.csv) into e-licences (resumable, no duplicates)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="the ledger (.xlsx or .csv)")
        parser.add_argument("--dry-run", action="store_true", help="check only, convert nothing")
        parser.add_argument("--report", metavar="OUT.xlsx", help="write the error report here")
        parser.add_argument(
            "--template", metavar="OUT.xlsx", help="write the empty ledger and stop"
        )
        parser.add_argument(
            "--export-paper-only",
            metavar="OUT.xlsx",
            help="write the register's live paper-only licences as a ledger and stop",
        )
        parser.add_argument("--user", metavar="USERNAME", help="the actor in the audit trail")
        parser.add_argument("--chunk-rows", type=int, default=CHUNK_ROWS, help="rows per chunk")
        parser.add_argument(
            "--stale-minutes",
            type=int,
            default=2,
            help="a running job silent this long counts as dead and is resumed (default 2)",
        )
        parser.add_argument(
            "--force", action="store_true", help="take the job over even if it looks alive"
        )
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["template"]:
            out = Path(options["template"])
            out.write_bytes(ledger_template_workbook())
            self.stdout.write(_("Template written: %(path)s") % {"path": out})
            return
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"], is_active=True).first()
            if actor is None:
                raise CommandError(_("No active user %(name)s.") % {"name": options["user"]})
        if options["export_paper_only"]:
            out = Path(options["export_paper_only"])
            out.write_bytes(paper_only_ledger_workbook(actor=actor))
            self.stdout.write(_("Ledger written: %(path)s") % {"path": out})
            return
        if not options["file"]:
            raise CommandError(_("Name the ledger file (or use --template OUT.xlsx)."))
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("File not found: %(path)s") % {"path": path})
        try:
            with path.open("rb") as handle:
                job = conversion_submit(
                    actor=actor,
                    chunks=iter(lambda: handle.read(READ_BLOCK), b""),
                    file_name=path.name,
                    dry_run=options["dry_run"],
                    run="defer",
                    chunk_rows=options["chunk_rows"],
                )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        if job.status != JobStatus.QUEUED:
            self.stdout.write(
                _("This ledger already has job %(job)s (%(status)s); continuing it.")
                % {"job": job.public_id, "status": job.get_status_display()}
            )
        bar = (
            None
            if options["quiet"]
            else progress_bar(_("Converting paper licences"), stream=self.stderr)
        )
        stale = (
            dt.timedelta(0) if options["force"] else dt.timedelta(minutes=options["stale_minutes"])
        )
        try:
            job = job_run(job, progress=bar, stale_after=stale)
        except JobBusy as exc:
            raise CommandError(
                _(
                    "Job %(job)s is running in another process; wait, or run again with --force "
                    "if that process was killed."
                )
                % {"job": job.public_id}
            ) from exc
        finally:
            if bar is not None:
                bar.close()
        if job.status == JobStatus.FAILED:
            raise CommandError(
                _("Job %(job)s stopped: %(error)s Run the command again to resume.")
                % {"job": job.public_id, "error": job.error}
            )
        summary = ConversionSummary.from_dict(job.result or {})
        for error in summary.errors[:PRINTED_ERRORS]:
            self.stderr.write(error_text(error))
        if options["report"] and summary.errors:
            out = Path(options["report"])
            out.write_bytes(conversion_report_bytes(summary))
            self.stderr.write(_("Error report written: %(path)s") % {"path": out})
        for label, value in conversion_summary_lines(summary):
            self.stdout.write(f"{label}: {value}")
        if summary.errors:
            raise CommandError(_("The ledger has problems; nothing was converted."), returncode=1)
