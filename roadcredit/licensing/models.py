"""Applications for licences and everything that happens to them.

Models hold data and invariants only; every write goes through ``services``. The state of an
application moves only through ``workflow.next_state`` inside a service that has locked the row
(``version`` is bumped on every move, so a page or API client acting on a stale copy is told so).
Uploaded materials live under ``MEDIA_ROOT/materials/<application public_id>/<random name>``
and are served only by the permission-checked download view, never by a static URL.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from roadcredit.core.models import PublicModel, TimeStampedModel
from roadcredit.subjects.references import (
    GradedKind,
    SubjectKind,
    graded_subject_keys,
    one_subject_constraint,
    subject_keys,
    the_subject_set,
)

from .workflow import STATE_LABELS_ZH, State


class Channel(models.TextChoices):
    ONLINE = "online", _("online")
    WINDOW = "window", _("at the window")


# Labels are the pure workflow's Chinese constants (one home for the state names).
STATUS_CHOICES = [(state.value, STATE_LABELS_ZH[state]) for state in State]


class Tier(models.TextChoices):
    EXCELLENT = "excellent", _("tier: excellent credit")
    GOOD = "good", _("tier: good credit")
    NORMAL = "normal", _("tier: normal credit")
    DOUBTFUL = "doubtful", _("tier: doubtful credit")


# The applicant is a graded subject: an operator or a practitioner (``subjects.references``).
ApplicantKind = GradedKind


class Delivery(models.TextChoices):
    ELECTRONIC = "electronic", _("electronic licence only")
    WINDOW = "window", _("collected at the window")
    MAIL = "mail", _("sent by post")


class Application(PublicModel):
    number = models.CharField(_("application number"), max_length=32, unique=True)
    bundle_key = models.CharField(_("bundle"), max_length=64, blank=True)
    applicant_kind = models.CharField(
        _("applicant kind"), max_length=20, choices=ApplicantKind.choices
    )
    operator, practitioner = graded_subject_keys(
        related_name="applications",
        verbose_names={
            ApplicantKind.OPERATOR: _("applicant operator"),
            ApplicantKind.PRACTITIONER: _("applicant practitioner"),
        },
    )
    applicant_name = models.CharField(_("applicant"), max_length=200)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=30, choices=STATUS_CHOICES, default=State.DRAFT.value
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    # The one form: fields shared by every item (entered once).
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone_encrypted = models.BinaryField(_("contact phone (encrypted)"), null=True)
    contact_phone_masked = models.CharField(_("contact phone (masked)"), max_length=11, blank=True)
    form = models.JSONField(_("shared form fields"), default=dict, blank=True)
    # The credit tier as decided at submission (a snapshot: later grades do not change it).
    tier = models.CharField(_("credit tier"), max_length=12, choices=Tier.choices, blank=True)
    tier_reason = models.TextField(_("why this tier"), blank=True)
    tier_detail = models.JSONField(_("tier decision"), default=dict, blank=True)
    priority = models.PositiveSmallIntegerField(_("priority"), default=2)
    enhanced = models.BooleanField(_("enhanced verification"), default=False)
    # Dates and time limits.
    first_submitted_at = models.DateTimeField(_("first submitted at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    correction_due_on = models.DateField(_("correction notice due on"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    deemed_accepted = models.BooleanField(_("deemed accepted"), default=False)
    due_on = models.DateField(_("promised completion date"), null=True, blank=True)
    statutory_due_on = models.DateField(_("statutory completion date"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    issued_at = models.DateTimeField(_("licences issued at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    # Review.
    first_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("first reviewer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    first_review_opinion = models.TextField(_("first review opinion"), blank=True)
    first_reviewed_at = models.DateTimeField(_("first reviewed at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision_reason = models.TextField(_("reasons of the decision"), blank=True)
    # Trips and time.
    trips = models.PositiveSmallIntegerField(_("in-person visits"), default=0)
    processing_working_days = models.PositiveIntegerField(
        _("processing time (working days)"), null=True, blank=True
    )
    delivery = models.CharField(
        _("way of delivery"), max_length=12, choices=Delivery.choices, blank=True
    )

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "priority", "submitted_at"], name="licensing_queue"),
            models.Index(fields=["status", "due_on"], name="licensing_due"),
        ]
        constraints = [
            one_subject_constraint(
                name="licensing_application_one_applicant",
                kinds=ApplicantKind.values,
                kind_field="applicant_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in State]),
                name="licensing_application_status_known",
            ),
            models.CheckConstraint(
                condition=models.Q(tier="") | models.Q(tier__in=Tier.values),
                name="licensing_application_tier_known",
            ),
            models.CheckConstraint(
                condition=models.Q(channel__in=Channel.values),
                name="licensing_application_channel_known",
            ),
            models.CheckConstraint(
                condition=models.Q(version__gte=1), name="licensing_application_version_pos"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.applicant_name}"

    @property
    def state(self) -> State:
        return State(self.status)

    @property
    def applicant(self) -> models.Model:
        return the_subject_set(self, ApplicantKind.values)


class ApplicationItem(models.Model):
    """One service item of an application (a bundle has several: the business licence and one
    road transport certificate per vehicle)."""

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="items"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    item_key = models.CharField(_("service item"), max_length=64)
    item_code = models.CharField(_("item code"), max_length=32)
    name_zh = models.CharField(_("item name"), max_length=200)
    licence_type = models.CharField(_("licence type"), max_length=64)
    action = models.CharField(_("action"), max_length=12)
    operator, vehicle, practitioner = subject_keys(related_name="+", verbose_names=None)
    data = models.JSONField(_("item fields"), default=dict, blank=True)
    result_licence = models.ForeignKey(
        "elicences.Licence",
        verbose_name=_("resulting licence"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    result_note = models.CharField(_("result"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("application item")
        verbose_name_plural = _("application items")
        ordering = ["application", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "position"], name="licensing_item_position_unique"
            ),
            one_subject_constraint(
                name="licensing_item_one_target", kinds=SubjectKind.values, kind_field=None
            ),
        ]

    def __str__(self) -> str:
        return self.name_zh

    @property
    def target(self) -> models.Model:
        return the_subject_set(self)


MATERIAL_CONTENT_TYPES = ("application/pdf", "image/jpeg", "image/png")


def new_material_id() -> str:
    """An opaque identifier of a material in download URLs (32 hex characters)."""
    return secrets.token_hex(16)


def material_upload_to(instance: Material, filename: str) -> str:
    """A random name in the application's folder: the original name never reaches the disk."""
    return f"materials/{instance.application.public_id}/{secrets.token_hex(16)}"


