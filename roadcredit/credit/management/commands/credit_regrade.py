"""``manage.py credit_regrade``: regrade every subject (batch job, resumable, progress bar).

    python manage.py credit_regrade --all [--as-of 2026-06-30] [--chunk 1000000]
    python manage.py credit_regrade --resume JOB_PUBLIC_ID [--force]

Only subjects whose grade changed get a new snapshot. Ctrl-C leaves the job resumable; after a
crash (kill -9, power loss) ``--resume JOB --force`` takes over at once, otherwise the job counts
as dead once its heartbeat is ``--stale-minutes`` old.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from roadcredit.core.jobs import STALE_AFTER, JobBusy, job_run, progress_bar
from roadcredit.core.models import Job, JobStatus
from roadcredit.credit.jobs import DEFAULT_CHUNK, REGRADE_KIND, regrade_submit


class Command(BaseCommand):
    help = "Regrade every operator and practitioner under the active rule sets."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all", action="store_true", help="regrade every subject")
        parser.add_argument("--as-of", help="as-of date YYYY-MM-DD (default today)")
        parser.add_argument("--chunk", type=int, default=DEFAULT_CHUNK, help="subjects per chunk")
        parser.add_argument("--resume", metavar="JOB", help="resume an interrupted regrade job")
        parser.add_argument(
            "--stale-minutes",
            type=int,
            default=int(STALE_AFTER.total_seconds() // 60),
            help="a running job silent this long counts as dead and is resumed (default %(default)s)",
        )
        parser.add_argument(
            "--force", action="store_true", help="take the job over even if it looks alive"
        )

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
        stale = (
            dt.timedelta(0) if options["force"] else dt.timedelta(minutes=options["stale_minutes"])
        )
        progress = progress_bar(_("Credit batch regrade"), stream=self.stderr)
        try:
            job = job_run(job, progress=progress, stale_after=stale)
        except JobBusy as exc:
            raise CommandError(
                _(
                    "Job %(job)s is running in another process; wait, or run again with --force "
                    "if that process was killed."
                )
                % {"job": job.public_id}
            ) from exc
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
