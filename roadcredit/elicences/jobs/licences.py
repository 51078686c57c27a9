"""Job handlers for licence PDF production and automatic expiry."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from roadcredit.core.jobs import ChunkResult, JobHandler, register
from roadcredit.core.models import Job
from roadcredit.elicences.models import Licence
from roadcredit.elicences.services import licence_expire_due
from roadcredit.elicences.services.pdf_batch import licence_pdfs_produce

PDF_CHUNK = 400  # licences per job chunk; rendered on every core where that is safe


def _pending_pdfs(job: Job) -> Any:
    query = Licence.objects.filter(has_electronic=True, pdf_sha256="").order_by("pk")
    type_key = job.params.get("type_key")
    if type_key:
        query = query.filter(type_key=type_key)
    return query


@register("elicences.produce_pdfs")
class ProducePdfsHandler(JobHandler):
    """Render and seal the PDFs not made yet (params: optional ``type_key``), in chunks by primary
    key through ``licence_pdfs_produce`` (worker processes on every core where forking is safe);
    a PDF already made is skipped, so a resumed job never seals one twice."""

    label = _("Produce sealed licence PDFs")

    def total(self, job: Job) -> int:
        return int(_pending_pdfs(job).count())

    def run_chunk(self, job: Job, checkpoint: dict[str, Any]) -> ChunkResult:
        after = int(checkpoint.get("after", 0))
        done = int(checkpoint.get("done", 0))
        produced = int(checkpoint.get("produced", 0))
        batch = list(
            _pending_pdfs(job).filter(pk__gt=after).values_list("pk", flat=True)[:PDF_CHUNK]
        )
        if batch:
            produced += licence_pdfs_produce(actor=job.created_by, pks=batch).produced
        done += len(batch)
        finished = len(batch) < PDF_CHUNK
        next_checkpoint = {
            "after": batch[-1] if batch else after,
            "done": done,
            "produced": produced,
        }
        return ChunkResult(
            checkpoint=next_checkpoint,
            done=min(done, job.total or done),
            finished=finished,
            result={"produced": produced} if finished else None,
        )


@register("elicences.expire_due")
class ExpireDueHandler(JobHandler):
    """The daily run of automatic expiry (one chunk)."""

    label = _("Expire licences past their validity")

    def total(self, job: Job) -> int:
        return 1

    def run_chunk(self, job: Job, checkpoint: dict[str, Any]) -> ChunkResult:
        count = licence_expire_due(actor=job.created_by)
        return ChunkResult(
            checkpoint={"expired": count}, done=1, finished=True, result={"expired": count}
        )
