"""Credit data-pool benchmark at province scale (PostgreSQL): the full regrade and one record
to an updated grade, each printed beside the baseline it runs itself.

    .venv/bin/python bench/bench_credit.py                # 1,000,000 subjects, 10,000,000 records
    .venv/bin/python bench/bench_credit.py --scale 0.2    # 200,000 subjects, 2,000,000 records
    .venv/bin/python bench/bench_credit.py --quick        # 20,000 subjects, 200,000 records
    .venv/bin/python bench/bench_credit.py --keep         # keep the data, then:
    .venv/bin/python bench/bench_credit.py --reuse        # rerun on the kept data

The database is a scratch one: the database named in ``--database-url`` (or DATABASE_URL),
suffixed ``_bench`` unless the name contains "bench", is dropped, created, migrated and dropped
again at the end (``--keep`` keeps it; ``--reuse`` runs on a kept one, its grade snapshots
emptied first). PostgreSQL only. Subjects go in by ``COPY`` (40 % operators, 60 % drivers);
records are generated server-side (``generate_series``) into the table with its secondary
indexes and constraints dropped, which are then rebuilt; generation is not timed. Figures go to
stdout; progress to stderr. The intake of a .csv has its own benchmark,
``bench_credit_intake.py``.

(1) Full regrade. Baselines: a bare ``SELECT subject, sum(points) … GROUP BY subject`` over the
    same table (rows fetched), and the engine's plain per-subject loop (every record fetched,
    turned into ``Fact`` and graded with ``grade(explain=False)``). Measured: the batch-regrade
    job (``credit_regrade --all``) — the first run writes every snapshot, the steady-state run
    after 0.1 % of the records changed writes only the changes.
(2) One new record → updated grade: ``credit_record_create`` (validation, insert, audit, the
    subject's regrade and snapshot) on random subjects; p50 / p90 / p99.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.bench_registry import Scratch, _configure, _scratch_database  # noqa: E402

AS_OF_OFFSET_DAYS = 0  # grade as of today


def _today() -> dt.date:
    from roadcredit.core import clock

    return clock.today()


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _timed(label: str, function: Any) -> tuple[Any, float]:
    _say(f"… {label}")
    started = time.perf_counter()
    result = function()
    elapsed = time.perf_counter() - started
    _say(f"  {label}: {elapsed:.1f} s")
    return result, elapsed


# --- data ---------------------------------------------------------------------------------------


def _uscc(n: int) -> str:
    from roadcredit.subjects.identifiers import USCC_ALPHABET, uscc_check_char

    body = "91370612MA"
    for _ in range(7):
        n, digit = divmod(n, 31)
        body += USCC_ALPHABET[digit]
    return body + uscc_check_char(body)


def _id_number(n: int) -> str:
    from roadcredit.subjects.identifiers import id_number_check_char

    birth = dt.date(1960, 1, 1) + dt.timedelta(days=n % 15000)
    body = f"370612{birth:%Y%m%d}{(n // 15000) % 1000:03d}"
    return body + id_number_check_char(body)


def _generate_subjects(operators: int, drivers: int) -> None:
    """Operators and drivers (with a driving qualification) by COPY: identifiers need Python
    (check characters, blind indexes)."""
    from django.db import connection

    from roadcredit.core import pii
    from roadcredit.subjects.models import Operator, Practitioner, Qualification

    rng = random.Random(7)
    today = _today()
    blob = pii.encrypt("370612198001010000", purpose="id_number")
    now = dt.datetime.now(dt.UTC)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        columns = (
            "public_id, created_at, updated_at, uscc, name, kind, legal_representative, address, "
            "division_code, status, uscc_check_overridden"
        )
        with raw.copy(f"COPY {Operator._meta.db_table} ({columns}) FROM STDIN") as copy:
            for n in range(operators):
                created = dt.datetime(2014, 1, 1, tzinfo=dt.UTC) + dt.timedelta(
                    days=rng.randrange(0, (today - dt.date(2014, 1, 1)).days)
                )
                copy.write_row(
                    (
                        f"op{n:014d}",
                        created,
                        created,
                        _uscc(n),
                        f"烟台运输企业{n}有限公司",
                        "enterprise" if n % 10 else "individual",
                        "王建华",
                        "山东省烟台市牟平区",
                        "370612",
                        "active",
                        False,
                    )
                )
        columns = (
            "public_id, created_at, updated_at, name, id_number_encrypted, id_number_index, "
            "id_number_masked, birth_date, sex, phone_index, phone_masked, status"
        )
        with raw.copy(f"COPY {Practitioner._meta.db_table} ({columns}) FROM STDIN") as copy:
            for n in range(drivers):
                number = _id_number(n)
                copy.write_row(
                    (
                        f"pr{n:014d}",
                        now,
                        now,
                        "张伟",
                        blob,
                        pii.blind_index(number, purpose="id_number"),
                        number[:6] + "********" + number[-4:],
                        dt.date(1960, 1, 1) + dt.timedelta(days=n % 15000),
                        "M",
                        "",
                        "",
                        "active",
                    )
                )
        cursor.execute(
            f"INSERT INTO {Qualification._meta.db_table} (practitioner_id, category, first_issue_date) "  # noqa: S608 (generated constants)
            f"SELECT id, 'freight', DATE '2012-01-01' + (id * 7919 % 4500)::int "
            f"FROM {Practitioner._meta.db_table}"
        )
        cursor.execute("ANALYZE subjects_operator; ANALYZE subjects_practitioner")


def _generate(operators: int, drivers: int, records: int) -> None:
    """Subjects by COPY (``_generate_subjects``); records server-side with generate_series."""
    from django.db import connection

    from roadcredit.credit.grading import DEFAULT_ENTERPRISE_RULESET, load_bundled
    from roadcredit.credit.models import CreditRecord
    from roadcredit.credit.services.records import bureau_source

    _generate_subjects(operators, drivers)
    with connection.cursor() as cursor:
        catalogue = load_bundled(DEFAULT_ENTERPRISE_RULESET).catalogue
        rows = [
            (
                b.code,
                b.name_zh,
                b.direction,
                b.severity or "",
                b.default_points.get("enterprise"),
                b.default_points.get("driver"),
            )
            for b in catalogue.behaviours.values()
        ]
        cursor.execute(
            "CREATE TEMP TABLE bench_codes (scheme text, k int, code text, name text, "
            "direction text, severity text, points int)"
        )
        op_rows = [(c, n, d, s, ep) for c, n, d, s, ep, _dp in rows if ep]
        dr_rows = [(c, n, d, s, dp) for c, n, d, s, _ep, dp in rows if dp]
        cursor.executemany(
            "INSERT INTO bench_codes VALUES ('op', %s, %s, %s, %s, %s, %s)",
            [(k, *r) for k, r in enumerate(op_rows)],
        )
        cursor.executemany(
            "INSERT INTO bench_codes VALUES ('dr', %s, %s, %s, %s, %s, %s)",
            [(k, *r) for k, r in enumerate(dr_rows)],
        )
        cursor.execute("SELECT min(id), max(id) FROM subjects_operator")
        op_lo, op_hi = cursor.fetchone()
        cursor.execute("SELECT min(id), max(id) FROM subjects_practitioner")
        pr_lo, pr_hi = cursor.fetchone()
        source = bureau_source()
        table = CreditRecord._meta.db_table
        share = operators / (operators + drivers)
        rebuild = _drop_secondary(cursor, table)
        # Negative records mostly; codes drawn so that each scheme gets codes it records.
        cursor.execute(
            f"""
            INSERT INTO {table} (public_id, created_at, updated_at, subject_kind, operator_id,
                vehicle_id, practitioner_id, behaviour_code, behaviour_name, direction, severity,
                points, occurred_on, decision_number, decided_on, description, status,
                status_reason, earliest_repair_on, takedown_on, publication_rule_id, published,
                source_id, source_ref, batch_id, source_row, file_sha256, recorded_by_id,
                on_serious_list)
            SELECT substr(md5(g::text || random()::text), 1, 16), now(), now(),
                CASE WHEN op THEN 'operator' ELSE 'practitioner' END,
                CASE WHEN op THEN {op_lo} + (random() * {op_hi - op_lo})::int END, NULL,
                CASE WHEN op THEN NULL ELSE {pr_lo} + (random() * {pr_hi - pr_lo})::int END,
                c.code, c.name, c.direction, c.severity, c.points,
                occurred, CASE WHEN pending THEN '' ELSE '牟交罚决字〔2026〕' || g || '号' END,
                CASE WHEN pending THEN NULL ELSE occurred + (random() * 40)::int END, '',
                CASE WHEN pending THEN 'pending'
                     WHEN r3 < 0.04 THEN 'repaired' WHEN r3 < 0.06 THEN 'under_objection'
                     WHEN r3 < 0.07 THEN 'withdrawn' ELSE 'active' END,
                '', NULL, NULL, '', false, {source.pk}, 'G-' || g, NULL, NULL, '', NULL,
                c.direction = 'negative' AND r3 > 0.999
            FROM (
                SELECT g, random() < {share} AS op, random() < 0.05 AS pending, random() AS r3,
                    CURRENT_DATE - (random() * 1000)::int AS occurred, random() AS rc
                FROM generate_series(1, {records}) g
            ) s
            JOIN bench_codes c ON c.scheme = CASE WHEN s.op THEN 'op' ELSE 'dr' END
                AND c.k = floor(s.rc * CASE WHEN s.op THEN {len(op_rows)} ELSE {len(dr_rows)} END)::int
            """  # noqa: S608 (generated constants)
        )
        _say(f"  records inserted; rebuilding {len(rebuild)} indexes and constraints")
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for statement in rebuild:
            cursor.execute(statement)
        cursor.execute(f"VACUUM ANALYZE {table}")
        cursor.execute("ANALYZE subjects_operator; ANALYZE subjects_practitioner")


def _drop_secondary(cursor: Any, table: str) -> list[str]:
    """Drop the table's secondary indexes and its constraints other than the primary key
    (a bulk INSERT into an unindexed table, then one sorted build per index, is several times
    quicker); return the statements that put them back exactly as they were."""
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype <> 'p' ORDER BY conname",
        [table],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid "
        "AND c.conrelid = i.indrelid) ORDER BY 1",
        [table],
    )
    indexes = cursor.fetchall()
    for name, _definition in constraints:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {name}")
    return [definition for _name, definition in indexes] + [
        f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
        for name, definition in constraints
    ]


def _create_missing_tables() -> None:
    """Tables of models that have no migration yet (the lead generates migrations)."""
    from django.apps import apps
    from django.db import connection

    existing = set(connection.introspection.table_names())
    missing = [m for m in apps.get_models() if m._meta.managed and m._meta.db_table not in existing]
    with connection.schema_editor() as editor:
        for model in missing:
            editor.create_model(model)


# --- (1) full regrade -------------------------------------------------------------------------


def _bare_group_by() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT operator_id, practitioner_id, sum(points) "
            "FROM credit_creditrecord GROUP BY operator_id, practitioner_id"
        )
        return len(cursor.fetchall())


def _engine_loop(limit: int | None) -> int:
    """The engine's plain per-subject loop over every record (grade(explain=False))."""
    from django.db import connection

    from roadcredit.credit.grading import Fact, Subject, grade
    from roadcredit.credit.services.grading import active_ruleset

    as_of = _today()
    graded = 0
    for scheme, column, anchors_sql in (
        (
            "enterprise",
            "operator_id",
            "SELECT id, public_id, (created_at AT TIME ZONE 'Asia/Shanghai')::date FROM subjects_operator",
        ),
        (
            "driver",
            "practitioner_id",
            "SELECT p.id, p.public_id, min(q.first_issue_date) FROM subjects_practitioner p "
            "LEFT JOIN subjects_qualification q ON q.practitioner_id = p.id GROUP BY p.id, p.public_id",
        ),
    ):
        ruleset = active_ruleset(scheme)[1]
        facts: dict[int, list[Fact]] = defaultdict(list)
        with connection.cursor() as cursor:
            cursor.execute(anchors_sql)
            subjects = cursor.fetchall()
        with connection.chunked_cursor() as cursor:
            cursor.execute(
                f"SELECT {column}, public_id, behaviour_code, points, direction, severity, "  # noqa: S608 (generated constants)
                f"occurred_on, decided_on, status, on_serious_list FROM credit_creditrecord "
                f"WHERE {column} IS NOT NULL"
            )
            for row in cursor:
                facts[row[0]].append(
                    Fact(
                        row[1],
                        row[2],
                        row[3],
                        row[4],
                        row[5] or "minor",
                        row[6],
                        row[7],
                        row[8],
                        row[9],
                    )
                )
        for pk, public_id, anchor in subjects:
            subject = Subject(public_id, scheme, anchor)  # type: ignore[arg-type]
            grade(subject, facts.get(pk, ()), ruleset, as_of, explain=False)
            graded += 1
            if limit is not None and graded >= limit:
                return graded
    return graded


