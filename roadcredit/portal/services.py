"""Writes of the phone portal: the inspector's scans and on-road findings.

* ``scan_record`` verifies a scanned or typed code through the e-licence verification service
  (full face data for the inspector, that access audited there), keeps the scan with the
  device's position, and compares it with the licence's earlier scans for warnings
  (``scanrules``).
* ``finding_record`` turns an on-road finding into a *pending* credit record (no decision yet, so
  it does not count) with its photo as evidence; ``finding_decide`` enters the penalty decision,
  which makes the record active and regrades the subject (``credit.services.records``).

Each write runs in one transaction with its audit row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from roadcredit.audit.services import audit_record
from roadcredit.core import clock
from roadcredit.core.errors import Conflict, NotFound, ValidationFailed
from roadcredit.credit.models import CreditRecord
from roadcredit.elicences.tokens import MAX_SCAN_CHARS, token_from_scan
from roadcredit.elicences.verification import VerificationOutcome, verify_scanned

from .models import Finding, ScanEvent
from .scanrules import (
    DISTANT_KM,
    WINDOW,
    ScanPoint,
    ScanWarning,
    scan_warnings,
    valid_position,
)
from .selectors import finding_subject
from .uploads import PhotoRejected, photo_content_type

if TYPE_CHECKING:
    from roadcredit.accounts.models import User

PLACE_MAX = 200
DESCRIPTION_MAX = 1000


@dataclass(frozen=True)
class ScanResult:
    scan: ScanEvent
    outcome: VerificationOutcome
    warnings: tuple[ScanWarning, ...]


def _code_hash(text: str, outcome: VerificationOutcome) -> str:
    """The hash of a live presentation code (printed licence codes are scanned legitimately
    again and again, so they are not compared)."""
    if outcome.token_kind != "presentation":  # noqa: S105 (a kind of code, not a password)
        return ""
    token = token_from_scan(text)
    return hashlib.sha256(token.encode("utf-8")).hexdigest() if token else ""


def _scan_limits() -> tuple[float, dt.timedelta]:
    km = float(getattr(settings, "PORTAL_SCAN_DISTANT_KM", DISTANT_KM))
    minutes = getattr(settings, "PORTAL_SCAN_WINDOW_MINUTES", None)
    window = dt.timedelta(minutes=float(minutes)) if minutes is not None else WINDOW
    return km, window


def _point(scan: ScanEvent) -> ScanPoint:
    return ScanPoint(
        at=scan.scanned_at,
        latitude=scan.latitude,
        longitude=scan.longitude,
        inspector_id=scan.inspector_id,
        code_hash=scan.code_hash,
    )


def scan_record(
    *,
    actor: User,
    text: str,
    latitude: float | None = None,
    longitude: float | None = None,
    at: dt.datetime | None = None,
) -> ScanResult:
    """Verify a scanned or typed code as ``actor`` (an inspector), keep the scan and return the
    verdict, the full face data (when the code names a licence) and the warnings."""
    moment = at or clock.now()
    text = (text or "").strip()
    if not text:
        raise ValidationFailed.for_fields(
            _("Scan or type the code to verify."), {"code": [_("This field is required.")]}
        )
    if len(text) > MAX_SCAN_CHARS:
        raise ValidationFailed.for_fields(
            _("Scan or type the code to verify."), {"code": [_("The code is too long.")]}
        )
    if not valid_position(latitude, longitude):
        # A position the device could not have given: keep the scan, drop the position.
        latitude = longitude = None
    limit_km, window = _scan_limits()
    with transaction.atomic():
        outcome = verify_scanned(text=text, now=moment, viewer=actor, full=True)
        licence = outcome.licence
        code_hash = _code_hash(text, outcome)
        nearby = Q(licence=licence) if licence is not None else Q(pk__in=[])
        if code_hash:
            nearby |= Q(code_hash=code_hash)
        earlier = [
            _point(scan)
            for scan in ScanEvent.objects.filter(
                nearby, scanned_at__gte=moment - window, scanned_at__lte=moment
            ).order_by("-scanned_at")[:200]
        ]
        changed_on = (
            timezone.localdate(licence.status_changed_at)
            if licence is not None and licence.status_changed_at is not None
            else None
        )
        warnings = scan_warnings(
            ScanPoint(moment, latitude, longitude, actor.pk, code_hash),
            earlier,
            licence_status=licence.status if licence is not None else None,
            status_changed_on=changed_on,
            limit_km=limit_km,
            window=window,
        )
        scan = ScanEvent.objects.create(
            inspector=actor,
            licence=licence,
            scanned_at=moment,
            verdict=outcome.verdict,
            token_kind=outcome.token_kind or "",
            code_hash=code_hash,
            latitude=latitude,
            longitude=longitude,
            warnings=[w.as_dict() for w in warnings],
        )
        audit_record(
            actor=actor,
            action="portal.licence_scanned",
            target=scan,
            after={
                "verdict": outcome.verdict,
                "token_kind": outcome.token_kind,
                "licence": licence.identifier if licence is not None else None,
                "warnings": [w.code for w in warnings],
                "located": latitude is not None,
            },
            at=moment,
        )
    return ScanResult(scan=scan, outcome=outcome, warnings=warnings)


def _text(value: str, *, field: str, required: bool, max_length: int) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed.for_fields(
            _("The finding has errors; see the fields."), {field: [_("This field is required.")]}
        )
    if len(value) > max_length:
        raise ValidationFailed.for_fields(
            _("The finding has errors; see the fields."),
            {field: [_("At most %(count)d characters.") % {"count": max_length}]},
        )
    return value


def finding_record(
    *,
    actor: User,
    scan: ScanEvent,
    behaviour_code: str,
    occurred_on: dt.date,
    place: str,
    description: str,
    photo_name: str,
    photo: bytes,
    at: dt.datetime | None = None,
) -> Finding:
    """Record an on-road finding about the licence of ``scan`` (the actor's own scan) with its
    photo: a pending credit record that counts once its penalty decision is entered."""
    moment = at or clock.now()
    if scan.inspector_id != actor.pk:
        raise NotFound(_("No such scan."))
    licence = scan.licence
    if licence is None:
        raise Conflict(_("This code named no licence on record; no finding can be recorded."))
    place = _text(place, field="place", required=True, max_length=PLACE_MAX)
    description = _text(
        description, field="description", required=False, max_length=DESCRIPTION_MAX
    )
    try:
        content_type = photo_content_type(photo)
    except PhotoRejected as exc:
        raise ValidationFailed.for_fields(
            _("The finding has errors; see the fields."), {"photo": [exc.message]}
        ) from exc
    from roadcredit.credit.services.records import credit_evidence_add, credit_record_create

    with transaction.atomic():
        record = credit_record_create(
            actor=actor,
            subject=finding_subject(licence),
            data={
                "behaviour_code": behaviour_code,
                "occurred_on": occurred_on,
                "description": f"{place}：{description}" if description else place,
            },
            at=moment,
        )
        credit_evidence_add(
            actor=actor,
            record=record,
            file_name=photo_name or "现场照片",
            content=photo,
            content_type=content_type,
        )
        finding = Finding.objects.create(record=record, scan=scan, inspector=actor, place=place)
        audit_record(
            actor=actor,
            action="portal.finding_recorded",
            target=finding,
            after={
                "record": record.public_id,
                "licence": licence.identifier,
                "behaviour_code": record.behaviour_code,
                "occurred_on": record.occurred_on,
                "place": place,
            },
            at=moment,
        )
    return finding


def finding_decide(
    *,
    actor: User,
    finding: Finding,
    decision_number: str,
    decided_on: dt.date,
    at: dt.datetime | None = None,
) -> CreditRecord:
    """Enter the penalty decision of a finding: its record becomes active (it counts from now
    on) and the subject is regraded, in one transaction."""
    from roadcredit.credit.services.records import credit_record_decide

    return credit_record_decide(
        actor=actor,
        record=finding.record,
        decision_number=decision_number.strip(),
        decided_on=decided_on,
        at=at,
    )
