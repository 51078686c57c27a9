"""The credit data pool: sources, intake batches, credit records, evidence, the to-link queue,
rule-set versions and grade snapshots.

Models hold data and invariants only; every write goes through ``roadcredit.credit.services``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from roadcredit.core.models import PublicModel, TimeStampedModel
from roadcredit.subjects.references import GradedKind as GradedKind  # re-exported
from roadcredit.subjects.references import (
    SubjectByKind,
    graded_subject_keys,
    one_subject_constraint,
    subject_keys,
)
from roadcredit.subjects.references import SubjectKind as SubjectKind  # re-exported


class SourceKind(models.TextChoices):
    PROVINCIAL_SHARING = "provincial_sharing", _("provincial sharing and exchange platform")
    PROVINCIAL_ELICENCE = "provincial_elicence", _("provincial e-licence library")
    ENFORCEMENT = "enforcement", _("law enforcement")
    COMPLAINTS = "complaints", _("complaints")
    BUREAU = "bureau", _("this bureau")
    OTHER = "other", _("other source")


class Source(TimeStampedModel):
    """A registered source system. ``api_token_hash`` is the SHA-256 (hex) of its push token;
    the token itself is shown once when issued and never stored."""

    code = models.CharField(_("source code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("source kind"), max_length=30, choices=SourceKind.choices)
    active = models.BooleanField(_("in use"), default=True)
    api_token_hash = models.CharField(
        _("API token hash"), max_length=64, unique=True, null=True, blank=True
    )
    token_issued_at = models.DateTimeField(_("token issued at"), null=True, blank=True)
    token_revoked_at = models.DateTimeField(_("token revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("credit data source")
        verbose_name_plural = _("credit data sources")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=SourceKind.values), name="credit_source_kind_known"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class IntakeChannel(models.TextChoices):
    API = "api", _("API push")
    FILE = "file", _("file upload")
    COMMAND = "command", _("command line")


class IntakeStatus(models.TextChoices):
    ACCEPTED = "accepted", _("accepted")
    REJECTED = "rejected", _("rejected")


class IntakeBatch(TimeStampedModel):
    """One batch of records received from a source, all or nothing.

    ``batch_key`` is the idempotency key: the source's own batch id, or the SHA-256 of the file or
    payload. It is unique per source for accepted batches; a rejected batch keeps its error report
    but holds no key (``batch_key`` is NULL), so the corrected batch can be sent again.
    """

    source = models.ForeignKey(
        Source, verbose_name=_("source"), on_delete=models.PROTECT, related_name="batches"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=IntakeChannel.choices)
    batch_key = models.CharField(_("batch key"), max_length=128, null=True, blank=True)  # noqa: DJ001 - NULL: rejected batches hold no key
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    file_sha256 = models.CharField(_("file SHA-256"), max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=IntakeStatus.choices)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    created_count = models.PositiveIntegerField(_("records created"), default=0)
    updated_count = models.PositiveIntegerField(_("records updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("records unchanged"), default=0)
    to_link_count = models.PositiveIntegerField(_("records to link"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    received_at = models.DateTimeField(_("received at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("intake batch")
        verbose_name_plural = _("intake batches")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "batch_key"], name="credit_batch_key_unique_per_source"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=IntakeChannel.values), name="credit_batch_channel_known"
            ),
            models.CheckConstraint(
                condition=Q(status__in=IntakeStatus.values), name="credit_batch_status_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source.code} {self.batch_key or self.pk}"

    def summary(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "total_rows": self.total_rows,
            "created": self.created_count,
            "updated": self.updated_count,
            "unchanged": self.unchanged_count,
            "to_link": self.to_link_count,
            "errors": self.error_count,
        }


class Direction(models.TextChoices):
    NEGATIVE = "negative", _("negative (dishonesty)")
    POSITIVE = "positive", _("positive (honesty)")


class Severity(models.TextChoices):
    NONE = "", _("not applicable")
    MINOR = "minor", _("minor")
    GENERAL = "general", _("general")
    SERIOUS = "serious", _("serious")


class RecordStatus(models.TextChoices):
    PENDING = "pending", _("pending decision")
    ACTIVE = "active", _("record status: active")
    UNDER_OBJECTION = "under_objection", _("under objection")
    REPAIRED = "repaired", _("repaired")
    EXPIRED = "expired", _("expired")
    WITHDRAWN = "withdrawn", _("withdrawn")


class CreditRecord(PublicModel):
    """One credit fact about an operator, a vehicle or a practitioner.

    A vehicle record also stores the vehicle's owning ``operator`` at recording time: it counts
    toward that operator's grade. ``(source, source_ref)`` is the idempotency key: re-sending a
    record updates it. A record with ``decided_on`` NULL is a finding awaiting its decision; it
    never counts. Positive records have no severity (stored as ``""``).
    """

    subject_kind = models.CharField(_("subject kind"), max_length=12, choices=SubjectKind.choices)
    # No single-column index: each key leads its partial (subject, occurred_on) index.
    operator, vehicle, practitioner = subject_keys(related_name="credit_records", db_index=False)
    subject = SubjectByKind()  # the recorded subject (operator, vehicle or practitioner)
    behaviour_code = models.CharField(_("behaviour code"), max_length=20)
    behaviour_name = models.CharField(_("behaviour"), max_length=200)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, blank=True, default=""
    )
    points = models.PositiveIntegerField(_("points"))
    occurred_on = models.DateField(_("occurred on"))
    decision_number = models.CharField(_("decision document number"), max_length=100, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=RecordStatus.choices, default=RecordStatus.PENDING
    )
    status_reason = models.CharField(_("reason for the status"), max_length=500, blank=True)
    earliest_repair_on = models.DateField(_("earliest repair date"), null=True, blank=True)
    takedown_on = models.DateField(_("publication ends on"), null=True, blank=True)
    publication_rule_id = models.CharField(_("publication rule"), max_length=60, blank=True)
    published = models.BooleanField(_("published"), default=False)
    # Source and batch: no database foreign key (docs/decisions/016, "Storage"): both parents
    # are append-only (a trigger refuses DELETE, credit/sql.py) and every writer sets these
    # columns from a row it holds in the same transaction; the per-row checks cost a quarter of
    # a bulk insert.
    source = models.ForeignKey(
        Source,
        verbose_name=_("source"),
        on_delete=models.PROTECT,
        related_name="records",
        db_index=False,  # led by the unique (source, source_ref) constraint
        db_constraint=False,
    )
    source_ref = models.CharField(_("source reference"), max_length=100)
    batch = models.ForeignKey(
        IntakeBatch,
        db_index=False,  # credit_rec_batch_idx
        db_constraint=False,  # see source
        verbose_name=_("intake batch"),
        on_delete=models.PROTECT,
        related_name="records",
        null=True,
        blank=True,
    )
    source_row = models.PositiveIntegerField(_("source row"), null=True, blank=True)
    file_sha256 = models.CharField(_("file SHA-256"), max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        db_index=False,  # credit_rec_recorded_by_idx (partial: intake rows have none)
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    on_serious_list = models.BooleanField(_("on the serious-dishonesty list"), default=False)

    class Meta:
        verbose_name = _("credit record")
        verbose_name_plural = _("credit records")
        ordering = ["-occurred_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_ref"], name="credit_record_source_ref_unique"
            ),
            # A vehicle's record also keeps the vehicle's owner in ``operator``.
            one_subject_constraint(
                name="credit_record_subject_matches_kind",
                kinds=SubjectKind.values,
                also_set={SubjectKind.VEHICLE: [SubjectKind.OPERATOR]},
            ),
            models.CheckConstraint(
                condition=Q(status__in=RecordStatus.values), name="credit_record_status_known"
            ),
            models.CheckConstraint(
                condition=Q(direction__in=Direction.values), name="credit_record_direction_known"
            ),
            models.CheckConstraint(
                condition=Q(direction="negative", severity__in=["minor", "general", "serious"])
                | Q(direction="positive", severity=""),
                name="credit_record_severity_fits_direction",
            ),
            models.CheckConstraint(
                condition=Q(decided_on__isnull=True) | Q(decided_on__gte=models.F("occurred_on")),
                name="credit_record_decided_after_occurred",
            ),
            models.CheckConstraint(
                condition=~Q(status="pending") | Q(decided_on__isnull=True),
                name="credit_record_pending_has_no_decision",
            ),
        ]
        # Partial where a column is empty for most rows: a record lands in only the indexes that
        # can find it (an operator's record is in neither the practitioner nor the vehicle index).
        # Every query of these columns compares them with a value, which implies NOT NULL.
        indexes = [
            models.Index(
                fields=["operator", "occurred_on"],
                name="credit_rec_operator_idx",
                condition=Q(operator__isnull=False),
            ),
            models.Index(
                fields=["practitioner", "occurred_on"],
                name="credit_rec_practitioner_idx",
                condition=Q(practitioner__isnull=False),
            ),
            models.Index(
                fields=["vehicle", "occurred_on"],
                name="credit_rec_vehicle_idx",
                condition=Q(vehicle__isnull=False),
            ),
            models.Index(fields=["batch"], name="credit_rec_batch_idx"),
            models.Index(
                fields=["status", "takedown_on"],
                name="credit_rec_status_takedown",
                condition=Q(takedown_on__isnull=False),
            ),
            models.Index(
                fields=["recorded_by"],
                name="credit_rec_recorded_by_idx",
                condition=Q(recorded_by__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.behaviour_name}（{self.occurred_on}）"

    @property
    def graded_subject(self) -> Any:
        """The subject whose grade this record counts toward (a vehicle's owning operator)."""
        if self.subject_kind == SubjectKind.PRACTITIONER:
            return self.practitioner
        return self.operator


class RecordStatusChange(models.Model):
    """One status move of a credit record, so a past grade can be recomputed with the statuses
    as they were on its date (``grading.facts_for(as_of=...)``)."""

    record = models.ForeignKey(
        CreditRecord,
        verbose_name=_("credit record"),
        on_delete=models.CASCADE,
        related_name="status_changes",
    )
    from_status = models.CharField(_("from"), max_length=20, choices=RecordStatus.choices)
    to_status = models.CharField(_("new status"), max_length=20, choices=RecordStatus.choices)
    changed_on = models.DateField(_("effective on"))
    changed_at = models.DateTimeField(_("changed at"))
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("credit record status change")
        verbose_name_plural = _("credit record status changes")
        ordering = ["changed_at", "pk"]
        indexes = [models.Index(fields=["record", "changed_at"], name="credit_status_change_idx")]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


EVIDENCE_CONTENT_TYPES = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024


def evidence_upload_to(instance: CreditEvidence, filename: str) -> str:
    extension = EVIDENCE_CONTENT_TYPES.get(instance.content_type, "")
    return f"credit/evidence/{instance.record.public_id}/{instance.sha256}{extension}"


class CreditEvidence(TimeStampedModel):
    """An evidence attachment (PDF / JPG / PNG, at most 10 MB) of a credit record."""

    record = models.ForeignKey(
        CreditRecord,
        verbose_name=_("credit record"),
        on_delete=models.CASCADE,
        related_name="evidence",
    )
    file = models.FileField(_("file"), upload_to=evidence_upload_to, max_length=200)
    original_name = models.CharField(_("original file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        constraints = [
            models.UniqueConstraint(fields=["record", "sha256"], name="credit_evidence_unique"),
            models.CheckConstraint(
                condition=Q(content_type__in=list(EVIDENCE_CONTENT_TYPES)),
                name="credit_evidence_type_allowed",
            ),
            models.CheckConstraint(
                condition=Q(size__lte=EVIDENCE_MAX_BYTES), name="credit_evidence_size_limit"
            ),
        ]

    def __str__(self) -> str:
        return self.original_name


class IdentifierKind(models.TextChoices):
    USCC = "uscc", _("unified social credit code")
    ID_NUMBER = "id_number", _("ID number")
    PLATE = "plate", _("plate number and colour")


class LinkStatus(models.TextChoices):
    OPEN = "open", _("to link")
    LINKED = "linked", _("linked")
    DISCARDED = "discarded", _("discarded")


class LinkQueueItem(PublicModel):
    """A valid record whose identifier matched no subject yet (待关联); never dropped.

    ``lookup_key`` finds the subject once it exists: the USCC, ``plate|colour`` or, for an ID
    number, its blind index. The record as received is kept in ``payload_encrypted`` (JSON,
    encrypted with ``core.pii``, purpose ``credit_link_payload``) because it may carry an ID
    number; ``summary`` holds the non-personal fields for display.
    """

    source = models.ForeignKey(
        Source, verbose_name=_("source"), on_delete=models.PROTECT, related_name="link_items"
    )
    batch = models.ForeignKey(
        IntakeBatch,
        verbose_name=_("intake batch"),
        on_delete=models.PROTECT,
        related_name="link_items",
        null=True,
        blank=True,
    )
    source_ref = models.CharField(_("source reference"), max_length=100)
    source_row = models.PositiveIntegerField(_("source row"), null=True, blank=True)
    identifier_kind = models.CharField(
        _("identifier kind"), max_length=12, choices=IdentifierKind.choices
    )
    identifier_masked = models.CharField(_("identifier"), max_length=40)
    lookup_key = models.CharField(_("lookup key"), max_length=64)
    payload_encrypted = models.BinaryField(_("record as received (encrypted)"))
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=LinkStatus.choices, default=LinkStatus.OPEN
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolution_note = models.CharField(_("note"), max_length=300, blank=True)
    record = models.ForeignKey(
        CreditRecord,
        verbose_name=_("credit record"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("record to link")
        verbose_name_plural = _("records to link")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_ref"],
                condition=Q(status="open"),
                name="credit_link_open_unique",
            ),
            models.CheckConstraint(
                condition=Q(status__in=LinkStatus.values), name="credit_link_status_known"
            ),
            models.CheckConstraint(
                condition=Q(identifier_kind__in=IdentifierKind.values),
                name="credit_link_identifier_known",
            ),
        ]
        indexes = [
            models.Index(
                fields=["status", "identifier_kind", "lookup_key"], name="credit_link_lookup"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.identifier_masked} {self.source_ref}"


class Scheme(models.TextChoices):
    ENTERPRISE = "enterprise", _("enterprise credit grading")
    DRIVER = "driver", _("driver integrity assessment")


class RuleSetStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    ACTIVE = "active", _("in force")
    RETIRED = "retired", _("retired")


class RuleSetVersion(TimeStampedModel):
    """A rule set frozen as loaded: its TOML text and the catalogue text it was checked against,
    so any past grade can be recomputed with exactly these rules. One active version per scheme."""

    scheme = models.CharField(_("scheme"), max_length=12, choices=Scheme.choices)
    ruleset_id = models.CharField(_("rule set id"), max_length=80)
    version = models.CharField(_("version"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    digest = models.CharField(_("digest"), max_length=64)
    source_name = models.CharField(_("source file"), max_length=200)
    toml_text = models.TextField(_("rule set text"))
    catalogue_text = models.TextField(_("behaviour catalogue text"))
    status = models.CharField(
        _("status"), max_length=10, choices=RuleSetStatus.choices, default=RuleSetStatus.DRAFT
    )
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("loaded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("activated by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        verbose_name = _("rule set version")
        verbose_name_plural = _("rule set versions")
        ordering = ["scheme", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["ruleset_id", "version"], name="credit_ruleset_version_unique"
            ),
            models.UniqueConstraint(
                fields=["scheme"], condition=Q(status="active"), name="credit_ruleset_one_active"
            ),
            models.CheckConstraint(
                condition=Q(scheme__in=Scheme.values), name="credit_ruleset_scheme_known"
            ),
            models.CheckConstraint(
                condition=Q(status__in=RuleSetStatus.values), name="credit_ruleset_status_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ruleset_id} {self.version}"


class GradeSnapshot(models.Model):
    """A grade as computed: written only when the grade, score, rating or tier (or the rule-set
    version) changes, so the rows are the subject's grade history. ``is_current`` marks the
    latest one. The explanation is not stored: ``grade_explain`` rebuilds it from the records
    and the snapshot's rule-set version."""

    subject_kind = models.CharField(_("subject kind"), max_length=12, choices=GradedKind.choices)
    operator, practitioner = graded_subject_keys(
        related_name="grade_snapshots", on_delete=models.CASCADE
    )
    subject = SubjectByKind()
    as_of = models.DateField(_("as of"))
    grade = models.CharField(_("grade"), max_length=10)
    score = models.IntegerField(_("score"), null=True, blank=True)
    rated = models.BooleanField(_("rated"))
    tier = models.CharField(_("service tier"), max_length=12)
    ruleset = models.ForeignKey(
        RuleSetVersion,
        verbose_name=_("rule set version"),
        on_delete=models.PROTECT,
        related_name="snapshots",
    )
    input_fingerprint = models.CharField(_("input fingerprint"), max_length=64)
    computed_at = models.DateTimeField(_("computed at"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    is_current = models.BooleanField(_("current"), default=True)

    class Meta:
        verbose_name = _("grade snapshot")
        verbose_name_plural = _("grade snapshots")
        ordering = ["-computed_at", "-pk"]
        constraints = [
            one_subject_constraint(
                name="credit_snapshot_subject_matches_kind", kinds=GradedKind.values
            ),
            models.UniqueConstraint(
                fields=["operator"],
                condition=Q(is_current=True, operator__isnull=False),
                name="credit_snapshot_one_current_operator",
            ),
            models.UniqueConstraint(
                fields=["practitioner"],
                condition=Q(is_current=True, practitioner__isnull=False),
                name="credit_snapshot_one_current_practitioner",
            ),
        ]
        indexes = [
            models.Index(fields=["operator", "computed_at"], name="credit_snap_operator_idx"),
            models.Index(
                fields=["practitioner", "computed_at"], name="credit_snap_practitioner_idx"
            ),
            models.Index(fields=["subject_kind", "is_current", "grade"], name="credit_snap_grade"),
        ]

    def __str__(self) -> str:
        return f"{self.grade} ({self.as_of})"
