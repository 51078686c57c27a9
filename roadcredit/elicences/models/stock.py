"""The paper-stock ledger: the pre-numbered blank certificate paper as controlled stock.

A ``PaperStockBatch`` is one delivery (a range of printed serials of one licence type's paper);
receiving it creates one ``PaperStockSheet`` per serial. A sheet moves once, from ``received``
to ``used`` (tied to the licence printed on it), ``spoiled`` or ``voided``, with who, when and
why (rules in ``elicences.paperstock``). Every write goes through ``services.stock``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from roadcredit.core.models import PublicModel


class SheetStatus(models.TextChoices):
    RECEIVED = "received", _("sheet status: in stock")
    USED = "used", _("sheet status: used")
    SPOILED = "spoiled", _("sheet status: spoiled")
    VOIDED = "voided", _("sheet status: voided")


class PaperStockBatch(PublicModel):
    """One delivery of blank certificate paper: serials ``serial_from``–``serial_to``."""

    type_key = models.CharField(_("licence type"), max_length=64)
    prefix = models.CharField(_("serial prefix"), max_length=6, blank=True)
    first_number = models.PositiveBigIntegerField(_("first serial number"))
    last_number = models.PositiveBigIntegerField(_("last serial number"))
    width = models.PositiveSmallIntegerField(_("serial digits"))
    serial_from = models.CharField(_("serial from"), max_length=32)
    serial_to = models.CharField(_("serial to"), max_length=32)
    count = models.PositiveIntegerField(_("number of sheets"))
    received_on = models.DateField(_("received on"))
    supplier = models.CharField(_("supplier"), max_length=200)
    note = models.CharField(_("note"), max_length=300, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("received by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("paper stock delivery")
        verbose_name_plural = _("paper stock deliveries")
        ordering = ["-received_on", "-pk"]
        indexes = [
            models.Index(fields=["type_key", "prefix", "first_number"], name="stock_batch_range")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_number__gte=models.F("first_number")),
                name="stock_batch_range_ordered",
            ),
            models.CheckConstraint(condition=models.Q(count__gte=1), name="stock_batch_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.serial_from}–{self.serial_to}"


class PaperStockSheet(models.Model):
    """One printed sheet of blank certificate paper."""

    batch = models.ForeignKey(
        PaperStockBatch, verbose_name=_("delivery"), on_delete=models.PROTECT, related_name="sheets"
    )
    type_key = models.CharField(_("licence type"), max_length=64)
    serial = models.CharField(_("sheet serial"), max_length=32)
    status = models.CharField(
        _("status"), max_length=12, choices=SheetStatus.choices, default=SheetStatus.RECEIVED
    )
    licence = models.ForeignKey(
        "elicences.Licence",
        verbose_name=_("licence printed"),
        on_delete=models.PROTECT,
        related_name="paper_sheets",
        null=True,
        blank=True,
    )
    at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("paper stock sheet")
        verbose_name_plural = _("paper stock sheets")
        ordering = ["type_key", "serial"]
        indexes = [
            models.Index(fields=["type_key", "status", "at"], name="stock_sheet_status_at"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["type_key", "serial"], name="stock_sheet_serial_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=SheetStatus.values), name="stock_sheet_status_known"
            ),
            # A sheet in stock is tied to nothing and has not moved yet.
            models.CheckConstraint(
                condition=~models.Q(status=SheetStatus.RECEIVED)
                | models.Q(licence__isnull=True, at__isnull=True),
                name="stock_sheet_in_stock_untouched",
            ),
            models.CheckConstraint(
                condition=models.Q(status=SheetStatus.RECEIVED) | models.Q(at__isnull=False),
                name="stock_sheet_move_dated",
            ),
            # A licence is printed on one sheet (a misprint is recorded as spoiled first).
            models.UniqueConstraint(
                fields=["licence"],
                condition=models.Q(status="used"),
                name="stock_sheet_one_per_licence",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.serial}（{self.get_status_display()}）"
