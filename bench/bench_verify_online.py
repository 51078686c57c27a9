"""Online verification benchmark: the public check behind every roadside scan, requests per second
on loopback, against a minimal raw ASGI app doing the same database lookup.

    .venv/bin/python bench/bench_verify_online.py [--duration 10] [--connections 16] [--scale 0.05]
    .venv/bin/python bench/bench_verify_online.py --database-url postgres://postgres@127.0.0.1:5432/rc_verify

A scratch database (SQLite in a temporary directory, or the PostgreSQL database named by
``--database-url`` with a ``_bench`` suffix, dropped and created afresh) gets the demo district's
registry and licences at ``--scale`` (``load_demo``'s licence step: real GB/T 36904 identifiers
and ES256-signed QR tokens). Then, one after the other, each server is started on 127.0.0.1 and
driven with ``wrk`` (a Lua script cycling through the real licences' URLs; a bounded asyncio
keep-alive client when ``wrk`` is not installed) for ``--duration`` seconds:

(a) raw: a minimal ASGI app (``raw_app`` below) under uvicorn: parse the query string, one
    ``SELECT status, valid_from, valid_until FROM elicences_licence WHERE identifier = ?`` on a
    per-process connection, JSON out. No token check (its identifier comes in the clear).
(b) lean: the deployment's ASGI application (``config.asgi:application``, the lean
    ``/v/check`` route beside Django) under uvicorn: the signed token verified against the trust
    list, the licence looked up, claims matched, verdict and public summary as JSON.
(c) django: the same ``/v/check`` served by the plain Django view under gunicorn (WSGI, sync
    workers), the baseline of the issue's 2,070 req/s figure. ``--skip-django`` leaves it out.

Every server has the same number of worker processes (``--workers``), and (a) and (b) the same
uvicorn settings (``--no-access-log``, ``--loop``/``--http``: ``auto`` takes uvloop and
httptools when installed). The public verification rate limit is on with a limit no run reaches
(``--rate-limit high``). Before each run a sample of answers is checked (status 200, the
licence's real status). Prints req/s, p50/p99 latency, the server's CPU time per request (its
processes' user + system time from /proc: much less affected by other load on the machine than
the rates) and the ratios to (a). The servers are stopped at the end, the scratch database
dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

GOAL_RATIO = 0.30
GOAL_P99_MS = 20.0
RAW_DB_ENV = "BENCH_VERIFY_RAW_DB"
QUERY = "SELECT status, valid_from, valid_until FROM elicences_licence WHERE identifier = {}"

# --- (a) the minimal raw ASGI app (runs in the uvicorn worker; no Django) ----------------------
_raw: dict[str, Any] = {}


def _raw_lookup(identifier: str) -> tuple[Any, ...] | None:
    connection = _raw.get("connection")
    if connection is None:
        target = os.environ[RAW_DB_ENV]
        if target.startswith("postgres"):
            import psycopg

            connection = psycopg.connect(target, autocommit=True)
            _raw["sql"] = QUERY.format("%s")
        else:
            connection = sqlite3.connect(target, check_same_thread=False)
            _raw["sql"] = QUERY.format("?")
        _raw["connection"] = connection
    row = connection.execute(_raw["sql"], (identifier,)).fetchone()
    return tuple(row) if row is not None else None


async def raw_app(
    scope: MutableMapping[str, Any],
    receive: Callable[[], Awaitable[MutableMapping[str, Any]]],
    send: Callable[[MutableMapping[str, Any]], Awaitable[None]],
) -> None:
    if scope["type"] != "http":
        return
    identifier = parse_qs(scope["query_string"].decode()).get("id", [""])[0]
    row = _raw_lookup(identifier)
    if row is None:
        body = {"identifier": identifier, "status": None}
    else:
        body = {
            "identifier": identifier,
            "status": row[0],
            "valid_from": str(row[1]),
            "valid_until": None if row[2] is None else str(row[2]),
        }
    payload = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"cache-control", b"no-store")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


# --- the scratch database and the real licences -----------------------------------------------
@dataclass
class Target:
    label: str
    paths: list[str]
    expected: list[str]  # the licence's status per path, checked on a sample
    command: list[str]


@dataclass
class Result:
    label: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_seconds: float = 0.0  # CPU time the server's processes used during the run

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_us(self) -> float:
        """Server CPU per request: what the server needs on a core of its own, whatever else
        runs on the machine (the rates above are bounded by the load of the machine)."""
        return self.cpu_seconds / self.requests * 1e6 if self.requests else float("nan")


def _cpu_seconds(group: int) -> float:
    """User + system CPU seconds of the live processes of a process group (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == group:
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def _prepare(scale: float, conn_max_age: int) -> list[tuple[str, str, str]]:
    """Migrate, load the registry and licences; (identifier, token, status) of e-licences."""
    from django.core.management import call_command, get_commands

    call_command("migrate", "--run-syncdb", verbosity=0)
    if "load_catalogues" in get_commands():
        call_command("load_catalogues", verbosity=0)
    from roadcredit.demo.generator import DemoDistrict
    from roadcredit.demo.licence_loader import demo_licences_load
    from roadcredit.demo.loader import demo_load
    from roadcredit.elicences.models import Licence
    from roadcredit.elicences.tokens import token_from_scan

    started = time.perf_counter()
    demo_load(actor=None, scale=scale, personas=False)
    loaded = demo_licences_load(actor=None, district=DemoDistrict(scale=scale))
    print(
        f"  scratch database: {loaded.created} licences ({loaded.electronic} electronic) "
        f"at scale {scale:g} in {time.perf_counter() - started:.1f} s"
    )
    rows = Licence.objects.exclude(qr_text="").values_list("identifier", "qr_text", "status")
    out = []
    for identifier, qr_text, status in rows:
        token = token_from_scan(qr_text)
        if identifier and token:
            out.append((identifier, token, status))
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE elicences_licence")
    connection.close()
    return out


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(command: list[str], port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"server exited ({server.returncode}): {' '.join(command)}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            time.sleep(0.2)
    _stop(server)
    raise SystemExit(f"server did not start: {' '.join(command)}")


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def _check_sample(port: int, target: Target, count: int = 20) -> None:
    for index in random.Random(7).sample(range(len(target.paths)), min(count, len(target.paths))):
        url = f"http://127.0.0.1:{port}{target.paths[index]}"
        with urllib.request.urlopen(url, timeout=10) as response:
            body = json.loads(response.read())
        status = body["status"] if "status" in body else (body.get("licence") or {}).get("status")
        if response.status != 200 or status != target.expected[index]:
            raise SystemExit(f"{target.label}: wrong answer for {url}: {body}")


# --- load generators --------------------------------------------------------------------------
_WRK_LUA = """
local paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
"""


def _wrk(port: int, paths: list[str], args: Any, work: Path) -> Result:
    listing = work / "paths.txt"
    listing.write_text("\n".join(paths) + "\n")
    script = work / "paths.lua"
    script.write_text(_WRK_LUA % listing)
    command = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{args.duration}s",
        "--timeout",
        "5s",
        "--latency",
        "-s",
        str(script),
        f"http://127.0.0.1:{port}",
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    found = re.search(r"(\d+) requests in ([\d.]+)(m?s)", output)
    if found is None:
        raise SystemExit(output)
    seconds = float(found.group(2)) / (1000 if found.group(3) == "ms" else 1)
    errors = sum(
        int(n)
        for n in re.findall(r"(?:Non-2xx or 3xx responses|timeout|read|write): ?(\d+)", output)
    )
    return Result(
        label="",
        requests=int(found.group(1)),
        seconds=seconds,
        p50_ms=_wrk_ms(output, "50%"),
        p99_ms=_wrk_ms(output, "99%"),
        errors=errors,
    )


def _wrk_ms(output: str, percentile: str) -> float:
    found = re.search(rf"^\s*{re.escape(percentile)}\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
    if found is None:
        return float("nan")
    value, unit = float(found.group(1)), found.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


async def _asyncio_load(port: int, paths: list[str], args: Any) -> Result:
    """A bounded keep-alive HTTP/1.1 client: ``--connections`` loops, ``--duration`` seconds."""
    latencies: list[float] = []
    errors = 0
    stop_at = time.perf_counter() + args.duration
    counter = iter(range(10**9))

    async def one_connection() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while time.perf_counter() < stop_at and len(latencies) < args.max_requests:
            path = paths[next(counter) % len(paths)]
            started = time.perf_counter()
            writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))  # type: ignore[union-attr]
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if not head.startswith(b"HTTP/1.1 200"):
                errors += 1
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(one_connection() for _ in range(args.connections)))
    seconds = time.perf_counter() - started
    latencies.sort()

    def at(share: float) -> float:
        return latencies[min(len(latencies) - 1, int(share * len(latencies)))] * 1000

    return Result("", len(latencies), seconds, at(0.50), at(0.99), errors)


