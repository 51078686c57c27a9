"""Run or resume background jobs from the command line, with a progress bar on stderr.

python manage.py run_job <public_id>          # run a queued job, retry a failed one
python manage.py run_job --resume-stale       # resume every job whose runner died (cron)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from roadcredit.core.jobs import (
    STALE_AFTER,
    JobBusy,
    job_resume_all,
    job_run,
    kind_label,
    progress_bar,
)
from roadcredit.core.jobs.progress import ProgressBar
from roadcredit.core.models import Job, JobStatus


class Command(BaseCommand):
    help = "Run or resume background jobs (运行或续跑后台任务)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("public_id", nargs="?", help="the job's public id")
        parser.add_argument(
            "--resume-stale",
            action="store_true",
            help="resume every running job with a stale heartbeat and every forgotten queued job",
        )
        parser.add_argument(
            "--stale-minutes",
            type=int,
            default=int(STALE_AFTER.total_seconds() // 60),
            help="heartbeat age after which a running job counts as dead (default %(default)s)",
        )
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        stale_after = dt.timedelta(minutes=options["stale_minutes"])
        bars: list[ProgressBar] = []

        def bar_for(job: Job) -> ProgressBar | None:
            if options["quiet"]:
                return None
            bar = progress_bar(f"{kind_label(job.kind)} {job.public_id}", stream=self.stderr)
            bars.append(bar)
            return bar

        if options["resume_stale"]:
            if options["public_id"]:
                raise CommandError("give either a job id or --resume-stale, not both")
            jobs = job_resume_all(stale_after=stale_after, progress_for=bar_for)
            for bar in bars:
                bar.close()
            for job in jobs:
                self._report(job)
            self.stdout.write(f"resumed {len(jobs)} job(s)")
            if any(job.status == JobStatus.FAILED for job in jobs):
                raise CommandError("at least one resumed job failed")
            return
        if not options["public_id"]:
            raise CommandError("give a job id or --resume-stale")
        found = Job.objects.filter(public_id=options["public_id"]).first()
        if found is None:
            raise CommandError(f"no job {options['public_id']}")
        try:
            ended = job_run(found, progress=bar_for(found), stale_after=stale_after)
        except JobBusy as exc:
            raise CommandError(
                f"job {found.public_id} is running in another process "
                f"(heartbeat {exc.extra.get('heartbeat_at')}); wait or use --stale-minutes"
            ) from exc
        finally:
            for bar in bars:
                bar.close()
        self._report(ended)
        if ended.status == JobStatus.FAILED:
            raise CommandError(f"job {ended.public_id} failed: {ended.error}")

    def _report(self, job: Job) -> None:
        self.stdout.write(
            f"{job.public_id} {job.kind} {job.status} {job.done}/{job.total} "
            f"result={job.result if job.result is not None else '-'}"
        )
