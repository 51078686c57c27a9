"""Accounts: one role per user (三员分立 is then a matter of which role a user holds)."""

from __future__ import annotations

import hashlib
from typing import ClassVar

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from roadcredit.core.models import new_public_id

from .roles import ROLE_LABELS_ZH, Role


class User(AbstractUser):
    ROLE_CHOICES: ClassVar[list[tuple[str, str]]] = [
        (role.value, ROLE_LABELS_ZH[role]) for role in Role
    ]

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    role = models.CharField(_("role"), max_length=20, choices=ROLE_CHOICES)
    operator = models.ForeignKey(
        "subjects.Operator",
        verbose_name=_("operator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
    )
    practitioner = models.ForeignKey(
        "subjects.Practitioner",
        verbose_name=_("practitioner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role=Role.OPERATOR.value) | models.Q(operator__isnull=False),
                name="operator_account_has_operator",
            ),
            models.CheckConstraint(
                condition=~models.Q(role=Role.PRACTITIONER.value)
                | models.Q(practitioner__isnull=False),
                name="practitioner_account_has_practitioner",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in Role]), name="user_role_known"
            ),
        ]

    def get_full_name(self) -> str:
        """Chinese order: family name first, no space (王窗口)."""
        return f"{self.last_name}{self.first_name}".strip()

    def get_short_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def role_label(self) -> str:
        return ROLE_LABELS_ZH[Role(self.role)] if self.role else ""


class ApiToken(models.Model):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def hash_token(raw: str) -> str:
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class LoginAttempt(models.Model):
    """One sign-in attempt (an access-log record, kept at least six months and never deleted
    by the application). Lockout and per-address throttling count these rows, so they hold
    across every web process (``roadcredit.accounts.services``)."""

    class Outcome(models.TextChoices):
        SUCCEEDED = "succeeded", _("signed in")
        FAILED = "failed", _("wrong user name or password")
        LOCKED = "locked", _("refused: account locked")
        THROTTLED = "throttled", _("refused: too many attempts from this address")

    at = models.DateTimeField(_("attempted at"), db_index=True)
    username = models.CharField(_("user name tried"), max_length=150)
    ip = models.GenericIPAddressField(_("network address"), null=True, blank=True)
    outcome = models.CharField(_("attempt outcome"), max_length=12, choices=Outcome.choices)

    class Meta:
        verbose_name = _("sign-in attempt")
        verbose_name_plural = _("sign-in attempts")
        indexes = [
            models.Index(fields=["username", "at"], name="accounts_login_user_at"),
            models.Index(fields=["ip", "at"], name="accounts_login_ip_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(outcome__in=["succeeded", "failed", "locked", "throttled"]),
                name="accounts_login_outcome_known",
            )
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username} {self.outcome}"
