"""The issuance rate (制证率) and the stock rate, counted per licence type in the database.

Every licence version is one issuance act (first issue, renewal, change, and replacement, which
re-issues the certificate), dated by ``issued_on``; a licence registered from the paper ledger
counts in the period of its paper issue date.

“Has its e-licence” is judged as of the end of the period (or now, for a period not over yet), so
a past period's rate does not drift when old paper licences are converted later: a licence
issued with its e-licence counts, a converted one only if its conversion (``LicenceEvent``
``convert``) happened before that moment, a paper-only one never.

Valid on a date: issued by then, within its validity, and not suspended, revoked, cancelled or
superseded before the end of that day (judged from the current status and when it last changed).

One GROUP BY query per table (``type_key``), no per-row queries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from roadcredit.core import clock

from .issuance_rates import Period, RateRow, rate_rows
from .models import Licence, LicenceEvent, LicenceEventKind, LicenceOrigin, LicenceStatus
from .selectors import licence_catalogue

Counts = dict[str, tuple[int, int]]


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _electronic_by(cutoff: dt.datetime, now: dt.datetime) -> tuple[Q, bool]:
    """The condition “had its e-licence at ``cutoff``” and whether it needs ``converted_at``."""
    if cutoff >= now:
        return Q(has_electronic=True), False
    return (
        Q(has_electronic=True) & (~Q(origin=LicenceOrigin.CONVERTED) | Q(converted_at__lt=cutoff)),
        True,
    )


def _grouped(licences: QuerySet[Licence], cutoff: dt.datetime, now: dt.datetime) -> Counts:
    electronic, needs_conversion_time = _electronic_by(cutoff, now)
    if needs_conversion_time:
        first_conversion = (
            LicenceEvent.objects.filter(licence=OuterRef("pk"), kind=LicenceEventKind.CONVERT)
            .order_by("at")
            .values("at")[:1]
        )
        licences = licences.annotate(converted_at=Subquery(first_conversion))
    rows = (
        licences.values("type_key")
        .annotate(total=Count("pk"), with_e=Count("pk", filter=electronic))
        .order_by()
    )
    return {row["type_key"]: (int(row["with_e"]), int(row["total"])) for row in rows}


def issuance_counts(*, period: Period, now: dt.datetime | None = None) -> Counts:
    """type key → (issued in the period with their e-licence, all issued in the period)."""
    now = now or clock.now()
    cutoff = min(_day_start(period.end + dt.timedelta(days=1)), now)
    issued = Licence.objects.filter(issued_on__gte=period.start, issued_on__lte=period.end)
    return _grouped(issued, cutoff, now)


def issuance_counts_by_month(
    *, period: Period, now: dt.datetime | None = None
) -> dict[tuple[str, dt.date], tuple[int, int]]:
    """(type key, first day of the month) → (issued that month with their e-licence, all issued
    that month), for the months of ``period``, each month judged as ``issuance_counts`` judges a
    one-month period (a converted licence counts only if converted before that month ended).
    One GROUP BY query (the leadership dashboard's monthly chart)."""
    now = now or clock.now()
    first_conversion = (
        LicenceEvent.objects.filter(licence=OuterRef("pk"), kind=LicenceEventKind.CONVERT)
        .order_by("at")
        .values("at")[:1]
    )
    rows = (
        Licence.objects.filter(issued_on__gte=period.start, issued_on__lte=period.end)
        # The conversion time matters only for converted licences: the subquery runs for them
        # alone (the CASE), not for every licence of the period.
        .annotate(
            month=TruncMonth("issued_on"),
            converted_at=Case(
                When(origin=LicenceOrigin.CONVERTED, then=Subquery(first_conversion)),
                default=Value(None),
                output_field=DateTimeField(),
            ),
        )
        .annotate(converted_month=TruncMonth("converted_at"))
        .values("type_key", "month", "has_electronic", "origin", "converted_month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[tuple[str, dt.date], tuple[int, int]] = {}
    for row in rows:
        month = row["month"]
        month = month.date() if isinstance(month, dt.datetime) else month
        cutoff = min(_day_start(_next_month(month)), now)
        electronic = bool(row["has_electronic"])
        if electronic and cutoff < now and row["origin"] == LicenceOrigin.CONVERTED:
            converted = row["converted_month"]
            converted = converted.date() if isinstance(converted, dt.datetime) else converted
            # converted_at < start of the next month ⟺ converted in this month or earlier
            electronic = converted is not None and converted <= month
        with_e, total = counts.get((row["type_key"], month), (0, 0))
        counts[(row["type_key"], month)] = (
            with_e + (row["n"] if electronic else 0),
            total + row["n"],
        )
    return counts


def _next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def stock_counts(*, on: dt.date, now: dt.datetime | None = None) -> Counts:
    """type key → (valid on ``on`` with an e-licence, all valid on ``on``)."""
    now = now or clock.now()
    end_of_day = _day_start(on + dt.timedelta(days=1))
    valid = Licence.objects.filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=on),
        Q(status__in=[LicenceStatus.VALID, LicenceStatus.EXPIRED])
        | Q(status_changed_at__gte=end_of_day),
        issued_on__lte=on,
        valid_from__lte=on,
    )
    return _grouped(valid, min(end_of_day, now), now)


def _types() -> list[tuple[str, str]]:
    return [(t.key, t.name_zh) for t in licence_catalogue()]


@dataclass(frozen=True)
class RateReport:
    period: Period
    issuance: list[RateRow]
    stock_on: dt.date
    stock: list[RateRow]


def rate_report(*, period: Period, stock_on: dt.date, now: dt.datetime | None = None) -> RateReport:
    """Both tables, one row per catalogue type and a totals row each."""
    total = _("Total")
    return RateReport(
        period=period,
        issuance=rate_rows(issuance_counts(period=period, now=now), _types(), total_label=total),
        stock_on=stock_on,
        stock=rate_rows(stock_counts(on=stock_on, now=now), _types(), total_label=total),
    )
