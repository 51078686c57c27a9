"""Credit records: create, update (re-send), decide, move status, withdraw, attach evidence.

Every change regrades the subject the record counts toward (an operator — also for its
vehicles' records — or a practitioner) in the same transaction, so a grade never lags behind
the records it is computed from.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from roadcredit.audit.services import audit_record
from roadcredit.core import clock
from roadcredit.core.errors import Conflict, ValidationFailed
from roadcredit.credit.grading import BehaviourCatalogue
from roadcredit.credit.models import (
    EVIDENCE_CONTENT_TYPES,
    EVIDENCE_MAX_BYTES,
    CreditEvidence,
    CreditRecord,
    IntakeBatch,
    RecordStatus,
    RecordStatusChange,
    Source,
    SourceKind,
    SubjectKind,
)
from roadcredit.credit.publication import publication_window
from roadcredit.credit.record_input import (
    InputInvalid,
    RecordInput,
    SubjectKindName,
    parse_record,
    scheme_for_kind,
)
from roadcredit.credit.services.grading import active_ruleset, subject_regrade
from roadcredit.subjects.models import Operator, Practitioner, Vehicle
from roadcredit.subjects.selectors import uscc_allowlisted

if TYPE_CHECKING:
    from roadcredit.accounts.models import User

__all__ = [
    "BUREAU_SOURCE_CODE",
    "STATUS_TRANSITIONS",
    "RecordSubject",
    "bureau_source",
    "catalogue_for",
    "credit_evidence_add",
    "credit_record_create",
    "credit_record_decide",
    "credit_record_set_status",
    "credit_record_update",
    "credit_record_withdraw",
    "publication_fields",
    "record_snapshot",
    "regrade_for_records",
    "subject_kind_of",
]

RecordSubject = Operator | Vehicle | Practitioner
BUREAU_SOURCE_CODE = "bureau"

# Status moves an officer (or the repair / objection workflows) may make. ``pending → active``
# happens only by entering the decision (``credit_record_decide``).
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    RecordStatus.PENDING: frozenset({RecordStatus.WITHDRAWN}),
    RecordStatus.ACTIVE: frozenset(
        {
            RecordStatus.UNDER_OBJECTION,
            RecordStatus.REPAIRED,
            RecordStatus.EXPIRED,
            RecordStatus.WITHDRAWN,
        }
    ),
    RecordStatus.UNDER_OBJECTION: frozenset(
        {RecordStatus.ACTIVE, RecordStatus.REPAIRED, RecordStatus.WITHDRAWN}
    ),
    RecordStatus.REPAIRED: frozenset({RecordStatus.ACTIVE}),
    RecordStatus.EXPIRED: frozenset(),
    RecordStatus.WITHDRAWN: frozenset(),
}
REASON_MAX = 500


def _invalid(fields: Mapping[str, list[str]]) -> ValidationFailed:
    return ValidationFailed.for_fields(
        _("The credit record has errors; see the fields."), dict(fields)
    )


def bureau_source() -> Source:
    """The bureau's own source (records entered by officers)."""
    source, _created = Source.objects.get_or_create(
        code=BUREAU_SOURCE_CODE, defaults={"name": "牟平区交通运输局", "kind": SourceKind.BUREAU}
    )
    return source


def subject_kind_of(subject: RecordSubject) -> SubjectKindName:
    if isinstance(subject, Operator):
        return "operator"
    if isinstance(subject, Vehicle):
        return "vehicle"
    if isinstance(subject, Practitioner):
        return "practitioner"
    raise TypeError(f"not a credit subject: {subject!r}")


def catalogue_for(kind: str) -> BehaviourCatalogue:
    """The behaviour catalogue of the active rule set a record of this kind counts under."""
    return active_ruleset(scheme_for_kind(kind))[1].catalogue


def publication_fields(direction: str, severity: str, decided_on: dt.date | None) -> dict[str, Any]:
    """Publication window columns of a record (empty for positive or undecided records)."""
    if direction != "negative" or decided_on is None or not severity:
        return {
            "earliest_repair_on": None,
            "takedown_on": None,
            "publication_rule_id": "",
            "published": False,
        }
    window = publication_window(severity, decided_on)  # type: ignore[arg-type]
    return {
        "earliest_repair_on": window.earliest_repair,
        "takedown_on": window.takedown,
        "publication_rule_id": window.rule_id,
        "published": window.published,
    }


