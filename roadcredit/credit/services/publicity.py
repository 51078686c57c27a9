"""Double publicity (双公示): licensing and penalty decisions published within 7 working days as a
feed / export for the provincial credit platform (信用中国（山东）), personal data masked.

* Penalty decisions are the negative credit records with a decision
  (``publicity_record_penalty_decision``; ``publicity_sync_penalties`` catches up on any
  missing). A penalty whose record is repaired, withdrawn or expires is taken down.
* Licensing decisions come from the e-licence app: ``publicity_record_licensing_decision``.
* ``publicity_publish`` marks items as sent (the feed or the Excel export went out).

Masking as the platform requires: natural persons by masked name and masked ID number
(first 6 + last 4), no address or phone; enterprises and individual businesses by registered name
and unified social credit code. Free text (licensing content) has ID numbers and mobile numbers
masked as well.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from roadcredit.audit.services import audit_record
from roadcredit.core import clock
from roadcredit.core.errors import Conflict, ValidationFailed
from roadcredit.core.masking import mask_id_number, mask_name, mask_phone
from roadcredit.credit.models import (
    CreditRecord,
    PublicityItem,
    PublicityKind,
    RecordStatus,
    SubjectKind,
)
from roadcredit.credit.services.notices import case_rules, deadline_after
from roadcredit.subjects.models import Operator, Practitioner, Vehicle

if TYPE_CHECKING:
    from roadcredit.accounts.models import User

__all__ = [
    "PUBLISHABLE_STATUSES",
    "ExpireSummary",
    "PublicSubject",
    "SyncSummary",
    "mask_free_text",
    "public_subject",
    "publication_expire",
    "publicity_publish",
    "publicity_record_licensing_decision",
    "publicity_record_penalty_decision",
    "publicity_sync_penalties",
    "publicity_withdraw_for_record",
]

# Records whose penalty decision stays published (an objection does not take it down).
PUBLISHABLE_STATUSES = (RecordStatus.ACTIVE, RecordStatus.UNDER_OBJECTION)
DECISION_NUMBER_MAX = 100
CONTENT_MAX = 2000
_ID_NUMBER = re.compile(
    r"(?<![0-9])[1-9][0-9]{5}(?:19|20)[0-9]{2}[01][0-9][0-3][0-9]{4}[0-9Xx](?![0-9Xx])"
)
_MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def mask_free_text(text: str) -> str:
    """Mask ID numbers (6 + 4) and mobile numbers (3 + 4) inside free text."""
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group(0)), text)
    return _MOBILE.sub(lambda m: mask_phone(m.group(0)), text)


def authority_name() -> str:
    return f"{settings.DISTRICT_NAME}交通运输局"


@dataclass(frozen=True, slots=True)
class PublicSubject:
    """A subject as it may be published: the name and code the platform shows."""

    subject_kind: str
    name: str
    code: str
    code_kind: str
    natural_person: bool
    columns: dict[str, Any]


def public_subject(subject: Operator | Vehicle | Practitioner) -> PublicSubject:
    """How ``subject`` is shown publicly (double publicity, the public list page)."""
    if isinstance(subject, Operator):
        return PublicSubject(
            subject_kind=SubjectKind.OPERATOR,
            name=_operator_public_name(subject),
            code=subject.uscc,
            code_kind="统一社会信用代码",
            natural_person=False,
            columns={"operator": subject, "vehicle": None, "practitioner": None},
        )
    if isinstance(subject, Practitioner):
        return PublicSubject(
            subject_kind=SubjectKind.PRACTITIONER,
            name=mask_name(subject.name),
            code=subject.id_number_masked,
            code_kind="居民身份证号码",
            natural_person=True,
            columns={"operator": None, "vehicle": None, "practitioner": subject},
        )
    owner = subject.operator
    if owner is not None:
        shown = public_subject(owner)
        return PublicSubject(
            subject_kind=SubjectKind.VEHICLE,
            name=shown.name,
            code=shown.code,
            code_kind=shown.code_kind,
            natural_person=False,
            columns={"operator": owner, "vehicle": subject, "practitioner": None},
        )
    plate = subject.plate
    return PublicSubject(
        subject_kind=SubjectKind.VEHICLE,
        name="个人车辆",
        code=plate[:3] + "*" * max(0, len(plate) - 5) + plate[-2:],
        code_kind="车牌号码",
        natural_person=True,
        columns={"operator": None, "vehicle": subject, "practitioner": None},
    )


def _operator_public_name(operator: Operator) -> str:
    """An individual business registered under the owner's own name (no trade name) is a
    natural person's name: masked. Trade names and enterprises are shown as registered."""
    name = operator.name.strip()
    if operator.kind == "individual" and (
        name == operator.legal_representative.strip() or len(name) <= 4
    ):
        return mask_name(name)
    return name


