"""Read-only aggregates of the leadership dashboard. No personal data: counts only.

Each figure is one grouped query (or a fixed handful), so the number of queries never grows
with the number of licence types, months or grades shown; the tests assert it.

Definitions (they are what the page and the Excel files say):

* 制证率 (e-licence rate) per licence type and month, and the stock rate on the period's last
  day: the e-licence app's definitions (``elicences.selectors_rates``), not re-derived here.
* E-licences issued: licences issued with (or converted to) their e-licence, by ``issued_on``,
  this year, this half year and in total (every version counts: a renewal or change issues a
  new e-licence).
* Electronic credit file: a registered operator or practitioner with a computed grade; a
  vehicle through its owning operator.
* Grade distribution: the current grade of every graded operator and practitioner.
* List sizes: subjects currently on the red list and on the serious-dishonesty list, and
  proposals still in procedure.
* Applications (``licensing``): submitted in the period (first submission), closed in the
  period, and for those closed the average trips (in-person visits, as the licensing workflow
  counts them), the share closed without any trip, the trips saved against the catalogue's
  traditional way, the average processing time in working days; overall and by credit tier.
* Commitments (告知承诺 / 容缺): signed in the period, verified as kept or found breached in the
  period, and those still awaiting verification (overdue ones counted apart).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Avg, Count, Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from roadcredit.core import clock
from roadcredit.core.errors import NotFound
from roadcredit.credit.models import (
    GradedKind,
    GradeSnapshot,
    ListEntry,
    ListEntryStatus,
    ListKind,
    RuleSetVersion,
)
from roadcredit.credit.models.cases import LIST_OPEN_STATUSES
from roadcredit.elicences.issuance_rates import Period as RatePeriod
from roadcredit.elicences.issuance_rates import period_of, rate
from roadcredit.elicences.selectors import licence_catalogue, licence_type_name
from roadcredit.elicences.selectors_rates import (
    issuance_counts,
    issuance_counts_by_month,
    stock_counts,
)
from roadcredit.subjects.models import Operator, Practitioner, Vehicle

from .tables import (
    Cell,
    Chart,
    Dataset,
    Table,
    month_label,
    months_between,
    percent,
    pivot,
)

DEFAULT_MONTHS = 12
EPOCH = dt.date(1990, 1, 1)  # before any licence on record: "in total"
MAX_PERIOD_DAYS = 366 * 5


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        return _("Period: %(start)s to %(end)s") % {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }


def default_period(today: dt.date | None = None) -> Period:
    """The last twelve months, this month included."""
    today = today or clock.today()
    start = today.replace(day=1)
    for _i in range(DEFAULT_MONTHS - 1):
        start = (start - dt.timedelta(days=1)).replace(day=1)
    return Period(start, today)


# --- 制证率 -------------------------------------------------------------------------------------


def _rate(with_electronic: int, total: int) -> float | None:
    value = rate(with_electronic, total)
    return float(value) if value is not None else None


def _type_order() -> dict[str, int]:
    return {key: index for index, key in enumerate(licence_catalogue().keys)}


def issuance_rate(period: Period, *, now: dt.datetime | None = None) -> tuple[Table, Chart]:
    """制证率 per licence type and month (``elicences.selectors_rates``: one grouped query)."""
    counts = issuance_counts_by_month(
        period=RatePeriod(period.start, period.end, period.label), now=now
    )
    order = _type_order()
    found = sorted(
        ((key, month, with_e, total) for (key, month), (with_e, total) in counts.items()),
        key=lambda r: (order.get(r[0], len(order)), r[0], r[1]),
    )
    table_rows: list[tuple[Cell, ...]] = [
        (licence_type_name(key), month_label(month), total, with_e, _rate(with_e, total))
        for key, month, with_e, total in found
    ]
    months = months_between(period.start, period.end)
    types = list(dict.fromkeys(key for key, *_rest in found))
    series = pivot(
        [(key, month, _rate(with_e, total)) for key, month, with_e, total in found],
        series=types,
        months=months,
    )
    table = Table(
        key="issuance_rate",
        title=_("E-licence rate by licence type and month"),
        headers=(
            _("Licence type"),
            _("Month"),
            _("Licences issued"),
            _("With an e-licence"),
            _("E-licence rate (%)"),
        ),
        rows=tuple(table_rows),
        note=_(
            "E-licence rate: of the licences issued, renewed or changed in the month, the share "
            "that has its e-licence (a converted paper licence counts from its conversion)."
        ),
    )
    chart = Chart(
        key="issuance_rate",
        kind="line",
        title=table.title,
        labels=tuple(month_label(m) for m in months),
        datasets=tuple(Dataset(licence_type_name(key), series[key]) for key in types),
        unit="%",
    )
    return table, chart


def stock_rate(on: dt.date, *, now: dt.datetime | None = None) -> Table:
    """Licences valid on ``on`` that have their e-licence, per type (the stock conversion)."""
    counts = stock_counts(on=on, now=now)
    order = _type_order()
    keys = sorted(counts, key=lambda key: (order.get(key, len(order)), key))
    rows: list[tuple[Cell, ...]] = [
        (licence_type_name(key), counts[key][1], counts[key][0], _rate(*counts[key]))
        for key in keys
    ]
    with_e = sum(pair[0] for pair in counts.values())
    total = sum(pair[1] for pair in counts.values())
    rows.append((_("All types"), total, with_e, _rate(with_e, total)))
    return Table(
        key="stock_rate",
        title=_("Valid licences with an e-licence on %(day)s") % {"day": on.isoformat()},
        headers=(
            _("Licence type"),
            _("Valid licences"),
            _("With an e-licence"),
            _("Share (%)"),
        ),
        rows=tuple(rows),
    )


# --- e-licences issued --------------------------------------------------------------------------


def elicences_issued(today: dt.date, *, now: dt.datetime | None = None) -> tuple[Table, Chart]:
    """E-licences issued this year, this half year and in total, per type (three grouped
    queries)."""
    half = 1 if today.month <= 6 else 2
    periods = (
        period_of("year", year=today.year),
        period_of("half", year=today.year, half=half),
        RatePeriod(EPOCH, today, ""),
    )
    counts = [issuance_counts(period=p, now=now) for p in periods]
    order = _type_order()
    keys = sorted(
        {key for c in counts for key, (with_e, _total) in c.items() if with_e},
        key=lambda key: (order.get(key, len(order)), key),
    )
    figures: list[tuple[str, int, int, int]] = [
        (
            key,
            counts[0].get(key, (0, 0))[0],
            counts[1].get(key, (0, 0))[0],
            counts[2].get(key, (0, 0))[0],
        )
        for key in keys
    ]
    table_rows: list[tuple[Cell, ...]] = [
        (licence_type_name(key), year, half_year, total) for key, year, half_year, total in figures
    ]
    table_rows.append(
        (
            _("All types"),
            sum(f[1] for f in figures),
            sum(f[2] for f in figures),
            sum(f[3] for f in figures),
        )
    )
    half_label = _("First half of %(year)d") if half == 1 else _("Second half of %(year)d")
    table = Table(
        key="elicences_issued",
        title=_("E-licences issued per period"),
        headers=(
            _("Licence type"),
            _("In %(year)d") % {"year": today.year},
            half_label % {"year": today.year},
            _("In total"),
        ),
        rows=tuple(table_rows),
        note=_("Every version counts: a renewal or change issues a new e-licence."),
    )
    chart = Chart(
        key="elicences_issued",
        kind="bar",
        title=table.title,
        labels=tuple(licence_type_name(key) for key in keys),
        datasets=(
            Dataset(table.headers[1], tuple(f[1] for f in figures)),
            Dataset(table.headers[2], tuple(f[2] for f in figures)),
            Dataset(table.headers[3], tuple(f[3] for f in figures)),
        ),
    )
    return table, chart


# --- credit files, grades, lists ----------------------------------------------------------------


def credit_files() -> tuple[Table, Chart]:
    graded = dict(
        GradeSnapshot.objects.filter(is_current=True)
        .values_list("subject_kind")
        .annotate(n=Count("pk"))
        .values_list("subject_kind", "n")
    )
    operators = Operator.objects.count()
    practitioners = Practitioner.objects.count()
    vehicles = Vehicle.objects.count()
    vehicles_filed = Vehicle.objects.filter(operator__grade_snapshots__is_current=True).count()
    figures = [
        (_("Operators"), operators, graded.get(GradedKind.OPERATOR, 0)),
        (_("Vehicles"), vehicles, vehicles_filed),
        (_("Practitioners"), practitioners, graded.get(GradedKind.PRACTITIONER, 0)),
    ]
    table = Table(
        key="credit_files",
        title=_("Electronic credit files"),
        headers=(_("Subjects"), _("Registered"), _("With a credit file"), _("Share (%)")),
        rows=tuple((label, total, filed, percent(filed, total)) for label, total, filed in figures),
        note=_(
            "A credit file: a registered operator or practitioner with a computed grade; a "
            "vehicle through its owning operator."
        ),
    )
    chart = Chart(
        key="credit_files",
        kind="bar",
        title=table.title,
        labels=tuple(label for label, _t, _f in figures),
        datasets=(
            Dataset(_("Registered"), tuple(total for _l, total, _f in figures)),
            Dataset(_("With a credit file"), tuple(filed for _l, _t, filed in figures)),
        ),
    )
    return table, chart


def grade_distribution() -> tuple[Table, list[Chart]]:
    from roadcredit.credit.grading.model import UNRATED
    from roadcredit.credit.services.grading import ruleset_of

    rows = list(
        GradeSnapshot.objects.filter(is_current=True)
        .values("subject_kind", "ruleset_id", "grade")
        .annotate(n=Count("pk"))
        .order_by()
    )
    rulesets = {
        row.pk: ruleset_of(row)
        for row in RuleSetVersion.objects.filter(pk__in={r["ruleset_id"] for r in rows})
    }
    counts: dict[str, dict[str, int]] = {}
    names: dict[tuple[str, str], str] = {}
    order: dict[str, list[str]] = {}
    for r in rows:
        kind, grade = r["subject_kind"], r["grade"]
        counts.setdefault(kind, {})
        counts[kind][grade] = counts[kind].get(grade, 0) + r["n"]
        ruleset = rulesets[r["ruleset_id"]]
        try:
            names[(kind, grade)] = ruleset.grade_name_zh(grade)
        except KeyError:
            names[(kind, grade)] = grade
        known = order.setdefault(kind, [])
        for code in (*ruleset.grade_order, UNRATED):
            if code not in known:
                known.append(code)
    table_rows: list[tuple[Cell, ...]] = []
    charts: list[Chart] = []
    for kind in (GradedKind.OPERATOR, GradedKind.PRACTITIONER):
        by_grade = counts.get(kind, {})
        whole = sum(by_grade.values())
        grades = [g for g in order.get(kind, []) if g in by_grade]
        grades += sorted(g for g in by_grade if g not in grades)
        label = str(GradedKind(kind).label)
        for grade in grades:
            table_rows.append(
                (
                    label,
                    grade,
                    names[(kind, grade)],
                    by_grade[grade],
                    percent(by_grade[grade], whole),
                )
            )
        charts.append(
            Chart(
                key=f"grades_{kind}",
                kind="doughnut",
                title=_("Grade distribution: %(kind)s") % {"kind": label},
                labels=tuple(names[(kind, g)] for g in grades),
                datasets=(Dataset(label, tuple(by_grade[g] for g in grades)),),
            )
        )
    table = Table(
        key="grades",
        title=_("Grade distribution"),
        headers=(_("Subjects"), _("Grade"), _("Grade name"), _("Count"), _("Share (%)")),
        rows=tuple(table_rows),
    )
    return table, charts


def list_sizes() -> tuple[Table, Chart]:
    rows = (
        ListEntry.objects.filter(status__in=LIST_OPEN_STATUSES)
        .values("list_kind")
        .annotate(
            listed=Count("pk", filter=Q(status=ListEntryStatus.LISTED)),
            pending=Count("pk", filter=~Q(status=ListEntryStatus.LISTED)),
        )
        .order_by()
    )
    found: dict[str, tuple[int, int]] = {
        r["list_kind"]: (int(r["listed"]), int(r["pending"])) for r in rows
    }
    kinds = (ListKind.RED, ListKind.SERIOUS)
    table = Table(
        key="lists",
        title=_("List sizes"),
        headers=(_("List"), _("Listed now"), _("Proposals in procedure")),
        rows=tuple(
            (
                str(kind.label),
                found.get(kind, (0, 0))[0],
                found.get(kind, (0, 0))[1],
            )
            for kind in kinds
        ),
    )
    chart = Chart(
        key="lists",
        kind="bar",
        title=table.title,
        labels=tuple(str(kind.label) for kind in kinds),
        datasets=(
            Dataset(_("Listed now"), tuple(found.get(k, (0, 0))[0] for k in kinds)),
            Dataset(_("Proposals in procedure"), tuple(found.get(k, (0, 0))[1] for k in kinds)),
        ),
    )
    return table, chart


# --- applications and commitments ---------------------------------------------------------------


def _bounds(period: Period) -> tuple[dt.datetime, dt.datetime]:
    """The period as aware moments: from its first day's midnight to the midnight after its last
    day (the bureau's time zone)."""
    start = timezone.make_aware(dt.datetime.combine(period.start, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min))
    return start, end


def _round(value: Any, digits: int = 2) -> float | None:
    return round(float(value), digits) if value is not None else None


def applications_summary(period: Period, *, today: dt.date) -> tuple[Table, Table, Chart]:
    """Applications submitted and closed in the period, trips (in-person visits) and processing
    time of the closed ones, overall and by credit tier (two queries)."""
    from roadcredit.licensing.catalogue import default_catalogue
    from roadcredit.licensing.models import Application, Tier
    from roadcredit.licensing.workflow import OPEN_STATES, State

    start, end = _bounds(period)
    closed = Q(status=State.CLOSED.value, closed_at__gte=start, closed_at__lt=end)
    open_states = [state.value for state in OPEN_STATES]
    totals = Application.objects.aggregate(
        submitted=Count("pk", filter=Q(first_submitted_at__gte=start, first_submitted_at__lt=end)),
        closed=Count("pk", filter=closed),
        avg_trips=Avg("trips", filter=closed),
        sum_trips=Sum("trips", filter=closed),
        zero=Count("pk", filter=closed & Q(trips=0)),
        avg_days=Avg("processing_working_days", filter=closed),
        open=Count("pk", filter=Q(status__in=open_states)),
        overdue=Count("pk", filter=Q(status__in=open_states, due_on__lt=today)),
    )
    traditional = default_catalogue().procedure.traditional_trips
    n = int(totals["closed"] or 0)
    saved = max(0, traditional * n - int(totals["sum_trips"] or 0))
    summary = Table(
        key="applications",
        title=_("Applications, trips and processing time"),
        headers=(_("Indicator"), _("Value")),
        rows=(
            (_("Applications submitted"), int(totals["submitted"] or 0)),
            (_("Applications closed"), n),
            (_("Average trips per closed application"), _round(totals["avg_trips"])),
            (_("Closed without any trip (%)"), percent(int(totals["zero"] or 0), n)),
            (_("Trips saved against the traditional way"), saved),
            (_("Average processing time (working days)"), _round(totals["avg_days"], 1)),
            (_("Applications in hand"), int(totals["open"] or 0)),
            (_("Applications in hand past their promised date"), int(totals["overdue"] or 0)),
        ),
        note=_("Traditional way: %(trips)d trips per application.") % {"trips": traditional},
    )
    by_tier = {
        row["tier"]: row
        for row in Application.objects.filter(closed)
        .values("tier")
        .annotate(n=Count("pk"), avg_trips=Avg("trips"), avg_days=Avg("processing_working_days"))
        .order_by()
    }
    tiers = [(tier.value, str(tier.label)) for tier in Tier]
    if "" in by_tier:
        tiers.append(("", _("No tier")))
    tier_table = Table(
        key="applications_by_tier",
        title=_("Closed applications by credit tier"),
        headers=(
            _("Credit tier"),
            _("Applications closed"),
            _("Average trips"),
            _("Average processing time (working days)"),
        ),
        rows=tuple(
            (
                label,
                int(by_tier[key]["n"]) if key in by_tier else 0,
                _round(by_tier[key]["avg_trips"]) if key in by_tier else None,
                _round(by_tier[key]["avg_days"], 1) if key in by_tier else None,
            )
            for key, label in tiers
        ),
    )
    chart = Chart(
        key="applications_by_tier",
        kind="bar",
        title=tier_table.title,
        labels=tuple(label for _key, label in tiers),
        datasets=(
            Dataset(_("Average trips"), tuple(row[2] for row in tier_table.rows)),  # type: ignore[misc]
            Dataset(
                _("Average processing time (working days)"),
                tuple(row[3] for row in tier_table.rows),  # type: ignore[misc]
            ),
        ),
    )
    return summary, tier_table, chart


def commitments_summary(period: Period, *, today: dt.date) -> tuple[Table, Chart]:
    """Credit commitments signed in the period, verified true and found breached (false) in the
    period, and still awaiting verification (one grouped query)."""
    from roadcredit.licensing.models import Commitment, CommitmentKind, VerificationOutcome

    start, end = _bounds(period)
    verified = Q(verified_at__gte=start, verified_at__lt=end)
    rows = {
        row["kind"]: row
        for row in Commitment.objects.values("kind")
        .annotate(
            signed=Count(
                "pk", filter=Q(signed_at__gte=start, signed_at__lt=end, voided_at__isnull=True)
            ),
            kept=Count("pk", filter=verified & Q(outcome=VerificationOutcome.TRUE)),
            breached=Count("pk", filter=verified & Q(outcome=VerificationOutcome.FALSE)),
            pending=Count(
                "pk", filter=Q(outcome=VerificationOutcome.PENDING, voided_at__isnull=True)
            ),
            overdue=Count(
                "pk",
                filter=Q(
                    outcome=VerificationOutcome.PENDING,
                    voided_at__isnull=True,
                    verification_due_on__lt=today,
                ),
            ),
        )
        .order_by()
    }
    fields = ("signed", "kept", "breached", "pending", "overdue")
    counts: dict[str, tuple[int, ...]] = {
        key: tuple(int(row[f]) for f in fields)  # type: ignore[literal-required]
        for key, row in rows.items()
    }
    kinds = [(kind.value, str(kind.label)) for kind in CommitmentKind]
    zero = (0,) * len(fields)
    by_kind = [(label, counts.get(key, zero)) for key, label in kinds]
    totals = tuple(sum(values[i] for values in counts.values()) for i in range(len(fields)))
    figures: list[tuple[Cell, ...]] = [(label, *values) for label, values in by_kind]
    figures.append((_("All kinds"), *totals))
    table = Table(
        key="commitments",
        title=_("Credit commitments verified and breached"),
        headers=(
            _("Commitment"),
            _("Signed"),
            _("Verified as kept"),
            _("Found breached"),
            _("Awaiting verification"),
            _("Verification overdue"),
        ),
        rows=tuple(figures),
    )
    chart = Chart(
        key="commitments",
        kind="bar",
        title=table.title,
        labels=tuple(label for _key, label in kinds),
        datasets=tuple(
            Dataset(table.headers[i + 1], tuple(values[i] for _label, values in by_kind))
            for i in range(3)
        ),
    )
    return table, chart


# --- the dashboard ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    period: Period
    tables: list[Table]
    charts: list[Chart]
    computed_at: dt.datetime

    def table(self, key: str) -> Table:
        for table in self.tables:
            if table.key == key:
                return table
        raise NotFound(_("No such table."))


def cache_seconds() -> int:
    """How long computed figures are reused (``STATISTICS_CACHE_SECONDS``, default 300; 0: never).
    Counting a district's licences ×100 takes a second or so; leaders need minutes-fresh
    figures, not per-request ones."""
    return int(getattr(settings, "STATISTICS_CACHE_SECONDS", 300))


def _compute(period: Period, today: dt.date) -> Dashboard:
    tables: list[Table] = []
    charts: list[Chart] = []
    for table, chart in (issuance_rate(period), elicences_issued(today), credit_files()):
        tables.append(table)
        charts.append(chart)
    tables.insert(1, stock_rate(min(period.end, today)))
    grades, grade_charts = grade_distribution()
    tables.append(grades)
    charts.extend(grade_charts)
    lists, lists_chart = list_sizes()
    tables.append(lists)
    charts.append(lists_chart)
    summary, by_tier, tier_chart = applications_summary(period, today=today)
    tables.extend((summary, by_tier))
    charts.append(tier_chart)
    commitments, commitments_chart = commitments_summary(period, today=today)
    tables.append(commitments)
    charts.append(commitments_chart)
    return Dashboard(period=period, tables=tables, charts=charts, computed_at=clock.now())


def dashboard(*, period: Period, today: dt.date | None = None) -> Dashboard:
    """Every figure of the dashboard for ``period``, reused for ``cache_seconds()``."""
    today = today or clock.today()
    seconds = cache_seconds()
    if seconds <= 0:
        return _compute(period, today)
    key = f"statistics:dashboard:{period.start}:{period.end}:{today}:{translation.get_language()}"
    found = cache.get(key)
    if isinstance(found, Dashboard):
        return found
    computed = _compute(period, today)
    cache.set(key, computed, seconds)
    return computed


TABLE_KEYS = (
    "issuance_rate",
    "stock_rate",
    "elicences_issued",
    "credit_files",
    "grades",
    "lists",
    "applications",
    "applications_by_tier",
    "commitments",
)


def dashboard_table(*, key: str, period: Period, today: dt.date | None = None) -> Table:
    """One table of the dashboard (for the Excel export), from the same figures the page shows."""
    if key not in TABLE_KEYS:
        raise NotFound(_("No such table."))
    return dashboard(period=period, today=today).table(key)
