"""District benchmark: the Muping district's licences issued and sealed, end to end, on all cores.

    .venv/bin/python bench/bench_issue_district.py [--workers 2] [--scale 1] [--sample 40]
    .venv/bin/python bench/bench_issue_district.py --database-url postgres://postgres@127.0.0.1:5432/rc_district

What is measured, on a scratch database with a fresh temporary key store:

1. **Issue**: the demo district's licence records (``load_demo``'s licence step,
   ``roadcredit.demo.licence_loader``: 11,960 records at ``--scale 1``, each with its paper
   number, GB/T 36904 identifier, status-list slot and ES256-signed QR token, ~96 % of them
   electronic). The registry itself (operators, vehicles, practitioners) is loaded first and is
   not timed.
2. **Seal**: every e-licence's PDF through the application's own path, ``licence_pdf`` (render
   with the cached page template and font, PAdES B-B seal, SHA-256, file kept, record updated,
   audit row), split over ``--workers`` processes.

Printed beside it: the naive per-licence pipeline (a fresh ReportLab canvas, the font registered
again, plain ``sign_pdf``), measured on ``--sample`` licences by ``bench_issue_seal.per_core`` —
the same function that benchmark uses — and projected onto the same number of licences and
cores. A sample of the stored PDFs is checked with the application's PDF verifier (seal intact,
certificate ours, content matches the record). Goal from the issue: issue + seal ≤ 120 s on two
cores.

The scratch database (SQLite in a temporary directory unless ``--database-url`` names a
PostgreSQL database, which is dropped and created afresh) is removed at the end.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
for entry in (ROOT, BENCH):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

from bench import bench_issue_seal  # noqa: E402  (the per-core pipelines and their measurement)

GOAL_SECONDS = 120


def _prepare_database(url: str | None) -> None:
    """Point the settings at a scratch PostgreSQL database (dropped and created afresh)."""
    if not url:
        return
    import psycopg

    base, _, name = url.rpartition("/")
    name = name if "bench" in name else f"{name}_bench"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = f"{base}/{name}"


def _drop_database(url: str | None) -> None:
    if not url:
        return
    import psycopg
    from django.db import connections

    connections.close_all()
    base, _, name = os.environ["DATABASE_URL"].rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", "--run-syncdb", verbosity=0)
    if _has_command("load_catalogues"):
        call_command("load_catalogues", verbosity=0)


def _has_command(name: str) -> bool:
    from django.core.management import get_commands

    return name in get_commands()


# --- sealing: the application's batch path -------------------------------------------------------


def seal_all(workers: int) -> Any:
    """Every e-licence's PDF through ``licence_pdfs_produce`` (the ``produce_pdfs`` job's path)."""
    from roadcredit.elicences.models import Licence
    from roadcredit.elicences.services.pdf_batch import licence_pdfs_produce

    pks = list(
        Licence.objects.filter(has_electronic=True).order_by("pk").values_list("pk", flat=True)
    )
    return licence_pdfs_produce(actor=None, pks=pks, workers=workers)


def server_cpu() -> tuple[int, float]:
    """(backend pid, CPU seconds) of this process's PostgreSQL backend, read from /proc (the
    server runs on this machine); (0, 0.0) for SQLite, whose work is this process's own."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0, 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return pid, float("nan")
    return pid, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _server_delta(backend: int, before: float) -> float:
    pid, after = server_cpu()
    return after - before if pid == backend else float("nan")