def _penalty_key(record: CreditRecord) -> str:
    return f"penalty:{record.public_id}"


def _penalty_content(record: CreditRecord) -> tuple[str, str]:
    from roadcredit.credit.services.records import catalogue_for

    behaviour = catalogue_for(record.subject_kind).get(record.behaviour_code)
    basis = behaviour.legal_basis if behaviour is not None else ""
    severity = {"minor": "轻微", "general": "一般", "serious": "严重"}.get(record.severity, "")
    content = f"违法行为：{record.behaviour_name}"
    if severity:
        content += f"（{severity}失信）"
    if record.vehicle_id is not None and record.vehicle is not None:
        content += f"；涉事车辆：{record.vehicle.plate}"
    return content, basis


def _item_snapshot(item: PublicityItem) -> dict[str, Any]:
    return {
        "kind": item.kind,
        "source_key": item.source_key,
        "subject_name": item.subject_name,
        "subject_code": item.subject_code,
        "decision_number": item.decision_number,
        "decided_on": item.decided_on,
        "due_on": item.due_on,
        "content": item.content,
        "published_at": item.published_at,
        "withdrawn_at": item.withdrawn_at,
    }


def publicity_record_penalty_decision(
    *,
    record: CreditRecord,
    actor: User | None = None,
    at: dt.datetime | None = None,
) -> PublicityItem | None:
    """Create or refresh the penalty item of ``record`` (a negative record with a decision that
    counts and whose publication window says it is published — a minor record decided under
    NDRC order No. 36 is not published in principle). Returns None when the record is not a
    publishable penalty decision. Idempotent."""
    at = at or clock.now()
    if (
        record.direction != "negative"
        or record.decided_on is None
        or not record.decision_number.strip()
        or record.status not in PUBLISHABLE_STATUSES
        or not record.published
    ):
        return None
    subject = record.subject
    if subject is None:
        return None
    shown = public_subject(subject)
    content, basis = _penalty_content(record)
    values: dict[str, Any] = {
        "kind": PublicityKind.PENALTY,
        "subject_kind": shown.subject_kind,
        **shown.columns,
        "record": record,
        "subject_name": shown.name,
        "subject_code": shown.code,
        "subject_code_kind": shown.code_kind,
        "decision_number": record.decision_number[:DECISION_NUMBER_MAX],
        "decided_on": record.decided_on,
        "content": content,
        "legal_basis": basis[:300],
        "authority": authority_name(),
        "due_on": deadline_after(
            record.decided_on, case_rules().publicity_due_working_days, strict=False
        ),
    }
    with transaction.atomic():
        # Lock the item: the sync command and a record decision may reach one record together.
        item = (
            PublicityItem.objects.select_for_update()
            .filter(source_key=_penalty_key(record))
            .first()
        )
        if item is None:
            try:
                with transaction.atomic():
                    item = PublicityItem.objects.create(source_key=_penalty_key(record), **values)
            except IntegrityError as exc:
                raise Conflict(_("This decision is already being published.")) from exc
            audit_record(
                actor=actor,
                action="credit.publicity_added",
                target=item,
                after=_item_snapshot(item),
                at=at,
            )
            return item
        before = _item_snapshot(item)
        changed = [name for name, value in values.items() if getattr(item, name) != value]
        if item.withdrawn_at is not None:
            item.withdrawn_at = None
            item.withdrawal_reason = ""
            changed.append("withdrawn_at")
        if changed:
            for name, value in values.items():
                setattr(item, name, value)
            item.save()
            audit_record(
                actor=actor,
                action="credit.publicity_updated",
                target=item,
                before=before,
                after=_item_snapshot(item),
                at=at,
            )
        return item


