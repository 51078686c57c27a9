"""Helpers of the audit-proof tests: a realistic chain written through the services, signing
with the commit callbacks run, and the verify command's outcome."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from django.core.management import call_command

from roadcredit.audit.heads import audit_head_sign
from roadcredit.audit.models import AuditEntry, SignedHead
from roadcredit.subjects import services
from roadcredit.subjects.tests.factories import make_operator, make_practitioner, make_vehicle


def write_chain(actor: Any = None, *, operators: int = 2) -> list[AuditEntry]:
    """A few days of registry work: operators, their vehicles and drivers, one suspension."""
    for index in range(operators):
        operator = make_operator()
        make_vehicle(operator)
        make_practitioner(operator)
        if index == 0:
            services.operator_update(actor=actor, operator=operator, data={"status": "suspended"})
    return list(AuditEntry.objects.order_by("seq"))


def sign(capture: Any, reason: str = "manual") -> SignedHead:
    """Sign the head and run the commit callbacks (the file append) as a real commit would."""
    with capture(execute=True):
        head = audit_head_sign(reason=reason)
    assert head is not None
    return head


@dataclass
class Outcome:
    code: int
    out: str
    err: str


def verify(**options: Any) -> Outcome:
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("verify_audit", stdout=out, stderr=err, **options)
    except SystemExit as exc:
        code = int(exc.code or 0)
    return Outcome(code, out.getvalue(), err.getvalue())
