"""``manage.py credit_regrade``: regrade every subject (batch job, resumable, progress bar).

    python manage.py credit_regrade --all [--as-of 2026-06-30] [--chunk 50000]
    python manage.py credit_regrade --resume JOB_PUBLIC_ID

Only subjects whose grade changed get a new snapshot. Ctrl-C leaves the job resumable.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from roadcredit.core.jobs import job_run, progress_bar
from roadcredit.core.models import Job, JobStatus
from roadcredit.credit.jobs import REGRADE_KIND, regrade_submit


class Command(BaseCommand):
    help = "Regrade every operator and practitioner under the active rule sets."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all", action="store_true", help="regrade every subject")
        parser.add_argument("--as-of", help="as-of date YYYY-MM-DD (default today)")
        parser.add_argument("--chunk", type=int, default=50_000, help="subjects per chunk")
        parser.add_argument("--resume", metavar="JOB", help="resume an interrupted regrade job")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["resume"]:
            job = Job.objects.filter(public_id=options["resume"], kind=REGRADE_KIND).first()
            if job is None:
                raise CommandError(_("No such regrade job."))
        elif options["all"]:
            as_of = None
            if options["as_of"]:
                try:
                    as_of = dt.date.fromisoformat(options["as_of"])
                except ValueError as exc:
                    raise CommandError(_("Use the format YYYY-MM-DD.")) from exc
            job = regrade_submit(
                actor=None,
                reason="命令行全量重新评级",
                as_of=as_of,
                chunk=options["chunk"],
                run="defer",
            )
        else:
            raise CommandError(_("Use --all or --resume JOB."))
        progress = progress_bar(_("Credit batch regrade"), stream=self.stderr)
        try:
            job = job_run(job, progress=progress)
        finally:
            progress.close()
        if job.status != JobStatus.SUCCEEDED:
            raise CommandError(job.error or job.status)
        result = job.result or {}
        self.stdout.write(
            _("Regraded %(subjects)s subjects; %(changed)s grades changed (job %(job)s).")
            % {
                "subjects": result.get("subjects"),
                "changed": result.get("changed"),
                "job": job.public_id,
            }
        )
        for key, count in sorted(result.get("distribution", {}).items()):
            self.stdout.write(f"  {key}\t{count}")
