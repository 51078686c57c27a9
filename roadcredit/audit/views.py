"""The audit administrator's page: recent audit entries, filtered by action and target."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .models import AuditEntry
from .selectors import PAGE_SIZE, audit_actions, audit_entries_recent


def _pretty(value: Any) -> str:
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1)


def _row(entry: AuditEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": entry.at,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "before": _pretty(entry.before),
        "after": _pretty(entry.after),
        "entry_hash": entry.entry_hash,
    }


def entries(request: HttpRequest) -> HttpResponse:
    """List the newest audit entries (policy ``audit:entries``: audit administrator only)."""
    action = request.GET.get("action", "")[:80]
    target = request.GET.get("target", "")[:80]
    before_raw = request.GET.get("before", "")
    before_seq = int(before_raw) if before_raw.isdigit() else None
    found = audit_entries_recent(action=action, target=target, before_seq=before_seq)
    older = found[-1].seq if len(found) == PAGE_SIZE else None
    return render(
        request,
        "audit/entries.html",
        {
            "rows": [_row(entry) for entry in found],
            "actions": audit_actions(),
            "action": action,
            "target": target,
            "older": older,
        },
    )
