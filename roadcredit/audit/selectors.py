"""Reads of the audit trail (for the audit administrator's page)."""

from __future__ import annotations

from django.db.models import Q

from .models import AuditEntry

PAGE_SIZE = 100


def audit_entries_recent(
    *, action: str = "", target: str = "", before_seq: int | None = None, limit: int = PAGE_SIZE
) -> list[AuditEntry]:
    """Newest entries first. ``action`` matches by prefix (``subjects.`` gives every registry
    change); ``target`` matches an object's public id or a target type (``subjects.operator``).
    ``before_seq`` pages back through older entries."""
    entries = AuditEntry.objects.select_related("actor").order_by("-seq")
    action = action.strip()
    target = target.strip()
    if action:
        entries = entries.filter(action__startswith=action)
    if target:
        entries = entries.filter(Q(target_id=target) | Q(target_type=target.lower()))
    if before_seq is not None:
        entries = entries.filter(seq__lt=before_seq)
    return list(entries[: max(1, min(limit, 500))])


def audit_actions() -> list[str]:
    """Every action name that occurs in the trail, for the filter's choices."""
    return list(AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct())
