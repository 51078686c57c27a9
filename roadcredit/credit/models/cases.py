"""Credit cases: repair applications (信用修复), objections (异议), the red and serious-dishonesty
lists (守信激励 / 严重失信主体名单), double publicity items (双公示) and notices to subjects.

Models hold data and invariants only; every write goes through ``roadcredit.credit.services``
(``repair``, ``objections``, ``lists``, ``publicity``). A case's subject is the graded subject of
its record (an operator — also for its vehicles' records — or a practitioner), so a holder account
finds its own cases by its operator or practitioner.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from roadcredit.core.models import PublicModel
from roadcredit.subjects.references import (
    GradedKind,
    SubjectByKind,
    SubjectKind,
    graded_subject_keys,
    one_subject_constraint,
    subject_keys,
)

__all__ = [
    "ListEntry",
    "ListEntryStatus",
    "ListKind",
    "Notice",
    "NoticeKind",
    "Objection",
    "ObjectionOutcome",
    "ObjectionStatus",
    "PublicityItem",
    "PublicityKind",
    "RepairApplication",
    "RepairStatus",
]


def _case_subject_constraint(name: str) -> models.CheckConstraint:
    """Each case model's ``<name>``: its subject key is the one its ``subject_kind`` names."""
    return one_subject_constraint(name=name, kinds=GradedKind.values)


class CaseSubject(PublicModel):
    """The graded subject a case or notice is about: an operator or a practitioner."""

    subject_kind = models.CharField(_("subject kind"), max_length=12, choices=GradedKind.choices)
    operator, practitioner = graded_subject_keys(related_name="+")
    subject = SubjectByKind()

    class Meta:
        abstract = True


# --- Notices ---------------------------------------------------------------------------------


class NoticeKind(models.TextChoices):
    REPAIR = "repair", _("credit repair")
    OBJECTION = "objection", _("objection")
    LISTING = "listing", _("serious-dishonesty list")
    RED_LIST = "red_list", _("red list")
    # What good credit earns and dishonesty costs, sent when a licence is issued or renewed.
    GUIDANCE = "guidance", _("credit guidance")


