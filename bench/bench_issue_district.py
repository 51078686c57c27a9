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
import multiprocessing
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


# --- sealing in worker processes --------------------------------------------------------------


def _seal_worker(pks: list[int]) -> tuple[int, int, float]:
    """Seal the PDFs of ``pks`` through ``licence_pdf``: (licences, bytes, busy seconds)."""
    from roadcredit.elicences.models import Licence
    from roadcredit.elicences.services import licence_pdf

    started = time.perf_counter()
    size = 0
    done = 0
    for start in range(0, len(pks), 100):
        batch = (
            Licence.objects.filter(pk__in=pks[start : start + 100])
            .select_related("operator", "vehicle__operator", "practitioner")
            .order_by("pk")
        )
        for licence in batch:
            size += len(licence_pdf(licence=licence))
            done += 1
    return done, size, time.perf_counter() - started


def _worker_init() -> None:
    from django.db import connections

    connections.close_all()  # never share the parent's connection across fork


def seal_all(workers: int) -> tuple[int, int, float, float]:
    """(licences, bytes, wall seconds, summed busy seconds) for every e-licence."""
    from django.db import connections

    from roadcredit.elicences.models import Licence

    pks = list(
        Licence.objects.filter(has_electronic=True).order_by("pk").values_list("pk", flat=True)
    )
    connections.close_all()
    chunks = [pks[start : start + 200] for start in range(0, len(pks), 200)]
    context = multiprocessing.get_context(
        "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    )
    started = time.perf_counter()
    with context.Pool(workers, initializer=_worker_init) as pool:
        results = pool.map(_seal_worker, chunks, chunksize=1)
    wall = time.perf_counter() - started
    return (
        sum(r[0] for r in results),
        sum(r[1] for r in results),
        wall,
        sum(r[2] for r in results),
    )


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
    started = time.perf_counter()
    issued = demo_licences_load(actor=None, district=DemoDistrict(scale=args.scale))
    issue_wall = time.perf_counter() - started
    issue_cpu = time.process_time() - cpu
    print(
        f"(1) issue {issued.created} licence records ({issued.electronic} with e-licence and "
        f"signed QR token): {issue_wall:.1f} s wall, {issue_cpu:.1f} s CPU "
        f"({issued.created / issue_wall:.0f} records/s), one process"
    )

    sealed, size, seal_wall, busy = seal_all(args.workers)
    print(
        f"(2) seal {sealed} e-licence PDFs through licence_pdf on {args.workers} processes: "
        f"{seal_wall:.1f} s wall ({sealed / seal_wall:.0f} PDFs/s, "
        f"{busy / sealed * 1000:.1f} ms per PDF per process, {size / 1048576:.0f} MiB kept)"
    )
    total = issue_wall + seal_wall
    print(
        f"    issue + seal, the district: {total:.1f} s; goal ≤ {GOAL_SECONDS} s: "
        f"{'met' if total <= GOAL_SECONDS else 'NOT met'}"
    )

    print("Per-licence pipelines of bench_issue_seal, one core, same machine and moment:")
    naive = bench_issue_seal.per_core(
        "naive (font registered per licence) + sign_pdf",
        bench_issue_seal.naive_issue,
        args.sample,
        5000,
    )
    fast = bench_issue_seal.per_core(
        "optimized render_sealed_licence_pdf (no storage)",
        bench_issue_seal.optimized_issue,
        args.sample,
        6000,
    )
    per_pdf = busy / sealed
    print(
        f"    licence_pdf here costs {per_pdf * 1000:.1f} ms per PDF per process: "
        f"{1000 / fast:.1f} ms render + seal, the rest storage (file, SHA-256, record, audit) "
        f"and contention"
    )
    naive_seconds = sealed / naive / args.workers
    print(
        f"    the same {sealed} PDFs naively on {args.workers} cores (ideal split): "
        f"{naive_seconds:.1f} s, vs sealing here {seal_wall:.1f} s "
        f"({naive_seconds / seal_wall:.1f}×); naive issue + seal {issue_wall + naive_seconds:.1f} s"
    )
    if args.verify:
        valid, checked = check_sample(args.verify)
        print(f"    application PDF verifier: {valid} of {checked} sampled stored PDFs valid")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"    (load average at the end: {load:.1f} on {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
