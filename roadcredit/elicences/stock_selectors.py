"""Reads of the paper-stock ledger: deliveries, sheets on hand, and a period's reconciliation.

The reconciliation is counted from the sheet rows in one aggregate query (no per-sheet work):
a sheet is in stock from its delivery's ``received_on`` until its one move (``at``). Periods are
calendar days in the bureau's time zone, both ends included.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from roadcredit.core.errors import NotFound, ValidationFailed

from .catalogue import LicenceType
from .models import (
    Licence,
    LicenceOrigin,
    PaperStockBatch,
    PaperStockSheet,
    SheetStatus,
)
from .paperstock import SerialError, StockCounts, parse_serial
from .selectors import licence_catalogue, licence_number_key

DISCREPANCY_LIST_MAX = 200


def stock_types() -> list[LicenceType]:
    """The licence types printed on pre-numbered paper here (the ones this bureau issues)."""
    return list(licence_catalogue().issued_here())


def stock_type(type_key: str) -> LicenceType:
    """A paper type of the ledger; ValidationFailed for a type not printed here."""
    for licence_type in stock_types():
        if licence_type.key == type_key:
            return licence_type
    message = _("This licence type is not printed on paper stock by this bureau.")
    raise ValidationFailed.for_fields(message, {"type_key": [message]})


def local_start(day: dt.date) -> dt.datetime:
    """Midnight at the start of ``day`` in the bureau's time zone (aware)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


# --- Deliveries and sheets --------------------------------------------------------------------


def stock_batches(*, type_key: str | None = None, limit: int = 50) -> list[PaperStockBatch]:
    batches = PaperStockBatch.objects.select_related("received_by")
    if type_key:
        batches = batches.filter(type_key=type_key)
    return list(batches.order_by("-received_on", "-pk")[:limit])


@dataclass(frozen=True)
class StockLevel:
    type_key: str
    type_name: str
    received: int
    used: int
    spoiled: int
    voided: int

    @property
    def total(self) -> int:
        return self.received + self.used + self.spoiled + self.voided


def stock_levels() -> list[StockLevel]:
    """Sheets by status for every paper type (one GROUP BY query)."""
    counts: dict[tuple[str, str], int] = {
        (row["type_key"], row["status"]): row["n"]
        for row in PaperStockSheet.objects.values("type_key", "status").annotate(n=Count("pk"))
    }
    return [
        StockLevel(
            type_key=t.key,
            type_name=t.name_zh,
            received=counts.get((t.key, SheetStatus.RECEIVED), 0),
            used=counts.get((t.key, SheetStatus.USED), 0),
            spoiled=counts.get((t.key, SheetStatus.SPOILED), 0),
            voided=counts.get((t.key, SheetStatus.VOIDED), 0),
        )
        for t in stock_types()
    ]


def sheet_serial(text: str) -> str:
    """The normalised serial text; ValidationFailed (field ``serial``) when malformed."""
    try:
        return parse_serial(text).text
    except SerialError as exc:
        raise ValidationFailed.for_fields(exc.message, {"serial": [exc.message]}) from None


def stock_sheet_get(*, type_key: str, serial: str) -> PaperStockSheet:
    found = (
        PaperStockSheet.objects.select_related("batch", "licence", "by")
        .filter(type_key=type_key, serial=sheet_serial(serial))
        .first()
    )
    if found is None:
        raise NotFound(_("No sheet with this serial is in the paper-stock ledger."))
    return found


def stock_sheets_of_licence(licence: Licence) -> list[PaperStockSheet]:
    return list(PaperStockSheet.objects.filter(licence=licence).order_by("at", "pk"))


def licence_for_print(*, type_key: str, number: str) -> Licence:
    """The live licence of ``type_key`` with this number (the number as printed; for an
    ID-number type the holder's ID number, looked up by its blind index)."""
    licence_type = stock_type(type_key)
    cleaned = number.strip().upper() if licence_type.number_is_id_number else number.strip()
    found = (
        Licence.objects.filter(
            type_key=type_key,
            number_key=licence_number_key(licence_type, cleaned),
            status__in=["valid", "suspended"],
        )
        .order_by("-version")
        .first()
    )
    if found is None:
        message = _("No live licence of this type has this number.")
        raise ValidationFailed.for_fields(message, {"number": [message]})
    return found


