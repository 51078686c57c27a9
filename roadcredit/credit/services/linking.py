"""Linking incoming records to subjects, and the to-link queue (待关联).

A record names its subject by USCC, ID number (looked up through its blind index) or plate +
plate colour. A valid identifier that matches no subject is not an error: the record goes to the
queue, encrypted, and an officer links it to a subject (or discards it) later.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from roadcredit.audit.services import audit_record
from roadcredit.core import clock, pii
from roadcredit.core.errors import Conflict, ValidationFailed
from roadcredit.core.masking import mask_id_number, mask_name
from roadcredit.credit.models import (
    CreditRecord,
    IdentifierKind,
    IntakeBatch,
    LinkQueueItem,
    LinkStatus,
    Source,
)
from roadcredit.credit.record_input import RecordInput, SubjectRef
from roadcredit.subjects.models import Operator, Practitioner, Vehicle

if TYPE_CHECKING:
    from roadcredit.accounts.models import User
    from roadcredit.credit.services.records import RecordSubject

__all__ = [
    "PAYLOAD_PURPOSE",
    "link_payload",
    "link_queue_discard",
    "link_queue_put",
    "link_queue_resolve",
    "lookup_key",
    "masked_identifier",
    "subjects_for",
]

PAYLOAD_PURPOSE = "credit_link_payload"
_KIND_OF_IDENTIFIER = {"uscc": "operator", "id_number": "practitioner", "plate": "vehicle"}


def lookup_key(ref: SubjectRef) -> str:
    """How a queued record finds its subject: USCC, ``plate|colour`` or the ID blind index."""
    if ref.identifier_kind == "id_number":
        return pii.blind_index(ref.value, purpose="id_number")
    if ref.identifier_kind == "plate":
        return f"{ref.value}|{ref.plate_colour}"
    return ref.value


def masked_identifier(ref: SubjectRef) -> str:
    if ref.identifier_kind == "id_number":
        return mask_id_number(ref.value)
    if ref.identifier_kind == "plate":
        return f"{ref.value}（{ref.plate_colour}）"
    return ref.value


def subjects_for(refs: Iterable[SubjectRef]) -> dict[str, RecordSubject]:
    """Existing subjects for these identifiers, by ``lookup_key`` (a few queries in all)."""
    usccs: set[str] = set()
    plates: set[tuple[str, str]] = set()
    indexes: dict[str, str] = {}
    for ref in refs:
        if ref.identifier_kind == "uscc":
            usccs.add(ref.value)
        elif ref.identifier_kind == "plate":
            plates.add((ref.value, ref.plate_colour))
        else:
            indexes[lookup_key(ref)] = ref.value
    found: dict[str, RecordSubject] = {}
    for chunk in _chunks(sorted(usccs)):
        for operator in Operator.objects.filter(uscc__in=chunk):
            found[operator.uscc] = operator
    plate_values = sorted({plate for plate, _colour in plates})
    for chunk in _chunks(plate_values):
        for vehicle in Vehicle.objects.select_related("operator").filter(plate__in=chunk):
            if (vehicle.plate, vehicle.plate_colour) in plates:
                found[f"{vehicle.plate}|{vehicle.plate_colour}"] = vehicle
    for chunk in _chunks(sorted(indexes)):
        for practitioner in Practitioner.objects.filter(id_number_index__in=chunk):
            found[practitioner.id_number_index] = practitioner
    return found


def _chunks(values: list[str], size: int = 500) -> Iterable[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def link_payload(raw: Mapping[str, object]) -> bytes:
    """The record as received, as encrypted JSON (it may hold an ID number)."""
    text = json.dumps(dict(raw), ensure_ascii=False, default=str, sort_keys=True)
    return pii.encrypt(text, purpose=PAYLOAD_PURPOSE)


def _summary(parsed: RecordInput) -> dict[str, Any]:
    name = parsed.subject_name
    if parsed.subject is not None and parsed.subject.identifier_kind == "id_number":
        name = mask_name(name)
    return {
        "subject_name": name,
        "behaviour_code": parsed.behaviour_code,
        "behaviour_name": parsed.behaviour_name,
        "points": parsed.points,
        "occurred_on": parsed.occurred_on.isoformat(),
        "decided_on": None if parsed.decided_on is None else parsed.decided_on.isoformat(),
        "decision_number": parsed.decision_number,
    }


def link_queue_put(
    *,
    source: Source,
    batch: IntakeBatch | None,
    parsed: RecordInput,
    raw: Mapping[str, object],
    row: int | None,
) -> tuple[LinkQueueItem, bool]:
    """Queue a valid record whose subject is unknown; a re-sent one replaces the open item.
    Returns (item, created). Runs in the caller's transaction."""
    assert parsed.subject is not None
    values = {
        "batch": batch,
        "source_row": row,
        "identifier_kind": parsed.subject.identifier_kind,
        "identifier_masked": masked_identifier(parsed.subject)[:40],
        "lookup_key": lookup_key(parsed.subject),
        "payload_encrypted": link_payload(raw),
        "summary": _summary(parsed),
    }
    item = (
        LinkQueueItem.objects.select_for_update()
        .filter(source=source, source_ref=parsed.source_ref, status=LinkStatus.OPEN)
        .first()
    )
    if item is None:
        return (
            LinkQueueItem.objects.create(source=source, source_ref=parsed.source_ref, **values),
            True,
        )
    for name, value in values.items():
        setattr(item, name, value)
    item.save()
    return item, False


