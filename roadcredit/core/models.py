"""Base models shared by every app."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

PUBLIC_ID_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"


def new_public_id() -> str:
    """An opaque, unguessable identifier for URLs (never a sequential primary key).

    16 symbols from a 31-symbol alphabet (~79 bits), drawn without modulo bias: random bytes
    below 248 (= 8 × 31) map evenly onto the alphabet, the rest are discarded.
    """
    symbols: list[str] = []
    while len(symbols) < 16:
        symbols.extend(PUBLIC_ID_ALPHABET[b % 31] for b in secrets.token_bytes(24) if b < 248)
    return "".join(symbols[:16])


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class PublicModel(TimeStampedModel):
    """A model whose rows are addressed in URLs by ``public_id``."""

    public_id = models.CharField(
        _("public id"), max_length=16, unique=True, default=new_public_id, editable=False
    )

    class Meta:
        abstract = True


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    SUCCEEDED = "succeeded", _("succeeded")
    FAILED = "failed", _("failed")
    CANCELLED = "cancelled", _("cancelled")


# A job in one of these states does not move on its own (a failed job can be retried by hand).
JOB_STOPPED_STATUSES = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED})


class Job(PublicModel):
    """A unit of long work (an import, a batch regrade, a batch issuance) run in chunks.

    ``checkpoint`` is the handler's own resume position; it is written in the same transaction as
    the chunk's writes, so a job killed between chunks resumes exactly where it stopped and a
    chunk is never applied twice. ``attempts`` doubles as the fencing token of the runner that
    holds the job (see ``roadcredit.core.jobs.runner``). All writes go through ``jobs.services``.
    """

    kind = models.CharField(_("kind"), max_length=80, db_index=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    total = models.PositiveBigIntegerField(_("total units"), null=True, blank=True)
    done = models.PositiveBigIntegerField(_("units done"), default=0)
    checkpoint = models.JSONField(_("checkpoint"), default=dict, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    idempotency_key = models.CharField(
        _("idempotency key"), max_length=200, unique=True, null=True, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("heartbeat at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="core_job_status_beat")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in JobStatus]),
                name="core_job_status_known",
            ),
            models.CheckConstraint(
                condition=models.Q(total__isnull=True) | models.Q(done__lte=models.F("total")),
                name="core_job_done_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.public_id} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in JOB_STOPPED_STATUSES

    @property
    def percent(self) -> int:
        if self.status == JobStatus.SUCCEEDED:
            return 100
        if not self.total:
            return 0
        return min(100, self.done * 100 // self.total)
