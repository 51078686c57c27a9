"""Credit-record intake of a large .csv on PostgreSQL, beside a plain ``COPY`` of the same file.

    .venv/bin/python bench/bench_credit_intake.py                  # 1,000,000 rows, 1,000,000 subjects
    .venv/bin/python bench/bench_credit_intake.py --rows 200000 --subjects 200000
    .venv/bin/python bench/bench_credit_intake.py --resend         # also re-send the file, 10 % changed

The database is a scratch one: the database named in ``--database-url`` (or DATABASE_URL),
suffixed ``_bench`` unless the name contains "bench", is dropped, created, migrated and dropped
again at the end (``--keep`` keeps it). PostgreSQL only. Subjects (40 % operators, 60 % drivers
with their ID-number blind index) are written with ``COPY``; generation is not timed.

The file: ``--rows`` records with the template's Chinese headers, 40 % naming operators by USCC
and 60 % drivers by ID number, 2 % naming subjects not registered here (they go to the to-link
queue), decided records of two behaviour codes, points left to the catalogue.

Measured:
* ``COPY … FROM STDIN (FORMAT csv, HEADER true)`` of the file into a plain table of text
  columns, one per column of the file (the baseline; run twice, the second run counts), and
  the same into an UNLOGGED table (no WAL: the floor; printed for comparison);
* ``intake_bulk.intake_csv_bulk`` — what ``credit_intake`` runs for a large .csv on PostgreSQL:
  validation of every row with row/field errors, linking, idempotency, provenance, the to-link
  queue, one transaction — and the ratio of the two rates (goal ≥ 0.33);
* the regrade the intake triggers (``grading_batch.subjects_regrade``), timed separately;
* with ``--resend``: the same file re-sent with 10 % of the rows changed (updates in place).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.bench_credit import (  # noqa: E402
    _generate_subjects,
    _id_number,
    _say,
    _timed,
    _today,
    _uscc,
)
from bench.bench_registry import Scratch, _configure, _scratch_database  # noqa: E402

HEADERS = [
    "来源记录编号",
    "统一社会信用代码",
    "身份证号码",
    "行为代码",
    "分值",
    "发生日期",
    "决定文书号",
    "决定日期",
    "情况说明",
]


def _write_csv(path: Path, count: int, operators: int, drivers: int, *, changed: float) -> None:
    """``changed``: share of rows whose points differ from the first sending (re-send run)."""
    rng = random.Random(5)
    day = _today() - dt.timedelta(days=30)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for n in range(count):
            occurred = day - dt.timedelta(days=n % 300)
            decided = occurred + dt.timedelta(days=5)
            unknown = n % 50 == 0  # 2 % name subjects not registered here
            if n % 5 < 2:
                ident = (_uscc(operators + n if unknown else rng.randrange(operators)), "")
            else:
                ident = ("", _id_number(drivers + n if unknown else rng.randrange(drivers)))
            writer.writerow(
                [
                    f"ZX-{n:08d}",
                    ident[0],
                    ident[1],
                    "RT-N-008" if n % 3 else "RT-N-011",
                    "7" if changed and n % 10 == 0 else "",
                    occurred.isoformat(),
                    f"鲁交执罚〔2026〕{n}号",
                    decided.isoformat(),
                    "省共享平台推送",
                ]
            )


def _copy_baseline(path: Path, *, unlogged: bool = False) -> int:
    """``COPY … FROM STDIN (FORMAT csv, HEADER true)`` into a table of text columns, one per
    column of the file: a plain (logged) table by default, as ``CREATE TABLE`` makes it."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_copy")
        cursor.execute(
            f"CREATE {'UNLOGGED ' if unlogged else ''}TABLE bench_copy ("
            + ", ".join(f"c{n} text" for n in range(len(HEADERS)))
            + ")"
        )
        with (
            path.open("rb") as handle,
            cursor.cursor.copy("COPY bench_copy FROM STDIN (FORMAT csv, HEADER true)") as copy,
        ):
            while chunk := handle.read(1 << 20):
                copy.write(chunk)
        cursor.execute("SELECT count(*) FROM bench_copy")
        count = int(cursor.fetchone()[0])
        cursor.execute("DROP TABLE bench_copy")
    return count


