"""Intake of credit records from registered sources: API push, files (.csv / .xlsx / .json) by
command or page. All or nothing per batch, idempotent, provenance kept.

* **All or nothing**: every row is validated first; one bad row rejects the batch, nothing is
  written but the rejected batch with its row/field error report.
* **Idempotent**: the batch key (the source's batch id, else the SHA-256 of the file or of the
  canonical JSON of the records) is unique per source among accepted batches; a batch sent again
  returns the first result. Two identical batches sent at the same moment: the second insert of
  the batch row waits on the unique index, fails when the first commits, and the second call then
  returns the first batch (``_run_once`` retries once).
* **Re-sent records** (same source + source_ref) update the stored record instead of
  duplicating it.
* **Unknown subjects** go to the to-link queue (``linking``) and are counted, never dropped.
* Affected subjects are regraded once per batch (``grading_batch.subjects_regrade``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from roadcredit.audit.services import audit_record
from roadcredit.core import clock
from roadcredit.core.errors import Conflict, ValidationFailed
from roadcredit.credit.models import (
    CreditRecord,
    IntakeBatch,
    IntakeChannel,
    IntakeStatus,
    LinkQueueItem,
    LinkStatus,
    RecordStatus,
    Source,
    SourceKind,
)
from roadcredit.credit.record_input import (
    FIELD_LABELS,
    HEADER_ALIASES,
    InputInvalid,
    RecordInput,
    parse_record,
)
from roadcredit.credit.services.linking import link_queue_put, lookup_key, subjects_for
from roadcredit.credit.services.records import (
    _apply,
    _content_columns,
    _subject_columns,
    catalogue_for,
)
from roadcredit.exchange.columns import FormulaCell
from roadcredit.exchange.tabular import TabularError, open_table
from roadcredit.subjects.selectors import uscc_allowlisted

if TYPE_CHECKING:
    from roadcredit.accounts.models import User

__all__ = [
    "MAX_BATCH_RECORDS",
    "MAX_FILE_BYTES",
    "IntakeRejected",
    "RowError",
    "intake_file",
    "intake_submit",
    "read_records_file",
    "source_authenticate",
    "source_create",
    "source_token_issue",
    "source_token_revoke",
    "token_hash",
]

MAX_BATCH_RECORDS = 5000  # one API push
MAX_FILE_ROWS = 2_000_000
MAX_FILE_BYTES = 512 * 1024 * 1024
MAX_JSON_BYTES = 50 * 1024 * 1024
MAX_REPORTED_ERRORS = 1000
BATCH_KEY_MAX = 128


# -- sources and tokens ---------------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def source_authenticate(token: str) -> Source | None:
    """The active source holding this push token (None for a wrong or revoked token)."""
    if not token or len(token) > 200:
        return None
    return Source.objects.filter(
        api_token_hash=token_hash(token), active=True, token_revoked_at__isnull=True
    ).first()


def source_create(*, actor: User | None, code: str, name: str, kind: str) -> Source:
    code = code.strip().lower()
    errors: dict[str, list[str]] = {}
    if (
        not code
        or not code.replace("_", "").replace("-", "").isalnum()
        or not code.isascii()
        or len(code) > 40
    ):
        errors["code"] = [_("Use 1-40 letters, digits, - or _.")]
    if not name.strip() or len(name) > 100:
        errors["name"] = [_("Required, at most 100 characters.")]
    if kind not in SourceKind.values:
        errors["kind"] = [_("Unknown source kind.")]
    if errors:
        raise ValidationFailed.for_fields(_("The source has errors."), errors)
    with transaction.atomic():
        if Source.objects.filter(code=code).exists():
            raise Conflict(_("A source with this code already exists."))
        source = Source.objects.create(code=code, name=name.strip(), kind=kind)
        audit_record(
            actor=actor,
            action="credit.source_created",
            target=source,
            target_id=code,
            after={"code": code, "name": source.name, "kind": kind},
        )
        return source


def source_token_issue(*, actor: User | None, source: Source) -> str:
    """Issue a new push token (the old one stops working). The token is returned once."""
    token = "rcs_" + secrets.token_urlsafe(32)
    now = clock.now()
    with transaction.atomic():
        Source.objects.filter(pk=source.pk).update(
            api_token_hash=token_hash(token), token_issued_at=now, token_revoked_at=None
        )
        audit_record(
            actor=actor,
            action="credit.source_token_issued",
            target=source,
            target_id=source.code,
            after={"issued_at": now},
            at=now,
        )
    source.refresh_from_db()
    return token


def source_token_revoke(*, actor: User | None, source: Source) -> Source:
    now = clock.now()
    with transaction.atomic():
        Source.objects.filter(pk=source.pk).update(token_revoked_at=now)
        audit_record(
            actor=actor,
            action="credit.source_token_revoked",
            target=source,
            target_id=source.code,
            after={"revoked_at": now},
            at=now,
        )
    source.refresh_from_db()
    return source


# -- batches ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int | None  # the file's row (header = 1) or the record's 1-based position in a push
    source_ref: str
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "source_ref": self.source_ref,
            "field": self.field,
            "label": FIELD_LABELS.get(self.field, self.field),
            "message": self.message,
        }


class IntakeRejected(ValidationFailed):
    """A rejected batch as the one error shape: ``extra = {batch, error_count, rows}``."""

    @classmethod
    def for_batch(cls, batch: IntakeBatch) -> IntakeRejected:
        return cls(
            _("The batch was rejected and nothing was recorded; see the error report."),
            {"batch": batch.pk, "error_count": batch.error_count, "rows": batch.errors},
        )


@dataclass
class _Parsed:
    row: int | None
    raw: Mapping[str, object]
    record: RecordInput


@dataclass
class _Outcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    to_link: int = 0
    graded: set[tuple[str, int]] = field(default_factory=set)


def payload_key(records: Sequence[Mapping[str, object]]) -> str:
    text = json.dumps(list(records), ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _validate(
    records: Sequence[Mapping[str, object]], rows: Sequence[int | None]
) -> tuple[list[_Parsed], list[RowError]]:
    today = clock.today()
    catalogue = catalogue_for("operator")
    parsed: list[_Parsed] = []
    errors: list[RowError] = []
    seen: dict[str, int | None] = {}
    for raw, row in zip(records, rows, strict=True):
        if not isinstance(raw, Mapping):
            errors.append(RowError(row, "", "__all__", "每条记录应为一个对象（键值对）"))
            continue
        ref = str(raw.get("source_ref") or "").strip()
        try:
            record = parse_record(
                raw, catalogue=catalogue, today=today, uscc_allowlisted=uscc_allowlisted
            )
        except InputInvalid as exc:
            for name, messages in exc.fields.items():
                errors.extend(RowError(row, ref, name, message) for message in messages)
            continue
        if record.source_ref in seen:
            first = seen[record.source_ref]
            errors.append(
                RowError(
                    row, ref, "source_ref", f"来源记录编号与第 {first} 行重复（同一批次内不能重复）"
                )
            )
            continue
        seen[record.source_ref] = row
        parsed.append(_Parsed(row, raw, record))
    return parsed, errors


def _reject(
    *,
    source: Source,
    channel: str,
    errors: list[RowError],
    total: int,
    actor: User | None,
    file_name: str,
    file_sha256: str,
    at: dt.datetime,
) -> IntakeBatch:
    with transaction.atomic():
        batch = IntakeBatch.objects.create(
            source=source,
            channel=channel,
            batch_key=None,
            file_name=file_name[:255],
            file_sha256=file_sha256,
            status=IntakeStatus.REJECTED,
            total_rows=total,
            error_count=len(errors),
            errors=[e.as_dict() for e in errors[:MAX_REPORTED_ERRORS]],
            received_at=at,
            actor=actor,
        )
        audit_record(
            actor=actor,
            action="credit.intake_rejected",
            target=batch,
            after={"source": source.code, "errors": len(errors), "rows": total},
            at=at,
        )
        return batch


def intake_submit(
    *,
    source: Source,
    records: Sequence[Mapping[str, object]],
    channel: str = IntakeChannel.API,
    batch_key: str | None = None,
    rows: Sequence[int | None] | None = None,
    actor: User | None = None,
    file_name: str = "",
    file_sha256: str = "",
    at: dt.datetime | None = None,
) -> IntakeBatch:
    """Take one batch of records from ``source``; returns the batch (accepted or rejected)."""
    at = at or clock.now()
    content_key = file_sha256 or payload_key(records)
    key = (batch_key or "").strip() or content_key
    if len(key) > BATCH_KEY_MAX:
        raise ValidationFailed.for_fields(
            _("The batch has errors."), {"batch_id": [_("At most 128 characters.")]}
        )
    existing = _existing(source, key, content_key)
    if existing is not None:
        return existing
    numbers = list(rows) if rows is not None else list(range(1, len(records) + 1))
    parsed, errors = _validate(records, numbers)
    if not records:
        errors.append(RowError(None, "", "records", "批次中没有记录"))
    if errors:
        return _reject(
            source=source,
            channel=channel,
            errors=errors,
            total=len(records),
            actor=actor,
            file_name=file_name,
            file_sha256=file_sha256,
            at=at,
        )
    for attempt in range(2):
        try:
            return _accept(
                source=source,
                channel=channel,
                key=key,
                parsed=parsed,
                actor=actor,
                file_name=file_name,
                file_sha256=content_key,
                at=at,
            )
        except RowsRefused as refused:
            return _reject(
                source=source,
                channel=channel,
                errors=refused.errors,
                total=len(records),
                actor=actor,
                file_name=file_name,
                file_sha256=file_sha256,
                at=at,
            )
        except IntegrityError:
            # The same batch (or a record of it) was committed by a concurrent call meanwhile.
            existing = _existing(source, key, content_key)
            if existing is not None:
                return existing
            if attempt:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _existing(source: Source, key: str, content_key: str) -> IntakeBatch | None:
    found = IntakeBatch.objects.filter(source=source, batch_key=key).first()
    if found is not None and found.file_sha256 and found.file_sha256 != content_key:
        raise Conflict(
            _("This batch id was already used for a batch with other content."),
            {"batch": found.pk},
        )
    return found


def _accept(
    *,
    source: Source,
    channel: str,
    key: str,
    parsed: list[_Parsed],
    actor: User | None,
    file_name: str,
    file_sha256: str,
    at: dt.datetime,
) -> IntakeBatch:
    from roadcredit.credit.services.grading_batch import subjects_regrade

    with transaction.atomic():
        batch = IntakeBatch.objects.create(
            source=source,
            channel=channel,
            batch_key=key,
            file_name=file_name[:255],
            file_sha256=file_sha256,
            status=IntakeStatus.ACCEPTED,
            total_rows=len(parsed),
            received_at=at,
            actor=actor,
        )
        outcome = _write(batch=batch, source=source, parsed=parsed, actor=actor, at=at)
        batch.created_count = outcome.created
        batch.updated_count = outcome.updated
        batch.unchanged_count = outcome.unchanged
        batch.to_link_count = outcome.to_link
        batch.save()
        audit_record(
            actor=actor,
            action="credit.intake_accepted",
            target=batch,
            after={"source": source.code, "key": key, **batch.summary()},
            at=at,
        )
        subjects_regrade(
            operator_ids=sorted(pk for kind, pk in outcome.graded if kind == "operator"),
            practitioner_ids=sorted(pk for kind, pk in outcome.graded if kind == "practitioner"),
            actor=actor,
            reason=f"信用记录归集批次 {batch.pk}",
            at=at,
        )
        return batch


class RowsRefused(Exception):
    """Rows that are valid on their own but cannot be applied to the stored record."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("refused")
        self.errors = errors