def publicity_withdraw_for_record(
    *,
    record: CreditRecord,
    actor: User | None,
    reason: str,
    at: dt.datetime | None = None,
) -> PublicityItem | None:
    """Take the penalty item of ``record`` down (repaired, withdrawn, expired)."""
    at = at or clock.now()
    with transaction.atomic():
        item = (
            PublicityItem.objects.select_for_update()
            .filter(source_key=_penalty_key(record))
            .first()
        )
        if item is None or item.withdrawn_at is not None:
            return item
        before = _item_snapshot(item)
        item.withdrawn_at = at
        item.withdrawal_reason = reason[:300]
        item.save(update_fields=["withdrawn_at", "withdrawal_reason", "updated_at"])
        audit_record(
            actor=actor,
            action="credit.publicity_withdrawn",
            target=item,
            before=before,
            after={**_item_snapshot(item), "reason": reason},
            at=at,
        )
        return item


def publicity_record_licensing_decision(
    *,
    decision_number: str,
    decided_on: dt.date,
    subject: Operator | Vehicle | Practitioner,
    content: str,
    actor: User | None = None,
    at: dt.datetime | None = None,
) -> PublicityItem:
    """Publish a licensing decision (called by the e-licence app when a licence is issued).

    ``content``: what was licensed (licence type and number, scope, validity); ID numbers and
    mobile numbers in it are masked. Idempotent by decision number: calling again updates the
    item (and reopens it if it was taken down).
    """
    at = at or clock.now()
    number = _CONTROL.sub("", str(decision_number or "")).strip()
    text = _CONTROL.sub("", str(content or "")).strip()
    problems: dict[str, list[str]] = {}
    if not number:
        problems["decision_number"] = [_("Required.")]
    elif len(number) > DECISION_NUMBER_MAX:
        problems["decision_number"] = [
            _("At most %(max)d characters.") % {"max": DECISION_NUMBER_MAX}
        ]
    if not text:
        problems["content"] = [_("Required.")]
    elif len(text) > CONTENT_MAX:
        problems["content"] = [_("At most %(max)d characters.") % {"max": CONTENT_MAX}]
    if decided_on > timezone.localdate(at):
        problems["decided_on"] = [_("The decision date is in the future.")]
    if problems:
        raise ValidationFailed.for_fields(_("The licensing decision has errors."), problems)
    shown = public_subject(subject)
    values: dict[str, Any] = {
        "kind": PublicityKind.LICENSING,
        "subject_kind": shown.subject_kind,
        **shown.columns,
        "record": None,
        "subject_name": shown.name,
        "subject_code": shown.code,
        "subject_code_kind": shown.code_kind,
        "decision_number": number,
        "decided_on": decided_on,
        "content": mask_free_text(text),
        "legal_basis": "《中华人民共和国行政许可法》；《中华人民共和国道路运输条例》",
        "authority": authority_name(),
        "due_on": deadline_after(decided_on, case_rules().publicity_due_working_days, strict=False),
        "withdrawn_at": None,
        "withdrawal_reason": "",
    }
    key = f"licensing:{number}"
    with transaction.atomic():
        # Lock the item: the e-licence app may retry an issuance while the first call runs.
        item = PublicityItem.objects.select_for_update().filter(source_key=key).first()
        if item is None:
            try:
                with transaction.atomic():
                    item = PublicityItem.objects.create(source_key=key, **values)
            except IntegrityError as exc:
                raise Conflict(_("This decision is already being published.")) from exc
            audit_record(
                actor=actor,
                action="credit.publicity_added",
                target=item,
                after=_item_snapshot(item),
                at=at,
            )
            return item
        before = _item_snapshot(item)
        if any(getattr(item, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(item, name, value)
            item.save()
            audit_record(
                actor=actor,
                action="credit.publicity_updated",
                target=item,
                before=before,
                after=_item_snapshot(item),
                at=at,
            )
        return item


@dataclass(frozen=True, slots=True)
class SyncSummary:
    added_or_updated: int
    withdrawn: int


def publicity_sync_penalties(*, actor: User | None, at: dt.datetime | None = None) -> SyncSummary:
    """Bring the penalty items in line with the records: every publishable penalty decision has
    an item; an item whose record no longer counts is taken down."""
    at = at or clock.now()
    touched = 0
    publishable = (
        CreditRecord.objects.filter(
            direction="negative",
            decided_on__isnull=False,
            status__in=PUBLISHABLE_STATUSES,
            published=True,
        )
        .exclude(decision_number="")
        .select_related("operator", "vehicle", "practitioner", "publicity_item")
        .order_by("pk")
    )
    for record in publishable.iterator(chunk_size=500):
        existing = getattr(record, "publicity_item", None)
        if existing is not None and existing.withdrawn_at is None:
            continue
        if publicity_record_penalty_decision(record=record, actor=actor, at=at) is not None:
            touched += 1
    withdrawn = 0
    stale = PublicityItem.objects.filter(
        kind=PublicityKind.PENALTY, withdrawn_at__isnull=True
    ).exclude(record__status__in=PUBLISHABLE_STATUSES, record__published=True)
    for item in stale.select_related("record").order_by("pk"):
        assert item.record is not None
        if item.record.status in PUBLISHABLE_STATUSES:
            reason = _("The record is not published (minor dishonesty).")
        else:
            reason = _("The record is %(status)s.") % {"status": item.record.get_status_display()}
        publicity_withdraw_for_record(record=item.record, actor=actor, reason=reason, at=at)
        withdrawn += 1
    return SyncSummary(added_or_updated=touched, withdrawn=withdrawn)


def publicity_publish(
    *,
    actor: User | None,
    items: Iterable[PublicityItem] | None = None,
    at: dt.datetime | None = None,
) -> int:
    """Mark items as published (sent to the provincial platform); default: every unpublished
    item that is not taken down. Returns how many were marked."""
    at = at or clock.now()
    with transaction.atomic():
        queryset = PublicityItem.objects.filter(
            published_at__isnull=True, withdrawn_at__isnull=True
        )
        if items is not None:
            queryset = queryset.filter(pk__in=[item.pk for item in items])
        # Lock the rows: two exports at once must stamp each item once.
        chosen = list(queryset.select_for_update().order_by("pk"))
        if not chosen:
            return 0
        late = [item.public_id for item in chosen if timezone.localdate(at) > item.due_on]
        PublicityItem.objects.filter(pk__in=[item.pk for item in chosen]).update(
            published_at=at, updated_at=at
        )
        audit_record(
            actor=actor,
            action="credit.publicity_published",
            target_type="credit.publicityitem",
            target_id=f"{len(chosen)} items",
            after={"items": [item.public_id for item in chosen], "late": late},
            at=at,
        )
        return len(chosen)


def overdue_filter(today: dt.date) -> Q:
    """Items past their due date and still not published (and not taken down)."""
    return Q(published_at__isnull=True, withdrawn_at__isnull=True, due_on__lt=today)


@dataclass(frozen=True, slots=True)
class ExpireSummary:
    records_expired: int
    listings_expired: int


def publication_expire(
    *, actor: User | None, at: dt.datetime | None = None, regrade: bool = True
) -> ExpireSummary:
    """End what has reached the end of its publication period (the ``credit_expire`` command):

    * an active negative record whose ``takedown_on`` has come becomes ``expired`` (it stops
      counting and stops being published; the subject is regraded), its penalty item is taken
      down, and a serious listing resting only on it ends; a record still under objection
      waits for the objection's decision;
    * a serious-dishonesty listing whose ``listed_until`` has come is removed.

    ``regrade=False`` leaves the regrade to the caller, which must regrade every subject right
    after in the same run (the demo loader's batch regrade does).
    """
    from roadcredit.credit.services.lists import (
        listing_review_after_record_change,
        listings_expire,
    )
    from roadcredit.credit.services.records import credit_record_set_status

    at = at or clock.now()
    today = timezone.localdate(at)
    due = CreditRecord.objects.filter(
        status=RecordStatus.ACTIVE, direction="negative", takedown_on__lte=today
    ).order_by("pk")
    expired = 0
    for record in list(due):
        with transaction.atomic():
            try:
                credit_record_set_status(
                    actor=actor,
                    record=record,
                    status=RecordStatus.EXPIRED,
                    reason="公示期届满，自动停止公示",
                    at=at,
                    regrade=regrade,
                )
            except Conflict:
                continue  # moved meanwhile (objection, repair): the next run looks again
            publicity_withdraw_for_record(record=record, actor=actor, reason="公示期届满", at=at)
            listing_review_after_record_change(
                record=record, actor=actor, reason="失信信息公示期届满", at=at
            )
            expired += 1
    return ExpireSummary(
        records_expired=expired, listings_expired=listings_expire(actor=actor, at=at)
    )
