"""The audit trail: one row per state change, chained by hash so tampering can be proven."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    seq = models.PositiveBigIntegerField(_("sequence"), unique=True)
    at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("actor label"), max_length=150)
    action = models.CharField(_("action"), max_length=80, db_index=True)
    target_type = models.CharField(_("target type"), max_length=80, blank=True)
    target_id = models.CharField(_("target id"), max_length=80, blank=True, db_index=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    entry_hash = models.CharField(_("entry hash"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["seq"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.target_type}:{self.target_id}"


class AuditChainHead(models.Model):
    """Single row (pk=1) holding the last sequence number and hash; locked to append."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(default=0)
    entry_hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("audit chain head")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="audit_head_singleton")
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.entry_hash[:12]}"


class SignedHead(models.Model):
    """A signed statement "at ``signed_at`` the chain had ``seq`` entries ending in
    ``entry_hash``", made with the bureau's seal key (see ``roadcredit.audit.heads``).

    Every row is also appended to the heads file outside the database (``AUDIT_HEADS_PATH``), so
    a rewritten table or a deleted tail no longer matches a head kept elsewhere. Append-only:
    nothing updates or deletes these rows (a database trigger forbids it, ``audit.sql``).
    """

    seq = models.PositiveBigIntegerField(_("sequence"), db_index=True)
    entry_hash = models.CharField(_("entry hash"), max_length=64)
    signed_at = models.DateTimeField(_("head signed at"), db_index=True)
    kid = models.CharField(_("seal key id"), max_length=32)
    alg = models.SmallIntegerField(_("signature algorithm"))
    signature = models.CharField(_("head signature"), max_length=256)
    reason = models.CharField(_("signing reason"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("signed chain head")
        verbose_name_plural = _("signed chain heads")
        ordering = ["-signed_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.entry_hash[:12]} @ {self.signed_at:%Y-%m-%d %H:%M}"


class AuditVerification(models.Model):
    """The outcome of one full walk of the chain (``manage.py verify_audit``), for the leaders'
    page. ``problem_kind`` and ``problem_seq`` name the first problem found, if any."""

    ran_at = models.DateTimeField(_("verified at"), db_index=True)
    ok = models.BooleanField(_("chain intact"))
    entries_checked = models.PositiveBigIntegerField(_("entries verified"), default=0)
    heads_checked = models.PositiveIntegerField(_("signed heads checked"), default=0)
    last_seq = models.PositiveBigIntegerField(_("last sequence verified"), default=0)
    problem_kind = models.CharField(_("problem found"), max_length=40, blank=True)
    problem_seq = models.PositiveBigIntegerField(_("first bad sequence"), null=True, blank=True)
    message = models.TextField(_("verification summary"), blank=True)
    warnings = models.JSONField(_("verification warnings"), default=list, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        verbose_name = _("audit chain verification")
        verbose_name_plural = _("audit chain verifications")
        ordering = ["-ran_at", "-id"]

    def __str__(self) -> str:
        return f"{self.ran_at:%Y-%m-%d %H:%M} {'ok' if self.ok else self.problem_kind}"
