"""The audit administrator's page (recent audit entries, filtered by action and target) and the
leaders' page of the audit proof (signed chain heads, the last verification)."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from roadcredit.core.jobs import kind_label

from .heads import REASON_DAILY, REASON_JOB_PREFIX, REASON_MANUAL, REASON_RESTORE
from .models import AuditEntry
from .selectors import PAGE_SIZE, audit_actions, audit_entries_recent, audit_proof_overview
from .verify import PROBLEM_LABELS_ZH, ProblemKind


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


def _reason_label(reason: str) -> str:
    if reason.startswith(REASON_JOB_PREFIX):
        kind = reason[len(REASON_JOB_PREFIX) :].split(":", 1)[0]
        return _("End of batch job: %(kind)s") % {"kind": kind_label(kind)}
    labels = {
        REASON_DAILY: _("Daily signing"),
        REASON_MANUAL: _("Signed by hand"),
        REASON_RESTORE: _("After a restore"),
    }
    return labels.get(reason, reason)


def heads(request: HttpRequest) -> HttpResponse:
    """The audit proof for leaders (policy ``audit:heads``: leader and audit administrator):
    the newest signed chain heads and the last full verification of the chain."""
    overview = audit_proof_overview()
    verification = overview.latest_verification
    problem_label = ""
    if verification is not None and verification.problem_kind:
        problem_label = PROBLEM_LABELS_ZH.get(
            ProblemKind(verification.problem_kind), verification.problem_kind
        )
    return render(
        request,
        "audit/heads.html",
        {
            "overview": overview,
            "verification": verification,
            "problem_label": problem_label,
            "rows": [
                {"head": head, "reason": _reason_label(head.reason)} for head in overview.heads
            ],
        },
    )