class Material(TimeStampedModel):
    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="materials",
    )
    item = models.ForeignKey(
        ApplicationItem,
        verbose_name=_("application item"),
        on_delete=models.CASCADE,
        related_name="materials",
    )
    public_id = models.CharField(max_length=32, unique=True, default=new_material_id)
    material_key = models.CharField(_("material"), max_length=64)
    file = models.FileField(_("file"), upload_to=material_upload_to, max_length=200)
    original_name = models.CharField(_("original file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    supplement = models.BooleanField(_("supplemented after acceptance"), default=False)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("application material")
        verbose_name_plural = _("application materials")
        ordering = ["item", "material_key", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(content_type__in=list(MATERIAL_CONTENT_TYPES)),
                name="licensing_material_type_allowed",
            ),
        ]

    def __str__(self) -> str:
        return self.original_name


class CommitmentKind(models.TextChoices):
    NOTIFY_COMMIT = "notify_commit", _("credit commitment instead of proofs")
    RONGQUE = "rongque", _("pledge to supplement missing materials")


class VerificationOutcome(models.TextChoices):
    PENDING = "pending", _("post-verification pending")
    TRUE = "true", _("commitment found true")
    FALSE = "false", _("commitment found false")


class Commitment(PublicModel):
    """A signed commitment: the 告知承诺 that replaces proofs, or the 容缺 pledge.

    A 告知承诺 gets a post-verification task on approval (officer, due date) and its outcome.
    """

    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.PROTECT,
        related_name="commitments",
    )
    kind = models.CharField(_("commitment kind"), max_length=20, choices=CommitmentKind.choices)
    text = models.TextField(_("commitment text"))
    replaced_materials = models.JSONField(_("materials replaced"), default=list, blank=True)
    signed_at = models.DateTimeField(_("signed at"))
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    on_behalf = models.BooleanField(_("recorded by the clerk from a signed paper"), default=False)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    # Post-verification (事中事后核查) of a 告知承诺.
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verification officer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="verification_tasks",
    )
    verification_due_on = models.DateField(_("verification due on"), null=True, blank=True)
    outcome = models.CharField(
        _("verification outcome"), max_length=10, choices=VerificationOutcome.choices, blank=True
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    finding = models.TextField(_("finding"), blank=True)
    breach_record_ref = models.CharField(_("breach credit record"), max_length=64, blank=True)
    overdue_flagged_at = models.DateTimeField(
        _("verification overdue flagged at"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        ordering = ["-signed_at"]
        indexes = [
            models.Index(fields=["outcome", "verification_due_on"], name="licensing_verif_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=CommitmentKind.values),
                name="licensing_commitment_kind_known",
            ),
            models.CheckConstraint(
                condition=models.Q(outcome="") | models.Q(outcome__in=VerificationOutcome.values),
                name="licensing_commitment_outcome_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.application.number}"


class MissingMaterialNotice(TimeStampedModel):
    """容缺受理: what is to be supplemented, by when; reminders, supplement, termination."""

    application = models.OneToOneField(
        Application, verbose_name=_("application"), on_delete=models.PROTECT, related_name="missing"
    )
    items = models.JSONField(_("materials to supplement"), default=list)
    deadline = models.DateField(_("supplement deadline"))
    issued_at = models.DateTimeField(_("issued at"))
    reminders_sent = models.PositiveSmallIntegerField(_("reminders sent"), default=0)
    last_reminded_at = models.DateTimeField(_("last reminded at"), null=True, blank=True)
    supplemented_at = models.DateTimeField(_("supplemented at"), null=True, blank=True)
    terminated_at = models.DateTimeField(_("terminated at"), null=True, blank=True)
    credit_record_ref = models.CharField(_("credit record"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("missing-materials notice")
        verbose_name_plural = _("missing-materials notices")
        indexes = [models.Index(fields=["deadline"], name="licensing_missing_deadline")]

    def __str__(self) -> str:
        return f"{self.application.number} → {self.deadline}"

    @property
    def is_open(self) -> bool:
        return self.supplemented_at is None and self.terminated_at is None


class CorrectionNotice(TimeStampedModel):
    """退回补正: one complete list of what is to be corrected."""

    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    items = models.JSONField(_("materials to correct"), default=list)
    note = models.TextField(_("note"), blank=True)
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    corrected_at = models.DateTimeField(_("corrected at"), null=True, blank=True)

    class Meta:
        verbose_name = _("correction notice")
        verbose_name_plural = _("correction notices")
        ordering = ["issued_at"]

    def __str__(self) -> str:
        return f"{self.application.number} {self.issued_at:%Y-%m-%d}"


class NoticeKind(models.TextChoices):
    ACCEPTANCE = "acceptance", _("notice of acceptance")
    NON_ACCEPTANCE = "non_acceptance", _("decision not to accept")
    CORRECTION = "correction", _("notice to correct the materials")
    MISSING = "missing", _("notice of acceptance with missing materials")
    APPROVAL = "approval", _("decision to grant the licence")
    REFUSAL = "refusal", _("decision to refuse the licence")
    TERMINATION = "termination", _("notice of termination")


def notice_upload_to(instance: Notice, filename: str) -> str:
    return f"licensing/notices/{instance.issued_at:%Y}/{instance.public_id}.pdf"


class Notice(PublicModel):
    """A written notice or decision (文书): numbered, with reasons, and for adverse ones the
    remedies; its PDF is rendered and sealed on first download and then kept."""

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.PROTECT, related_name="notices"
    )
    kind = models.CharField(_("document kind"), max_length=20, choices=NoticeKind.choices)
    number = models.CharField(_("document number"), max_length=64, unique=True)
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("body"))
    reasons = models.TextField(_("reasons"), blank=True)
    remedies = models.TextField(_("remedies"), blank=True)
    adverse = models.BooleanField(_("adverse to the applicant"), default=False)
    issued_at = models.DateTimeField(_("issued at"))
    pdf_file = models.FileField(_("sealed PDF"), upload_to=notice_upload_to, null=True, blank=True)
    pdf_sha256 = models.CharField(_("PDF SHA-256"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("written notice")
        verbose_name_plural = _("written notices")
        ordering = ["issued_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=NoticeKind.values), name="licensing_notice_kind_known"
            ),
            models.CheckConstraint(
                condition=models.Q(adverse=False) | ~models.Q(remedies=""),
                name="licensing_adverse_notice_states_remedies",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.number}"


class Transition(models.Model):
    """The log of an application's moves (one row per action, in order)."""

    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="transitions",
    )
    action = models.CharField(_("action"), max_length=30)
    from_status = models.CharField(_("from status"), max_length=30)
    to_status = models.CharField(_("to status"), max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_kind = models.CharField(_("acting as"), max_length=12)
    at = models.DateTimeField(_("time"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("application transition")
        verbose_name_plural = _("application transitions")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_status} → {self.to_status}"


class ProceedingStatus(models.TextChoices):
    OPEN = "open", _("proceeding open")
    REVOKED = "revoked", _("licence revoked")
    DROPPED = "dropped", _("proceeding dropped")


class RevocationProceeding(PublicModel):
    """Opened when a commitment is found false: the licence is suspended at once and an approver
    then decides to revoke it (or to drop the proceeding, which resumes the licence)."""

    commitment = models.ForeignKey(
        Commitment,
        verbose_name=_("commitment"),
        on_delete=models.PROTECT,
        related_name="proceedings",
    )
    licence = models.ForeignKey(
        "elicences.Licence", verbose_name=_("licence"), on_delete=models.PROTECT, related_name="+"
    )
    credit_record_ref = models.CharField(_("credit record"), max_length=64)
    status = models.CharField(
        _("status"), max_length=10, choices=ProceedingStatus.choices, default=ProceedingStatus.OPEN
    )
    opened_at = models.DateTimeField(_("opened at"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("revocation proceeding")
        verbose_name_plural = _("revocation proceedings")
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["licence"],
                condition=models.Q(status="open"),
                name="licensing_one_open_proceeding_per_licence",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.licence} ({self.get_status_display()})"


class CommitmentBan(TimeStampedModel):
    """Loss of commitment eligibility after a false commitment (one row per finding)."""

    operator, practitioner = graded_subject_keys(related_name="+", verbose_names=None)
    commitment = models.ForeignKey(
        Commitment, verbose_name=_("commitment"), on_delete=models.PROTECT, related_name="bans"
    )
    reason = models.CharField(_("reason"), max_length=300)
    starts_on = models.DateField(_("banned from"))
    ends_on = models.DateField(_("banned until"))
    credit_record_ref = models.CharField(_("credit record"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("commitment ban")
        verbose_name_plural = _("commitment bans")
        constraints = [
            one_subject_constraint(
                name="licensing_ban_one_subject", kinds=GradedKind.values, kind_field=None
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="licensing_ban_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.starts_on} – {self.ends_on}"
