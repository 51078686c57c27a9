"""Set-based intake of a large .csv file on PostgreSQL.

The file goes into a temporary table as it is, with one ``COPY`` of its bytes (no Python per
row). Every row is then checked in SQL against a strict "plainly valid" test: canonical
identifiers with their check characters (USCC MOD 31, ID number MOD 11-2 and birth date), real
ISO dates not after today, a known behaviour code that applies to the subject, lengths, no
control characters or surrounding blanks, both-or-neither decision. A row that passes is exactly
what ``record_input.parse_record`` would accept, with the same values. Every other row (rare in
a real export) is read by ``parse_record`` itself, so error reports name the same row, field and
message as every other intake path, and rows that only need normalising (lower-case letters,
blanks, full-width digits, an allow-listed USCC) are taken as ``parse_record`` reads them. Plates
and ID numbers are checked once per distinct value (the ID number's blind index is an HMAC).

Linking (USCC / blind index / plate + colour), duplicates within the file, re-sent records
(update in place), new records and the to-link queue are set-based statements. All or nothing;
one audit entry per batch; the regrade of the affected subjects runs set-based inside the
batch's transaction (``regrade=True``), so records and grades commit together.

A file the ``COPY`` reading cannot take exactly as ``exchange.tabular`` reads it (quotes that are
not around whole fields, ragged rows, more rows than allowed, bytes the encoding refuses) takes
the reference path: ``tabular`` reads it and ``parse_record`` checks every row.
"""

from __future__ import annotations

import datetime as dt
import functools
import hmac
import itertools
import os
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import DatabaseError, IntegrityError, connection, transaction
from psycopg import Error as PsycopgError
from psycopg.types.json import Jsonb

from roadcredit.audit.services import audit_record
from roadcredit.core import clock, pii
from roadcredit.core.models import PUBLIC_ID_ALPHABET
from roadcredit.credit.grading import BehaviourCatalogue
from roadcredit.credit.models import (
    CreditRecord,
    IntakeBatch,
    IntakeStatus,
    LinkQueueItem,
    LinkStatus,
    RecordStatusChange,
    Source,
)
from roadcredit.credit.record_input import (
    InputInvalid,
    RecordInput,
    SubjectRef,
    _identifier,
    parse_record,
    scheme_for_kind,
)
from roadcredit.credit.services.intake import (
    MAX_FILE_BYTES,
    MAX_FILE_ROWS,
    RowError,
    _cell,
    _reject,
    map_headers,
)
from roadcredit.credit.services.linking import (
    _summary,
    link_payload,
    lookup_key,
    masked_identifier,
)
from roadcredit.credit.services.records import catalogue_for, publication_fields
from roadcredit.exchange.columns import FormulaCell, is_blank
from roadcredit.exchange.tabular import (
    _CSV_FORMULA,
    Table,
    TabularError,
    _csv_rows,
    _first_row,
    _refuse_counted,
    detect_encoding,
    open_table,
)
from roadcredit.subjects.identifiers import USCC_ALPHABET
from roadcredit.subjects.models import Operator, Practitioner, UsccAllowListEntry, Vehicle

if TYPE_CHECKING:
    from roadcredit.accounts.models import User

__all__ = ["BULK_MIN_BYTES", "applies", "intake_csv_bulk", "plainly_valid_sql"]