def _refusal(existing: CreditRecord, record_in: RecordInput) -> tuple[str, str] | None:
    """Why a re-sent record cannot update the stored one (the same rules as ``_apply``)."""
    if existing.status in (RecordStatus.WITHDRAWN, RecordStatus.EXPIRED):
        return "source_ref", "该记录已撤销或已过期，不能修改"
    if existing.decided_on is not None and record_in.decided_on is None:
        return "decided_on", "已作出决定的记录须保留决定日期"
    return None


def _graded_key(record: CreditRecord) -> tuple[str, int] | None:
    if record.practitioner_id is not None:
        return ("practitioner", record.practitioner_id)
    if record.operator_id is not None:
        return ("operator", record.operator_id)
    return None


def _write(
    *,
    batch: IntakeBatch,
    source: Source,
    parsed: list[_Parsed],
    actor: User | None,
    at: dt.datetime,
) -> _Outcome:
    outcome = _Outcome()
    subjects = subjects_for(p.record.subject for p in parsed if p.record.subject is not None)
    refs = [p.record.source_ref for p in parsed]
    # Lock the stored records this batch re-sends: a status move (objection, repair) racing the
    # update would otherwise be overwritten.
    stored: dict[str, CreditRecord] = {}
    for start in range(0, len(refs), 500):
        for record in CreditRecord.objects.select_for_update().filter(
            source=source, source_ref__in=refs[start : start + 500]
        ):
            stored[record.source_ref] = record
    new: list[CreditRecord] = []
    linked_refs: list[str] = []
    refused: list[RowError] = []
    for item in parsed:
        record_in = item.record
        assert record_in.subject is not None
        subject = subjects.get(lookup_key(record_in.subject))
        existing = stored.get(record_in.source_ref)
        if subject is None and existing is not None:
            subject = existing.subject  # linked by an officer earlier: keep that link
        if subject is None:
            _item, _created = link_queue_put(
                source=source, batch=batch, parsed=record_in, raw=item.raw, row=item.row
            )
            outcome.to_link += 1
            continue
        if existing is not None:
            refusal = _refusal(existing, record_in)
            if refusal is not None:
                refused.append(RowError(item.row, record_in.source_ref, *refusal))
                continue
            before = _graded_key(existing)
            changed = _apply(
                existing, record_in, subject, actor=actor, at=at, batch=batch, regrade=False
            )
            if changed:
                outcome.updated += 1
                for key in (before, _graded_key(existing)):
                    if key is not None:
                        outcome.graded.add(key)
            else:
                outcome.unchanged += 1
            continue
        record = CreditRecord(
            **_subject_columns(subject),
            **_content_columns(record_in),
            status=RecordStatus.ACTIVE if record_in.decided_on else RecordStatus.PENDING,
            source=source,
            source_ref=record_in.source_ref,
            batch=batch,
            source_row=item.row,
            file_sha256=batch.file_sha256 if batch.channel != IntakeChannel.API else "",
            recorded_by=actor,
        )
        new.append(record)
        linked_refs.append(record_in.source_ref)
        key = _graded_key(record)
        if key is not None:
            outcome.graded.add(key)
    if refused:
        raise RowsRefused(refused)
    CreditRecord.objects.bulk_create(new, batch_size=500)
    outcome.created = len(new)
    if linked_refs:
        # Records that waited in the queue and now found their subject.
        by_ref = {r.source_ref: r for r in new}
        for queued in LinkQueueItem.objects.select_for_update().filter(
            source=source, status=LinkStatus.OPEN, source_ref__in=linked_refs
        ):
            queued.status = LinkStatus.LINKED
            queued.record = by_ref[queued.source_ref]
            queued.resolved_at = at
            queued.resolution_note = "随后续批次自动关联"
            queued.save()
    # New records are audited by the batch's own entry (they carry the batch): one audit row per
    # batch instead of one per record keeps a 5,000-record push cheap.
    return outcome