def _payload(item: LinkQueueItem) -> dict[str, Any]:
    data = json.loads(pii.decrypt(item.payload_encrypted, purpose=PAYLOAD_PURPOSE))
    assert isinstance(data, dict)
    return data


def link_queue_resolve(
    *,
    actor: User | None,
    item: LinkQueueItem,
    subject: RecordSubject,
    at: dt.datetime | None = None,
) -> CreditRecord:
    """Link a queued record to ``subject`` (of the kind its identifier names): the record is
    created (or, if the source re-sent it meanwhile, updated) and the subject regraded."""
    from roadcredit.credit.services.records import (
        credit_record_create,
        credit_record_update,
        subject_kind_of,
    )

    at = at or clock.now()
    with transaction.atomic():
        # Lock the item: two officers resolving it at once must not create two records.
        locked = LinkQueueItem.objects.select_for_update().select_related("source").get(pk=item.pk)
        if locked.status != LinkStatus.OPEN:
            raise Conflict(_("This record has already been linked or discarded."))
        expected = _KIND_OF_IDENTIFIER[locked.identifier_kind]
        if subject_kind_of(subject) != expected:
            raise ValidationFailed.for_fields(
                _("Choose a subject of the kind the record names."),
                {"subject": [_("The subject kind does not match the record's identifier.")]},
            )
        data = {
            key: value
            for key, value in _payload(locked).items()
            if key not in ("uscc", "id_number", "plate", "plate_colour")
        }
        data["source_ref"] = locked.source_ref
        existing = CreditRecord.objects.filter(
            source=locked.source, source_ref=locked.source_ref
        ).first()
        if existing is not None:
            record = credit_record_update(
                actor=actor, record=existing, data=data, subject=subject, at=at
            )
        else:
            record = credit_record_create(
                actor=actor, subject=subject, data=data, source=locked.source, at=at
            )
            record.batch = locked.batch
            record.source_row = locked.source_row
            record.save(update_fields=["batch", "source_row"])
        locked.status = LinkStatus.LINKED
        locked.record = record
        locked.resolved_by = actor
        locked.resolved_at = at
        locked.save()
        audit_record(
            actor=actor,
            action="credit.link_resolved",
            target=locked,
            after={"record": record.public_id, "subject": subject.public_id},
            at=at,
        )
        item.status = locked.status
        return record


def link_queue_discard(
    *, actor: User | None, item: LinkQueueItem, reason: str, at: dt.datetime | None = None
) -> LinkQueueItem:
    """Discard a queued record that belongs to no subject here (e.g. another district's)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed.for_fields(
            _("Give the reason for the change."), {"reason": [_("Give the reason for the change.")]}
        )
    at = at or clock.now()
    with transaction.atomic():
        # Lock the item: a discard racing a resolve must not leave both done.
        locked = LinkQueueItem.objects.select_for_update().get(pk=item.pk)
        if locked.status != LinkStatus.OPEN:
            raise Conflict(_("This record has already been linked or discarded."))
        locked.status = LinkStatus.DISCARDED
        locked.resolved_by = actor
        locked.resolved_at = at
        locked.resolution_note = reason[:300]
        locked.save()
        audit_record(
            actor=actor,
            action="credit.link_discarded",
            target=locked,
            after={"reason": reason},
            at=at,
        )
        return locked


IDENTIFIER_KINDS = tuple(IdentifierKind.values)
