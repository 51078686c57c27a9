"""The demo handler: sums the squares of 1..n in chunks, writing one row per number.

Parameters: ``n`` (how many numbers), ``chunk`` (numbers per chunk) and, to simulate trouble on
the first attempt only, ``fail_at`` (raise in that chunk, after its writes), ``interrupt_at``
(Ctrl-C in that chunk), ``kill_at`` (SIGKILL this very process in that chunk, after its writes,
before the commit), ``fail_total`` (counting the work fails) and ``sleep`` (seconds per chunk).
"""

from __future__ import annotations

import os
import signal
import time
from typing import Any

from roadcredit.core.jobs import ChunkResult, JobHandler, register
from roadcredit.core.models import Job

from .models import DemoRow

KIND = "jobs_demo.sum_squares"


@register(KIND)
class SumSquares(JobHandler):
    label = "演示任务：平方和"

    def total(self, job: Job) -> int:
        if job.params.get("fail_total"):
            raise ValueError("无法统计待处理数量")
        return int(job.params["n"])

    def run_chunk(self, job: Job, checkpoint: dict[str, Any]) -> ChunkResult:
        n = int(job.params["n"])
        size = int(job.params.get("chunk", 10))
        start = int(checkpoint.get("next", 0))
        running_sum = int(checkpoint.get("sum", 0))
        chunk_index = start // size
        end = min(n, start + size)
        for number in range(start + 1, end + 1):
            DemoRow.objects.create(job_public_id=job.public_id, number=number, square=number**2)
            running_sum += number**2
        first_attempt = job.attempts == 1
        if first_attempt and job.params.get("fail_at") == chunk_index:
            raise RuntimeError(f"模拟故障：第 {chunk_index} 块")
        if first_attempt and job.params.get("interrupt_at") == chunk_index:
            raise KeyboardInterrupt
        if first_attempt and job.params.get("kill_at") == chunk_index:
            os.kill(os.getpid(), signal.SIGKILL)
        if job.params.get("sleep"):
            time.sleep(float(job.params["sleep"]))
        finished = end >= n
        return ChunkResult(
            checkpoint={"next": end, "sum": running_sum},
            done=end,
            finished=finished,
            result={"sum": running_sum, "rows": end} if finished else None,
        )

    def summary(self, job: Job) -> list[tuple[str, str]]:
        result = job.result or {}
        return [("平方和", str(result.get("sum", ""))), ("写入行数", str(result.get("rows", "")))]