class Notice(CaseSubject):
    """A message to a subject (shown in the holder portal): decisions on its cases, the notice
    before listing. ``case_ref`` is the public id of the case it is about."""

    kind = models.CharField(_("kind"), max_length=12, choices=NoticeKind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    case_ref = models.CharField(_("case"), max_length=16, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice to a subject")
        verbose_name_plural = _("notices to subjects")
        ordering = ["-created_at", "-pk"]
        constraints = [
            _case_subject_constraint("credit_notice_subject_matches_kind"),
            models.CheckConstraint(
                condition=Q(kind__in=NoticeKind.values), name="credit_notice_kind_known"
            ),
        ]
        indexes = [
            models.Index(fields=["operator", "created_at"], name="credit_notice_operator_idx"),
            models.Index(
                fields=["practitioner", "created_at"], name="credit_notice_practitioner_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.title


# --- Credit repair -------------------------------------------------------------------------------


class RepairStatus(models.TextChoices):
    SUBMITTED = "submitted", _("awaiting decision")
    REFUSED = "refused", _("not accepted (conditions not met)")
    APPROVED = "approved", _("repaired")
    REJECTED = "rejected", _("rejected")


class RepairApplication(CaseSubject):
    """An application to repair one record. The conditions are checked when it is made
    (``conditions.check_repair``); one that fails them is kept as ``refused`` with the reasons.
    The signed commitment is kept as signed: its text, time and account."""

    record = models.ForeignKey(
        "credit.CreditRecord",
        verbose_name=_("credit record"),
        on_delete=models.PROTECT,
        related_name="repair_applications",
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applicant account"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    on_behalf = models.BooleanField(_("entered by a clerk on the subject's behalf"), default=False)
    obligations_fulfilled = models.BooleanField(_("obligations fulfilled"))
    obligations_evidence = models.TextField(_("evidence of the obligations"))
    commitment_text = models.TextField(_("credit commitment"))
    commitment_signed_at = models.DateTimeField(_("commitment signed at"))
    commitment_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("commitment signed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=10, choices=RepairStatus.choices)
    refusal_reasons = models.JSONField(_("reasons not accepted"), default=list, blank=True)
    due_on = models.DateField(_("decision due on"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reasons for the decision"), blank=True)

    class Meta:
        verbose_name = _("credit repair application")
        verbose_name_plural = _("credit repair applications")
        ordering = ["-created_at", "-pk"]
        constraints = [
            _case_subject_constraint("credit_repair_subject_matches_kind"),
            models.CheckConstraint(
                condition=Q(status__in=RepairStatus.values), name="credit_repair_status_known"
            ),
            models.UniqueConstraint(
                fields=["record"],
                condition=Q(status="submitted"),
                name="credit_repair_one_open_per_record",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["submitted", "refused"]) | Q(decided_at__isnull=False),
                name="credit_repair_decision_dated",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_on"], name="credit_repair_queue_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.get_status_display()}"

    @property
    def is_open(self) -> bool:
        return self.status == RepairStatus.SUBMITTED


# --- Objections ----------------------------------------------------------------------------------


class ObjectionStatus(models.TextChoices):
    OPEN = "open", _("under review")
    DECIDED = "decided", _("decided")


class ObjectionOutcome(models.TextChoices):
    NONE = "", _("not decided yet")
    CORRECTED = "corrected", _("record corrected")
    DELETED = "deleted", _("record deleted")
    KEPT = "kept", _("record kept")


class Objection(CaseSubject):
    """A subject's dispute of a record (异议). While it is open the record is ``under_objection``;
    the officer corrects, deletes or keeps the record by ``due_on`` (working days)."""

    record = models.ForeignKey(
        "credit.CreditRecord",
        verbose_name=_("credit record"),
        on_delete=models.PROTECT,
        related_name="objections",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    on_behalf = models.BooleanField(_("entered by a clerk on the subject's behalf"), default=False)
    grounds = models.TextField(_("grounds of the objection"))
    received_on = models.DateField(_("received on"))
    due_on = models.DateField(_("decision due on"))
    status = models.CharField(
        _("status"), max_length=10, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN
    )
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=ObjectionOutcome.choices, blank=True, default=""
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reasons for the decision"), blank=True)
    record_before = models.JSONField(_("record before"), null=True, blank=True)
    record_after = models.JSONField(_("record after"), null=True, blank=True)

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["-created_at", "-pk"]
        constraints = [
            _case_subject_constraint("credit_objection_subject_matches_kind"),
            models.CheckConstraint(
                condition=Q(status="open", outcome="", decided_at__isnull=True)
                | Q(
                    status="decided",
                    outcome__in=["corrected", "deleted", "kept"],
                    decided_at__isnull=False,
                ),
                name="credit_objection_outcome_fits_status",
            ),
            models.UniqueConstraint(
                fields=["record"],
                condition=Q(status="open"),
                name="credit_objection_one_open_per_record",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_on"], name="credit_objection_queue_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.get_status_display()}"

    @property
    def is_open(self) -> bool:
        return self.status == ObjectionStatus.OPEN


# --- Lists ---------------------------------------------------------------------------------------


class ListKind(models.TextChoices):
    RED = "red", _("red list (rewards for good credit)")
    SERIOUS = "serious", _("serious-dishonesty list")


class ListEntryStatus(models.TextChoices):
    PROPOSED = "proposed", _("proposed")
    NOTIFIED = "notified", _("subject notified")
    STATEMENT_RECEIVED = "statement_received", _("statement received")
    LISTED = "listed", _("listed")
    NOT_LISTED = "not_listed", _("decided not to list")
    REMOVED = "removed", _("removed")
    CANCELLED = "cancelled", _("proposal cancelled")


LIST_OPEN_STATUSES = ("proposed", "notified", "statement_received", "listed")


class ListEntry(CaseSubject):
    """A subject on (or proposed for) the red list or the serious-dishonesty list.

    Red list: applied directly (``listed`` → ``removed``). Serious list: ``proposed`` →
    ``notified`` (statement deadline in working days) → ``statement_received`` → ``listed`` /
    ``not_listed`` (the officer's decision records the answer to the statement) → ``removed``
    (expiry or repair). ``criteria`` keeps the rule-set criteria that made the subject a
    candidate; ``basis_records`` the records behind a serious listing.
    """

    list_kind = models.CharField(_("list"), max_length=10, choices=ListKind.choices)
    status = models.CharField(_("status"), max_length=20, choices=ListEntryStatus.choices)
    criteria = models.JSONField(_("criteria met"), default=list, blank=True)
    ruleset_label = models.CharField(_("rule set"), max_length=120, blank=True)
    basis_records = models.ManyToManyField(
        "credit.CreditRecord",
        verbose_name=_("basis records"),
        blank=True,
        related_name="list_entries",
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    statement_due_on = models.DateField(_("statement due on"), null=True, blank=True)
    statement_text = models.TextField(_("statement of the subject"), blank=True)
    statement_received_at = models.DateTimeField(_("statement received at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reasons for the decision"), blank=True)
    listed_from = models.DateField(_("listed from"), null=True, blank=True)
    listed_until = models.DateField(_("listed until"), null=True, blank=True)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    removal_reason = models.CharField(_("reason for removal"), max_length=300, blank=True)
    # Public ids of the basis records this listing flagged ``on_serious_list`` (cleared again on
    # removal; a record that arrived already flagged by its source is left alone).
    flagged_records = models.JSONField(
        _("records flagged by this listing"), default=list, blank=True
    )

    class Meta:
        verbose_name = _("list entry")
        verbose_name_plural = _("list entries")
        ordering = ["-created_at", "-pk"]
        constraints = [
            _case_subject_constraint("credit_list_subject_matches_kind"),
            models.CheckConstraint(
                condition=Q(list_kind__in=ListKind.values), name="credit_list_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ListEntryStatus.values), name="credit_list_status_known"
            ),
            models.CheckConstraint(
                condition=Q(list_kind="serious") | Q(status__in=["listed", "removed"]),
                name="credit_list_red_is_direct",
            ),
            models.CheckConstraint(
                condition=~Q(status="listed") | Q(listed_from__isnull=False),
                name="credit_list_listed_has_dates",
            ),
            models.UniqueConstraint(
                fields=["list_kind", "operator"],
                condition=Q(status__in=LIST_OPEN_STATUSES, operator__isnull=False),
                name="credit_list_one_open_operator",
            ),
            models.UniqueConstraint(
                fields=["list_kind", "practitioner"],
                condition=Q(status__in=LIST_OPEN_STATUSES, practitioner__isnull=False),
                name="credit_list_one_open_practitioner",
            ),
        ]
        indexes = [
            models.Index(fields=["list_kind", "status"], name="credit_list_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_list_kind_display()} {self.get_status_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in LIST_OPEN_STATUSES


# --- Double publicity ------------------------------------------------------------------------------


class PublicityKind(models.TextChoices):
    LICENSING = "licensing", _("administrative licensing decision")
    PENALTY = "penalty", _("administrative penalty decision")


class PublicityItem(PublicModel):
    """One decision for double publicity (双公示), as the provincial credit platform receives it:
    personal data already masked. Due within 7 working days of the decision; ``published_at``
    is set when it went out in the feed or export; a penalty whose record is repaired, withdrawn
    or expires is taken down (``withdrawn_at``)."""

    kind = models.CharField(_("kind"), max_length=10, choices=PublicityKind.choices)
    source_key = models.CharField(_("source key"), max_length=140, unique=True)
    subject_kind = models.CharField(_("subject kind"), max_length=12, choices=SubjectKind.choices)
    operator, vehicle, practitioner = subject_keys(related_name="+")
    record = models.OneToOneField(
        "credit.CreditRecord",
        verbose_name=_("credit record"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="publicity_item",
    )
    subject_name = models.CharField(_("subject (as published)"), max_length=200)
    subject_code = models.CharField(_("subject code (as published)"), max_length=40)
    subject_code_kind = models.CharField(_("code type"), max_length=20)
    decision_number = models.CharField(_("decision document number"), max_length=100)
    decided_on = models.DateField(_("decided on"))
    content = models.TextField(_("content (as published)"))
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    authority = models.CharField(_("deciding authority"), max_length=100)
    due_on = models.DateField(_("publication due on"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("taken down at"), null=True, blank=True)
    withdrawal_reason = models.CharField(_("reason for taking down"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("double publicity item")
        verbose_name_plural = _("double publicity items")
        ordering = ["-decided_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=PublicityKind.values), name="credit_publicity_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(kind="licensing") | Q(record__isnull=False),
                name="credit_publicity_penalty_has_record",
            ),
            models.CheckConstraint(
                condition=Q(due_on__gte=models.F("decided_on")),
                name="credit_publicity_due_after_decision",
            ),
        ]
        indexes = [
            models.Index(fields=["published_at", "due_on"], name="credit_publicity_due_idx"),
            models.Index(fields=["kind", "decided_on"], name="credit_publicity_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.decision_number}"
