"""Base models shared by every app."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

PUBLIC_ID_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"


def new_public_id() -> str:
    """An opaque, unguessable identifier for URLs (never a sequential primary key)."""
    return "".join(secrets.choice(PUBLIC_ID_ALPHABET) for _ in range(16))


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