# --- the run ------------------------------------------------------------------------------------
def _uvicorn_flavour(args: Any) -> tuple[str, str]:
    """The event loop and HTTP parser uvicorn will use (its ``auto`` picks uvloop and httptools
    when installed, as ``uvicorn[standard]`` does)."""

    def importable(name: str) -> bool:
        import importlib.util

        return importlib.util.find_spec(name) is not None

    loop = args.loop if args.loop != "auto" else "uvloop" if importable("uvloop") else "asyncio"
    http = args.http if args.http != "auto" else "httptools" if importable("httptools") else "h11"
    return loop, http


def _targets(
    licences: list[tuple[str, str, str]], workers: int, skip_django: bool, args: Any
) -> list[Target]:
    python = sys.executable
    statuses = [status for _, _, status in licences]
    raw_paths = [f"/raw?id={quote(identifier, safe='')}" for identifier, _, _ in licences]
    lean_paths = [f"/v/check?t={quote(token, safe='')}" for _, token, _ in licences]
    uvicorn = ["-m", "uvicorn", "--host", "127.0.0.1", "--workers", str(workers)]
    uvicorn += ["--log-level", "warning", "--no-access-log"]
    uvicorn += ["--loop", args.loop, "--http", args.http]
    targets = [
        Target("(a) raw ASGI app, uvicorn", raw_paths, statuses, [python, *uvicorn]),
        Target(
            "(b) config.asgi (lean /v/check), uvicorn", lean_paths, statuses, [python, *uvicorn]
        ),
    ]
    if not skip_django:
        gunicorn = [python, "-m", "gunicorn", "--workers", str(workers), "--log-level", "warning"]
        targets.append(Target("(c) Django view /v/check, gunicorn", lean_paths, statuses, gunicorn))
    return targets


