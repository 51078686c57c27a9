"""Page benchmark: server time (p50 / p95) of the phone portal's and the leadership dashboard's
pages at district scale and at ×100, with the number of queries each page runs. Prints its own
figures; it is not a test.

    .venv/bin/python bench/bench_pages.py --quick                      # scale 1, SQLite, smoke
    .venv/bin/python bench/bench_pages.py --scale 1 --scale 100 \\
        --database-url postgres://postgres@127.0.0.1:5432/rc_pages_bench

Server time = the time Django takes to answer the request in-process (``django.test.Client``:
URL resolution, every middleware, the view, the template), without network or browser. Each page
is requested ``--requests`` times after two warm-up requests; p50 / p95 / max are of those.

The data (a scratch database, never the development one; see bench_registry.py):

* subjects: the demo district generator at the scale (scale 1 ≈ 1,500 operators, 3,600 vehicles,
  7,900 practitioners; ×100 ≈ 1.3 million), bulk-inserted without encryption (no page measured
  here decrypts a generated subject);
* licences: one business licence per operator, one road transport certificate per vehicle, one
  qualification certificate per practitioner, issued over the last six years (about 3 % still
  paper-only), bulk-inserted with placeholder tokens (no page measured verifies them);
* grades: a current grade snapshot for every operator and practitioner; red and serious list
  entries, closed applications with trips and processing times, signed commitments;
* the persona operator 烟台鑫达物流有限公司 with 60 vehicles whose licences are issued through the
  real service (signed tokens, so 亮证 and the inspector's scan are real), notices, and the
  persona inspector and leader accounts.
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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for entry in (str(ROOT), str(Path(__file__).resolve().parent)):
    if entry not in sys.path:
        sys.path.insert(0, entry)

from bench.bench_registry import (  # noqa: E402
    CHUNK,
    _bare_bulk_create,
    _configure,
    _peak_rss_mb,
    _scratch_database,
)

GOAL_P95_MS = 200.0
PERSONA_VEHICLES = 60
SEED = 6


@dataclass
class PageFigure:
    label: str
    queries: int
    times_ms: list[float]

    def percentile(self, q: float) -> float:
        ordered = sorted(self.times_ms)
        index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
        return ordered[index]


def _today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the data ---------------------------------------------------------------------------------


def _chunks(rows: Iterator[Any] | list[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _licences(rng: random.Random, today: dt.date) -> int:
    """One licence per subject, bulk-inserted (placeholder tokens, real shapes and dates)."""
    from django.db import transaction

    from roadcredit.elicences.models import HolderKind, Licence, LicenceOrigin
    from roadcredit.elicences.selectors import licence_catalogue
    from roadcredit.subjects.models import Operator, Practitioner, Vehicle

    catalogue = licence_catalogue()
    plan = (
        (Operator, "business_licence", HolderKind.OPERATOR, "operator_id", 4),
        (Vehicle, "transport_certificate", HolderKind.VEHICLE, "vehicle_id", None),
        (Practitioner, "qualification_certificate", HolderKind.PRACTITIONER, "practitioner_id", 6),
    )
    made = 0
    slot = 0
    for model, type_key, holder_kind, column, years in plan:
        type_code = catalogue[type_key].type_code
        ids = model.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=CHUNK)
        for chunk in _chunks(ids):
            rows = []
            for pk in chunk:
                slot += 1
                issued = today - dt.timedelta(days=rng.randrange(0, 6 * 365))
                electronic = rng.random() > 0.03
                rows.append(
                    Licence(
                        type_key=type_key,
                        type_code=type_code,
                        holder_kind=holder_kind,
                        paper_number=f"B{type_key[:2].upper()}{pk:09d}",
                        number_key=f"B{type_key[:2].upper()}{pk:09d}",
                        identifier=f"bench.{type_key}.{pk}" if electronic else None,
                        version=1,
                        valid_from=issued,
                        valid_until=issued + dt.timedelta(days=365 * years) if years else None,
                        issued_on=issued,
                        has_electronic=electronic,
                        origin=LicenceOrigin.ISSUED if electronic else LicenceOrigin.LEGACY_PAPER,
                        status_list="bench" if electronic else "",
                        status_index=slot if electronic else None,
                        qr_text="RC1:BENCH" if electronic else "",
                        **{column: pk},
                    )
                )
            with transaction.atomic():
                Licence.objects.bulk_create(rows)
            made += len(rows)
    return made


def _grades(rng: random.Random, today: dt.date) -> int:
    """A current grade snapshot for every operator and practitioner."""
    from django.db import transaction
    from django.utils import timezone

    from roadcredit.credit.models import GradedKind, GradeSnapshot
    from roadcredit.credit.services.grading import active_ruleset
    from roadcredit.subjects.models import Operator, Practitioner

    made = 0
    now = timezone.now()
    for model, kind, scheme, column in (
        (Operator, GradedKind.OPERATOR, "enterprise", "operator_id"),
        (Practitioner, GradedKind.PRACTITIONER, "driver", "practitioner_id"),
    ):
        row, ruleset = active_ruleset(scheme)
        grades = list(ruleset.grade_order)
        weights = [1, 6, 3, 1, 0.3, 0.2][: len(grades)]
        ids = model.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=CHUNK)
        for chunk in _chunks(ids):
            rows = []
            for pk in chunk:
                grade = rng.choices(grades, weights=weights)[0]
                rows.append(
                    GradeSnapshot(
                        subject_kind=kind,
                        as_of=today,
                        grade=grade,
                        score=None,
                        rated=True,
                        tier=ruleset.tier_for(grade),
                        ruleset=row,
                        input_fingerprint="bench",
                        computed_at=now,
                        reason="基准测试数据",
                        is_current=True,
                        **{column: pk},
                    )
                )
            with transaction.atomic():
                GradeSnapshot.objects.bulk_create(rows)
            made += len(rows)
    return made


def _lists_applications_commitments(rng: random.Random, scale: float, actor: Any) -> None:
    from django.db import transaction
    from django.utils import timezone

    from roadcredit.credit.models import ListEntry, ListEntryStatus, ListKind
    from roadcredit.licensing.models import Application, Commitment, CommitmentKind
    from roadcredit.subjects.models import Operator

    now = timezone.now()
    operators = list(
        Operator.objects.order_by("pk").values_list("pk", "name")[: max(50, int(2000 * scale))]
    )
    with transaction.atomic():
        ListEntry.objects.bulk_create(
            ListEntry(
                subject_kind="operator",
                operator_id=pk,
                list_kind=ListKind.RED if i % 3 else ListKind.SERIOUS,
                status=ListEntryStatus.LISTED if i % 3 or i % 4 else ListEntryStatus.PROPOSED,
                listed_from=now.date() - dt.timedelta(days=30),
            )
            for i, (pk, _name) in enumerate(operators[: max(10, len(operators) // 10)])
        )
    for chunk_no, chunk in enumerate(_chunks(operators)):
        applications = []
        for i, (pk, name) in enumerate(chunk):
            closed_at = now - dt.timedelta(days=rng.randrange(1, 720))
            applications.append(
                Application(
                    number=f"BENCH{chunk_no:04d}{i:06d}",
                    applicant_kind="operator",
                    operator_id=pk,
                    applicant_name=name,
                    channel="online" if i % 3 else "window",
                    created_by=actor,
                    status="closed",
                    tier=rng.choice(["excellent", "good", "normal", "doubtful"]),
                    first_submitted_at=closed_at - dt.timedelta(days=rng.randrange(1, 20)),
                    submitted_at=closed_at - dt.timedelta(days=5),
                    closed_at=closed_at,
                    trips=rng.choice([0, 0, 0, 1, 1, 2]),
                    processing_working_days=rng.randrange(0, 15),
                )
            )
        with transaction.atomic():
            made = Application.objects.bulk_create(applications)
            Commitment.objects.bulk_create(
                Commitment(
                    application=application,
                    kind=CommitmentKind.NOTIFY_COMMIT,
                    text="本单位承诺所填报信息真实有效。",
                    signed_at=application.submitted_at or now,
                    signed_by=actor,
                    outcome=rng.choice(["pending", "true", "true", "false"]),
                    verified_at=application.closed_at,
                    verification_due_on=(application.closed_at or now).date(),
                )
                for application in made[::3]
            )


def _persona_data() -> dict[str, Any]:
    """The persona accounts, the persona operator's fleet with real licences, notices."""
    from roadcredit.accounts.roles import Role
    from roadcredit.accounts.tests.factories import make_persona
    from roadcredit.core.errors import ValidationFailed
    from roadcredit.credit.models import NoticeKind
    from roadcredit.credit.services.notices import notice_send
    from roadcredit.elicences.services import licence_issue
    from roadcredit.subjects.tests.factories import make_vehicle

    users = {role: make_persona(role) for role in (Role.OPERATOR, Role.INSPECTOR, Role.LEADER)}
    operator = users[Role.OPERATOR].operator
    assert operator is not None
    business = licence_issue(actor=None, type_key="business_licence", holder=operator)
    rng = random.Random(SEED + 1)

    def vehicle() -> Any:
        # The generated district holds hundreds of thousands of plates and VINs: draw until free.
        for _ in range(100):
            plate = f"鲁F{rng.choice('ABCDEGHJKLMN')}{rng.randrange(10000):04d}"
            try:
                return make_vehicle(operator, plate=plate)
            except ValidationFailed:
                continue
        raise RuntimeError("no free plate found")

    certificates = [
        licence_issue(
            actor=None,
            type_key="transport_certificate",
            holder=vehicle(),
            data={"dimensions": "9600×2550×3950"},
        )
        for _ in range(PERSONA_VEHICLES)
    ]
    for n in range(30):
        notice_send(
            subject=operator,
            kind=NoticeKind.REPAIR,
            title=f"信用修复申请办理结果（{n + 1}）",
            body="您单位提交的信用修复申请已办结。",
            actor=None,
        )
    return {"users": users, "business": business, "certificates": certificates}


