"""Registry benchmark: rows per second for the demo generator, ``load_demo`` and the registry
import, each against a baseline it runs itself. Prints its own figures; it is not a test.

    .venv/bin/python bench/bench_registry.py [--scale 100] [--quick]
    .venv/bin/python bench/bench_registry.py --database-url postgres://postgres@127.0.0.1:5432/rc_bench

(a) generation only: ``DemoDistrict`` rows per second, per kind.
(b) ``demo_load`` (pre-check per chunk, personal-data encryption and blind index, audit row per
    chunk) against a bare ``bulk_create`` of the same rows into the same tables, without any
    of that (ID numbers stored as plain bytes).
(c) ``import_subjects`` of generated .csv files (full validation, two passes, encryption, audit)
    against a bare ``executemany`` of the same CSV lines into a scratch table of text columns,
    and on PostgreSQL a ``COPY`` of the same file into that table.

The database is a scratch one the benchmark creates, migrates and drops: SQLite (the default,
and whenever DATABASE_URL is SQLite) in a temporary directory; PostgreSQL when
``--database-url`` (or DATABASE_URL) is a postgres:// URL: the database named there (suffixed
``_bench`` unless its name already contains "bench") is dropped and created afresh. The key store
is a fresh temporary one. Nothing of the development database is touched.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import platform
import resource
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from config.env import parse_database_url  # noqa: E402

CHUNK = 5_000
KINDS = ("operator", "vehicle", "practitioner")


@dataclass
class Figure:
    label: str
    rows: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else float("inf")


def _timed(function: Callable[[], int]) -> tuple[int, float]:
    started = time.perf_counter()
    rows = function()
    return rows, time.perf_counter() - started


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- the scratch database -------------------------------------------------------------------------
@dataclass
class Scratch:
    url: str
    label: str
    postgres: bool
    admin: dict[str, Any] | None = None
    name: str = ""

    def drop(self) -> None:
        if self.postgres and self.admin is not None:
            _pg_admin(self.admin, f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def _pg_admin(params: dict[str, Any], sql: str) -> None:
    import psycopg

    with psycopg.connect(**params, dbname="postgres", autocommit=True) as conn:
        conn.execute(sql.encode())


def _scratch_database(url: str, work: Path) -> Scratch:
    if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
        path = work / "bench.sqlite3"
        return Scratch(url=f"sqlite:///{path}", label=f"SQLite ({path})", postgres=False)
    config = parse_database_url(url, base_dir=ROOT)
    name = config.name if "bench" in config.name else f"{config.name}_bench"
    params: dict[str, Any] = {"host": config.host or None, "user": config.user or None}
    if config.port:
        params["port"] = int(config.port)
    if config.password:
        params["password"] = config.password
    scratch = Scratch(
        url=url.rsplit("/", 1)[0] + "/" + name,
        label=f"PostgreSQL (database {name} on {config.host or 'local socket'})",
        postgres=True,
        admin=params,
        name=name,
    )
    scratch.drop()
    _pg_admin(params, f'CREATE DATABASE "{name}"')
    return scratch


def _configure(scratch: Scratch, work: Path) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DATABASE_URL": scratch.url,
            "ROADCREDIT_VAR_DIR": str(work / "var"),
            "ROADCREDIT_KEYSTORE_PATH": str(work / "keystore" / "keystore.json"),
            "ROADCREDIT_KEYSTORE_PASSPHRASE": secrets.token_urlsafe(24),
            "ROADCREDIT_KEYSTORE_AUTO_CREATE": "true",
            "ROADCREDIT_IMPORT_MAX_BYTES": str(1 << 36),
            "ROADCREDIT_IMPORT_MAX_ROWS": str(10**9),
            "DJANGO_DEBUG": "false",
            "LOG_LEVEL": "WARNING",
        }
    )
    import django

    django.setup()


# --- helpers that need Django (imported after setup) ------------------------------------------------
def _clear_registry() -> None:
    from django.db import connection, transaction

    tables = [
        "subjects_qualification",
        "subjects_practitioner",
        "subjects_vehicle",
        "subjects_operator_business_scopes",
        "subjects_operator",
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # CASCADE: the accounts (and their audit rows)
            cursor.execute("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE")
        else:
            cursor.execute("DELETE FROM accounts_user")
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names


def _bench_actor() -> Any:
    from roadcredit.accounts.models import User

    user, _ = User.objects.get_or_create(
        username="bench-clerk",
        defaults={"role": "clerk", "last_name": "基准", "first_name": "测试"},
    )
    return user


def _generation(district: Any) -> list[Figure]:
    figures = []
    for kind, stream in (
        ("operator", district.operators),
        ("vehicle", district.vehicles),
        ("practitioner", district.practitioners),
    ):

        def count(stream: Callable[[], Iterator[object]] = stream) -> int:
            return sum(1 for _ in stream())

        rows, seconds = _timed(count)
        figures.append(Figure(kind, rows, seconds))
    return figures


def _bare_bulk_create(district: Any) -> list[Figure]:
    """The same rows through bulk_create with nothing else: no pre-check, no encryption, no
    audit (chunks of 5,000 rows, one transaction each, like the loader)."""
    from django.db import transaction

    from roadcredit.core.masking import mask_id_number, mask_phone
    from roadcredit.demo.generator import chunked
    from roadcredit.subjects.models import Operator, Practitioner, Qualification, Vehicle

    owners: dict[str, int] = {}
    figures = []

    def operators() -> int:
        count = 0
        for chunk in chunked(district.operators(), CHUNK):
            with transaction.atomic():
                made = Operator.objects.bulk_create(
                    Operator(
                        uscc=r.uscc,
                        name=r.name,
                        kind=r.kind,
                        legal_representative=r.legal_representative,
                        address=r.address,
                        division_code=r.division_code,
                        status=r.status,
                    )
                    for r in chunk
                )
            owners.update((o.uscc, o.pk) for o in made)
            count += len(chunk)
        return count

    def vehicles() -> int:
        count = 0
        for chunk in chunked(district.vehicles(), CHUNK):
            with transaction.atomic():
                Vehicle.objects.bulk_create(
                    Vehicle(
                        plate=r.plate,
                        plate_colour=r.plate_colour,
                        vin=r.vin,
                        vehicle_type=r.vehicle_type,
                        fuel=r.fuel,
                        approved_load_kg=r.approved_load_kg,
                        seats=r.seats,
                        operator_id=owners.get(r.operator_uscc or ""),
                        status=r.status,
                    )
                    for r in chunk
                )
            count += len(chunk)
        return count

    def practitioners() -> int:
        count = 0
        for chunk in chunked(district.practitioners(), CHUNK):
            with transaction.atomic():
                made = Practitioner.objects.bulk_create(
                    Practitioner(
                        name=r.name,
                        id_number_encrypted=r.id_number.encode(),
                        id_number_index=r.id_number,
                        id_number_masked=mask_id_number(r.id_number),
                        phone_encrypted=r.phone.encode(),
                        phone_index=r.phone,
                        phone_masked=mask_phone(r.phone),
                        birth_date=r.birth_date,
                        sex=r.sex,
                        employer_id=owners.get(r.employer_uscc or ""),
                        status=r.status,
                    )
                    for r in chunk
                )
                Qualification.objects.bulk_create(
                    Qualification(
                        practitioner_id=p.pk,
                        category=q.category,
                        first_issue_date=q.first_issue_date,
                        valid_until=q.valid_until,
                    )
                    for p, r in zip(made, chunk, strict=True)
                    for q in r.qualifications
                )
            count += len(chunk)
        return count

    for kind, step in (
        ("operator", operators),
        ("vehicle", vehicles),
        ("practitioner", practitioners),
    ):
        rows, seconds = _timed(step)
        figures.append(Figure(kind, rows, seconds))
    return figures


def _demo_load(scale: float, seed: int) -> list[Figure]:
    from roadcredit.core.jobs import progress_bar
    from roadcredit.demo.loader import demo_load

    summary = demo_load(actor=None, scale=scale, seed=seed, progress=progress_bar, personas=False)
    created = summary.created
    if created != sum(k.total for k in summary.kinds):
        raise SystemExit(f"load_demo created {created} rows, expected every row")
    return [Figure(k.kind, k.total, k.seconds) for k in summary.kinds]


def _write_csvs(district: Any, work: Path) -> dict[str, tuple[Path, int, int]]:
    """kind → (path, subject rows, CSV lines)."""
    from roadcredit.demo.export import write_import_csv

    counts = {
        "operator": district.counts.operators,
        "vehicle": district.counts.vehicles,
        "practitioner": district.counts.practitioners,
    }
    streams = {
        "operator": district.operators,
        "vehicle": district.vehicles,
        "practitioner": district.practitioners,
    }
    files = {}
    for kind in KINDS:
        path = work / f"{kind}.csv"
        lines = write_import_csv(kind, streams[kind](), path)
        files[kind] = (path, counts[kind], lines)
    return files


def _import(files: dict[str, tuple[Path, int, int]]) -> list[Figure]:
    from roadcredit.core.jobs import progress_bar
    from roadcredit.exchange.registry_import import import_subjects

    actor = _bench_actor()
    figures = []
    for kind in KINDS:
        path, rows, _lines = files[kind]
        bar = progress_bar(f"import {kind}")
        started = time.perf_counter()
        summary = import_subjects(actor=actor, kind=kind, path_or_file=path, progress=bar)
        seconds = time.perf_counter() - started
        if summary.errors:
            raise SystemExit(f"import of {kind} failed: {summary.errors[:3]}")
        figures.append(Figure(kind, rows, seconds))
    return figures


def _csv_lines(path: Path) -> Iterator[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        yield from reader


def _scratch_table(kind: str, width: int) -> str:
    from django.db import connection

    table = f"bench_csv_{kind}"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        columns = ", ".join(f"c{i} text" for i in range(width))
        cursor.execute(f"CREATE TABLE {table} ({columns})")
    return table


def _executemany(files: dict[str, tuple[Path, int, int]]) -> list[Figure]:
    from django.db import connection, transaction

    from roadcredit.demo.generator import chunked

    figures = []
    for kind in KINDS:
        path, rows, _lines = files[kind]
        width = len(next(csv.reader(path.open(encoding="utf-8-sig"))))
        table = _scratch_table(kind, width)
        marks = ", ".join(["%s"] * width)
        sql = f"INSERT INTO {table} VALUES ({marks})"  # noqa: S608 - fixed table name

        def load(path: Path = path, sql: str = sql) -> int:
            for chunk in chunked(_csv_lines(path), CHUNK):
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.executemany(sql, chunk)
            return 0

        _, seconds = _timed(load)
        figures.append(Figure(kind, rows, seconds))
    return figures


def _copy(files: dict[str, tuple[Path, int, int]]) -> list[Figure]:
    from django.db import connection, transaction

    figures = []
    for kind in KINDS:
        path, rows, _lines = files[kind]
        width = len(next(csv.reader(path.open(encoding="utf-8-sig"))))
        table = _scratch_table(kind, width)

        def load(path: Path = path, table: str = table) -> int:
            with transaction.atomic(), connection.cursor() as cursor:
                raw = cursor.cursor
                with (
                    raw.copy(f"COPY {table} FROM STDIN (FORMAT csv, HEADER true)") as copy,
                    path.open("rb") as handle,
                ):
                    handle.read(3)  # the UTF-8 BOM
                    while block := handle.read(1 << 20):
                        copy.write(block)
            return 0

        _, seconds = _timed(load)
        figures.append(Figure(kind, rows, seconds))
    return figures


# --- printing ----------------------------------------------------------------------------------------
def _total(figures: list[Figure], label: str = "all") -> Figure:
    return Figure(label, sum(f.rows for f in figures), sum(f.seconds for f in figures))


def _print_table(title: str, columns: list[tuple[str, list[Figure]]]) -> None:
    print(f"\n{title}")
    head = f"  {'kind':<13}{'rows':>10}"
    for name, _ in columns:
        head += f"{name + ' s':>16}{name + ' rows/s':>20}"
    if len(columns) > 1:
        head += "".join(f"{'ratio ' + name:>18}" for name, _ in columns[1:])
    print(head)
    kinds = [f.label for f in columns[0][1]] + ["all"]
    for index, kind in enumerate(kinds):
        cells = [figures[index] if kind != "all" else _total(figures) for _, figures in columns]
        line = f"  {kind:<13}{cells[0].rows:>10,}"
        for cell in cells:
            line += f"{cell.seconds:>16.2f}{cell.rate:>20,.0f}"
        for cell in cells[1:]:
            line += f"{cells[0].seconds / cell.seconds if cell.seconds else 0:>17.1f}x"
        print(line)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--scale", type=float, default=100.0, help="district scale (default 100)")
    parser.add_argument("--quick", action="store_true", help="scale 1, a smoke run")
    parser.add_argument("--seed", type=int, default=None, help="generator seed")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="postgres://… for PostgreSQL (a scratch database is created); SQLite otherwise",
    )
    parser.add_argument(
        "--parts", default="abc", help="which parts to run, e.g. 'bc' (default: abc)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch database and files")
    args = parser.parse_args(argv)
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)  # figures appear as each part ends
    scale = 1.0 if args.quick else args.scale

    work = Path(tempfile.mkdtemp(prefix="rc-bench-"))
    scratch = _scratch_database(args.database_url, work)
    try:
        _configure(scratch, work)
        _run(scratch, scale=scale, seed=args.seed, work=work, parts=args.parts)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            scratch.drop()
            shutil.rmtree(work, ignore_errors=True)


def _run(scratch: Scratch, *, scale: float, seed: int | None, work: Path, parts: str) -> None:
    import django
    from django.core.management import call_command
    from django.db import connection

    from roadcredit.demo.generator import DEFAULT_SEED, DemoDistrict
    from roadcredit.exchange import registry_import  # noqa: F401 - fail now, not after (b)

    seed = DEFAULT_SEED if seed is None else seed
    call_command("migrate", verbosity=0)
    call_command("load_catalogues", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    district = DemoDistrict(scale=scale, seed=seed)
    c = district.counts
    with connection.cursor() as cursor:
        cursor.execute(
            "select sqlite_version()" if connection.vendor == "sqlite" else "show server_version"
        )
        version = cursor.fetchone()[0]
    print(
        f"roadcredit registry benchmark: scale {scale:g} ({c.operators:,} operators, "
        f"{c.vehicles:,} vehicles, {c.practitioners:,} practitioners), seed {seed}"
    )
    print(
        f"database: {scratch.label}, version {version}; Python {platform.python_version()}, "
        f"Django {django.get_version()}, {os.cpu_count()} CPUs"
    )

    if "a" in parts:
        generation = _generation(district)
        _print_table(
            "(a) generation only (DemoDistrict rows, nothing written)", [("gen", generation)]
        )
        print(f"  peak RSS so far: {_peak_rss_mb():.0f} MB")

    if "b" in parts:
        baseline = _bare_bulk_create(district)
        _clear_registry()
        loaded = _demo_load(scale, seed)
        _print_table(
            "(b) load_demo bulk load vs bare bulk_create (no pre-check, encryption or audit)",
            [("load_demo", loaded), ("bulk_create", baseline)],
        )
        print(
            f"  peak RSS so far: {_peak_rss_mb():.0f} MB (the loader streams in {CHUNK:,}-row chunks)"
        )
    if "c" not in parts:
        return

    _clear_registry()
    started = time.perf_counter()
    files = _write_csvs(district, work)
    lines = sum(f[2] for f in files.values())
    size = sum(f[0].stat().st_size for f in files.values()) / 1e6
    print(
        f"\n  wrote {lines:,} CSV lines ({size:,.1f} MB) in {time.perf_counter() - started:.1f} s"
    )
    imported = _import(files)
    columns = [("import", imported), ("executemany", _executemany(files))]
    if scratch.postgres:
        columns.append(("COPY", _copy(files)))
    _print_table(
        "(c) import_subjects of the generated .csv vs bare executemany of the same lines"
        + (" and COPY" if scratch.postgres else ""),
        columns,
    )
    print(f"  peak RSS: {_peak_rss_mb():.0f} MB")
    print("\nratios: how many times longer the measured path takes than the baseline.")


if __name__ == "__main__":
    main()