def _command(target: Target, port: int) -> list[str]:
    if target.label.startswith("(a)"):
        return [*target.command, "--port", str(port), "bench.bench_verify_online:raw_app"]
    if target.label.startswith("(b)"):
        return [*target.command, "--port", str(port), "config.asgi:application"]
    return [*target.command, "--bind", f"127.0.0.1:{port}", "config.wsgi:application"]


def run(args: Any, work: Path) -> None:
    from bench.bench_registry import _configure, _scratch_database

    scratch = _scratch_database(args.database_url, work)
    servers: list[subprocess.Popen[bytes]] = []
    try:
        os.environ["DATABASE_CONN_MAX_AGE"] = str(args.conn_max_age)
        os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
        _configure(scratch, work)
        from django.db import connection

        print(
            f"# bench_verify_online: Python {platform.python_version()}, {os.cpu_count()} CPU, "
            f"{connection.vendor} ({scratch.label}); {args.workers} worker process(es) per server, "
            f"{args.connections} connections, {args.duration} s per server, "
            f"load generator {'wrk' if shutil.which('wrk') and not args.no_wrk else 'asyncio'}, "
            f"CONN_MAX_AGE={args.conn_max_age}, verification rate limit {args.rate_limit}, "
            "uvicorn loop {} http {}".format(*_uvicorn_flavour(args))
        )
        licences = _prepare(args.scale, args.conn_max_age)[: args.tokens]
        random.Random(11).shuffle(licences)
        env = dict(os.environ)
        # The public verification rate limit (per client address): the load comes from one
        # address, so the default limit would refuse nearly every request. "high" keeps the
        # limiter on (every request pays for its bucket) with a limit no run reaches.
        if args.rate_limit == "high":
            env["ROADCREDIT_VERIFY_RATE"] = env["ROADCREDIT_VERIFY_BURST"] = str(10**9)
        elif args.rate_limit == "off":
            env["ROADCREDIT_VERIFY_RATE"] = "0"
        env[RAW_DB_ENV] = (
            scratch.url if scratch.postgres else scratch.url.removeprefix("sqlite:///")
        )
        results: list[Result] = []
        for target in _targets(licences, args.workers, args.skip_django, args):
            port = _free_port()
            server = _start(_command(target, port), port, env)
            servers.append(server)
            try:
                _check_sample(port, target)
                if shutil.which("wrk") and not args.no_wrk:
                    _wrk(
                        port,
                        target.paths,
                        argparse.Namespace(**{**vars(args), "duration": 2}),
                        work,
                    )
                    cpu_before = _cpu_seconds(server.pid)
                    result = _wrk(port, target.paths, args, work)
                    result.cpu_seconds = _cpu_seconds(server.pid) - cpu_before
                else:
                    cpu_before = _cpu_seconds(server.pid)
                    result = asyncio.run(_asyncio_load(port, target.paths, args))
                    result.cpu_seconds = _cpu_seconds(server.pid) - cpu_before
            finally:
                _stop(server)
            result.label = target.label
            results.append(result)
            print(
                f"  {result.label:<44} {result.rate:>9,.0f} req/s  p50 {result.p50_ms:6.2f} ms  "
                f"p99 {result.p99_ms:6.2f} ms  ({result.requests:,} requests, "
                f"{result.errors} errors); server CPU {result.cpu_us:,.0f} µs/request",
                flush=True,
            )
        raw = results[0].rate
        for result in results[1:]:
            print(
                f"  ratio {result.label.split(' ')[0]} / (a): {result.rate / raw:.0%} "
                f"(by server CPU per request: {results[0].cpu_us / result.cpu_us:.0%})"
            )
        lean = results[1]
        met = lean.rate / raw >= GOAL_RATIO and lean.p99_ms <= GOAL_P99_MS and lean.errors == 0
        print(
            f"  goal (b) ≥ {GOAL_RATIO:.0%} of (a) with p99 ≤ {GOAL_P99_MS:g} ms: "
            f"{'met' if met else 'NOT met'}; load average {os.getloadavg()[0]:.1f}"
        )
    finally:
        for server in servers:
            _stop(server)
        from django.db import connections

        connections.close_all()
        if not args.keep:
            scratch.drop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="sqlite://", help="PostgreSQL URL for PG")
    parser.add_argument("--scale", type=float, default=0.05, help="demo district scale")
    parser.add_argument("--tokens", type=int, default=2000, help="distinct licences cycled")
    parser.add_argument("--duration", type=int, default=10, help="seconds per server")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument("--conn-max-age", type=int, default=60, help="DATABASE_CONN_MAX_AGE")
    parser.add_argument(
        "--rate-limit",
        choices=("high", "off", "settings"),
        default="high",
        help="public verification limit: on at 10^9/s (default), off, or as configured",
    )
    parser.add_argument("--loop", choices=("auto", "asyncio", "uvloop"), default="auto")
    parser.add_argument("--http", choices=("auto", "h11", "httptools"), default="auto")
    parser.add_argument("--max-requests", type=int, default=2_000_000, help="asyncio client cap")
    parser.add_argument("--no-wrk", action="store_true", help="use the asyncio client")
    parser.add_argument("--skip-django", action="store_true", help="leave out (c)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="roadcredit-bench-verify-"))
    try:
        run(args, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