# --- Reconciliation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Reconciliation:
    type_key: str
    type_name: str
    period_start: dt.date
    period_end: dt.date
    counts: StockCounts
    # Sheets recorded as used without the licence printed on them (serials).
    used_without_licence: list[str] = field(default_factory=list)
    used_without_licence_count: int = 0
    # Licences issued here in the period (since the ledger began) with no used sheet.
    licences_without_sheet: list[Licence] = field(default_factory=list)
    licences_without_sheet_count: int = 0
    ledger_started_on: dt.date | None = None

    @property
    def discrepancy_count(self) -> int:
        return (
            self.used_without_licence_count
            + self.licences_without_sheet_count
            + (0 if self.counts.balanced else 1)
        )


def _period_counts(type_key: str, start: dt.date, end: dt.date) -> StockCounts:
    start_at, end_at = local_start(start), local_start(end + dt.timedelta(days=1))
    in_stock_at_start = Q(status=SheetStatus.RECEIVED) | Q(at__gte=start_at)
    in_stock_at_end = Q(status=SheetStatus.RECEIVED) | Q(at__gte=end_at)
    moved_in_period = Q(at__gte=start_at, at__lt=end_at)
    counts = PaperStockSheet.objects.filter(type_key=type_key).aggregate(
        opening=Count("pk", filter=Q(batch__received_on__lt=start) & in_stock_at_start),
        received=Count("pk", filter=Q(batch__received_on__gte=start, batch__received_on__lte=end)),
        used=Count("pk", filter=Q(status=SheetStatus.USED) & moved_in_period),
        spoiled=Count("pk", filter=Q(status=SheetStatus.SPOILED) & moved_in_period),
        voided=Count("pk", filter=Q(status=SheetStatus.VOIDED) & moved_in_period),
        closing=Count("pk", filter=Q(batch__received_on__lte=end) & in_stock_at_end),
    )
    return StockCounts(**{key: int(value or 0) for key, value in counts.items()})


def _licences_without_sheet(
    type_key: str, start: dt.date, end: dt.date, ledger_start: dt.date
) -> QuerySet[Licence]:
    printed = PaperStockSheet.objects.filter(licence=OuterRef("pk"), status=SheetStatus.USED)
    return (
        Licence.objects.filter(
            type_key=type_key,
            origin=LicenceOrigin.ISSUED,
            issued_on__gte=max(start, ledger_start),
            issued_on__lte=end,
        )
        .exclude(Exists(printed))
        .order_by("issued_on", "pk")
    )


def stock_reconciliation(
    *, type_key: str, period_start: dt.date, period_end: dt.date
) -> Reconciliation:
    """The ledger of one paper type for one period, with its discrepancies."""
    licence_type = stock_type(type_key)
    if period_end < period_start:
        message = _("The period ends before it starts.")
        raise ValidationFailed.for_fields(message, {"period_end": [message]})
    counts = _period_counts(type_key, period_start, period_end)
    start_at = local_start(period_start)
    end_at = local_start(period_end + dt.timedelta(days=1))
    unlinked = PaperStockSheet.objects.filter(
        type_key=type_key,
        status=SheetStatus.USED,
        licence__isnull=True,
        at__gte=start_at,
        at__lt=end_at,
    ).order_by("serial")
    first_delivery = (
        PaperStockBatch.objects.filter(type_key=type_key)
        .order_by("received_on")
        .values_list("received_on", flat=True)
        .first()
    )
    missing: QuerySet[Licence] | None = None
    if first_delivery is not None and first_delivery <= period_end:
        missing = _licences_without_sheet(type_key, period_start, period_end, first_delivery)
    return Reconciliation(
        type_key=type_key,
        type_name=licence_type.name_zh,
        period_start=period_start,
        period_end=period_end,
        counts=counts,
        used_without_licence=list(unlinked.values_list("serial", flat=True)[:DISCREPANCY_LIST_MAX]),
        used_without_licence_count=unlinked.count(),
        licences_without_sheet=(
            list(
                missing.select_related("operator", "vehicle", "practitioner")[:DISCREPANCY_LIST_MAX]
            )
            if missing is not None
            else []
        ),
        licences_without_sheet_count=missing.count() if missing is not None else 0,
        ledger_started_on=first_delivery,
    )
