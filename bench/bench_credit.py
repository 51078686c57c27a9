"""Credit data-pool benchmark at province scale (PostgreSQL): full regrade, one record to an
updated grade, and the intake of a large .csv — each printed beside the baseline it runs itself.

    .venv/bin/python bench/bench_credit.py --quick        # 20,000 subjects, 200,000 records
    .venv/bin/python bench/bench_credit.py                # 1,000,000 subjects, 10,000,000 records
    .venv/bin/python bench/bench_credit.py --subjects 200000 --records 2000000 --intake 1000000

The database is a scratch one: the database named in ``--database-url`` (or DATABASE_URL),
suffixed ``_bench`` unless the name contains "bench", is dropped, created, migrated and dropped
again at the end (``--keep`` keeps it). PostgreSQL only. Subjects and records are generated
server-side (``generate_series``; subjects: 40 % operators, 60 % drivers), so generation is not
timed. Figures go to stdout; progress to stderr.

(1) Full regrade. Baselines: a bare ``SELECT subject, sum(points) … GROUP BY subject`` over the
    same table (rows fetched), and the engine's plain per-subject loop (every record fetched,
    turned into ``Fact`` and graded with ``grade(explain=False)``). Measured: the batch-regrade
    job (``credit_regrade --all``) — the first run writes every snapshot (engine fingerprints for
    all), the steady-state run after 0.1 % of the records changed writes only the changes.
(2) One new record → updated grade: ``credit_record_create`` (validation, insert, audit, the
    subject's regrade and snapshot) on random subjects; p50 / p99.
(3) Intake of a .csv (``--intake`` records, default 1,000,000; a few percent name unregistered
    subjects): ``intake_csv_bulk`` (the ``credit_intake`` path for large .csv files on
    PostgreSQL) vs ``COPY … FROM STDIN (FORMAT csv)`` of the same file into a table of text
    columns. The regrade the intake triggers is timed separately.
"""

from __future__ import annotations

import argparse
import csv
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


def _generate(operators: int, drivers: int, records: int) -> None:
    """Subjects by COPY (identifiers need Python: check characters, blind indexes); records
    server-side with generate_series."""
    from django.db import connection

    from roadcredit.core import pii
    from roadcredit.credit.grading import DEFAULT_ENTERPRISE_RULESET, load_bundled
    from roadcredit.credit.models import CreditRecord
    from roadcredit.credit.services.records import bureau_source
    from roadcredit.subjects.models import Operator, Practitioner, Qualification

    rng = random.Random(7)
    today = _today()
    blob = pii.encrypt("370612198001010000", purpose="id_number")
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
            now = dt.datetime.now(dt.UTC)
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
        cursor.execute(f"ANALYZE {table}")
        cursor.execute("ANALYZE subjects_operator; ANALYZE subjects_practitioner")


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


def _regrade_job(chunk: int) -> dict[str, Any]:
    from roadcredit.core.jobs import job_run
    from roadcredit.credit.jobs import regrade_submit

    job = regrade_submit(actor=None, reason="基准测试", chunk=chunk, run="defer")
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


# --- (3) intake -------------------------------------------------------------------------------------


def _write_intake_csv(path: Path, count: int, operators: int, drivers: int) -> None:
    rng = random.Random(5)
    day = _today() - dt.timedelta(days=30)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
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
        )
        for n in range(count):
            occurred = day - dt.timedelta(days=n % 300)
            decided = occurred + dt.timedelta(days=5)
            unknown = n % 50 == 0  # 2 % name subjects not registered here
            if n % 5 < 2:
                uscc = _uscc(operators + n if unknown else rng.randrange(operators))
                ident = (uscc, "")
            else:
                number = _id_number(drivers + n if unknown else rng.randrange(drivers))
                ident = ("", number)
            writer.writerow(
                [
                    f"ZX-{n:08d}",
                    ident[0],
                    ident[1],
                    "RT-N-008" if n % 3 else "RT-N-011",
                    "",
                    occurred.isoformat(),
                    f"鲁交执罚〔2026〕{n}号",
                    decided.isoformat(),
                    "省共享平台推送",
                ]
            )


