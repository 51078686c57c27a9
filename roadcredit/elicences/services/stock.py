"""Writes of the paper-stock ledger: receive a delivery, use a sheet for a licence print, record
a spoiled or voided sheet, and record a period's reconciliation.

Every write locks what it moves, runs in one ``transaction.atomic()`` and appends its audit entry
in the same transaction. Sheet moves follow ``elicences.paperstock`` (in stock → used, spoiled or
voided, once).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from roadcredit.audit.services import audit_record
from roadcredit.core import clock
from roadcredit.core.errors import Conflict, NotFound, ValidationFailed
from roadcredit.elicences.models import (
    Licence,
    LicenceStatus,
    PaperStockBatch,
    PaperStockSheet,
    SheetStatus,
)
from roadcredit.elicences.paperstock import SerialError, SerialRange, can_move, parse_range
from roadcredit.elicences.stock_selectors import (
    Reconciliation,
    sheet_serial,
    stock_reconciliation,
    stock_type,
)

from .numbering_alloc import sequence_next

if TYPE_CHECKING:
    from roadcredit.accounts.models import User

SHEET_BULK = 2_000
REASON_MAX = 300
SUPPLIER_MAX = 200


def _field(field: str, message: str) -> ValidationFailed:
    return ValidationFailed.for_fields(message, {field: [message]})


def _clean_text(value: str, field: str, *, limit: int, required: bool) -> str:
    text = " ".join(str(value or "").split())
    if required and not text:
        raise _field(field, _("This field is required."))
    if len(text) > limit:
        raise _field(field, _("At most %(limit)d characters are allowed.") % {"limit": limit})
    return text


# --- Receiving --------------------------------------------------------------------------------


@dataclass(frozen=True)
class StockReceipt:
    batch: PaperStockBatch
    created: bool  # False: this exact range had already been received (nothing written)


def _range(serial_from: str, serial_to: str) -> SerialRange:
    try:
        return parse_range(serial_from, serial_to)
    except SerialError as exc:
        raise ValidationFailed.for_fields(exc.message, {"serial_from": [exc.message]}) from None


def _same_batch(type_key: str, serials: SerialRange) -> PaperStockBatch | None:
    return PaperStockBatch.objects.filter(
        type_key=type_key,
        prefix=serials.prefix,
        first_number=serials.first,
        last_number=serials.last,
        width=serials.width,
    ).first()


def _overlapping(type_key: str, serials: SerialRange) -> list[PaperStockBatch]:
    return list(
        PaperStockBatch.objects.filter(
            type_key=type_key,
            prefix=serials.prefix,
            first_number__lte=serials.last,
            last_number__gte=serials.first,
        ).order_by("first_number")[:5]
    )


def stock_receive(
    *,
    actor: User | None,
    type_key: str,
    serial_from: str,
    serial_to: str,
    received_on: dt.date,
    supplier: str,
    note: str = "",
    at: dt.datetime | None = None,
) -> StockReceipt:
    """Enter a delivery of blank certificate paper: one sheet per serial, in stock.

    Entering the same range of the same type again changes nothing and returns the delivery
    already recorded (``created`` False); a range that overlaps another delivery is a Conflict
    naming it.
    """
    licence_type = stock_type(type_key)
    serials = _range(serial_from, serial_to)
    supplier = _clean_text(supplier, "supplier", limit=SUPPLIER_MAX, required=True)
    note = _clean_text(note, "note", limit=REASON_MAX, required=False)
    moment = at or clock.now()
    if received_on > timezone.localdate(moment):
        raise _field("received_on", _("The delivery date cannot be in the future."))
    with transaction.atomic():
        # Lock the type's delivery counter: two clerks entering overlapping ranges at once would
        # otherwise both find no overlap and both insert (ranges of different digit widths are
        # not caught by the unique serial index).
        sequence_next(f"stock-deliveries:{licence_type.key}")
        existing = _same_batch(licence_type.key, serials)
        if existing is not None:
            transaction.set_rollback(True)  # give the counter value back: nothing was received
            return StockReceipt(batch=existing, created=False)
        overlaps = _overlapping(licence_type.key, serials)
        if overlaps:
            raise Conflict(
                _(
                    "These serials overlap a delivery already received (%(ranges)s); check the "
                    "first and last serial."
                )
                % {"ranges": "、".join(str(batch) for batch in overlaps)},
                {"batches": [batch.public_id for batch in overlaps]},
            )
        batch = PaperStockBatch.objects.create(
            type_key=licence_type.key,
            prefix=serials.prefix,
            first_number=serials.first,
            last_number=serials.last,
            width=serials.width,
            serial_from=serials.text_from,
            serial_to=serials.text_to,
            count=serials.count,
            received_on=received_on,
            supplier=supplier,
            note=note,
            received_by=actor,
        )
        try:
            with transaction.atomic():
                PaperStockSheet.objects.bulk_create(
                    (
                        PaperStockSheet(batch=batch, type_key=licence_type.key, serial=serial.text)
                        for serial in serials.serials()
                    ),
                    batch_size=SHEET_BULK,
                )
        except IntegrityError:
            raise Conflict(
                _("Some of these serials are already in the ledger; check the range.")
            ) from None
        audit_record(
            actor=actor,
            action="elicences.stock_receive",
            target=batch,
            after={
                "type_key": batch.type_key,
                "serial_from": batch.serial_from,
                "serial_to": batch.serial_to,
                "count": batch.count,
                "received_on": batch.received_on,
                "supplier": batch.supplier,
            },
            at=moment,
        )
    return StockReceipt(batch=batch, created=True)


# --- Moving sheets ----------------------------------------------------------------------------


def _lock_sheet(type_key: str, serial: str) -> PaperStockSheet:
    # Lock the sheet row: two clerks recording the same sheet at once (one printing on it, one
    # voiding it) would otherwise both see it in stock and both move it.
    sheet = (
        PaperStockSheet.objects.select_for_update()
        .filter(type_key=type_key, serial=sheet_serial(serial))
        .first()
    )
    if sheet is None:
        raise NotFound(
            _("No sheet with this serial is in the paper-stock ledger."), {"serial": serial}
        )
    return sheet


def _refuse_move(sheet: PaperStockSheet, target: str) -> None:
    if not can_move(sheet.status, target):
        raise Conflict(
            _("Sheet %(serial)s is no longer in stock (%(status)s).")
            % {"serial": sheet.serial, "status": sheet.get_status_display()},
            {"serial": sheet.serial, "status": sheet.status},
        )


def _move(
    sheet: PaperStockSheet,
    *,
    status: SheetStatus,
    actor: User | None,
    at: dt.datetime,
    reason: str,
    licence: Licence | None,
) -> None:
    sheet.status = status
    sheet.licence = licence
    sheet.at = at
    sheet.by = actor
    sheet.reason = reason
    sheet.save(update_fields=["status", "licence", "at", "by", "reason"])


def _sheet_after(sheet: PaperStockSheet) -> dict[str, object]:
    return {
        "type_key": sheet.type_key,
        "serial": sheet.serial,
        "status": sheet.status,
        "licence": sheet.licence.public_id if sheet.licence is not None else None,
        "reason": sheet.reason,
    }


def stock_use(
    *,
    actor: User | None,
    licence: Licence,
    serial: str,
    at: dt.datetime | None = None,
) -> PaperStockSheet:
    """Record that ``licence`` was printed on the sheet ``serial`` (of its type's paper).

    A licence is printed on one sheet: if a print failed, record that sheet as spoiled first.
    """
    stock_type(licence.type_key)
    moment = at or clock.now()
    with transaction.atomic():
        sheet = _lock_sheet(licence.type_key, serial)
        _refuse_move(sheet, SheetStatus.USED)
        current = Licence.objects.filter(pk=licence.pk).values_list("status", flat=True).first()
        if current not in (LicenceStatus.VALID, LicenceStatus.SUSPENDED):
            raise _field("licence", _("Only a live licence is printed."))
        printed = (
            PaperStockSheet.objects.filter(licence=licence, status=SheetStatus.USED)
            .values_list("serial", flat=True)
            .first()
        )
        if printed is not None:
            raise Conflict(
                _(
                    "This licence is already printed on sheet %(serial)s; if that print failed, "
                    "record that sheet as spoiled first."
                )
                % {"serial": printed},
                {"serial": printed},
            )
        _move(sheet, status=SheetStatus.USED, actor=actor, at=moment, reason="", licence=licence)
        audit_record(
            actor=actor,
            action="elicences.stock_use",
            target=licence,
            after=_sheet_after(sheet),
            at=moment,
        )
    return sheet


def _discard(
    *,
    actor: User | None,
    type_key: str,
    serial: str,
    reason: str,
    status: SheetStatus,
    licence: Licence | None,
    at: dt.datetime | None,
) -> PaperStockSheet:
    stock_type(type_key)
    reason = _clean_text(reason, "reason", limit=REASON_MAX, required=True)
    if licence is not None and licence.type_key != type_key:
        raise _field("licence", _("The licence is of another type than this paper."))
    moment = at or clock.now()
    with transaction.atomic():
        sheet = _lock_sheet(type_key, serial)
        _refuse_move(sheet, status)
        _move(sheet, status=status, actor=actor, at=moment, reason=reason, licence=licence)
        audit_record(
            actor=actor,
            action=f"elicences.stock_{'spoil' if status == SheetStatus.SPOILED else 'void'}",
            target_type="elicences.paperstocksheet",
            target_id=f"{type_key}:{sheet.serial}",
            after=_sheet_after(sheet),
            at=moment,
        )
    return sheet


def stock_spoil(
    *,
    actor: User | None,
    type_key: str,
    serial: str,
    reason: str,
    licence: Licence | None = None,
    at: dt.datetime | None = None,
) -> PaperStockSheet:
    """损毁: the sheet was misprinted, torn or jammed (optionally: printing ``licence``)."""
    return _discard(
        actor=actor,
        type_key=type_key,
        serial=serial,
        reason=reason,
        status=SheetStatus.SPOILED,
        licence=licence,
        at=at,
    )


def stock_void(
    *,
    actor: User | None,
    type_key: str,
    serial: str,
    reason: str,
    at: dt.datetime | None = None,
) -> PaperStockSheet:
    """作废: the sheet leaves stock unprinted (lost, stolen, withdrawn)."""
    return _discard(
        actor=actor,
        type_key=type_key,
        serial=serial,
        reason=reason,
        status=SheetStatus.VOIDED,
        licence=None,
        at=at,
    )


# --- Reconciliation ---------------------------------------------------------------------------


def stock_reconcile(
    *,
    actor: User | None,
    type_key: str,
    period_start: dt.date,
    period_end: dt.date,
    at: dt.datetime | None = None,
) -> Reconciliation:
    """Count one paper type's ledger for a period (opening, received, used, spoiled, voided,
    closing) with its discrepancies, and record in the audit trail that it was reconciled."""
    reconciliation = stock_reconciliation(
        type_key=type_key, period_start=period_start, period_end=period_end
    )
    counts = reconciliation.counts
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="elicences.stock_reconcile",
            target_type="elicences.paperstock",
            target_id=f"{type_key}:{period_start.isoformat()}:{period_end.isoformat()}",
            after={
                "opening": counts.opening,
                "received": counts.received,
                "used": counts.used,
                "spoiled": counts.spoiled,
                "voided": counts.voided,
                "closing": counts.closing,
                "balanced": counts.balanced,
                "used_without_licence": reconciliation.used_without_licence_count,
                "licences_without_sheet": reconciliation.licences_without_sheet_count,
            },
            at=at,
        )
    return reconciliation
