"""Set-based intake of a large .csv file on PostgreSQL: validate each row in Python with the
same rules (``record_input.parse_record``), stream the valid rows into a temporary staging table
with ``COPY``, then link, update and insert with a few set-based statements.

Behaviour is the same as the row-by-row path (``intake.intake_submit``): all or nothing, the
same row/field error messages, re-sent records updated, unknown subjects queued, one audit entry
per batch. Differences are only in speed. The regrade of the affected subjects runs after the
batch commits (``regrade=True``), set-based.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, connection, transaction

from roadcredit.audit.services import audit_record
from roadcredit.core import clock
from roadcredit.core.models import PUBLIC_ID_ALPHABET
from roadcredit.credit.models import (
    CreditRecord,
    IntakeBatch,
    IntakeStatus,
    LinkQueueItem,
    LinkStatus,
    RecordStatusChange,
    Source,
)
from roadcredit.credit.record_input import InputInvalid, RecordInput, SubjectRef, parse_record
from roadcredit.credit.services.intake import (
    MAX_FILE_BYTES,
    MAX_FILE_ROWS,
    RowError,
    _cell,
    _reject,
    map_headers,
)
from roadcredit.credit.services.linking import link_payload, lookup_key, masked_identifier
from roadcredit.credit.services.records import catalogue_for, publication_fields
from roadcredit.exchange.tabular import TabularError, open_table
from roadcredit.subjects.models import Operator, Practitioner, UsccAllowListEntry, Vehicle

if TYPE_CHECKING:
    from roadcredit.accounts.models import User

__all__ = ["BULK_MIN_BYTES", "applies", "intake_csv_bulk"]

BULK_MIN_BYTES = int(os.environ.get("CREDIT_BULK_MIN_BYTES", 2 * 1024 * 1024))
_STAGING = "credit_intake_staging"
_STAGING_COLUMNS = (
    "row_no",
    "source_ref",
    "id_kind",
    "lookup",
    "public_id",
    "behaviour_code",
    "behaviour_name",
    "direction",
    "severity",
    "points",
    "occurred_on",
    "decision_number",
    "decided_on",
    "description",
    "on_serious_list",
    "earliest_repair_on",
    "takedown_on",
    "publication_rule_id",
    "published",
)
_CONTENT = (
    "behaviour_code",
    "behaviour_name",
    "direction",
    "severity",
    "points",
    "occurred_on",
    "decision_number",
    "decided_on",
    "description",
    "on_serious_list",
    "earliest_repair_on",
    "takedown_on",
    "publication_rule_id",
    "published",
)
_UNBIASED = bytes(range(248, 256))  # 248 = 8 * 31: dropping these keeps the choice uniform
_TO_ALPHABET = bytes(
    PUBLIC_ID_ALPHABET[b % len(PUBLIC_ID_ALPHABET)].encode()[0] for b in range(256)
)


def applies(path: Path, *, file_name: str) -> bool:
    """Large .csv files on PostgreSQL take this path."""
    return (
        connection.vendor == "postgresql"
        and Path(file_name).suffix.lower() == ".csv"
        and path.stat().st_size >= BULK_MIN_BYTES
    )


def _public_ids() -> Iterator[str]:
    """Opaque public ids like ``core.models.new_public_id``, generated in bulk."""
    while True:
        raw = os.urandom(16 * 4096).translate(None, _UNBIASED).translate(_TO_ALPHABET).decode()
        for start in range(0, len(raw) - 15, 16):
            yield raw[start : start + 16]


@functools.lru_cache(maxsize=20_000)
def _publication(direction: str, severity: str, decided_on: dt.date | None) -> tuple[Any, ...]:
    fields = publication_fields(direction, severity, decided_on)
    return (
        fields["earliest_repair_on"],
        fields["takedown_on"],
        fields["publication_rule_id"],
        fields["published"],
    )


def _rows(table: Any, columns: list[str | None]) -> Iterator[tuple[int, dict[str, object], str]]:
    """(row number, record mapping, formula-cell field or "") of every data row."""
    named = [(index, name) for index, name in enumerate(columns) if name is not None]
    for row in table.rows():
        values = row.values
        record: dict[str, object] = {}
        formula = ""
        for index, name in named:
            value = values[index] if index < len(values) else None
            try:
                record[name] = _cell(value)
            except ValueError:
                formula = name
        yield row.number, record, formula


def intake_csv_bulk(
    *,
    source: Source,
    path: Path,
    file_name: str,
    file_sha256: str,
    actor: User | None,
    channel: str,
    at: dt.datetime | None = None,
    regrade: bool = True,
) -> IntakeBatch:
    at = at or clock.now()
    try:
        table = open_table(
            path, file_name=file_name, max_bytes=MAX_FILE_BYTES, max_rows=MAX_FILE_ROWS
        )
    except TabularError as exc:
        return _reject(
            source=source,
            channel=channel,
            errors=[RowError(exc.row, "", "__all__", exc.message)],
            total=0,
            actor=actor,
            file_name=file_name,
            file_sha256=file_sha256,
            at=at,
        )
    columns, header_errors = map_headers(table.headers)
    if header_errors:
        return _reject(
            source=source,
            channel=channel,
            errors=header_errors,
            total=0,
            actor=actor,
            file_name=file_name,
            file_sha256=file_sha256,
            at=at,
        )
    try:
        with transaction.atomic():
            outcome = _load(
                source=source,
                table=table,
                columns=columns,
                path=path,
                file_name=file_name,
                file_sha256=file_sha256,
                actor=actor,
                channel=channel,
                at=at,
            )
    except _Rejected as rejected:
        return _reject(
            source=source,
            channel=channel,
            errors=rejected.errors,
            total=rejected.total,
            actor=actor,
            file_name=file_name,
            file_sha256=file_sha256,
            at=at,
        )
    except IntegrityError:
        existing = IntakeBatch.objects.filter(source=source, batch_key=file_sha256).first()
        if existing is None:
            raise
        return existing
    batch, graded = outcome
    if regrade:
        from roadcredit.credit.services.grading_batch import subjects_regrade

        subjects_regrade(
            operator_ids=graded[0],
            practitioner_ids=graded[1],
            actor=actor,
            reason=f"信用记录归集批次 {batch.pk}",
            at=at,
        )
    return batch


class _Rejected(Exception):
    def __init__(self, errors: list[RowError], total: int) -> None:
        super().__init__("rejected")
        self.errors = errors
        self.total = total


@functools.lru_cache(maxsize=200_000)
def _lookup(ref: SubjectRef) -> str:
    """``linking.lookup_key`` memoised (the ID-number blind index is an HMAC per call)."""
    return lookup_key(ref)


def _staging_row(row: int, parsed: RecordInput, public_id: str) -> tuple[Any, ...]:
    assert parsed.subject is not None
    return (
        row,
        parsed.source_ref,
        parsed.subject.identifier_kind,
        _lookup(parsed.subject),
        public_id,
        parsed.behaviour_code,
        parsed.behaviour_name,
        parsed.direction,
        parsed.severity,
        parsed.points,
        parsed.occurred_on,
        parsed.decision_number,
        parsed.decided_on,
        parsed.description,
        parsed.on_serious_list,
        *_publication(parsed.direction, parsed.severity, parsed.decided_on),
    )


def _load(
    *,
    source: Source,
    table: Any,
    columns: list[str | None],
    path: Path,
    file_name: str,
    file_sha256: str,
    actor: User | None,
    channel: str,
    at: dt.datetime,
) -> tuple[IntakeBatch, tuple[list[int], list[int]]]:
    today = clock.today()
    catalogue = catalogue_for("operator")
    allowlisted = frozenset(UsccAllowListEntry.objects.values_list("uscc", flat=True))
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    total = 0
    ids = _public_ids()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {_STAGING}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {_STAGING} (row_no integer, source_ref varchar(100), "
            "id_kind varchar(12), lookup varchar(64), public_id varchar(16), "
            "behaviour_code varchar(20), behaviour_name varchar(200), direction varchar(10), "
            "severity varchar(10), points integer, occurred_on date, decision_number varchar(100), "
            "decided_on date, description text, on_serious_list boolean, earliest_repair_on date, "
            "takedown_on date, publication_rule_id varchar(60), published boolean) ON COMMIT DROP"
        )
        raw = cursor.cursor
        with raw.copy(f"COPY {_STAGING} ({', '.join(_STAGING_COLUMNS)}) FROM STDIN") as copy:
            try:
                for number, record, formula in _rows(table, columns):
                    total += 1
                    ref = str(record.get("source_ref") or "").strip()
                    if formula:
                        errors.append(
                            RowError(number, ref, formula, "单元格是公式，请粘贴为数值后再导入")
                        )
                    try:
                        parsed = parse_record(
                            record,
                            catalogue=catalogue,
                            today=today,
                            uscc_allowlisted=allowlisted.__contains__,
                        )
                    except InputInvalid as exc:
                        for name, messages in exc.fields.items():
                            errors.extend(RowError(number, ref, name, m) for m in messages)
                        continue
                    first = seen.get(parsed.source_ref)
                    if first is not None:
                        errors.append(
                            RowError(
                                number,
                                ref,
                                "source_ref",
                                f"来源记录编号与第 {first} 行重复（同一批次内不能重复）",
                            )
                        )
                        continue
                    seen[parsed.source_ref] = number
                    if not errors:
                        copy.write_row(_staging_row(number, parsed, next(ids)))
            except TabularError as exc:
                errors.append(RowError(exc.row, "", "__all__", exc.message))
        if total == 0:
            errors.append(RowError(None, "", "records", "批次中没有记录"))
        if errors:
            raise _Rejected(errors, total)
        return _apply_staging(
            cursor,
            source=source,
            table=table,
            columns=columns,
            file_name=file_name,
            file_sha256=file_sha256,
            actor=actor,
            channel=channel,
            at=at,
            total=total,
            today=today,
        )


def _apply_staging(
    cursor: Any,
    *,
    source: Source,
    table: Any,
    columns: list[str | None],
    file_name: str,
    file_sha256: str,
    actor: User | None,
    channel: str,
    at: dt.datetime,
    total: int,
    today: dt.date,
) -> tuple[IntakeBatch, tuple[list[int], list[int]]]:
    batch = IntakeBatch.objects.create(
        source=source,
        channel=channel,
        batch_key=file_sha256,
        file_name=file_name[:255],
        file_sha256=file_sha256,
        status=IntakeStatus.ACCEPTED,
        total_rows=total,
        received_at=at,
        actor=actor,
    )
    records = CreditRecord._meta.db_table
    operators = Operator._meta.db_table
    vehicles = Vehicle._meta.db_table
    practitioners = Practitioner._meta.db_table
    cursor.execute(f"ANALYZE {_STAGING}")
    # ON COMMIT DROP does not help when the caller's transaction goes on (tests, nested calls).
    cursor.execute("DROP TABLE IF EXISTS credit_intake_resolved, credit_intake_changed")
    # Resolve every row once: its subject (if registered) and the stored record it re-sends.
    cursor.execute(
        f"""CREATE TEMPORARY TABLE credit_intake_resolved ON COMMIT DROP AS
        SELECT s.*, r.id AS record_id, r.status AS record_status, r.decided_on AS record_decided,
               m.matched,
               CASE WHEN m.matched THEN COALESCE(o.id, v.operator_id) ELSE r.operator_id END
                   AS operator_id,
               CASE WHEN m.matched THEN v.id ELSE r.vehicle_id END AS vehicle_id,
               CASE WHEN m.matched THEN p.id ELSE r.practitioner_id END AS practitioner_id,
               CASE WHEN m.matched THEN CASE s.id_kind WHEN 'uscc' THEN 'operator'
                    WHEN 'plate' THEN 'vehicle' ELSE 'practitioner' END
                    ELSE r.subject_kind END AS subj_kind
        FROM {_STAGING} s
        LEFT JOIN {operators} o ON s.id_kind = 'uscc' AND o.uscc = s.lookup
        LEFT JOIN {vehicles} v ON s.id_kind = 'plate' AND v.plate || '|' || v.plate_colour = s.lookup
        LEFT JOIN {practitioners} p ON s.id_kind = 'id_number' AND p.id_number_index = s.lookup
        LEFT JOIN {records} r ON r.source_id = %s AND r.source_ref = s.source_ref
        CROSS JOIN LATERAL (SELECT (o.id IS NOT NULL OR v.id IS NOT NULL OR p.id IS NOT NULL)
                            AS matched) m""",  # noqa: S608 (constant names, values as params)
        [source.pk],
    )
    # Rows the row-by-row path would refuse: a withdrawn or expired record, or a decided record
    # losing its decision.
    cursor.execute(
        """SELECT row_no, source_ref, record_status FROM credit_intake_resolved
        WHERE record_id IS NOT NULL AND (record_status IN ('withdrawn', 'expired')
              OR (record_decided IS NOT NULL AND decided_on IS NULL)) ORDER BY row_no LIMIT 1000"""
    )
    refused = cursor.fetchall()
    if refused:
        raise _Rejected(
            [
                RowError(
                    row,
                    ref,
                    "source_ref" if status in ("withdrawn", "expired") else "decided_on",
                    "该记录已撤销或已过期，不能修改"
                    if status in ("withdrawn", "expired")
                    else "已作出决定的记录须保留决定日期",
                )
                for row, ref, status in refused
            ],
            total,
        )
    content_differs = " OR ".join(f"r.{c} IS DISTINCT FROM x.{c}" for c in _CONTENT)
    subject_differs = (
        "r.subject_kind IS DISTINCT FROM x.subj_kind OR r.operator_id IS DISTINCT FROM x.operator_id OR r.vehicle_id IS DISTINCT FROM x.vehicle_id "
        "OR r.practitioner_id IS DISTINCT FROM x.practitioner_id"
    )
    # Updates of re-sent records (their old graded subject is regraded too).
    cursor.execute(
        f"""CREATE TEMPORARY TABLE credit_intake_changed ON COMMIT DROP AS
        SELECT x.record_id, r.operator_id AS old_operator, r.practitioner_id AS old_practitioner,
               r.status AS old_status
        FROM credit_intake_resolved x JOIN {records} r ON r.id = x.record_id
        WHERE {content_differs} OR {subject_differs}"""  # noqa: S608 (constant names, values as params)
    )
    set_content = ", ".join(f"{c} = x.{c}" for c in _CONTENT)
    cursor.execute(
        f"""UPDATE {records} r SET {set_content}, operator_id = x.operator_id,
            vehicle_id = x.vehicle_id, practitioner_id = x.practitioner_id,
            subject_kind = x.subj_kind,
            status = CASE WHEN r.status = 'pending' AND x.decided_on IS NOT NULL THEN 'active' ELSE r.status END,
            batch_id = %s, updated_at = %s
        FROM credit_intake_resolved x JOIN credit_intake_changed c ON c.record_id = x.record_id
        WHERE r.id = x.record_id""",  # noqa: S608 (constant names, values as params)
        [batch.pk, at],
    )
    updated = cursor.rowcount
    cursor.execute(
        f"""INSERT INTO {RecordStatusChange._meta.db_table}
            (record_id, from_status, to_status, changed_on, changed_at, reason, actor_id)
        SELECT c.record_id, 'pending', 'active', %s, %s, '录入处理决定', %s
        FROM credit_intake_changed c JOIN {records} r ON r.id = c.record_id
        WHERE c.old_status = 'pending' AND r.status = 'active'""",  # noqa: S608 (constant names, values as params)
        [today, at, None if actor is None else actor.pk],
    )
    cursor.execute("SELECT count(*) FROM credit_intake_resolved WHERE record_id IS NOT NULL")
    resent = cursor.fetchone()[0]
    # New records of registered subjects.
    cursor.execute(
        f"""INSERT INTO {records} (public_id, created_at, updated_at, subject_kind, operator_id,
            vehicle_id, practitioner_id, {", ".join(_CONTENT)}, status, status_reason, source_id,
            source_ref, batch_id, source_row, file_sha256, recorded_by_id)
        SELECT x.public_id, %s, %s,
            x.subj_kind, x.operator_id, x.vehicle_id, x.practitioner_id, {", ".join("x." + c for c in _CONTENT)},
            CASE WHEN x.decided_on IS NULL THEN 'pending' ELSE 'active' END, '', %s,
            x.source_ref, %s, x.row_no, %s, %s
        FROM credit_intake_resolved x WHERE x.record_id IS NULL AND x.matched""",  # noqa: S608 (constant names, values as params)
        [at, at, source.pk, batch.pk, file_sha256, None if actor is None else actor.pk],
    )
    created = cursor.rowcount
    # Queued records that now found their subject.
    cursor.execute(
        f"""UPDATE {LinkQueueItem._meta.db_table} q SET status = %s, record_id = r.id,
            resolved_at = %s, resolution_note = '随后续批次自动关联', updated_at = %s
        FROM {records} r WHERE q.status = %s AND q.source_id = %s AND r.source_id = q.source_id
            AND r.source_ref = q.source_ref AND r.batch_id = %s""",  # noqa: S608 (constant names, values as params)
        [LinkStatus.LINKED, at, at, LinkStatus.OPEN, source.pk, batch.pk],
    )
    to_link = _queue_unmatched(
        cursor, source=source, batch=batch, table=table, columns=columns, today=today
    )
    cursor.execute(
        f"""SELECT DISTINCT operator_id, practitioner_id FROM (
            SELECT operator_id, practitioner_id FROM {records} WHERE batch_id = %s
            UNION ALL SELECT old_operator, old_practitioner FROM credit_intake_changed) t""",  # noqa: S608 (constant names, values as params)
        [batch.pk],
    )
    operator_ids: set[int] = set()
    practitioner_ids: set[int] = set()
    for operator_id, practitioner_id in cursor.fetchall():
        if practitioner_id is not None:
            practitioner_ids.add(practitioner_id)
        elif operator_id is not None:
            operator_ids.add(operator_id)
    cursor.execute(
        f"DROP TABLE IF EXISTS credit_intake_resolved, credit_intake_changed, {_STAGING}"
    )
    batch.created_count = created
    batch.updated_count = updated
    batch.unchanged_count = resent - updated
    batch.to_link_count = to_link
    batch.save()
    audit_record(
        actor=actor,
        action="credit.intake_accepted",
        target=batch,
        after={"source": source.code, "key": file_sha256, "path": "bulk", **batch.summary()},
        at=at,
    )
    return batch, (sorted(operator_ids), sorted(practitioner_ids))


def _queue_unmatched(
    cursor: Any,
    *,
    source: Source,
    batch: IntakeBatch,
    table: Any,
    columns: list[str | None],
    today: dt.date,
) -> int:
    """Queue the rows whose subject is unknown (second pass over those rows of the file, as the
    queue keeps the record as received, encrypted)."""
    cursor.execute(
        "SELECT row_no FROM credit_intake_resolved WHERE record_id IS NULL AND NOT matched ORDER BY row_no"
    )
    wanted = {row for (row,) in cursor.fetchall()}
    if not wanted:
        return 0
    catalogue = catalogue_for("operator")
    open_items = {
        item.source_ref: item
        for item in LinkQueueItem.objects.select_for_update().filter(
            source=source, status=LinkStatus.OPEN
        )
    }
    new: list[LinkQueueItem] = []
    from roadcredit.credit.services.linking import _summary

    for number, record, _formula in _rows(table, columns):
        if number not in wanted:
            continue
        parsed = parse_record(
            record, catalogue=catalogue, today=today, uscc_allowlisted=lambda c: True
        )
        assert parsed.subject is not None
        values = {
            "batch": batch,
            "source_row": number,
            "identifier_kind": parsed.subject.identifier_kind,
            "identifier_masked": masked_identifier(parsed.subject)[:40],
            "lookup_key": lookup_key(parsed.subject),
            "payload_encrypted": link_payload(record),
            "summary": _summary(parsed),
        }
        item = open_items.get(parsed.source_ref)
        if item is not None:
            for name, value in values.items():
                setattr(item, name, value)
            item.save()
        else:
            new.append(LinkQueueItem(source=source, source_ref=parsed.source_ref, **values))
    LinkQueueItem.objects.bulk_create(new, batch_size=1000)
    return len(wanted)
