"""Jobs outside the test's own thread: a web-process thread, a process killed with SIGKILL
mid-chunk, and a real Celery worker on the machine's Redis. These share the test database with
other connections, so they use ``transactional_db`` (committed data, flushed afterwards)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from django.conf import settings as django_settings

from roadcredit.accounts.roles import Role
from roadcredit.accounts.tests.factories import make_persona
from roadcredit.core.jobs import job_resume_all, job_submit
from roadcredit.core.models import Job, JobStatus
from roadcredit.core.tests.jobs_demo.jobs import KIND
from roadcredit.core.tests.jobs_demo.models import DemoRow

from .conftest import subprocess_env

ROOT = Path(django_settings.BASE_DIR)
BIN = Path(sys.executable).parent
SQUARES_1_TO_40 = sum(n * n for n in range(1, 41))


def wait_for_end(job: Job, *, timeout: float, process: subprocess.Popen[Any] | None = None) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            return job
        if process is not None and process.poll() is not None:
            pytest.fail(f"the worker exited with {process.returncode} before the job ended")
        time.sleep(0.2)
    pytest.fail(f"job {job.public_id} still {job.status} ({job.done}/{job.total}) after {timeout}s")


def rows(job: Job) -> list[tuple[int, int]]:
    return list(
        DemoRow.objects.filter(job_public_id=job.public_id)
        .order_by("number", "pk")
        .values_list("number", "square")
    )


def test_auto_without_a_broker_runs_the_job_in_a_daemon_thread(transactional_db, settings):
    settings.CELERY_BROKER_URL = None
    clerk = make_persona(Role.CLERK)

    job = job_submit(actor=clerk, kind=KIND, params={"n": 40, "chunk": 10}, run="auto")

    job = wait_for_end(job, timeout=30)
    assert job.status == JobStatus.SUCCEEDED
    assert job.result == {"sum": SQUARES_1_TO_40, "rows": 40}
    assert rows(job) == [(n, n * n) for n in range(1, 41)]


@pytest.mark.slow
def test_a_job_killed_with_sigkill_mid_chunk_resumes_without_losing_or_repeating_work(
    transactional_db,
):
    job = job_submit(
        actor=None, kind=KIND, params={"n": 40, "chunk": 10, "kill_at": 2}, run="defer"
    )

    finished = subprocess.run(
        [str(BIN / "python"), "manage.py", "run_job", job.public_id, "--quiet"],
        cwd=ROOT,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert finished.returncode == -signal.SIGKILL, finished.stderr
    job.refresh_from_db()
    # Chunks 0 and 1 committed; chunk 2 wrote its rows, then the process died before the commit.
    assert job.status == JobStatus.RUNNING
    assert job.done == 20
    assert rows(job) == [(n, n * n) for n in range(1, 21)]

    # Later, `run_job --resume-stale` (here: with the heartbeat taken as stale at once).
    resumed = job_resume_all(stale_after=dt.timedelta(0))

    assert [found.pk for found in resumed] == [job.pk]
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert job.attempts == 2
    assert job.result == {"sum": SQUARES_1_TO_40, "rows": 40}
    assert rows(job) == [(n, n * n) for n in range(1, 41)]


def redis_url_for_tests() -> str:
    """The machine's Redis, on a database number of this run's own; fail loudly if absent."""
    base = os.environ.get("ROADCREDIT_TEST_REDIS_URL", "redis://127.0.0.1:6379")
    parsed = urlparse(base)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 6379
    try:
        socket.create_connection((host, port), timeout=3).close()
    except OSError as exc:
        pytest.fail(
            f"Redis is not reachable at {host}:{port} ({exc}). The Celery test needs the "
            "machine's Redis: start it (redis-server --daemonize yes) or point "
            "ROADCREDIT_TEST_REDIS_URL at one."
        )
    db_number = 1 + os.getpid() % 15
    return f"redis://{host}:{port}/{db_number}"


@pytest.mark.celery
@pytest.mark.slow
def test_a_real_celery_worker_runs_a_submitted_job_to_the_end(transactional_db, settings, tmp_path):
    broker = redis_url_for_tests()
    queue = f"roadcredit-test-{uuid.uuid4().hex[:12]}"
    settings.CELERY_BROKER_URL = broker
    settings.CELERY_TASK_DEFAULT_QUEUE = queue
    log_path = tmp_path / "worker.log"
    with log_path.open("w") as log:
        worker = subprocess.Popen(
            [
                str(BIN / "celery"),
                "-A",
                "config.celery",
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "-Q",
                queue,
                "-n",
                f"{queue}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=subprocess_env(CELERY_BROKER_URL=broker),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        clerk = make_persona(Role.CLERK)
        job = job_submit(
            actor=clerk, kind=KIND, params={"n": 40, "chunk": 10, "sleep": 0.05}, run="auto"
        )
        try:
            job = wait_for_end(job, timeout=90, process=worker)
        except pytest.fail.Exception:
            print(log_path.read_text(errors="replace")[-5000:])
            raise
        assert job.status == JobStatus.SUCCEEDED, job.error
        assert job.result == {"sum": SQUARES_1_TO_40, "rows": 40}
        assert rows(job) == [(n, n * n) for n in range(1, 41)]
        assert job.attempts == 1
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)
        _drop_queue(broker, queue)
    assert "roadcredit.core.jobs.tasks.run_job" in log_path.read_text(errors="replace")


def _drop_queue(broker: str, queue: str) -> None:
    import redis

    client = redis.Redis.from_url(broker)
    try:
        client.delete(queue)
    finally:
        client.close()