_WORK_MEM = "64MB"  # per sort or hash of the intake's own statements, this transaction only
BULK_MIN_BYTES = int(os.environ.get("CREDIT_BULK_MIN_BYTES", 2 * 1024 * 1024))
_RAW = "credit_intake_raw"
_ROWS = "credit_intake_rows"
_TEMP_TABLES = (
    _RAW,
    _ROWS,
    "credit_intake_ids",
    "credit_intake_idmap",
    "credit_intake_platemap",
    "credit_intake_codes",
    "credit_intake_calendar",
    "credit_intake_pub",
    "credit_intake_resolved",
    "credit_intake_changed",
    "credit_intake_requeued",
)
# The checked rows: one per data row of the file, typed.
_ROW_COLUMNS = (
    "row_no",
    "source_ref",
    "id_kind",
    "lookup",
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
_MAX_CELL_CHARS = 32_767  # a spreadsheet cell's limit (tabular refuses longer cells)
_EARLIEST_DAY = dt.date(1900, 1, 1)  # older dates are left to parse_record
# Characters Python's str.strip() removes; a cell starting or ending with one goes to
# parse_record (which strips it).
_PY_SPACES = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
_CONTROL = "".join(chr(c) for c in (*range(1, 9), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F))
# A cell the strict test does not take: blank at either end, a formula, a control character.
_ODD_CELL = f"^[{_PY_SPACES}=]|[{_PY_SPACES}]$|[{_CONTROL}]"
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_FLAGS = {"": False, "0": False, "false": False, "no": False, "n": False, "否": False, "f": False}
_FLAGS.update({"1": True, "true": True, "yes": True, "y": True, "是": True, "t": True})
_MAX_LENGTHS = {
    "source_ref": 100,
    "uscc": 40,
    "id_number": 40,
    "plate": 20,
    "plate_colour": 4,
    "subject_name": 200,
    "behaviour_code": 20,
    "decision_number": 100,
    "description": 2000,
}


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


def _record_of(
    values: tuple[object, ...], named: list[tuple[int, str]]
) -> tuple[dict[str, object], str]:
    """(record mapping, formula-cell field or "") of one row as ``exchange.tabular`` gives it."""
    record: dict[str, object] = {}
    formula = ""
    for index, name in named:
        value = values[index] if index < len(values) else None
        try:
            record[name] = _cell(value)
        except ValueError:
            formula = name
    return record, formula


def _rows(table: Any, columns: list[str | None]) -> Iterator[tuple[int, dict[str, object], str]]:
    """(row number, record mapping, formula-cell field or "") of every data row."""
    named = [(index, name) for index, name in enumerate(columns) if name is not None]
    for row in table.rows():
        record, formula = _record_of(row.values, named)
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
        table = _open_header(path, file_name=file_name) or open_table(
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
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {', '.join(_TEMP_TABLES)}")
            # For this transaction only: the statements below are a handful of big joins over
            # fresh temporary tables. JIT compiling them costs more than it saves (a second per
            # 200,000 rows measured), and the default 4 MB work_mem sends their sorts and hashes
            # to disk.
            cursor.execute(f"SET LOCAL jit = off; SET LOCAL work_mem = '{_WORK_MEM}'")
            checked = _check_by_copy(cursor, table=table, columns=columns)
            if checked is None:
                checked = _check_by_rows(cursor, table=table, columns=columns)
            outcome = _apply_staging(
                cursor,
                source=source,
                raw_records=checked,
                file_name=file_name,
                file_sha256=file_sha256,
                actor=actor,
                channel=channel,
                at=at,
            )
            if regrade:
                # In the batch's own transaction: a crash can never leave the records stored
                # and their subjects' grades stale (a re-sent file returns the stored batch).
                from roadcredit.credit.services.grading_batch import subjects_regrade

                batch, graded = outcome
                subjects_regrade(
                    operator_ids=graded[0],
                    practitioner_ids=graded[1],
                    actor=actor,
                    reason=f"信用记录归集批次 {batch.pk}",
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
    return outcome[0]


def _open_header(path: Path, *, file_name: str) -> Table | None:
    """The .csv file's encoding, delimiter and header as ``tabular.open_table`` finds them,
    without its Python pass over every row (the set-based check counts the rows and measures
    the cells in SQL). None when ``open_table`` itself should look at the file."""
    size = path.stat().st_size
    if Path(file_name).suffix.lower() != ".csv" or not 0 < size <= MAX_FILE_BYTES:
        return None
    encoding = detect_encoding(path)
    with path.open(encoding=encoding, newline="") as handle:
        first_line = handle.readline()
    table = Table(
        path=path,
        format="csv",
        headers=(),
        max_rows=MAX_FILE_ROWS,
        encoding=encoding,
        delimiter="\t" if "\t" in first_line and "," not in first_line else ",",
    )
    table.headers = _first_row(_csv_rows(table))
    if not table.headers or all(is_blank(value) for value in table.headers):
        return None
    return table


class _Rejected(Exception):
    def __init__(self, errors: list[RowError], total: int) -> None:
        super().__init__("rejected")
        self.errors = errors
        self.total = total


# Reads the received record of given rows back (the to-link queue keeps it, encrypted).
_RawRecords = Callable[[set[int]], Iterator[tuple[int, dict[str, object]]]]


@functools.lru_cache(maxsize=200_000)
def _lookup(ref: SubjectRef) -> str:
    """``linking.lookup_key`` memoised (the ID-number blind index is an HMAC per call)."""
    return lookup_key(ref)


def _blind_indexes(values: Iterable[str]) -> Iterator[tuple[str, str]]:
    """``pii.blind_index(value, purpose="id_number")`` of many canonical ID numbers: the same
    HMAC-SM3 with the key fetched once (checked against ``pii`` on the first value)."""
    key = pii.index_key()
    checked = False
    for value in values:
        index = hmac.digest(key, b"id_number:" + value.encode("ascii"), "sm3").hex()
        if not checked:
            assert index == pii.blind_index(value, purpose="id_number")
            checked = True
        yield value, index


def _copy_rows(cursor: Any, table: str, columns: Iterable[str], rows: Iterable[Any]) -> None:
    with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _copy_plain(
    cursor: Any, table: str, columns: Iterable[str], rows: Iterable[tuple[object, ...]]
) -> None:
    """``_copy_rows`` for rows of plain values (ASCII letters, digits, ``-``): written as COPY
    text in 1 MB blocks instead of one Python call per row."""
    with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        block: list[str] = []
        size = 0
        for row in rows:
            line = "\t".join(map(str, row))
            block.append(line)
            size += len(line) + 1
            if size >= 1 << 20:
                copy.write("\n".join(block) + "\n")
                block, size = [], 0
        if block:
            copy.write("\n".join(block) + "\n")


def _typed_row(number: int, parsed: RecordInput) -> tuple[Any, ...]:
    assert parsed.subject is not None
    return (
        number,
        parsed.source_ref,
        parsed.subject.identifier_kind,
        _lookup(parsed.subject),
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
    )


def _create_rows_table(cursor: Any) -> None:
    cursor.execute(
        f"CREATE TEMPORARY TABLE {_ROWS} (row_no integer, source_ref varchar(100), "
        "id_kind varchar(12), lookup varchar(64), behaviour_code varchar(20), "
        "behaviour_name varchar(200), direction varchar(10), severity varchar(10), "
        "points integer, occurred_on date, decision_number varchar(100), decided_on date, "
        "description text, on_serious_list boolean) ON COMMIT DROP"
    )


def _parse(
    number: int,
    record: dict[str, object],
    formula: str,
    *,
    catalogue: BehaviourCatalogue,
    today: dt.date,
    allowlisted: Callable[[str], bool],
    errors: list[RowError],
) -> RecordInput | None:
    ref = str(record.get("source_ref") or "").strip()
    if formula:
        errors.append(RowError(number, ref, formula, "单元格是公式，请粘贴为数值后再导入"))
    try:
        return parse_record(record, catalogue=catalogue, today=today, uscc_allowlisted=allowlisted)
    except InputInvalid as exc:
        for name, messages in exc.fields.items():
            errors.extend(RowError(number, ref, name, m) for m in messages)
        return None


def _allowlist() -> Callable[[str], bool]:
    return frozenset(UsccAllowListEntry.objects.values_list("uscc", flat=True)).__contains__


# -- the reference reading: tabular + parse_record on every row -------------------------------------


def _check_by_rows(
    cursor: Any, *, table: Table, columns: list[str | None]
) -> tuple[int, _RawRecords]:
    """Every row through ``tabular`` and ``parse_record``; the valid rows into ``_ROWS``."""
    today = clock.today()
    catalogue = catalogue_for("operator")
    allowlisted = _allowlist()
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    total = 0
    _create_rows_table(cursor)
    with cursor.cursor.copy(f"COPY {_ROWS} ({', '.join(_ROW_COLUMNS)}) FROM STDIN") as copy:
        try:
            for number, record, formula in _rows(table, columns):
                total += 1
                parsed = _parse(
                    number,
                    record,
                    formula,
                    catalogue=catalogue,
                    today=today,
                    allowlisted=allowlisted,
                    errors=errors,
                )
                if parsed is None:
                    continue
                first = seen.get(parsed.source_ref)
                if first is not None:
                    errors.append(_duplicate(number, parsed.source_ref, first))
                    continue
                seen[parsed.source_ref] = number
                if not errors:
                    copy.write_row(_typed_row(number, parsed))
        except TabularError as exc:
            errors.append(RowError(exc.row, "", "__all__", exc.message))
    if total == 0:
        errors.append(RowError(None, "", "records", "批次中没有记录"))
    if errors:
        raise _Rejected(errors, total)

    def raw_records(wanted: set[int]) -> Iterator[tuple[int, dict[str, object]]]:
        for number, record, _formula in _rows(table, columns):
            if number in wanted:
                yield number, record

    return total, raw_records


def _duplicate(number: int, ref: str, first: int) -> RowError:
    return RowError(
        number, ref, "source_ref", f"来源记录编号与第 {first} 行重复（同一批次内不能重复）"
    )


# -- the set-based reading: COPY of the file, a strict SQL test, parse_record for the rest ------------


def _quotes_whole_fields(data: bytes, delimiter: str) -> bool:
    """True when every double quote of the file belongs to a field quoted as a whole, where
    PostgreSQL's CSV reading and Python's ``csv`` module agree."""
    if b'"' not in data:
        return True
    sep = re.escape(delimiter.encode("ascii"))
    quoted = re.compile(rb"(?:^|(?<=" + sep + rb'|\n))"(?:[^"]|"")*"(?=' + sep + rb"|\r|\n|$)")
    # Every quote inside a quoted field (counted match by match: no copy of the file is made).
    inside = sum(match.group().count(b'"') for match in quoted.finditer(data))
    return inside == data.count(b'"')


def plainly_valid_sql(col: Callable[[str], str]) -> tuple[str, dict[str, str]]:
    """SQL expressions over one raw row (``col(name)`` gives a field's text, '' when empty):
    ``ok`` (the strict test, see the module docstring) and the typed values it allows. Needs
    the operators registered without the check-character exception joined as ``o`` on the
    USCC, and the temporary tables ``credit_intake_idmap``, ``_platemap``, ``_codes`` and
    ``_calendar`` joined as ``im``, ``pm``, ``k``, ``d1``, ``d2``."""
    uscc, idn, plate, colour = col("uscc"), col("id_number"), col("plate"), col("plate_colour")
    alphabet = USCC_ALPHABET
    uscc_sum = " + ".join(
        f"(strpos('{alphabet}', substr({uscc}, {i + 1}, 1)) - 1) * {w}"
        for i, w in enumerate(_USCC_WEIGHTS)
    )
    # A code registered without the check-character exception passed validate_uscc when it was
    # registered: its check character is not computed again.
    uscc_ok = (
        f"({uscc} ~ '^[1-9ANY][1-9][0-9]{{6}}[0-9A-HJ-NP-RTUWXY]{{10}}$' AND "
        f"CASE WHEN o.id IS NOT NULL THEN true ELSE "
        f"substr('{alphabet}', (31 - ({uscc_sum}) % 31) % 31 + 1, 1) = substr({uscc}, 18, 1) END)"
    )
    kind = (
        f"CASE WHEN {uscc} <> '' AND {idn} = '' AND {plate} = '' THEN 'operator' "
        f"WHEN {uscc} = '' AND {idn} <> '' AND {plate} = '' THEN 'practitioner' "
        f"WHEN {uscc} = '' AND {idn} = '' AND {plate} <> '' AND {colour} <> '' THEN 'vehicle' END"
    )
    points, flag = col("points"), col("on_serious_list")
    # A file without the (optional) points column gives the literal '', and PostgreSQL folds
    # ''::integer at planning time even in a CASE branch never taken: cast only a real column.
    points_int = f"{points}::integer" if points != "''" else "NULL::integer"
    decision, decided = col("decision_number"), col("decided_on")
    flags_true = ", ".join(f"'{k}'" for k, v in _FLAGS.items() if v)
    flags_all = ", ".join(f"'{k}'" for k in _FLAGS)
    lengths = " AND ".join(
        f"char_length({col(name)}) <= {limit}" for name, limit in _MAX_LENGTHS.items()
    )
    checks = [
        f"{col('source_ref')} ~ '^[0-9A-Za-z][0-9A-Za-z_.:/-]*$'",
        lengths,
        f"""CASE {kind} WHEN 'operator' THEN {uscc_ok}
            WHEN 'practitioner' THEN im.idx IS NOT NULL
            WHEN 'vehicle' THEN pm.lookup IS NOT NULL ELSE false END""",
        "k.code IS NOT NULL",
        f"CASE WHEN {points} = '' THEN true WHEN {points} ~ '^[0-9]{{1,4}}$' "
        f"THEN {points_int} <= 1000 ELSE false END",
        "d1.day IS NOT NULL",
        f"(({decision} = '' AND {decided} = '') "
        f"OR ({decision} <> '' AND d2.day IS NOT NULL AND d2.day >= d1.day))",
        f"{flag} IN ({flags_all})",
        f"({flag} NOT IN ({flags_true}) OR k.direction = 'negative')",
    ]
    typed = {
        "source_ref": col("source_ref"),
        "id_kind": f"CASE {kind} WHEN 'operator' THEN 'uscc' WHEN 'practitioner' THEN "
        "'id_number' ELSE 'plate' END",
        "lookup": f"CASE {kind} WHEN 'operator' THEN {uscc} WHEN 'practitioner' THEN im.idx "
        "ELSE pm.lookup END",
        "behaviour_code": "k.code",
        "behaviour_name": "k.name",
        "direction": "k.direction",
        "severity": "k.severity",
        "points": f"CASE WHEN {points} = '' THEN k.points "
        f"WHEN {points} ~ '^[0-9]{{1,4}}$' THEN {points_int} END",
        "occurred_on": "d1.day",
        "decision_number": decision,
        "decided_on": "d2.day",
        "description": col("description"),
        "on_serious_list": f"{flag} IN ({flags_true})",
        "kind": kind,
    }
    return "(" + " AND ".join(checks) + ")", typed


def _check_by_copy(
    cursor: Any, *, table: Table, columns: list[str | None]
) -> tuple[int, _RawRecords] | None:
    """The file into ``_RAW`` by COPY, checked in SQL; ``parse_record`` for the rows the strict
    test does not take. None when the file needs the reference reading."""
    if table.format != "csv":
        return None
    # Blank lines at the end of the file are blank rows to tabular, missing columns to COPY.
    # The file is held once in memory (no stripped or substituted copies of it).
    data = table.path.read_bytes()
    ending = b"\r\n" if b"\r\n" in data[:65536] else b"\n"  # COPY wants one kind throughout
    end = len(data)
    while end and data[end - 1] in b"\r\n":
        end -= 1
    if not _quotes_whole_fields(data, table.delimiter):
        return None
    width = len(table.headers)
    raw_columns = [f"c{n}" for n in range(width)]
    cursor.execute(
        f"CREATE TEMPORARY TABLE {_RAW} (row_no integer GENERATED ALWAYS AS IDENTITY "
        f"(START WITH 2), {', '.join(c + ' text' for c in raw_columns)}) ON COMMIT DROP"
    )
    encoding = "GB18030" if table.encoding == "gb18030" else "UTF8"
    delimiter = "E'\\t'" if table.delimiter == "\t" else "','"
    try:
        # A savepoint: a refused COPY leaves the batch usable.
        with (
            transaction.atomic(),
            cursor.cursor.copy(
                f"COPY {_RAW} ({', '.join(raw_columns)}) FROM STDIN (FORMAT csv, "
                f"HEADER true, DELIMITER {delimiter}, ENCODING '{encoding}')"
            ) as copy,
        ):
            view = memoryview(data)[:end]
            for start in range(0, len(view), 1 << 20):
                copy.write(view[start : start + (1 << 20)])
            copy.write(ending)
    except (DatabaseError, PsycopgError):
        cursor.execute(f"DROP TABLE IF EXISTS {_RAW}")
        return None
    # Rows of empty cells only are blank rows (tabular skips them; blanks of spaces are found
    # below). Over the row limit, no data rows, a cell longer than a spreadsheet cell: the
    # reference reading reports it as tabular words it.
    everything = f"concat({', '.join(raw_columns)})"
    cursor.execute(
        f"""SELECT count(*) FILTER (WHERE {everything} <> ''),
            coalesce(max(char_length({everything})), 0), count(*) FILTER (WHERE {everything} = '')
        FROM {_RAW}"""  # noqa: S608 (generated names)
    )
    count, longest, empty = cursor.fetchone()
    if count == 0 or count > table.max_rows:
        # Refused whole before any row is looked at, in tabular's words.
        cursor.execute(f"DROP TABLE IF EXISTS {_RAW}")
        try:
            _refuse_counted(table, count)
        except TabularError as exc:
            raise _Rejected([RowError(exc.row, "", "__all__", exc.message)], count) from exc
    if longest > _MAX_CELL_CHARS:
        cursor.execute(f"DROP TABLE IF EXISTS {_RAW}")
        return None
    if empty:
        cursor.execute(f"DELETE FROM {_RAW} WHERE {everything} = ''")  # noqa: S608 (generated names)
    cursor.execute(f"ANALYZE {_RAW}")  # the joins below are planned on its real size
    index = {name: n for n, name in enumerate(columns) if name is not None}
    named = [(n, name) for n, name in enumerate(columns) if name is not None]

    def col(name: str) -> str:
        return f"coalesce(s.c{index[name]}, '')" if name in index else "''"

    today = clock.today()
    catalogue = catalogue_for("operator")
    _lookup_tables(cursor, col=col, today=today, catalogue=catalogue)
    ok, typed = plainly_valid_sql(col)
    odd = " OR ".join(f"s.c{n} ~ '{_ODD_CELL}'" for n, _name in named)
    kind = typed.pop("kind")
    # The strict test per row; rows it does not take keep ok = false and are read in Python.
    cursor.execute(
        f"""CREATE TEMPORARY TABLE {_ROWS} ON COMMIT DROP AS
        SELECT s.row_no, {", ".join(f"{expr} AS {name}" for name, expr in typed.items())},
               {ok} AND NOT coalesce({odd}, false) AS ok
        FROM {_RAW} s
        LEFT JOIN {Operator._meta.db_table} o ON o.uscc = {col("uscc")}
             AND NOT o.uscc_check_overridden
        LEFT JOIN credit_intake_idmap im ON im.value = {col("id_number")}
        LEFT JOIN credit_intake_platemap pm ON pm.plate = {col("plate")}
             AND pm.colour = {col("plate_colour")}
        LEFT JOIN credit_intake_codes k ON k.code = {col("behaviour_code")} AND k.kind = {kind}
        LEFT JOIN credit_intake_calendar d1 ON d1.iso = {col("occurred_on")}
        LEFT JOIN credit_intake_calendar d2 ON d2.iso = {col("decided_on")}"""  # noqa: S608 (generated names)
    )
    # Rows the strict test left: parse_record says what is wrong, or reads them as it would.
    cursor.execute(
        f"SELECT s.* FROM {_RAW} s JOIN {_ROWS} r USING (row_no) WHERE NOT r.ok ORDER BY row_no"  # noqa: S608 (constant names)
    )
    odd_rows = cursor.fetchall()
    errors: list[RowError] = []
    blank: list[int] = []
    fixed: list[tuple[Any, ...]] = []
    allowlisted = _allowlist() if odd_rows else (lambda code: False)
    for row_no, *cells in odd_rows:
        values = tuple(
            FormulaCell(c.strip()) if _CSV_FORMULA.match(c.strip()) else c
            for c in ("" if c is None else c for c in cells)
        )
        if all(is_blank(v) for v in values):
            blank.append(row_no)
            continue
        record, formula = _record_of(values, named)
        parsed = _parse(
            row_no,
            record,
            formula,
            catalogue=catalogue,
            today=today,
            allowlisted=allowlisted,
            errors=errors,
        )
        if parsed is not None:
            fixed.append(_typed_row(row_no, parsed))
    if odd_rows:
        cursor.execute(f"DELETE FROM {_ROWS} WHERE NOT ok")  # noqa: S608 (constant name)
        _copy_rows(cursor, _ROWS, _ROW_COLUMNS, fixed)
        if blank:
            cursor.execute(f"DELETE FROM {_RAW} WHERE row_no = ANY(%s)", [blank])  # noqa: S608 (constant name)
    total = count - len(blank)
    # The same source reference twice in the file (among valid rows, as the row path sees it).
    cursor.execute(
        f"""SELECT r.row_no, r.source_ref, d.first FROM {_ROWS} r JOIN (
            SELECT source_ref, min(row_no) AS first FROM {_ROWS} GROUP BY source_ref
            HAVING count(*) > 1) d ON d.source_ref = r.source_ref
        WHERE r.row_no > d.first ORDER BY r.row_no"""  # noqa: S608 (constant names)
    )
    dupes = [_duplicate(row, ref, first) for row, ref, first in cursor.fetchall()]
    if dupes:
        errors = sorted(errors + dupes, key=lambda e: e.row or 0)  # stable: a row's own first
    if total == 0:
        errors.append(RowError(None, "", "records", "批次中没有记录"))
    if errors:
        raise _Rejected(errors, total)

    def raw_records(wanted: set[int]) -> Iterator[tuple[int, dict[str, object]]]:
        cursor.execute(
            f"SELECT * FROM {_RAW} WHERE row_no = ANY(%s) ORDER BY row_no",  # noqa: S608 (constant name)
            [sorted(wanted)],
        )
        for row_no, *cells in cursor.fetchall():
            values = tuple(
                FormulaCell(c.strip()) if _CSV_FORMULA.match(c.strip()) else c
                for c in ("" if c is None else c for c in cells)
            )
            yield row_no, _record_of(values, named)[0]

    return total, raw_records


def _lookup_tables(
    cursor: Any, *, col: Callable[[str], str], today: dt.date, catalogue: BehaviourCatalogue
) -> None:
    """The small tables the strict test joins: valid dates, behaviour codes per subject kind,
    canonical ID numbers with their blind index, valid plates."""
    cursor.execute(
        "CREATE TEMPORARY TABLE credit_intake_calendar (iso text PRIMARY KEY, day date NOT NULL) "
        "ON COMMIT DROP"
    )
    cursor.execute(
        "INSERT INTO credit_intake_calendar SELECT to_char(d, 'YYYY-MM-DD'), d::date "
        "FROM generate_series(%s::date, %s::date, interval '1 day') d",
        [_EARLIEST_DAY, today],
    )
    cursor.execute("ANALYZE credit_intake_calendar")  # a date matches at most one row
    cursor.execute(
        "CREATE TEMPORARY TABLE credit_intake_codes (code varchar(20), kind varchar(12), "
        "name varchar(200), direction varchar(10), severity varchar(10), points integer) "
        "ON COMMIT DROP"
    )
    codes = [
        (b.code, kind, b.name_zh, b.direction, b.severity or "", b.points_for(scheme))  # type: ignore[arg-type]
        for b in catalogue.behaviours.values()
        if b.code == b.code.upper()
        for kind in ("operator", "vehicle", "practitioner")
        if b.points_for(scheme := scheme_for_kind(kind)) is not None  # type: ignore[arg-type]
    ]
    _copy_rows(
        cursor,
        "credit_intake_codes",
        ("code", "kind", "name", "direction", "severity", "points"),
        codes,
    )
    # ID numbers: canonical form, real birth date from 1900 to today, right check character.
    # Each distinct number once (a file names a driver many times).
    idn = col("id_number")
    id_sum = " + ".join(
        f"(ascii(substr(t.v, {i + 1}, 1)) - 48) * {w}" for i, w in enumerate(_ID_WEIGHTS)
    )
    cursor.execute(
        f"""SELECT t.v FROM (SELECT DISTINCT {idn} AS v FROM {_RAW} s
            WHERE {idn} ~ '^[1-8][0-9]{{16}}[0-9X]$') t
        JOIN credit_intake_calendar d ON d.iso = substr(t.v, 7, 4) || '-' ||
             substr(t.v, 11, 2) || '-' || substr(t.v, 13, 2)
        WHERE substr('10X98765432', ({id_sum}) % 11 + 1, 1) = substr(t.v, 18, 1)"""  # noqa: S608 (generated names)
    )
    numbers = [value for (value,) in cursor.fetchall()]
    cursor.execute(
        "CREATE TEMPORARY TABLE credit_intake_idmap (value varchar(18) PRIMARY KEY, idx varchar(64)) "
        "ON COMMIT DROP"
    )
    _copy_plain(cursor, "credit_intake_idmap", ("value", "idx"), _blind_indexes(numbers))
    # Plates: each distinct (plate, colour) once through the registry's own validator.
    plate, colour = col("plate"), col("plate_colour")
    cursor.execute(
        f"SELECT DISTINCT {plate}, {colour} FROM {_RAW} s WHERE {plate} <> ''"  # noqa: S608 (generated names)
    )
    plates = []
    for value, plate_colour in cursor.fetchall():
        ref = _identifier("plate", value, plate_colour, today)[0]
        if ref is not None and (ref.value, ref.plate_colour) == (value, plate_colour):
            plates.append((value, plate_colour, lookup_key(ref)))
    cursor.execute(
        "CREATE TEMPORARY TABLE credit_intake_platemap (plate varchar(20), colour varchar(4), "
        "lookup varchar(64)) ON COMMIT DROP"
    )
    _copy_rows(cursor, "credit_intake_platemap", ("plate", "colour", "lookup"), plates)
    # Planned on their real sizes (an ID number or a plate matches at most one row).
    cursor.execute(
        "ANALYZE credit_intake_idmap; ANALYZE credit_intake_codes; ANALYZE credit_intake_platemap"
    )


# -- linking, updates, inserts, queue ---------------------------------------------------------------


def _apply_staging(
    cursor: Any,
    *,
    source: Source,
    raw_records: tuple[int, _RawRecords],
    file_name: str,
    file_sha256: str,
    actor: User | None,
    channel: str,
    at: dt.datetime,
) -> tuple[IntakeBatch, tuple[list[int], list[int]]]:
    total, read_raw = raw_records
    today = clock.today()
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
    # Publication windows: once per (severity, decision date); public ids: one per row.
    cursor.execute(
        f"SELECT DISTINCT severity, decided_on FROM {_ROWS} "  # noqa: S608 (constant name)
        "WHERE direction = 'negative' AND decided_on IS NOT NULL AND severity <> ''"
    )
    windows = [
        (severity, decided, *_publication("negative", severity, decided))
        for severity, decided in cursor.fetchall()
    ]
    cursor.execute(
        "CREATE TEMPORARY TABLE credit_intake_pub (severity varchar(10), decided_on date, "
        "earliest_repair_on date, takedown_on date, publication_rule_id varchar(60), "
        "published boolean) ON COMMIT DROP"
    )
    _copy_rows(
        cursor,
        "credit_intake_pub",
        (
            "severity",
            "decided_on",
            "earliest_repair_on",
            "takedown_on",
            "publication_rule_id",
            "published",
        ),
        windows,
    )
    # Public ids, random as ever, handed out in ascending order along the subject order of the
    # insert below: the public-id indexes then fill in order like the subject indexes.
    cursor.execute(
        "CREATE TEMPORARY TABLE credit_intake_ids (n integer, public_id varchar(16)) ON COMMIT DROP"
    )
    _copy_plain(
        cursor,
        "credit_intake_ids",
        ("n", "public_id"),
        enumerate(sorted(itertools.islice(_public_ids(), total)), start=1),
    )
    # Resolve every row once: its subject (if registered) and the stored record it re-sends.
    cursor.execute(
        f"""CREATE TEMPORARY TABLE credit_intake_resolved ON COMMIT DROP AS
        SELECT s.*, pw.earliest_repair_on, pw.takedown_on,
               coalesce(pw.publication_rule_id, '') AS publication_rule_id,
               coalesce(pw.published, false) AS published,
               r.id AS record_id, r.status AS record_status, r.decided_on AS record_decided,
               m.matched,
               CASE WHEN m.matched THEN COALESCE(o.id, v.operator_id) ELSE r.operator_id END
                   AS operator_id,
               CASE WHEN m.matched THEN v.id ELSE r.vehicle_id END AS vehicle_id,
               CASE WHEN m.matched THEN p.id ELSE r.practitioner_id END AS practitioner_id,
               CASE WHEN m.matched THEN CASE s.id_kind WHEN 'uscc' THEN 'operator'
                    WHEN 'plate' THEN 'vehicle' ELSE 'practitioner' END
                    ELSE r.subject_kind END AS subj_kind
        FROM {_ROWS} s
        LEFT JOIN credit_intake_pub pw ON s.direction = 'negative'
             AND pw.severity = s.severity AND pw.decided_on = s.decided_on
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
        "r.subject_kind IS DISTINCT FROM x.subj_kind "
        "OR r.operator_id IS DISTINCT FROM x.operator_id "
        "OR r.vehicle_id IS DISTINCT FROM x.vehicle_id "
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
            status = CASE WHEN r.status = 'pending' AND x.decided_on IS NOT NULL THEN 'active'
                     ELSE r.status END,
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
    # New records of registered subjects, in subject order (the subject indexes fill in order).
    cursor.execute(
        f"""INSERT INTO {records} (public_id, created_at, updated_at, subject_kind, operator_id,
            vehicle_id, practitioner_id, {", ".join(_CONTENT)}, status, status_reason, source_id,
            source_ref, batch_id, source_row, file_sha256, recorded_by_id)
        SELECT i.public_id, %s, %s, x.subj_kind, x.operator_id, x.vehicle_id, x.practitioner_id,
            {", ".join("x." + c for c in _CONTENT)},
            CASE WHEN x.decided_on IS NULL THEN 'pending' ELSE 'active' END, '', %s,
            x.source_ref, %s, x.row_no, %s, %s
        FROM (SELECT x.*, row_number() OVER (ORDER BY x.practitioner_id, x.operator_id,
                     x.vehicle_id, x.occurred_on, x.row_no) AS n
              FROM credit_intake_resolved x WHERE x.record_id IS NULL AND x.matched) x
        JOIN credit_intake_ids i ON i.n = x.n
        ORDER BY x.n""",  # noqa: S608 (constant names, values as params)
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
    to_link = _queue_unmatched(cursor, source=source, batch=batch, read_raw=read_raw, today=today)
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
    # ON COMMIT DROP does not help when the caller's transaction goes on (tests, nested calls).
    cursor.execute(f"DROP TABLE IF EXISTS {', '.join(_TEMP_TABLES)}")
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
    read_raw: _RawRecords,
    today: dt.date,
) -> int:
    """Queue the rows whose subject is unknown, keeping the record as received (encrypted)."""
    cursor.execute(
        "SELECT row_no FROM credit_intake_resolved WHERE record_id IS NULL AND NOT matched"
    )
    wanted = {row for (row,) in cursor.fetchall()}
    if not wanted:
        return 0
    catalogue = catalogue_for("operator")
    open_items = dict(
        LinkQueueItem.objects.select_for_update()
        .filter(source=source, status=LinkStatus.OPEN)
        .values_list("source_ref", "pk")
    )
    new: list[tuple[Any, ...]] = []
    resent: list[tuple[Any, ...]] = []
    ids = _public_ids()
    at = batch.received_at
    for number, record in read_raw(wanted):
        parsed = parse_record(
            record, catalogue=catalogue, today=today, uscc_allowlisted=lambda c: True
        )
        assert parsed.subject is not None
        values = {
            "source_row": number,
            "identifier_kind": parsed.subject.identifier_kind,
            "identifier_masked": masked_identifier(parsed.subject)[:40],
            "lookup_key": _lookup(parsed.subject),
            "payload_encrypted": link_payload(record),
            "summary": _summary(parsed),
        }
        item = open_items.get(parsed.source_ref)
        if item is not None:  # queued by an earlier batch and still unmatched: refreshed
            resent.append(
                (
                    item,
                    number,
                    values["identifier_kind"],
                    values["identifier_masked"],
                    values["lookup_key"],
                    values["payload_encrypted"],
                    Jsonb(values["summary"]),
                )
            )
        else:
            new.append(
                (
                    next(ids),
                    at,
                    at,
                    source.pk,
                    batch.pk,
                    parsed.source_ref,
                    number,
                    values["identifier_kind"],
                    values["identifier_masked"],
                    values["lookup_key"],
                    values["payload_encrypted"],
                    Jsonb(values["summary"]),
                    LinkStatus.OPEN.value,
                    "",
                )
            )
    # COPY rather than bulk_create: a few hundred times the rows of a push, each with its
    # encrypted payload.
    _copy_rows(
        cursor,
        LinkQueueItem._meta.db_table,
        (
            "public_id",
            "created_at",
            "updated_at",
            "source_id",
            "batch_id",
            "source_ref",
            "source_row",
            "identifier_kind",
            "identifier_masked",
            "lookup_key",
            "payload_encrypted",
            "summary",
            "status",
            "resolution_note",
        ),
        new,
    )
    if resent:
        queue = LinkQueueItem._meta.db_table
        cursor.execute(
            f"CREATE TEMPORARY TABLE credit_intake_requeued ON COMMIT DROP AS "  # noqa: S608 (constant name)
            f"SELECT id, source_row, identifier_kind, identifier_masked, lookup_key, "
            f"payload_encrypted, summary FROM {queue} WHERE false"
        )
        _copy_rows(
            cursor,
            "credit_intake_requeued",
            (
                "id",
                "source_row",
                "identifier_kind",
                "identifier_masked",
                "lookup_key",
                "payload_encrypted",
                "summary",
            ),
            resent,
        )
        cursor.execute(
            f"""UPDATE {queue} q SET batch_id = %s, source_row = n.source_row,
                identifier_kind = n.identifier_kind, identifier_masked = n.identifier_masked,
                lookup_key = n.lookup_key, payload_encrypted = n.payload_encrypted,
                summary = n.summary, updated_at = %s
            FROM credit_intake_requeued n WHERE q.id = n.id""",  # noqa: S608 (constant names, values as params)
            [batch.pk, at],
        )
    return len(wanted)
