"""The paper-stock ledger: deliveries, sheets used for prints, spoiled, voided; reconciliation."""

from __future__ import annotations

import datetime as dt

import pytest

from roadcredit.accounts.roles import Role
from roadcredit.audit.models import AuditEntry
from roadcredit.core.errors import Conflict, NotFound, ValidationFailed
from roadcredit.elicences.models import PaperStockBatch, PaperStockSheet, SheetStatus
from roadcredit.elicences.selectors import full_licence_number
from roadcredit.elicences.services.stock import (
    stock_receive,
    stock_reconcile,
    stock_spoil,
    stock_use,
    stock_void,
)
from roadcredit.elicences.stock_selectors import licence_for_print, stock_levels
from roadcredit.elicences.tests.services.support import (
    at,
    issue_business_licence,
    issue_qualification,
)
from roadcredit.subjects.tests.factories import audit_after

pytestmark = pytest.mark.django_db
BUSINESS = "business_licence"


def _receive(first="LY0000101", last="LY0000200", *, on=dt.date(2026, 1, 5), actor=None, **kw):
    return stock_receive(
        actor=actor,
        type_key=kw.pop("type_key", BUSINESS),
        serial_from=first,
        serial_to=last,
        received_on=on,
        supplier="山东省交通运输厅证件印制中心",
        at=kw.pop("at", at(2026, 1, 5)),
        **kw,
    )


def test_receiving_a_range_puts_every_sheet_in_stock(personas):
    clerk = personas[Role.CLERK]
    receipt = _receive(actor=clerk)
    assert receipt.created
    batch = receipt.batch
    assert (batch.serial_from, batch.serial_to, batch.count) == ("LY0000101", "LY0000200", 100)
    sheets = PaperStockSheet.objects.filter(batch=batch)
    assert sheets.count() == 100
    assert set(sheets.values_list("status", flat=True)) == {SheetStatus.RECEIVED}
    entry = AuditEntry.objects.get(action="elicences.stock_receive")
    assert entry.actor == clerk and audit_after(entry)["count"] == 100


def test_entering_the_same_range_again_changes_nothing():
    first = _receive()
    again = _receive()
    assert not again.created
    assert again.batch.pk == first.batch.pk
    assert PaperStockBatch.objects.count() == 1
    assert PaperStockSheet.objects.count() == 100
    assert AuditEntry.objects.filter(action="elicences.stock_receive").count() == 1


@pytest.mark.parametrize(
    ("first", "last"), [("LY0000150", "LY0000250"), ("LY000000199", "LY000000300")]
)
def test_an_overlapping_range_is_refused_naming_the_delivery(first, last):
    _receive()
    with pytest.raises(Conflict) as caught:
        _receive(first, last)
    assert "LY0000101–LY0000200" in caught.value.message
    assert PaperStockSheet.objects.count() == 100


def test_a_range_of_another_type_may_reuse_the_same_serials():
    _receive()
    assert _receive(type_key="transport_certificate").created


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"type_key": "taxi_driver_certificate"}, "type_key"),
        ({"on": dt.date(2026, 2, 1)}, "received_on"),
        ({"first": "LY0000200", "last": "LY0000101"}, "serial_from"),
    ],
)
def test_it_refuses_a_delivery_it_cannot_record(kwargs, field):
    with pytest.raises(ValidationFailed) as caught:
        _receive(**kwargs)
    assert field in caught.value.extra["fields"]


def test_a_printed_licence_uses_one_sheet_and_the_sheet_is_locked_to_it(personas):
    _receive()
    licence = issue_business_licence(at=at(2026, 1, 8))
    sheet = stock_use(
        actor=personas[Role.CLERK], licence=licence, serial="ly0000101", at=at(2026, 1, 8)
    )
    assert sheet.status == SheetStatus.USED and sheet.licence == licence
    with pytest.raises(Conflict):  # the same sheet again
        stock_use(actor=None, licence=licence, serial="LY0000101")
    with pytest.raises(Conflict) as caught:  # the same licence on a second sheet
        stock_use(actor=None, licence=licence, serial="LY0000102")
    assert "LY0000101" in caught.value.message
    with pytest.raises(NotFound):
        stock_use(actor=None, licence=licence, serial="LY0009999")