def record_snapshot(record: CreditRecord) -> dict[str, Any]:
    """The audited view of a record (no personal data: subjects by public id)."""
    subject = record.subject
    return {
        "subject_kind": record.subject_kind,
        "subject": None if subject is None else subject.public_id,
        "operator": None if record.operator is None else record.operator.public_id,
        "behaviour_code": record.behaviour_code,
        "points": record.points,
        "occurred_on": record.occurred_on,
        "decision_number": record.decision_number,
        "decided_on": record.decided_on,
        "status": record.status,
        "on_serious_list": record.on_serious_list,
        "source": record.source.code,
        "source_ref": record.source_ref,
    }


def _subject_columns(subject: RecordSubject) -> dict[str, Any]:
    kind = subject_kind_of(subject)
    if kind == "operator":
        return {"subject_kind": kind, "operator": subject, "vehicle": None, "practitioner": None}
    if kind == "vehicle":
        assert isinstance(subject, Vehicle)
        # The owner at recording time: the record counts toward this operator from now on.
        return {
            "subject_kind": kind,
            "operator": subject.operator,
            "vehicle": subject,
            "practitioner": None,
        }
    return {"subject_kind": kind, "operator": None, "vehicle": None, "practitioner": subject}


def _content_columns(parsed: RecordInput) -> dict[str, Any]:
    return {
        "behaviour_code": parsed.behaviour_code,
        "behaviour_name": parsed.behaviour_name,
        "direction": parsed.direction,
        "severity": parsed.severity,
        "points": parsed.points,
        "occurred_on": parsed.occurred_on,
        "decision_number": parsed.decision_number,
        "decided_on": parsed.decided_on,
        "description": parsed.description,
        "on_serious_list": parsed.on_serious_list,
        **publication_fields(parsed.direction, parsed.severity, parsed.decided_on),
    }


def _graded(record: CreditRecord) -> Operator | Practitioner | None:
    if record.subject_kind == SubjectKind.PRACTITIONER:
        return record.practitioner
    return record.operator


def regrade_for_records(
    records: list[CreditRecord] | list[Operator | Practitioner | None],
    *,
    actor: User | None,
    reason: str,
    at: dt.datetime | None = None,
) -> None:
    """Regrade each distinct graded subject of ``records`` once (records or subjects)."""
    seen: set[tuple[type, int]] = set()
    for item in records:
        subject = _graded(item) if isinstance(item, CreditRecord) else item
        if subject is None or (type(subject), subject.pk) in seen:
            continue
        seen.add((type(subject), subject.pk))
        subject_regrade(subject=subject, actor=actor, reason=reason, at=at)


def _status_change(
    record: CreditRecord, *, to: str, reason: str, actor: User | None, at: dt.datetime
) -> None:
    RecordStatusChange.objects.create(
        record=record,
        from_status=record.status,
        to_status=to,
        changed_on=timezone.localdate(at),
        changed_at=at,
        reason=reason[:REASON_MAX],
        actor=actor,
    )
    record.status = to


def _parse(
    data: Mapping[str, object], *, kind: SubjectKindName, require_source_ref: bool
) -> RecordInput:
    try:
        return parse_record(
            data,
            catalogue=catalogue_for(kind),
            today=clock.today(),
            subject_kind=kind,
            require_source_ref=require_source_ref,
            uscc_allowlisted=uscc_allowlisted,
        )
    except InputInvalid as exc:
        raise _invalid(exc.fields) from exc


def credit_record_create(
    *,
    actor: User | None,
    subject: RecordSubject,
    data: Mapping[str, object],
    source: Source | None = None,
    at: dt.datetime | None = None,
) -> CreditRecord:
    """Record a credit fact about ``subject`` (officer entry or a single pushed record).

    ``data``: the ``record_input`` fields without the subject identifier. Without a source the
    record belongs to the bureau and gets a generated ``source_ref``. A record with a decision
    is active at once; without one it is pending and does not count.
    """
    at = at or clock.now()
    kind = subject_kind_of(subject)
    parsed = _parse(data, kind=kind, require_source_ref=source is not None)
    source = source or bureau_source()
    with transaction.atomic():
        record = CreditRecord(
            **_subject_columns(subject),
            **_content_columns(parsed),
            status=RecordStatus.ACTIVE if parsed.decided_on else RecordStatus.PENDING,
            source=source,
            recorded_by=actor,
        )
        record.source_ref = parsed.source_ref or f"BJ-{record.public_id}"
        if CreditRecord.objects.filter(source=source, source_ref=record.source_ref).exists():
            raise Conflict(
                _("A record with this source reference already exists."),
                {"fields": {"source_ref": [_("This source reference is already used.")]}},
            )
        record.save(force_insert=True)
        audit_record(
            actor=actor,
            action="credit.record_created",
            target=record,
            after=record_snapshot(record),
            at=at,
        )
        regrade_for_records([record], actor=actor, reason="记录新增", at=at)
        return record


