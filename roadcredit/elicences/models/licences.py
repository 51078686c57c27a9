"""Licence records: one row per licence *version*, with its events, number sequences and the
status-list state.

Models hold data and invariants only; every write goes through ``elicences.services``.

* A licence is issued on paper and electronically at once (dual track): ``paper_number`` is the
  licence number printed on the paper stock (证照编号) and ``identifier`` the GB/T 36904 e-licence
  identifier. A change, renewal or replacement makes a new row (a new version: same paper number,
  identifier version + 1) whose ``predecessor`` is the row it supersedes (关联证照标识); ``root``
  points at the first version of the chain (``None`` on the first version itself).
* Personal data: where the licence number IS the holder's resident ID number (practitioner
  certificates), neither ``paper_number`` nor ``face`` holds it in the clear: ``paper_number``
  holds the masked form (``370612********0018``), ``number_key`` the keyed blind index of the full
  number (for lookups and uniqueness), and the full number is decrypted from the practitioner
  when an authorised viewer needs it (rendering the PDF, the staff face view).
* ``number_key`` is the licence number itself for every other type; one *live* (valid or
  suspended) licence per type and number is a database constraint.
* Legacy paper-only licences (``origin = legacy_paper``, ``has_electronic = False``) have no
  identifier, token or status index until stock conversion gives them one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from roadcredit.core.models import PublicModel
from roadcredit.subjects.references import (
    SubjectKind,
    one_subject_constraint,
    subject_keys,
    the_subject_set,
)

# A licence is held by one subject of any kind (``subjects.references``).
HolderKind = SubjectKind


class LicenceStatus(models.TextChoices):
    VALID = "valid", _("licence status: valid")
    CHANGED = "changed", _("licence status: superseded")
    SUSPENDED = "suspended", _("licence status: suspended")
    REVOKED = "revoked", _("licence status: revoked")
    CANCELLED = "cancelled", _("licence status: cancelled")
    EXPIRED = "expired", _("licence status: expired")


LIVE_STATUSES = (LicenceStatus.VALID, LicenceStatus.SUSPENDED)


class LicenceOrigin(models.TextChoices):
    ISSUED = "issued", _("issued on this platform")
    CONVERTED = "converted", _("converted from a paper licence")
    LEGACY_PAPER = "legacy_paper", _("paper licence awaiting conversion")


class LicenceEventKind(models.TextChoices):
    ISSUE = "issue", _("licence event: issued")
    CHANGE = "change", _("licence event: changed")
    RENEW = "renew", _("licence event: renewed")
    REPLACE = "replace", _("licence event: replaced")
    SUSPEND = "suspend", _("licence event: suspended")
    RESUME = "resume", _("licence event: resumed")
    REVOKE = "revoke", _("licence event: revoked")
    CANCEL = "cancel", _("licence event: cancelled")
    EXPIRE = "expire", _("licence event: expired")
    CONVERT = "convert", _("licence event: converted")


def _pdf_path(instance: Licence, filename: str) -> str:
    return f"licences/{instance.issued_on:%Y}/{filename}"


class Licence(PublicModel):
    type_key = models.CharField(_("licence type"), max_length=64)
    type_code = models.CharField(_("licence type code"), max_length=21)
    holder_kind = models.CharField(_("holder kind"), max_length=20, choices=HolderKind.choices)
    operator, vehicle, practitioner = subject_keys(related_name="licences")
    paper_number = models.CharField(_("licence number"), max_length=100)
    number_key = models.CharField(_("licence number key"), max_length=100)
    identifier = models.CharField(
        _("e-licence identifier"), max_length=120, unique=True, null=True, blank=True
    )
    serial = models.CharField(_("identifier serial"), max_length=32, blank=True)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    predecessor = models.ForeignKey(
        "self",
        verbose_name=_("predecessor"),
        on_delete=models.PROTECT,
        related_name="successors",
        null=True,
        blank=True,
    )
    root = models.ForeignKey(
        "self",
        verbose_name=_("first version"),
        on_delete=models.PROTECT,
        related_name="later_versions",
        null=True,
        blank=True,
    )
    face = models.JSONField(_("face data"), default=dict, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    issued_on = models.DateField(_("issued on"))
    status = models.CharField(
        _("status"), max_length=20, choices=LicenceStatus.choices, default=LicenceStatus.VALID
    )
    status_reason = models.CharField(_("status reason"), max_length=300, blank=True)
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    credit_record_ref = models.CharField(_("credit record"), max_length=64, blank=True)
    has_electronic = models.BooleanField(_("has an e-licence"), default=True)
    origin = models.CharField(
        _("origin"), max_length=20, choices=LicenceOrigin.choices, default=LicenceOrigin.ISSUED
    )
    status_list = models.CharField(_("status list"), max_length=32, blank=True)
    status_index = models.PositiveIntegerField(_("status list index"), null=True, blank=True)
    qr_text = models.TextField(_("QR code text"), blank=True)
    pdf_file = models.FileField(_("sealed PDF"), upload_to=_pdf_path, null=True, blank=True)
    pdf_sha256 = models.CharField(_("PDF SHA-256"), max_length=64, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("licence")
        verbose_name_plural = _("licences")
        ordering = ["-issued_on", "-pk"]
        indexes = [
            models.Index(fields=["type_key", "issued_on"], name="licence_type_issued"),
            models.Index(fields=["status"], name="licence_status"),
            models.Index(fields=["status", "valid_until"], name="licence_status_until"),
            models.Index(fields=["type_key", "number_key"], name="licence_type_number"),
        ]
        constraints = [
            one_subject_constraint(
                name="licence_exactly_one_holder", kinds=HolderKind.values, kind_field="holder_kind"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=LicenceStatus.values), name="licence_status_known"
            ),
            models.CheckConstraint(
                condition=models.Q(origin__in=LicenceOrigin.values), name="licence_origin_known"
            ),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="licence_version_pos"),
            models.CheckConstraint(
                condition=models.Q(has_electronic=False)
                | (
                    models.Q(identifier__isnull=False, status_index__isnull=False)
                    & ~models.Q(qr_text="")
                ),
                name="licence_electronic_complete",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="licence_validity_ordered",
            ),
            # One live licence per type and number: a number is never handed out twice, and a
            # practitioner holds one valid certificate of a type (changes go through versions).
            models.UniqueConstraint(
                fields=["type_key", "number_key"],
                condition=models.Q(status__in=["valid", "suspended"]),
                name="licence_one_live_per_number",
            ),
            models.UniqueConstraint(
                fields=["status_list", "status_index"],
                condition=models.Q(status_index__isnull=False),
                name="licence_status_slot_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.paper_number}（{self.get_status_display()}）"

    @property
    def chain_root_id(self) -> int:
        """Primary key of the first version of this licence's chain."""
        return self.root_id or self.pk

    @property
    def holder(self) -> models.Model:
        return the_subject_set(self)

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES


