"""The batch regrade as a background job (found by the job registry's autodiscovery).

Chunks walk the operators, then the practitioners, in primary-key order; the checkpoint is the
scheme and the last key done, so a killed regrade resumes where it stopped, and a chunk's
snapshots commit with its checkpoint. Rule-set versions and the as-of date are fixed when the
job is submitted, so every chunk grades under the same rules.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from roadcredit.audit.services import audit_record
from roadcredit.core import clock
from roadcredit.core.jobs import ChunkResult, JobHandler, job_submit, register
from roadcredit.core.models import Job
from roadcredit.credit.models import RuleSetVersion
from roadcredit.credit.services.grading import active_ruleset, ruleset_of
from roadcredit.credit.services.grading_batch import regrade_chunk
from roadcredit.subjects.models import Operator, Practitioner

if TYPE_CHECKING:
    from roadcredit.accounts.models import User

REGRADE_KIND = "credit.regrade_all"
# Subjects per chunk. Each chunk is one aggregate over the records of its subjects, and records
# lie in the table in arrival order, not by subject: a chunk reads about as many pages as the
# whole table. So chunks are large (a province's 1,000,000 subjects: one per scheme, about
# 200 MB of server memory each); ``--chunk`` makes them smaller for finer progress.
DEFAULT_CHUNK = 1_000_000
MAX_CHUNK = 2_000_000
SCHEMES = ("enterprise", "driver")


def regrade_submit(
    *,
    actor: User | None,
    reason: str,
    as_of: dt.date | None = None,
    chunk: int = DEFAULT_CHUNK,
    run: Any = "auto",
) -> Job:
    """Submit a full regrade of every operator and practitioner under the active rule sets."""
    rulesets = {scheme: active_ruleset(scheme)[0].pk for scheme in SCHEMES}
    params = {
        "as_of": (as_of or clock.today()).isoformat(),
        "chunk": max(100, min(int(chunk), MAX_CHUNK)),
        "reason": reason[:200],
        "rulesets": rulesets,
    }
    return job_submit(actor=actor, kind=REGRADE_KIND, params=params, run=run)


@register(REGRADE_KIND)
class RegradeAllHandler(JobHandler):
    label = gettext_lazy("Credit batch regrade")

    def total(self, job: Job) -> int:
        return Operator.objects.count() + Practitioner.objects.count()

    def run_chunk(self, job: Job, checkpoint: dict[str, Any]) -> ChunkResult:
        params = job.params
        scheme = str(checkpoint.get("scheme", SCHEMES[0]))
        after = int(checkpoint.get("after", 0))
        row = RuleSetVersion.objects.get(pk=params["rulesets"][scheme])
        outcome = regrade_chunk(
            scheme=scheme,
            row=row,
            ruleset=ruleset_of(row),
            as_of=dt.date.fromisoformat(params["as_of"]),
            after=after,
            limit=int(params["chunk"]),
            actor=job.created_by,
            reason=str(params["reason"]),
            at=clock.now(),
        )
        distribution: Counter[str] = Counter(checkpoint.get("distribution", {}))
        distribution.update({f"{scheme}:{g}": n for g, n in outcome.distribution.items()})
        done = int(checkpoint.get("done", 0)) + outcome.subjects
        state: dict[str, Any] = {
            "scheme": scheme,
            "after": after if outcome.last_pk is None else outcome.last_pk,
            "done": done,
            "changed": int(checkpoint.get("changed", 0)) + outcome.changed,
            "distribution": dict(distribution),
        }
        if outcome.last_pk is None or outcome.subjects < int(params["chunk"]):
            index = SCHEMES.index(scheme)
            if index + 1 < len(SCHEMES):
                state["scheme"], state["after"] = SCHEMES[index + 1], 0
            else:
                result = {
                    "subjects": state["done"],
                    "changed": state["changed"],
                    "distribution": state["distribution"],
                    "as_of": params["as_of"],
                }
                audit_record(
                    actor=job.created_by,
                    action="credit.regrade_finished",
                    target=job,
                    after=result,
                )
                return ChunkResult(checkpoint=state, done=done, finished=True, result=result)
        return ChunkResult(checkpoint=state, done=done)

    def summary(self, job: Job) -> list[tuple[str, str]]:
        result = job.result or {}
        if not result:
            return []
        lines = [
            (_("Subjects graded"), str(result.get("subjects", 0))),
            (_("Grades changed"), str(result.get("changed", 0))),
        ]
        for key, count in sorted(result.get("distribution", {}).items()):
            lines.append((key, str(count)))
        return lines
