"""The inspector's road-side trail: every scan of a licence and every finding recorded.

Models hold data and invariants only; every write goes through ``portal.services``. A scan keeps
what was verified (the verdict, which kind of code was read), where (the device's position, when
the inspector allowed it) and the warnings raised, so a later scan of the same licence can be
compared with it. A finding links an on-road check to the pending credit record it produced.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from roadcredit.core.models import PublicModel


class ScanEvent(PublicModel):
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inspector"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    licence = models.ForeignKey(
        "elicences.Licence",
        verbose_name=_("licence"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    scanned_at = models.DateTimeField(_("scanned at"))
    verdict = models.CharField(_("verdict"), max_length=20)
    token_kind = models.CharField(_("kind of code"), max_length=20, blank=True)
    # SHA-256 of a live presentation code (never of a printed licence's code), to spot replays.
    code_hash = models.CharField(_("code hash"), max_length=64, blank=True, db_index=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    warnings = models.JSONField(_("warnings"), default=list, blank=True)

    class Meta:
        verbose_name = _("licence scan")
        verbose_name_plural = _("licence scans")
        ordering = ["-scanned_at", "-pk"]
        indexes = [
            models.Index(fields=["licence", "scanned_at"], name="portal_scan_licence_at"),
            models.Index(fields=["inspector", "scanned_at"], name="portal_scan_inspector_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(
                    latitude__gte=-90,
                    latitude__lte=90,
                    longitude__gte=-180,
                    longitude__lte=180,
                ),
                name="portal_scan_position_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.verdict} {self.scanned_at:%Y-%m-%d %H:%M}"


class Finding(PublicModel):
    """An on-road finding: the pending credit record it created (no decision yet; it counts once
    its penalty decision is entered), the scan it came from and where it happened."""

    record = models.OneToOneField(
        "credit.CreditRecord",
        verbose_name=_("credit record"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    scan = models.ForeignKey(
        ScanEvent,
        verbose_name=_("licence scan"),
        on_delete=models.PROTECT,
        related_name="findings",
        null=True,
        blank=True,
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inspector"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    place = models.CharField(_("place of the check"), max_length=200)

    class Meta:
        verbose_name = _("on-road finding")
        verbose_name_plural = _("on-road findings")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["inspector", "created_at"], name="portal_finding_inspector"),
        ]

    def __str__(self) -> str:
        return f"{self.place} {self.created_at:%Y-%m-%d}"
