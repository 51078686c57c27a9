"""The parent's side of the resilience tests: start real child processes on the test database,
release them together, kill one at a known point, and clone the database for a twin run."""

from __future__ import annotations

import contextlib
import json
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.db import connection, connections

from roadcredit.core.tests.jobs.conftest import subprocess_database_url, subprocess_env

ROOT = Path(settings.BASE_DIR)
PYTHON = sys.executable
START_TIMEOUT = 60.0  # a child's Django set-up on a loaded two-core machine

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: several real processes with row locks on one database (SQLite "
    "serialises writers on a file lock) and CREATE DATABASE … TEMPLATE for the twin run",
)


def child_settings() -> dict[str, str]:
    """The paths every process must share with the parent (keys, files, calendar)."""
    shared = {
        name: str(getattr(settings, name))
        for name in ("MEDIA_ROOT", "KEYSTORE_PATH", "AUDIT_HEADS_PATH", "HOLIDAY_CALENDAR_DIR")
    }
    shared["KEYSTORE_PASSPHRASE"] = str(settings.KEYSTORE_PASSPHRASE)
    return shared


class Child:
    """One child process (``python -m tests.resilience.child``) with its stdout as a line queue."""

    def __init__(
        self,
        action: str,
        payload: dict[str, Any],
        *,
        database_url: str | None = None,
        pause: dict[str, Any] | None = None,
        shared: dict[str, str] | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        extra = {"RESILIENCE_SETTINGS": json.dumps(shared or child_settings()), **(env or {})}
        if database_url is not None:
            extra["DATABASE_URL"] = database_url
        if pause is not None:
            extra["RESILIENCE_PAUSE"] = json.dumps(pause)
        self.action = action
        self.process = subprocess.Popen(
            [PYTHON, "-m", "tests.resilience.child", action, json.dumps(payload)],
            cwd=ROOT,
            env=subprocess_env(**extra),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        self.stderr = ""
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def expect(self, prefix: str, *, timeout: float = START_TIMEOUT) -> str:
        """Wait for the next line starting with ``prefix`` (other output is kept in ``seen``)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                self.kill()
                pytest.fail(f"{self.action}: no {prefix!r} within {timeout}s; {self._tail()}")
            if line is None:
                self.process.wait(timeout=30)
                pytest.fail(
                    f"{self.action}: exited {self.process.returncode} before {prefix!r}; "
                    f"{self._tail()}"
                )
            self.seen.append(line)
            if line.startswith(prefix):
                return line

    def _tail(self) -> str:
        if self.process.poll() is not None and self.process.stderr is not None:
            self.stderr = self.process.stderr.read()
        return f"stdout={self.seen[-5:]} stderr={self.stderr[-3000:]}"

    def go(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write("GO\n")
        self.process.stdin.flush()

    def result(self, *, timeout: float = 120.0) -> Any:
        line = self.expect("RESULT ", timeout=timeout)
        self.process.wait(timeout=30)
        return json.loads(line.removeprefix("RESULT "))

    def kill(self) -> None:
        """SIGKILL: no handler, no rollback in the process, no goodbye to the database."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)


def all_at_once(children: list[Child]) -> list[Any]:
    """Wait until every child is set up, release them together, collect their results."""
    for child in children:
        child.expect("READY")
    for child in children:
        child.go()
    return [child.result() for child in children]


def run_command(argv: list[str], **kwargs: Any) -> dict[str, Any]:
    """``manage.py argv`` in a child process, to its end; returns ``{"exit": code}``."""
    child = Child("command", {"argv": argv}, **kwargs)
    result: dict[str, Any] = child.result(timeout=180)
    if result["exit"] != 0:  # shown by the failing assertion
        assert child.process.stderr is not None
        result["stderr"] = child.process.stderr.read()[-3000:]
    return result


def kill_when_paused(
    argv: list[str],
    *,
    target: str,
    after: int = 1,
    before: bool = False,
    env: dict[str, str] | None = None,
) -> Child:
    """Start ``manage.py argv``; SIGKILL it right after the ``after``-th call of ``target``
    (its writes issued, its transaction open), or with ``before`` just before its first call.
    Returns the dead child."""
    pause = {"target": target, "after": after, "before": before}
    child = Child("command", {"argv": argv}, pause=pause, env=env)
    child.expect("PAUSED", timeout=180)
    child.kill()
    assert child.process.returncode == -signal.SIGKILL
    return child


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, parent pid, start time in clock ticks) of a process, None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text[text.rindex(")") + 2 :].split()  # the command name may hold spaces
    return fields[0], int(fields[1]), int(fields[19])


def children_of(pid: int) -> dict[int, int]:
    """The live child processes of ``pid`` (forked workers), each with its start time (so that a
    recycled pid is not mistaken for a survivor)."""
    found: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        stat = _stat(int(entry.name))
        if stat is not None and stat[1] == pid and stat[0] != "Z":
            found[int(entry.name)] = stat[2]
    return found


def survivors(processes: dict[int, int], *, timeout: float = 20.0) -> list[int]:
    """Wait until every process of ``processes`` (from ``children_of``) has ended (a zombie
    counts as ended: it runs no code and holds no socket); returns those still alive."""
    deadline = time.monotonic() + timeout
    while True:
        alive = []
        for pid, started in processes.items():
            stat = _stat(pid)
            if stat is not None and stat[2] == started and stat[0] != "Z":
                alive.append(pid)
        if not alive or time.monotonic() >= deadline:
            return alive
        time.sleep(0.05)


def wait_for_backends_to_go(*, timeout: float = 20.0) -> None:
    """The killed child's database session ends when the server notices the closed socket;
    wait until only this process is connected (its locks are then released)."""
    name = settings.DATABASES["default"]["NAME"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> "
                "pg_backend_pid()",
                [name],
            )
            (others,) = cursor.fetchone()
        if others == 0:
            return
        time.sleep(0.1)
    pytest.fail(f"{others} sessions of dead children still connected after {timeout}s")


def _admin_connection() -> psycopg.Connection[Any]:
    db = settings.DATABASES["default"]
    return psycopg.connect(
        dbname="postgres",
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or None,
        autocommit=True,
    )


@contextlib.contextmanager
def twin_database() -> Iterator[str]:
    """A copy of the test database as it is now (``CREATE DATABASE … TEMPLATE``), for the
    uninterrupted run to compare with; yields its DATABASE_URL and drops it afterwards."""
    source = settings.DATABASES["default"]["NAME"]
    twin = f"{source}_twin"
    connections.close_all()  # a template must have no other session
    with _admin_connection() as admin:
        # Sessions earlier tests left behind in other threads of this process (a live server's,
        # the lean route's) would block the copy: they belong to finished tests, so end them.
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [source],
        )
        admin.execute(f'DROP DATABASE IF EXISTS "{twin}"')
        admin.execute(f'CREATE DATABASE "{twin}" TEMPLATE "{source}"')
    try:
        yield subprocess_database_url().rsplit("/", 1)[0] + "/" + quote(twin, safe="")
    finally:
        with _admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{twin}" WITH (FORCE)')


def state_in(database_url: str, of: str, *, shared: dict[str, str] | None = None) -> Any:
    """The canonical state ``states.<of>()`` read by a child on another database."""
    child = Child("state", {"of": of}, database_url=database_url, shared=shared)
    return child.result()