# --- measuring --------------------------------------------------------------------------------


def _measure(
    label: str, call: Callable[[], Any], requests: int, *, cold: bool = False
) -> PageFigure:
    """``cold``: the dashboard's reused figures are dropped before every request (untimed), so
    each request counts everything afresh."""
    from django.core.cache import cache
    from django.db import connection

    for _ in range(2):
        response = call()
        if response.status_code not in (200, 302):
            raise RuntimeError(f"{label}: HTTP {response.status_code}")
    executed: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        executed.append(sql)
        return execute(sql, params, many, context)

    if cold:
        cache.clear()
    with connection.execute_wrapper(count):
        call()
    times = []
    for _ in range(requests):
        if cold:
            cache.clear()
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return PageFigure(label, len(executed), times)


def _pages(data: dict[str, Any], requests: int) -> list[PageFigure]:
    from django.test import Client

    from roadcredit.accounts.roles import Role

    users = data["users"]
    holder, inspector, leader = Client(), Client(), Client()
    holder.force_login(users[Role.OPERATOR])
    inspector.force_login(users[Role.INSPECTOR])
    leader.force_login(users[Role.LEADER])
    licence = data["certificates"][0]
    m = f"/m/licences/{licence.public_id}"
    figures = [
        _measure("持证人 首页 /m/", lambda: holder.get("/m/"), requests),
        _measure("持证人 我的证照 /m/licences/", lambda: holder.get("/m/licences/"), requests),
        _measure("持证人 我的证照 第3页", lambda: holder.get("/m/licences/?page=3"), requests),
        _measure("持证人 证照详情", lambda: holder.get(f"{m}/"), requests),
        _measure("持证人 亮证页", lambda: holder.get(f"{m}/show/"), requests),
        _measure("持证人 动态码刷新 code.json", lambda: holder.get(f"{m}/code.json"), requests),
        _measure("持证人 我的信用", lambda: holder.get("/m/credit/"), requests),
        _measure("持证人 消息", lambda: holder.get("/m/notices/"), requests),
        _measure("持证人 办事进度", lambda: holder.get("/m/applications/"), requests),
        _measure(
            "执法 扫码核验（POST，写核验记录）",
            lambda: inspector.post("/m/inspect/", {"code": licence.qr_text}),
            requests,
        ),
        _measure(
            "执法 路检发现列表", lambda: inspector.get("/m/inspect/findings/?all=1"), requests
        ),
        _measure("领导驾驶舱 /stats/（近12个月）", lambda: leader.get("/stats/"), requests),
    ]
    today = _today()
    five_years = (
        f"/stats/?start={today.replace(year=today.year - 5).isoformat()}&end={today.isoformat()}"
    )
    figures.append(_measure("领导驾驶舱 近5年", lambda: leader.get(five_years), requests))
    figures.append(
        _measure(
            "导出 Excel 制证率表",
            lambda: leader.get("/stats/export/issuance_rate.xlsx"),
            requests,
        )
    )
    cold_requests = max(3, requests // 3)
    figures.append(
        _measure(
            "领导驾驶舱 /stats/ 冷（每次重新统计）",
            lambda: leader.get("/stats/"),
            cold_requests,
            cold=True,
        )
    )
    figures.append(
        _measure(
            "领导驾驶舱 近5年 冷（每次重新统计）",
            lambda: leader.get(five_years),
            cold_requests,
            cold=True,
        )
    )
    return figures


def _profile_dashboard() -> None:
    """Time each figure of the dashboard on its own (BENCH_PROFILE_DASHBOARD=1)."""
    from roadcredit.statistics import selectors

    today = _today()
    period = selectors.default_period(today)
    for name, call in (
        ("issuance_rate", lambda: selectors.issuance_rate(period)),
        ("stock_rate", lambda: selectors.stock_rate(today)),
        ("elicences_issued", lambda: selectors.elicences_issued(today)),
        ("credit_files", selectors.credit_files),
        ("grade_distribution", selectors.grade_distribution),
        ("list_sizes", selectors.list_sizes),
        ("applications", lambda: selectors.applications_summary(period, today=today)),
        ("commitments", lambda: selectors.commitments_summary(period, today=today)),
    ):
        times = []
        for _ in range(5):
            started = time.perf_counter()
            call()
            times.append((time.perf_counter() - started) * 1000)
        _say(f"  {name}: {statistics.median(times):.1f} ms")


def _print(scale: float, database: str, counts: dict[str, int], figures: list[PageFigure]) -> None:
    print()
    print(f"## scale {scale:g} on {database}")
    print(
        "rows: "
        + ", ".join(f"{name} {value:,}" for name, value in counts.items())
        + f"; peak RSS {_peak_rss_mb():.0f} MB"
    )
    print()
    print("| page | queries | p50 ms | p95 ms | max ms | p95 ≤ 200 ms |")
    print("| --- | ---: | ---: | ---: | ---: | :---: |")
    for f in figures:
        p95 = f.percentile(0.95)
        print(
            f"| {f.label} | {f.queries} | {statistics.median(f.times_ms):.1f} | {p95:.1f} "
            f"| {max(f.times_ms):.1f} | {'✓' if p95 <= GOAL_P95_MS else '✗'} |"
        )


def run_scale(scale: float, url: str, requests: int, keep: bool) -> None:
    work = Path(tempfile.mkdtemp(prefix="roadcredit-bench-pages-"))
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    scratch = _scratch_database(url, work)
    try:
        _configure(scratch, work)
        from django.core.management import call_command

        from roadcredit.accounts.models import User
        from roadcredit.core.i18n import compile_catalogues
        from roadcredit.demo.generator import DemoDistrict

        compile_catalogues()
        started = time.perf_counter()
        # Apps still without migrations are created by syncdb, after the migrated ones they
        # reference (PostgreSQL checks the foreign keys when it creates the tables).
        call_command("migrate", verbosity=0)
        call_command("migrate", run_syncdb=True, verbosity=0)
        _say(f"[scale {scale:g}] migrated in {time.perf_counter() - started:.0f} s")
        rng = random.Random(SEED)
        today = _today()
        started = time.perf_counter()
        _bare_bulk_create(DemoDistrict(scale=scale))
        _say(f"[scale {scale:g}] subjects in {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        licences = _licences(rng, today)
        grades = _grades(rng, today)
        actor = User.objects.create(username="bench-clerk", role="clerk", last_name="基准")
        _lists_applications_commitments(rng, scale, actor)
        data = _persona_data()
        _say(f"[scale {scale:g}] licences, grades, cases in {time.perf_counter() - started:.0f} s")
        if scratch.postgres:
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        from roadcredit.subjects.models import Operator, Practitioner, Vehicle

        counts = {
            "operators": Operator.objects.count(),
            "vehicles": Vehicle.objects.count(),
            "practitioners": Practitioner.objects.count(),
            "licences": licences + PERSONA_VEHICLES + 1,
            "grade snapshots": grades,
        }
        if os.environ.get("BENCH_PROFILE_DASHBOARD"):
            _profile_dashboard()
        figures = _pages(data, requests)
        _print(scale, scratch.label, counts, figures)
    finally:
        from django.db import connections

        connections.close_all()
        if not keep:
            scratch.drop()
            shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--scale", type=float, action="append", help="repeatable; default 1 and 100"
    )
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", "sqlite://"))
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="scale 1, 10 requests per page")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    scales = [1.0] if args.quick else (args.scale or [1.0, 100.0])
    requests = 10 if args.quick else args.requests
    print(
        f"# bench_pages: {platform.python_version()}, {os.cpu_count()} CPU, "
        f"{requests} requests per page after 2 warm-up requests"
    )
    if len(scales) > 1:
        # Django is configured once per process: run each scale in its own process.
        import subprocess

        for scale in scales:
            command = [sys.executable, __file__, "--scale", str(scale), "--requests", str(requests)]
            command += ["--database-url", args.database_url] + (["--keep"] if args.keep else [])
            subprocess.run(command, check=True)
        return
    run_scale(scales[0], args.database_url, requests, args.keep)


if __name__ == "__main__":
    main()