FLOOR_STEPS = (
    ("heap", "the rows alone (no index, no constraint)"),
    ("indexes", "+ the table's indexes and constraints"),
    ("all", "+ its foreign keys (deferred, checked at the commit)"),
)


def _table_floor(batch: Any, work: Path) -> tuple[int, dict[str, float]]:
    """The floor the record table itself sets: ``COPY`` of the intake's own finished rows (typed,
    linked, nothing left to check) into a twin of ``credit_creditrecord``, timed to the commit,
    in three steps: the bare rows, then with the same indexes and unique/check constraints,
    then also with the same foreign keys (deferred, as Django declares them). Returns (rows,
    seconds per step of ``FLOOR_STEPS``)."""
    from django.db import DatabaseError, connection, transaction

    dump = work / "records.copy"
    with (
        connection.cursor() as cursor,
        dump.open("wb") as handle,
        cursor.cursor.copy(
            "COPY (SELECT * FROM credit_creditrecord WHERE batch_id = %s) TO STDOUT",
            (batch.pk,),
        ) as copy,
    ):
        for data in copy:
            handle.write(data)
    seconds: dict[str, float] = {}
    rows = 0
    for step, _label in FLOOR_STEPS:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_record_twin")
            including = "INCLUDING DEFAULTS" if step == "heap" else "INCLUDING ALL"
            cursor.execute(f"CREATE TABLE bench_record_twin (LIKE credit_creditrecord {including})")
            if step == "all":
                cursor.execute(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = 'credit_creditrecord'::regclass AND contype = 'f'"
                )
                for name, definition in cursor.fetchall():
                    cursor.execute(
                        f"ALTER TABLE bench_record_twin ADD CONSTRAINT twin_{name} {definition}"
                    )
            # Each step starts with the same clean buffers (superuser or pg_checkpoint).
            with contextlib.suppress(DatabaseError):
                cursor.execute("CHECKPOINT")
        started = time.perf_counter()
        with (
            transaction.atomic(),
            connection.cursor() as cursor,
            dump.open("rb") as handle,
            cursor.cursor.copy("COPY bench_record_twin FROM STDIN") as copy,
        ):
            while chunk := handle.read(1 << 20):
                copy.write(chunk)
        seconds[step] = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM bench_record_twin")
            rows = int(cursor.fetchone()[0])
            cursor.execute("DROP TABLE bench_record_twin")
    dump.unlink()
    return rows, seconds


def _intake(source: Any, path: Path) -> Any:
    from roadcredit.credit.models import IntakeChannel
    from roadcredit.credit.services import intake_bulk
    from roadcredit.credit.services.intake import _sha256_file

    batch = intake_bulk.intake_csv_bulk(
        source=source,
        path=path,
        file_name=path.name,
        file_sha256=_sha256_file(path),
        actor=None,
        channel=IntakeChannel.COMMAND,
        regrade=False,
    )
    assert batch.status == "accepted", batch.errors[:5]
    return batch


def _regrade(batch: Any) -> tuple[int, int]:
    from roadcredit.credit.models import CreditRecord
    from roadcredit.credit.services.grading_batch import subjects_regrade

    ids = CreditRecord.objects.filter(batch=batch).values_list("operator_id", "practitioner_id")
    ops = sorted({o for o, p in ids if o is not None and p is None})
    prs = sorted({p for _o, p in ids if p is not None})
    changed = subjects_regrade(operator_ids=ops, practitioner_ids=prs, reason="基准测试归集")
    return len(ops) + len(prs), changed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=1_000_000, help="records in the .csv")
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--resend", action="store_true", help="also re-send, 10 %% changed")
    parser.add_argument("--no-regrade", action="store_true", help="skip the regrade")
    parser.add_argument("--profile", action="store_true", help="cProfile the intake (stderr)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rc_intakebench"),
    )
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("bench_credit_intake needs PostgreSQL (--database-url postgres://…)")
    work = Path(tempfile.mkdtemp(prefix="rc-intake-bench-"))
    scratch: Scratch = _scratch_database(args.database_url, work)
    try:
        _configure(scratch, work)
        _run(args, work, scratch)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            scratch.drop()
            shutil.rmtree(work, ignore_errors=True)


