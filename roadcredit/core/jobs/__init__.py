"""Background jobs: long work in chunks, idempotent, resumable, with progress.

    from roadcredit.core.jobs import ChunkResult, JobHandler, register, job_submit, job_run

    @register("exchange.import_subjects")
    class ImportHandler(JobHandler):
        label = "主体数据导入"
        def total(self, job): ...
        def run_chunk(self, job, checkpoint): ...

Put handlers in ``roadcredit/<app>/jobs.py`` so every process (web, worker, command) finds them.
See docs/decisions/003-background-jobs.md.
"""

from .progress import ProgressBar, progress_bar
from .registry import ChunkResult, JobHandler, UnknownJobKind, kind_label, register
from .runner import STALE_AFTER, JobBusy, job_resume_all, job_run, stale_jobs
from .services import job_cancel, job_submit

__all__ = [
    "STALE_AFTER",
    "ChunkResult",
    "JobBusy",
    "JobHandler",
    "ProgressBar",
    "UnknownJobKind",
    "job_cancel",
    "job_resume_all",
    "job_run",
    "job_submit",
    "kind_label",
    "progress_bar",
    "register",
    "stale_jobs",
]
