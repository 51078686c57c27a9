"""The licensing sweep as a background job (found by the job registry's autodiscovery), and the
entry point of ``manage.py licensing_sweep`` (run it daily, e.g. from cron or Celery beat).

The sweep is one chunk: deemed acceptance, 容缺 reminders, overdue termination and escalation
(``services.sweep``); each case commits on its own, so the job's single chunk may be re-run at
any time without doing anything twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy

from roadcredit.core import clock
from roadcredit.core.jobs import ChunkResult, JobHandler, job_submit, register
from roadcredit.core.models import Job

from .services.sweep import licensing_sweep

if TYPE_CHECKING:
    from roadcredit.accounts.models import User

SWEEP_KIND = "licensing.sweep"


def sweep_submit(*, actor: User | None, run: Any = "auto") -> Job:
    """Queue one run of the daily sweep (idempotent per day)."""
    return job_submit(
        actor=actor,
        kind=SWEEP_KIND,
        params={"day": clock.today().isoformat()},
        idempotency_key=f"{SWEEP_KIND}:{clock.today().isoformat()}",
        run=run,
    )


@register(SWEEP_KIND)
class LicensingSweepHandler(JobHandler):
    label = gettext_lazy("Licensing daily sweep")

    def total(self, job: Job) -> int:
        return 1

    def run_chunk(self, job: Job, checkpoint: dict[str, Any]) -> ChunkResult:
        result = licensing_sweep()
        return ChunkResult(
            checkpoint={"done": True}, done=1, finished=True, result=result.as_json()
        )