# -- files -------------------------------------------------------------------------------------


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _cell(value: object) -> object:
    if isinstance(value, FormulaCell):
        raise ValueError("公式")
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def map_headers(headers: Sequence[object]) -> tuple[list[str | None], list[RowError]]:
    """The field name of each column (None for an empty header) and the header problems."""
    columns: list[str | None] = []
    errors: list[RowError] = []
    for index, header in enumerate(headers, start=1):
        text = str(header or "").strip().strip("*").replace("\u3000", "")
        if not text:
            columns.append(None)
            continue
        name = HEADER_ALIASES.get(text) or HEADER_ALIASES.get(text.lower())
        if name is None:
            errors.append(RowError(1, "", "__all__", f"第 {index} 列的列名“{text}”无法识别"))
        elif name in columns:
            errors.append(RowError(1, "", "__all__", f"列“{text}”重复"))
        columns.append(name)
    for required in ("source_ref", "behaviour_code", "occurred_on"):
        if required not in columns:
            errors.append(RowError(1, "", "__all__", f"缺少必需的列“{FIELD_LABELS[required]}”"))
    return columns, errors


def read_records_file(
    path: Path, *, file_name: str
) -> tuple[list[dict[str, object]], list[int | None], list[RowError], str | None]:
    """Read a .csv / .xlsx / .json file into record mappings.

    Returns (records, row numbers, file-level errors, batch id from a JSON envelope).
    """
    suffix = Path(file_name).suffix.lower()
    if suffix == ".json":
        return _read_json(path)
    try:
        table = open_table(
            path, file_name=file_name, max_bytes=MAX_FILE_BYTES, max_rows=MAX_FILE_ROWS
        )
    except TabularError as exc:
        return [], [], [RowError(exc.row, "", "__all__", exc.message)], None
    columns, errors = map_headers(table.headers)
    if errors:
        return [], [], errors, None
    records: list[dict[str, object]] = []
    numbers: list[int | None] = []
    try:
        for row in table.rows():
            record: dict[str, object] = {}
            for name, value in zip(columns, row.values, strict=False):
                if name is None:
                    continue
                try:
                    record[name] = _cell(value)
                except ValueError:
                    errors.append(
                        RowError(row.number, "", name, "单元格是公式，请粘贴为数值后再导入")
                    )
            records.append(record)
            numbers.append(row.number)
    except TabularError as exc:
        errors.append(RowError(exc.row, "", "__all__", exc.message))
    return records, numbers, errors, None