def check_sample(count: int) -> tuple[int, int]:
    """(valid, checked) stored PDFs by the application's verifier, a random sample."""
    from roadcredit.elicences.models import Licence
    from roadcredit.elicences.verification import verify_pdf_upload

    pks = list(
        Licence.objects.filter(has_electronic=True, status="valid").values_list("pk", flat=True)
    )
    valid = 0
    chosen = random.Random(7).sample(pks, min(count, len(pks)))
    for licence in Licence.objects.filter(pk__in=chosen):
        with licence.pdf_file.open("rb") as handle:
            outcome = verify_pdf_upload(pdf_bytes=handle.read())
        valid += outcome.verdict == "valid"
    return valid, len(chosen)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--scale", type=float, default=1.0, help="demo district scale")
    parser.add_argument("--sample", type=int, default=40, help="licences for the naive figure")
    parser.add_argument("--verify", type=int, default=20, help="stored PDFs to verify")
    parser.add_argument("--database-url", help="PostgreSQL URL (default: SQLite, temporary)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="roadcredit-district-") as work:
        _prepare_database(args.database_url)
        bench_issue_seal.setup_django(Path(work))
        try:
            run(args)
        finally:
            _drop_database(args.database_url)


def run(args: Any) -> None:
    from django.db import connection

    from roadcredit.demo.generator import DemoDistrict
    from roadcredit.demo.licence_loader import demo_licences_load
    from roadcredit.demo.loader import demo_load

    print(
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, database "
        f"{connection.vendor}; {args.workers} worker processes; district scale {args.scale:g}"
    )
    _migrate()
    started = time.perf_counter()
    demo_load(actor=None, scale=args.scale, personas=False)
    print(f"  registry loaded (not timed): {time.perf_counter() - started:.1f} s")

    cpu = time.process_time()
    backend, server_before = server_cpu()
    started = time.perf_counter()
    issued = demo_licences_load(actor=None, district=DemoDistrict(scale=args.scale))
    issue_wall = time.perf_counter() - started
    issue_cpu = time.process_time() - cpu
    issue_server = _server_delta(backend, server_before)
    print(
        f"(1) issue {issued.created} licence records ({issued.electronic} with e-licence and "
        f"signed QR token): {issue_wall:.1f} s wall, {issue_cpu:.1f} s CPU "
        f"({issued.created / issue_wall:.0f} records/s), one process"
        + (f", + {issue_server:.1f} s CPU in the database server" if backend else "")
    )

    backend, server_before = server_cpu()
    sealed_result = seal_all(args.workers)
    seal_server = _server_delta(backend, server_before)
    if backend:
        print(f"    database server CPU while sealing: {seal_server:.1f} s")
    sealed, seal_wall = sealed_result.produced, sealed_result.seconds
    size = sum(f.stat().st_size for f in (Path(os.environ["ROADCREDIT_VAR_DIR"])).rglob("*.pdf"))
    per_pdf_cpu = sealed_result.cpu_ms_per_pdf()
    print(
        f"(2) seal {sealed} e-licence PDFs through licence_pdfs_produce on "
        f"{sealed_result.workers} worker processes + this one writing: {seal_wall:.1f} s wall "
        f"({sealed / seal_wall:.0f} PDFs/s, {size / 1048576:.0f} MiB kept); failed "
        f"{len(sealed_result.failed)}, skipped {sealed_result.skipped}"
    )
    print(
        f"    CPU per PDF: {1000 * sealed_result.render_cpu_seconds / sealed:.2f} ms render + seal "
        f"(workers) + {1000 * sealed_result.writer_cpu_seconds / sealed:.2f} ms read + write "
        f"(this process) = {per_pdf_cpu:.2f} ms; on {os.cpu_count()} idle cores that is "
        f"{sealed * per_pdf_cpu / 1000 / (os.cpu_count() or 1):.1f} s"
    )
    print(
        f"    cores this run actually got while sealing: "
        f"{sealed * per_pdf_cpu / 1000 / seal_wall:.2f} of {os.cpu_count()} "
        f"(load average {os.getloadavg()[0]:.1f})"
    )
    total = issue_wall + seal_wall
    projected = (
        issue_cpu
        + issue_server
        + (sealed * per_pdf_cpu / 1000 + seal_server) / (os.cpu_count() or 1)
    )
    print(
        f"    issue + seal, the district: {total:.1f} s; goal ≤ {GOAL_SECONDS} s: "
        f"{'met' if total <= GOAL_SECONDS else 'NOT met'}; projected on idle cores from the CPU "
        f"times (issue on one core, sealing on all, database server included): {projected:.1f} s"
    )

    print("Per-licence pipelines of bench_issue_seal, CPU time on one core, same moment:")
    naive = bench_issue_seal.per_core(
        "naive (font registered per licence) + sign_pdf",
        bench_issue_seal.naive_issue,
        args.sample,
        5000,
    )
    naive_once = bench_issue_seal.per_core(
        "naive (font registered once) + sign_pdf",
        bench_issue_seal.naive_issue_font_once,
        args.sample,
        5500,
    )
    fast = bench_issue_seal.per_core(
        "optimized render_sealed_licence_pdf (no storage)",
        bench_issue_seal.optimized_issue,
        args.sample,
        6000,
    )
    cores = os.cpu_count() or 1
    ours = sealed * per_pdf_cpu / 1000
    print(
        f"    the batch path costs {per_pdf_cpu:.1f} ms CPU per PDF (render + seal alone "
        f"{1000 / fast:.1f} ms, the rest reading, files, rows and audit)"
    )
    for label, rate in (("naive", naive), ("naive, font once", naive_once)):
        seconds = sealed / rate
        print(
            f"    the same {sealed} PDFs {label}: {seconds:.0f} s CPU, {seconds / cores:.0f} s on "
            f"{cores} idle cores; the batch path {ours:.0f} s CPU, {ours / cores:.0f} s: "
            f"{seconds / ours:.1f}× faster"
        )
    if args.verify:
        valid, checked = check_sample(args.verify)
        print(f"    application PDF verifier: {valid} of {checked} sampled stored PDFs valid")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"    (load average at the end: {load:.1f} on {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