def credit_record_update(
    *,
    actor: User | None,
    record: CreditRecord,
    data: Mapping[str, object],
    subject: RecordSubject | None = None,
    at: dt.datetime | None = None,
) -> CreditRecord:
    """Correct a record's content (and, with ``subject``, its subject). ``data`` is the full
    record (``record_input`` fields). Entering the decision of a pending record activates it."""
    at = at or clock.now()
    with transaction.atomic():
        # Lock the record: an update racing a status move (objection, repair) would otherwise
        # overwrite the other's columns.
        locked = CreditRecord.objects.select_for_update().select_related("source").get(pk=record.pk)
        new_subject = subject or locked.subject
        kind = subject_kind_of(new_subject)
        merged = {"source_ref": locked.source_ref, **dict(data)}
        parsed = _parse(merged, kind=kind, require_source_ref=False)
        _apply(locked, parsed, new_subject, actor=actor, at=at)
        return locked


def _apply(
    locked: CreditRecord,
    parsed: RecordInput,
    subject: RecordSubject,
    *,
    actor: User | None,
    at: dt.datetime,
    batch: IntakeBatch | None = None,
    regrade: bool = True,
) -> bool:
    """Write ``parsed`` over the locked record; False (and nothing written) if unchanged."""
    before = record_snapshot(locked)
    old_graded = _graded(locked)
    columns = {**_subject_columns(subject), **_content_columns(parsed)}
    if locked.status in (RecordStatus.WITHDRAWN, RecordStatus.EXPIRED):
        raise Conflict(_("A withdrawn or expired record cannot be changed."))
    if locked.decided_on is not None and parsed.decided_on is None:
        raise ValidationFailed.for_fields(
            _("The credit record has errors; see the fields."),
            {"decided_on": [_("A decided record keeps its decision date.")]},
        )
    changed = [name for name, value in columns.items() if getattr(locked, name) != value]
    if not changed:
        return False
    for name, value in columns.items():
        setattr(locked, name, value)
    if locked.status == RecordStatus.PENDING and parsed.decided_on is not None:
        _status_change(locked, to=RecordStatus.ACTIVE, reason="录入处理决定", actor=actor, at=at)
    if batch is not None:
        locked.batch = batch
    locked.save()
    audit_record(
        actor=actor,
        action="credit.record_updated",
        target=locked,
        before=before,
        after=record_snapshot(locked),
        at=at,
    )
    if regrade:
        regrade_for_records([old_graded, _graded(locked)], actor=actor, reason="记录更新", at=at)
    return True


def credit_record_decide(
    *,
    actor: User | None,
    record: CreditRecord,
    decision_number: str,
    decided_on: dt.date,
    points: int | None = None,
    at: dt.datetime | None = None,
) -> CreditRecord:
    """Enter the decision of a pending finding: pending → active, publication window computed,
    the subject regraded. ``points``: the decision may set other points than the catalogue's."""
    at = at or clock.now()
    with transaction.atomic():
        # Lock the record: two officers entering the decision at once must not both move it.
        locked = CreditRecord.objects.select_for_update().select_related("source").get(pk=record.pk)
        if locked.status != RecordStatus.PENDING:
            raise Conflict(_("Only a record awaiting its decision can be decided."))
        data: dict[str, object] = {
            "source_ref": locked.source_ref,
            "behaviour_code": locked.behaviour_code,
            "points": locked.points if points is None else points,
            "occurred_on": locked.occurred_on,
            "decision_number": decision_number,
            "decided_on": decided_on,
            "description": locked.description,
            "on_serious_list": locked.on_serious_list,
        }
        if not str(decision_number or "").strip():
            raise _invalid({"decision_number": ["必填"]})
        parsed = _parse(data, kind=subject_kind_of(locked.subject), require_source_ref=False)
        before = record_snapshot(locked)
        for name, value in _content_columns(parsed).items():
            setattr(locked, name, value)
        _status_change(locked, to=RecordStatus.ACTIVE, reason="录入处理决定", actor=actor, at=at)
        locked.save()
        audit_record(
            actor=actor,
            action="credit.record_decided",
            target=locked,
            before=before,
            after=record_snapshot(locked),
            at=at,
        )
        regrade_for_records([locked], actor=actor, reason="录入处理决定", at=at)
        return locked