def test_a_misprint_is_spoiled_and_the_licence_printed_again():
    _receive()
    licence = issue_business_licence(at=at(2026, 1, 8))
    stock_spoil(actor=None, type_key=BUSINESS, serial="LY0000101", reason="卡纸", licence=licence)
    sheet = stock_use(actor=None, licence=licence, serial="LY0000102")
    assert sheet.status == SheetStatus.USED
    with pytest.raises(ValidationFailed):
        stock_void(actor=None, type_key=BUSINESS, serial="LY0000103", reason="  ")
    voided = stock_void(actor=None, type_key=BUSINESS, serial="LY0000103", reason="遗失")
    assert voided.status == SheetStatus.VOIDED and voided.licence is None
    with pytest.raises(Conflict):
        stock_spoil(actor=None, type_key=BUSINESS, serial="LY0000103", reason="撕破")


def test_the_paper_of_one_type_does_not_take_a_licence_of_another():
    _receive(type_key="transport_certificate")
    licence = issue_business_licence(at=at(2026, 1, 8))
    with pytest.raises(NotFound):
        stock_use(actor=None, licence=licence, serial="LY0000101")


def test_the_reconciliation_counts_the_period_and_lists_discrepancies(personas):
    # December: 100 sheets received, 2 used. January: 50 more, 3 used, 1 spoiled, 1 voided.
    _receive(on=dt.date(2025, 12, 1), at=at(2025, 12, 1))
    december = [issue_business_licence(at=at(2025, 12, 10)) for _ in range(2)]
    for number, licence in enumerate(december, start=101):
        stock_use(actor=None, licence=licence, serial=f"LY0000{number}", at=at(2025, 12, 10))
    _receive("LY0000201", "LY0000250", on=dt.date(2026, 1, 4), at=at(2026, 1, 4))
    january = [issue_business_licence(at=at(2026, 1, 12)) for _ in range(4)]
    for number, licence in enumerate(january[:3], start=103):
        stock_use(actor=None, licence=licence, serial=f"LY0000{number}", at=at(2026, 1, 12))
    stock_spoil(
        actor=None, type_key=BUSINESS, serial="LY0000106", reason="套打错位", at=at(2026, 1, 13)
    )
    stock_void(actor=None, type_key=BUSINESS, serial="LY0000201", reason="遗失", at=at(2026, 1, 20))
    # A sheet recorded as used without its licence (a legacy entry made outside the services).
    PaperStockSheet.objects.filter(serial="LY0000107").update(
        status=SheetStatus.USED, at=at(2026, 1, 21)
    )

    result = stock_reconcile(
        actor=personas[Role.APPROVER],
        type_key=BUSINESS,
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 1, 31),
    )
    counts = result.counts
    assert (counts.opening, counts.received, counts.used, counts.spoiled, counts.voided) == (
        98,
        50,
        4,
        1,
        1,
    )
    assert counts.closing == 142 and counts.balanced
    assert result.used_without_licence == ["LY0000107"]
    assert [lic.pk for lic in result.licences_without_sheet] == [january[3].pk]
    assert result.discrepancy_count == 2
    entry = AuditEntry.objects.get(action="elicences.stock_reconcile")
    assert audit_after(entry)["closing"] == 142

    december_result = stock_reconcile(
        actor=None,
        type_key=BUSINESS,
        period_start=dt.date(2025, 12, 1),
        period_end=dt.date(2025, 12, 31),
    )
    assert (december_result.counts.opening, december_result.counts.closing) == (0, 98)
    assert december_result.discrepancy_count == 0


def test_licences_issued_before_the_ledger_began_are_no_discrepancy():
    issue_business_licence(at=at(2025, 11, 20))
    _receive(on=dt.date(2025, 12, 1), at=at(2025, 12, 1))
    result = stock_reconcile(
        actor=None,
        type_key=BUSINESS,
        period_start=dt.date(2025, 11, 1),
        period_end=dt.date(2025, 12, 31),
    )
    assert result.licences_without_sheet_count == 0


def test_stock_levels_and_the_licence_lookup_for_a_print():
    _receive()
    licence = issue_qualification(at=at(2026, 1, 8))
    full = full_licence_number(licence)
    assert licence_for_print(type_key="qualification_certificate", number=full.lower()) == licence
    levels = {level.type_key: level for level in stock_levels()}
    assert levels[BUSINESS].received == 100
    assert levels["qualification_certificate"].total == 0