def _read_json(
    path: Path,
) -> tuple[list[dict[str, object]], list[int | None], list[RowError], str | None]:
    if path.stat().st_size > MAX_JSON_BYTES:
        return (
            [],
            [],
            [RowError(None, "", "__all__", "JSON 文件超过 50 MB，请拆分后分批导入")],
            None,
        )
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return [], [], [RowError(None, "", "__all__", f"不是有效的 UTF-8 JSON 文件：{exc}")], None
    batch_id: str | None = None
    if isinstance(data, dict):
        batch_id = str(data.get("batch_id") or "") or None
        data = data.get("records")
    if not isinstance(data, list):
        message = "JSON 文件应为记录数组，或含 records 数组的对象"
        return [], [], [RowError(None, "", "__all__", message)], None
    return data, list(range(1, len(data) + 1)), [], batch_id


def intake_file(
    *,
    source: Source,
    path: Path,
    file_name: str,
    actor: User | None,
    channel: str = IntakeChannel.FILE,
    at: dt.datetime | None = None,
) -> IntakeBatch:
    """Take a .csv / .xlsx / .json file from ``source`` as one batch (key: the file's SHA-256,
    or the JSON envelope's ``batch_id``). Large .csv files on PostgreSQL take the set-based path
    (``intake_bulk``) with the same validation."""
    at = at or clock.now()
    digest = _sha256_file(path)
    existing = IntakeBatch.objects.filter(source=source, batch_key=digest).first()
    if existing is not None:
        return existing
    from roadcredit.credit.services import intake_bulk

    if intake_bulk.applies(path, file_name=file_name):
        return intake_bulk.intake_csv_bulk(
            source=source,
            path=path,
            file_name=file_name,
            file_sha256=digest,
            actor=actor,
            channel=channel,
            at=at,
        )
    records, numbers, errors, batch_id = read_records_file(path, file_name=file_name)
    if errors:
        return _reject(
            source=source,
            channel=channel,
            errors=errors,
            total=len(records),
            actor=actor,
            file_name=file_name,
            file_sha256=digest,
            at=at,
        )
    return intake_submit(
        source=source,
        records=records,
        channel=channel,
        batch_key=batch_id or digest,
        rows=numbers,
        actor=actor,
        file_name=file_name,
        file_sha256=digest,
        at=at,
    )