def _copy_baseline(path: Path) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_copy")
        cursor.execute(
            "CREATE UNLOGGED TABLE bench_copy (a text, b text, c text, d text, e text, f text, "
            "g text, h text, i text)"
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--intake", type=int, default=None, help="records in the .csv (1,000,000)")
    parser.add_argument("--quick", action="store_true", help="20,000 subjects, 200,000 records")
    parser.add_argument("--chunk", type=int, default=200_000, help="subjects per regrade chunk")
    parser.add_argument("--samples", type=int, default=300, help="samples for (2)")
    parser.add_argument(
        "--engine-limit", type=int, default=None, help="grade only this many in the engine loop"
    )
    parser.add_argument("--parts", default="123")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rc_creditbench"),
    )
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.subjects, args.records = 20_000, 200_000
    intake = args.intake if args.intake is not None else (20_000 if args.quick else 1_000_000)
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("bench_credit needs PostgreSQL (--database-url postgres://…)")
    work = Path(tempfile.mkdtemp(prefix="rc-credit-bench-"))
    scratch: Scratch = _scratch_database(args.database_url, work)
    try:
        _configure(scratch, work)
        _run(args, intake, work, scratch)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            scratch.drop()
            shutil.rmtree(work, ignore_errors=True)


def _run(args: Any, intake: int, work: Path, scratch: Scratch) -> None:
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
        f"{args.records:,} records; intake {intake:,} records"
    )
    print(
        f"database: {scratch.label}, PostgreSQL {version}; Python {platform.python_version()}, "
        f"Django {django.get_version()}, {os.cpu_count()} CPUs"
    )
    _, seconds = _timed("generating data", lambda: _generate(operators, drivers, args.records))
    print(f"  data generated in {seconds:.0f} s (not part of any figure)")
    from roadcredit.credit.services.grading import active_ruleset

    active_ruleset("enterprise"), active_ruleset("driver")

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
            f"p99 {p99 * 1000:.1f} ms, max {timings[-1] * 1000:.1f} ms   <- goal p99 <= 50 ms"
        )

    if "3" in args.parts:
        print(f"\n(3) intake of {intake:,} records from a .csv")
        from roadcredit.credit.models import CreditRecord, IntakeChannel
        from roadcredit.credit.services import intake_bulk
        from roadcredit.credit.services.grading_batch import subjects_regrade
        from roadcredit.credit.services.intake import _sha256_file, source_create

        path = work / "intake.csv"
        _timed("writing the .csv", lambda: _write_intake_csv(path, intake, operators, drivers))
        size = path.stat().st_size / 1e6
        _timed("warm-up COPY", lambda: _copy_baseline(path))
        copied, copy_s = _timed("COPY baseline", lambda: _copy_baseline(path))
        source = source_create(
            actor=None,
            code="sdcredit",
            name="山东省公共信用信息共享交换平台",
            kind="provincial_sharing",
        )
        digest = _sha256_file(path)
        batch, intake_s = _timed(
            "intake",
            lambda: intake_bulk.intake_csv_bulk(
                source=source,
                path=path,
                file_name=path.name,
                file_sha256=digest,
                actor=None,
                channel=IntakeChannel.COMMAND,
                regrade=False,
            ),
        )
        assert batch.status == "accepted", batch.errors[:5]
        print(
            f"  COPY of the file ({size:,.0f} MB):           {copy_s:7.1f} s  "
            f"({copied / copy_s:,.0f} rows/s)"
        )
        print(
            f"  credit_intake bulk path:              {intake_s:7.1f} s  "
            f"({intake / intake_s:,.0f} rows/s) = {copy_s / intake_s:.2f} of the COPY rate   "
            f"<- goal >= 0.33"
        )
        print(
            f"    created {batch.created_count:,}, to link {batch.to_link_count:,}, "
            f"updated {batch.updated_count:,}"
        )
        ids = CreditRecord.objects.filter(batch=batch).values_list("operator_id", "practitioner_id")
        ops = sorted({o for o, p in ids if o is not None and p is None})
        prs = sorted({p for _o, p in ids if p is not None})
        changed, regrade_s = _timed(
            "regrade after intake",
            lambda: subjects_regrade(operator_ids=ops, practitioner_ids=prs, reason="基准测试归集"),
        )
        print(
            f"  regrade it triggers (separately):     {regrade_s:7.1f} s  "
            f"({len(ops) + len(prs):,} subjects, {changed:,} grades changed)"
        )


if __name__ == "__main__":
    main()