class LicenceEvent(models.Model):
    """One step in a licence's life (issue, change, suspension …), shown as its timeline."""

    licence = models.ForeignKey(Licence, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("event"), max_length=20, choices=LicenceEventKind.choices)
    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("licence event")
        verbose_name_plural = _("licence events")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["licence", "at"], name="licence_event_at")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=LicenceEventKind.values),
                name="licence_event_kind_known",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d}"


class NumberSequence(models.Model):
    """The last number handed out in one numbering scope (``number:business_licence:370612``,
    ``serial:<type code>:<issuer>:2026``, ``status:370612``). Allocation locks the row; the
    allocation commits or rolls back with the licence that uses it, so numbers have no gaps."""

    scope = models.CharField(_("scope"), max_length=160, unique=True)
    last_value = models.PositiveBigIntegerField(_("last value"), default=0)

    class Meta:
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")

    def __str__(self) -> str:
        return f"{self.scope} = {self.last_value}"


class StatusListState(models.Model):
    """The version of one published status list. Every status change of a licence on the list
    bumps ``version`` in the same transaction, so a server compares one integer to know whether
    its cached, signed list is still current; ``issued_at`` only ever moves forward."""

    list_id = models.CharField(_("status list"), max_length=32, unique=True)
    version = models.PositiveBigIntegerField(_("version"), default=0)
    issued_at = models.DateTimeField(_("issued at"))

    class Meta:
        verbose_name = _("status list state")
        verbose_name_plural = _("status list states")

    def __str__(self) -> str:
        return f"{self.list_id} v{self.version}"