def credit_record_set_status(
    *,
    actor: User | None,
    record: CreditRecord,
    status: str,
    reason: str,
    at: dt.datetime | None = None,
    regrade: bool = True,
) -> CreditRecord:
    """Move a record to ``status`` (see ``STATUS_TRANSITIONS``), keep the move in the status
    history, audit it and regrade the subject. Used by objections, repair and withdrawal.
    ``regrade=False``: only for a caller that regrades every subject itself right after."""
    at = at or clock.now()
    reason = (reason or "").strip()
    if not reason:
        raise _invalid({"reason": [_("Give the reason for the change.")]})
    if len(reason) > REASON_MAX:
        raise _invalid({"reason": [_("At most 500 characters.")]})
    with transaction.atomic():
        # Lock the record: a repair decision and an objection decision arriving together would
        # otherwise both read the old status and the later write would silently win.
        locked = CreditRecord.objects.select_for_update().select_related("source").get(pk=record.pk)
        if status not in STATUS_TRANSITIONS:
            raise _invalid({"status": [_("Unknown status.")]})
        if status not in STATUS_TRANSITIONS[locked.status]:
            raise Conflict(
                _("This status change is not allowed."),
                {"from": locked.status, "to": status},
            )
        before = record_snapshot(locked)
        _status_change(locked, to=status, reason=reason, actor=actor, at=at)
        locked.status_reason = reason
        locked.save(update_fields=["status", "status_reason", "updated_at"])
        audit_record(
            actor=actor,
            action="credit.record_status",
            target=locked,
            before=before,
            after={**record_snapshot(locked), "reason": reason},
            at=at,
        )
        if regrade:
            regrade_for_records(
                [locked], actor=actor, reason=f"记录状态变更：{reason}"[:200], at=at
            )
        record.status = locked.status
        record.status_reason = locked.status_reason
        return locked


def credit_record_withdraw(
    *, actor: User | None, record: CreditRecord, reason: str, at: dt.datetime | None = None
) -> CreditRecord:
    """Withdraw a record entered in error (it stops counting; the row stays for the trail)."""
    return credit_record_set_status(
        actor=actor, record=record, status=RecordStatus.WITHDRAWN, reason=reason, at=at
    )


_MAGIC = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}


def credit_evidence_add(
    *,
    actor: User | None,
    record: CreditRecord,
    file_name: str,
    content: bytes,
    content_type: str,
) -> CreditEvidence:
    """Attach evidence (PDF, JPG or PNG, at most 10 MB; the content must match its type)."""
    if content_type not in EVIDENCE_CONTENT_TYPES:
        raise _invalid({"file": [_("Only PDF, JPG or PNG files are accepted.")]})
    if len(content) > EVIDENCE_MAX_BYTES:
        raise _invalid({"file": [_("The file is larger than 10 MB.")]})
    if not content.startswith(_MAGIC[content_type]):
        raise _invalid({"file": [_("The file content does not match its type.")]})
    digest = hashlib.sha256(content).hexdigest()
    with transaction.atomic():
        existing = CreditEvidence.objects.filter(record=record, sha256=digest).first()
        if existing is not None:
            return existing
        evidence = CreditEvidence(
            record=record,
            original_name=file_name[:255],
            sha256=digest,
            content_type=content_type,
            size=len(content),
            uploaded_by=actor,
        )
        evidence.file.save(digest, ContentFile(content), save=False)
        evidence.save()
        audit_record(
            actor=actor,
            action="credit.evidence_added",
            target=record,
            after={"sha256": digest, "file": evidence.original_name, "size": evidence.size},
        )
        return evidence