def _regrade_job(chunk: int | None) -> dict[str, Any]:
    from roadcredit.core.jobs import job_run
    from roadcredit.credit.jobs import DEFAULT_CHUNK, regrade_submit

    job = regrade_submit(actor=None, reason="基准测试", chunk=chunk or DEFAULT_CHUNK, run="defer")
    job = job_run(job)
    assert job.status == "succeeded", job.error
    return dict(job.result or {})


def _touch_records(fraction: float) -> int:
    """Change the points of a fraction of the records (a day's corrections), directly."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE credit_creditrecord SET points = points + 7 "
            "WHERE status = 'active' AND random() < %s",
            [fraction],
        )
        return int(cursor.rowcount)


# --- (2) one record ------------------------------------------------------------------------------


def _one_record_latency(samples: int) -> list[float]:
    from roadcredit.credit.services.records import credit_record_create
    from roadcredit.subjects.models import Operator, Practitioner

    rng = random.Random(11)
    op_ids = list(Operator.objects.values_list("pk", flat=True)[:200_000])
    pr_ids = list(Practitioner.objects.values_list("pk", flat=True)[:200_000])
    day = _today() - dt.timedelta(days=20)
    timings = []
    for n in range(samples):
        if n % 2:
            subject: Any = Operator.objects.get(pk=rng.choice(op_ids))
        else:
            subject = Practitioner.objects.get(pk=rng.choice(pr_ids))
        data = {
            "behaviour_code": "RT-N-008",
            "occurred_on": day,
            "decision_number": f"牟交罚决字〔2026〕B{n}号",
            "decided_on": day + dt.timedelta(days=3),
        }
        started = time.perf_counter()
        credit_record_create(actor=None, subject=subject, data=data)
        timings.append(time.perf_counter() - started)
    return timings


def _reused_database(url: str) -> tuple[Scratch, bool]:
    """The scratch database of an earlier ``--keep`` run, as it is (created if missing).
    Returns it and whether it already holds generated data."""
    import psycopg

    from bench.bench_registry import _pg_admin
    from config.env import parse_database_url

    config = parse_database_url(url, base_dir=ROOT)
    name = config.name if "bench" in config.name else f"{config.name}_bench"
    params: dict[str, Any] = {"host": config.host or None, "user": config.user or None}
    if config.port:
        params["port"] = int(config.port)
    if config.password:
        params["password"] = config.password
    scratch = Scratch(
        url=url.rsplit("/", 1)[0] + "/" + name,
        label=f"PostgreSQL (database {name} on {config.host or 'local socket'}, reused)",
        postgres=True,
        admin=params,
        name=name,
    )
    with psycopg.connect(**params, dbname="postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    if not exists:
        _pg_admin(params, f'CREATE DATABASE "{name}"')
        return scratch, False
    with psycopg.connect(**params, dbname=name, autocommit=True) as conn:
        found = conn.execute(
            "SELECT to_regclass('credit_creditrecord') IS NOT NULL "
            "AND EXISTS (SELECT 1 FROM pg_class WHERE relname = 'credit_creditrecord' "
            "AND reltuples > 0)"
        ).fetchone()
    return scratch, bool(found and found[0])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="fraction of the province size (1.0 = 1,000,000 subjects, 10,000,000 records)",
    )
    parser.add_argument("--subjects", type=int, default=None)
    parser.add_argument("--records", type=int, default=None)
    parser.add_argument("--quick", action="store_true", help="20,000 subjects, 200,000 records")
    parser.add_argument(
        "--chunk", type=int, default=None, help="subjects per regrade chunk (the job's default)"
    )
    parser.add_argument("--samples", type=int, default=1000, help="samples for (2)")
    parser.add_argument(
        "--engine-limit", type=int, default=None, help="grade only this many in the engine loop"
    )
    parser.add_argument("--parts", default="12")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rc_creditbench"),
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="reuse the data of an earlier --keep run (same size) instead of generating it; "
        "implies --keep",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.scale = 0.02
    args.subjects = args.subjects or round(1_000_000 * args.scale)
    args.records = args.records or round(10_000_000 * args.scale)
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("bench_credit needs PostgreSQL (--database-url postgres://…)")
    if args.reuse:
        args.keep = True
        scratch, has_data = _reused_database(args.database_url)
        work = Path(tempfile.gettempdir()) / f"rc-credit-bench-{scratch.name}"
        work.mkdir(exist_ok=True)
        # A fresh key store (its passphrase is new each run); the kept data needs no key.
        shutil.rmtree(work / "keystore", ignore_errors=True)
    else:
        has_data = False
        work = Path(tempfile.mkdtemp(prefix="rc-credit-bench-"))
        scratch = _scratch_database(args.database_url, work)
    try:
        _configure(scratch, work)
        _run(args, scratch, generate=not has_data)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            scratch.drop()
            shutil.rmtree(work, ignore_errors=True)


def _run(args: Any, scratch: Scratch, *, generate: bool) -> None:
    import django
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    _create_missing_tables()
    operators = int(args.subjects * 0.4)
    drivers = args.subjects - operators
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    print(
        f"roadcredit credit benchmark: {operators:,} operators + {drivers:,} drivers, "
        f"{args.records:,} records"
    )
    print(
        f"database: {scratch.label}, PostgreSQL {version}; Python {platform.python_version()}, "
        f"Django {django.get_version()}, {os.cpu_count()} CPUs"
    )
    if generate:
        _, seconds = _timed("generating data", lambda: _generate(operators, drivers, args.records))
        print(f"  data generated in {seconds:.0f} s (not part of any figure)")
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM credit_creditrecord")
            print(f"  reusing the kept data: {cursor.fetchone()[0]:,} records")
            cursor.execute("TRUNCATE credit_gradesnapshot")
    from roadcredit.credit.services.grading import active_ruleset

    active_ruleset("enterprise"), active_ruleset("driver")
    load = os.getloadavg()
    print(f"  load average before the runs: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")

    if "1" in args.parts:
        print("\n(1) full regrade")
        _timed("warm-up scan", _bare_group_by)
        groups, bare = _timed("bare GROUP BY", _bare_group_by)
        print(f"  bare SQL GROUP BY sum(points):        {bare:8.1f} s  ({groups:,} groups)")
        first, first_s = _timed("regrade job, first run", lambda: _regrade_job(args.chunk))
        print(
            f"  regrade job, first run (all written): {first_s:8.1f} s  "
            f"({first['subjects']:,} subjects, {first['changed']:,} snapshots)  "
            f"= {first_s / bare:.1f}x bare"
        )
        touched = _touch_records(0.001)
        second, second_s = _timed("regrade job, steady state", lambda: _regrade_job(args.chunk))
        print(
            f"  regrade job, steady state:            {second_s:8.1f} s  "
            f"({touched:,} records changed, {second['changed']:,} grades changed)  "
            f"= {second_s / bare:.1f}x bare   <- goal <= 3x"
        )
        _, again_s = _timed("bare GROUP BY again", _bare_group_by)
        print(
            f"  bare SQL GROUP BY again:              {again_s:8.1f} s  "
            f"(steady state = {second_s / again_s:.1f}x this one)"
        )
        graded, engine_s = _timed(
            "engine per-subject loop", lambda: _engine_loop(args.engine_limit)
        )
        print(
            f"  engine per-subject loop:              {engine_s:8.1f} s  ({graded:,} subjects)  "
            f"= {engine_s / bare:.1f}x bare"
        )

    if "2" in args.parts:
        print("\n(2) one new record to an updated grade (credit_record_create incl. regrade)")
        timings = _one_record_latency(args.samples)
        timings.sort()
        p99 = timings[max(0, int(len(timings) * 0.99) - 1)]
        print(
            f"  {len(timings)} records: p50 {statistics.median(timings) * 1000:.1f} ms, "
            f"p90 {timings[int(len(timings) * 0.9) - 1] * 1000:.1f} ms, "
            f"p99 {p99 * 1000:.1f} ms, max {timings[-1] * 1000:.1f} ms   <- goal p99 <= 50 ms"
        )


if __name__ == "__main__":
    main()