def _run(args: Any, work: Path, scratch: Scratch) -> None:
    import django
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    operators = int(args.subjects * 0.4)
    drivers = args.subjects - operators
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    print(
        f"roadcredit credit intake benchmark: {args.rows:,} rows; "
        f"{operators:,} operators + {drivers:,} drivers registered"
    )
    print(
        f"database: {scratch.label}, PostgreSQL {version}; Python {platform.python_version()}, "
        f"Django {django.get_version()}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    _, seconds = _timed("subjects", lambda: _generate_subjects(operators, drivers))
    print(f"  subjects generated in {seconds:.0f} s (not timed)")
    path = work / "intake.csv"
    _timed("writing the .csv", lambda: _write_csv(path, args.rows, operators, drivers, changed=0))
    size = path.stat().st_size / 1e6

    from roadcredit.credit.services.grading import active_ruleset
    from roadcredit.credit.services.intake import source_create

    active_ruleset("enterprise"), active_ruleset("driver")
    source = source_create(
        actor=None,
        code="sdcredit",
        name="山东省公共信用信息共享交换平台",
        kind="provincial_sharing",
    )
    _timed("warm-up COPY", lambda: _copy_baseline(path))
    copied, copy_s = _timed("COPY baseline", lambda: _copy_baseline(path))
    _, unlogged_s = _timed("COPY, unlogged table", lambda: _copy_baseline(path, unlogged=True))
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
    statements: list[tuple[float, str]] = []

    def timed_statement(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append((time.perf_counter() - started, " ".join(sql.split())[:110]))

    with connection.execute_wrapper(timed_statement):
        batch, intake_s = _timed("intake", lambda: _intake(source, path))
    if args.profile:
        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(25)
        _say("slowest statements:")
        for seconds, sql in sorted(statements, reverse=True)[:12]:
            _say(f"  {seconds:7.2f} s  {sql}")
    print(f"\nintake of {args.rows:,} records from a .csv ({size:,.0f} MB)")
    print(
        f"  COPY of the file into a text table:  {copy_s:7.2f} s  ({copied / copy_s:>10,.0f} rows/s)"
    )
    print(
        f"  the same into an UNLOGGED table:     {unlogged_s:7.2f} s  "
        f"({copied / unlogged_s:>10,.0f} rows/s); intake = {unlogged_s / intake_s:.2f} of it"
    )
    print(
        f"  intake (intake_csv_bulk):            {intake_s:7.2f} s  "
        f"({args.rows / intake_s:>10,.0f} rows/s) = {copy_s / intake_s:.2f} of the COPY rate"
        "   <- goal >= 0.33"
    )
    print(
        f"    created {batch.created_count:,}, to link {batch.to_link_count:,}, "
        f"updated {batch.updated_count:,}, unchanged {batch.unchanged_count:,}"
    )
    (twin_rows, floor), _ = _timed("table floor", lambda: _table_floor(batch, work))
    print(
        f"  floor set by the record table: COPY of the {twin_rows:,} finished rows into a twin of "
        "credit_creditrecord, to the commit:"
    )
    for step, label in FLOOR_STEPS:
        print(
            f"    {label:<52} {floor[step]:7.2f} s  = {floor[step] / copy_s:5.1f}x the COPY baseline"
        )
    print(f"  intake = {floor['all'] / intake_s:.2f} of the full floor")
    if not args.no_regrade:
        (subjects, changed), regrade_s = _timed("regrade", lambda: _regrade(batch))
        print(
            f"  regrade it triggers (separately):    {regrade_s:7.2f} s  "
            f"({subjects:,} subjects, {changed:,} grades changed)"
        )
    if args.resend:
        again = work / "intake-again.csv"
        _write_csv(again, args.rows, operators, drivers, changed=0.1)
        batch2, resend_s = _timed("re-send", lambda: _intake(source, again))
        print(
            f"  re-sent, 10 % changed:               {resend_s:7.2f} s  "
            f"({args.rows / resend_s:>10,.0f} rows/s) = {copy_s / resend_s:.2f} of the COPY rate"
            f"  (updated {batch2.updated_count:,}, unchanged {batch2.unchanged_count:,}, "
            f"to link {batch2.to_link_count:,})"
        )
    print(f"  load average at the end: {os.getloadavg()[0]:.1f} (2 vCPUs shared)")


if __name__ == "__main__":
    main()
