"""Stock conversion: the existing paper licences get their electronic twins.

**Batch** (``conversion_submit``, the ``convert_paper_licences`` command, the conversion page):
the paper-licence ledger (.xlsx or .csv, ``elicences.ledger``) is converted by a background job
(``jobs.stock``) in two phases.

1. *Check* (writes nothing): every row is read and checked — the type, the number against the
   catalogue's pattern, the holder's identifiers and the dates (``ledger``); then, a chunk of
   rows at a time with one ``__in`` query per lookup, that the holder is registered and not
   deregistered, that the number is not repeated in the file nor on another live licence, and
   that the holder has no other live licence of the type. Any problem in any row: nothing is
   converted, and the job's result and its .xlsx report list every problem.
2. *Convert*, ``CHUNK_ROWS`` rows per chunk, each chunk in its own transaction together with the
   job's checkpoint (the last row done). A row becomes a licence through the issuance service
   (``licence_register_existing``: it keeps its paper number and gets an identifier, a status
   slot and a signed QR token; origin ``converted``, event ``convert``). A row whose licence is
   already registered (same type, number, holder and start of validity) is converted if it is a
   paper-only record and skipped if it already has its e-licence. A licence already expired is
   recorded for the register without an e-licence (an expired licence needs no electronic twin).

Killed midway, the job resumes from its checkpoint: a chunk either committed with its checkpoint
or not at all, and a row already converted is skipped anyway, so nothing is ever converted twice
(the same file submitted again is the same job; a new job over the same rows skips them all).

**On demand** (``licence_convert_on_demand``): a paper-only licence gets its e-licence when the
holder next does business with the bureau (a button on the licence page, an API operation).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from roadcredit.audit.services import audit_record
from roadcredit.core import clock, pii
from roadcredit.core.errors import ApplicationError, Conflict, ValidationFailed
from roadcredit.core.jobs import job_run, job_submit
from roadcredit.core.jobs.services import dispatch
from roadcredit.core.models import Job, JobStatus
from roadcredit.core.uploads import formula_safe_cells
from roadcredit.elicences.catalogue import Catalogue
from roadcredit.elicences.ledger import (
    ID_NUMBER,
    LEDGER_LABEL,
    NUMBER,
    PLATE,
    USCC,
    LedgerRow,
    column_label,
    ledger_columns,
    map_ledger_headers,
    parse_ledger_row,
)
from roadcredit.elicences.models import HolderKind, Licence, LicenceStatus
from roadcredit.elicences.selectors import licence_catalogue, licence_number_key
from roadcredit.exchange import reports, tabular
from roadcredit.exchange.columns import PLATE_COLOUR_LABELS, ColumnSpec, HeaderError, HeaderMap
from roadcredit.exchange.registry_import import upload_path, upload_store
from roadcredit.exchange.registry_import.results import MAX_ERRORS, RowError
from roadcredit.subjects.models import Operator, Practitioner, SubjectStatus, Vehicle

from .issuance import licence_convert, licence_register_existing

if TYPE_CHECKING:
    from roadcredit.accounts.models import User


JOB_KIND = "elicences.convert_paper_licences"
CHUNK_ROWS = 200
REPORT_DIR = "conversions/reports"
LIVE = (LicenceStatus.VALID, LicenceStatus.SUSPENDED)

Holder = Operator | Vehicle | Practitioner
Action = Literal["register", "record", "convert", "skip"]


# --- Opening the file -------------------------------------------------------------------------


@dataclass
class LedgerFile:
    table: tabular.Table
    header: HeaderMap
    columns: tuple[ColumnSpec, ...]
    catalogue: Catalogue

    def rows(self) -> Iterator[tabular.Row]:
        return self.table.rows()


class LedgerUnreadable(ValidationFailed):
    """The file cannot be read as a ledger at all (type, size, encoding, headers)."""


def ledger_open(path: Path, *, file_name: str) -> LedgerFile:
    catalogue = licence_catalogue()
    columns = ledger_columns(catalogue)
    try:
        table = tabular.open_table(
            path,
            file_name=file_name,
            max_bytes=settings.IMPORT_MAX_BYTES,
            max_rows=settings.IMPORT_MAX_ROWS,
        )
        header = map_ledger_headers(columns, table.headers)
    except (tabular.TabularError, HeaderError) as exc:
        raise LedgerUnreadable(exc.message, {"file": [exc.message]}) from None
    return LedgerFile(table=table, header=header, columns=columns, catalogue=catalogue)


# --- Planning rows (both phases) --------------------------------------------------------------


@dataclass
class RowPlan:
    row: LedgerRow
    action: Action
    holder: Holder
    number_key: str
    licence: Licence | None = None  # the licence already registered, for convert / skip


@dataclass
class Seen:
    """What phase 1 remembers across chunks: first row of each number and of each live holder."""

    numbers: dict[tuple[str, str], int] = field(default_factory=dict)
    holders: dict[tuple[str, str, int], int] = field(default_factory=dict)


ErrorSink = list[RowError]


def _holders(rows: Sequence[LedgerRow]) -> dict[tuple[str, str], Holder]:
    """(holder kind, holder key) → registered subject, with one query per kind."""
    found: dict[tuple[str, str], Holder] = {}
    usccs = {r.uscc for r in rows if r.holder_kind == HolderKind.OPERATOR}
    for operator in Operator.objects.filter(uscc__in=usccs):
        found[(HolderKind.OPERATOR, operator.uscc)] = operator
    plates = {r.plate for r in rows if r.holder_kind == HolderKind.VEHICLE}
    for vehicle in Vehicle.objects.filter(plate__in=plates).select_related("operator"):
        found[(HolderKind.VEHICLE, f"{vehicle.plate}:{vehicle.plate_colour}")] = vehicle
    people = {
        pii.blind_index(r.id_number, purpose="id_number"): r.id_number
        for r in rows
        if r.holder_kind == HolderKind.PRACTITIONER
    }
    for practitioner in Practitioner.objects.filter(id_number_index__in=list(people)):
        found[(HolderKind.PRACTITIONER, people[practitioner.id_number_index])] = practitioner
    return found


def _holder_column(row: LedgerRow) -> str:
    if row.holder_kind == HolderKind.OPERATOR:
        return USCC
    if row.holder_kind == HolderKind.VEHICLE:
        return PLATE
    return ID_NUMBER


def _holder_filter(kind: str, ids: Iterable[int]) -> Q:
    return Q(**{f"{kind}_id__in": list(ids)})


def _holder_id(licence: Licence) -> int:
    holder_id = licence.operator_id or licence.vehicle_id or licence.practitioner_id
    assert holder_id is not None
    return holder_id


def plan_rows(
    rows: Sequence[LedgerRow],
    *,
    columns: Sequence[ColumnSpec],
    today: dt.date,
    errors: ErrorSink,
    seen: Seen | None = None,
) -> list[RowPlan]:
    """Decide what each row needs (register, record, convert or skip) from the registry and the
    licences already stored; problems go to ``errors`` (those rows get no plan)."""
    catalogue = licence_catalogue()

    def error(row: LedgerRow, key: str, message: str) -> None:
        errors.append(RowError(row.row, key, column_label(columns, key), message))

    holders = _holders(rows)
    keys = {r.row: licence_number_key(catalogue[r.type_key], r.number) for r in rows}
    existing: dict[tuple[str, str], list[Licence]] = {}
    for licence in Licence.objects.filter(
        type_key__in={r.type_key for r in rows}, number_key__in=set(keys.values())
    ).order_by("-version"):
        existing.setdefault((licence.type_key, licence.number_key), []).append(licence)
    live_of_holder: set[tuple[str, str, int]] = set()
    for kind in HolderKind.values:
        ids = [h.pk for (k, _key), h in holders.items() if k == kind]
        if ids:
            for licence in Licence.objects.filter(_holder_filter(kind, ids), status__in=LIVE):
                live_of_holder.add((licence.type_key, kind, _holder_id(licence)))

    plans: list[RowPlan] = []
    for row in rows:
        holder = holders.get((row.holder_kind, row.holder_key))
        if holder is None:
            error(
                row, _holder_column(row), _("The holder is not registered in the subject registry.")
            )
            continue
        number_key = keys[row.row]
        will_be_live = row.valid_until is None or row.valid_until >= today
        if seen is not None:
            first = seen.numbers.setdefault((row.type_key, number_key), row.row)
            if first != row.row:
                error(row, NUMBER, _("Same licence number as row %(row)d.") % {"row": first})
                continue
            if will_be_live:
                holder_seen = (row.type_key, row.holder_kind, holder.pk)
                first = seen.holders.setdefault(holder_seen, row.row)
                if first != row.row:
                    error(
                        row,
                        _holder_column(row),
                        _("The same holder has another valid licence of this type on row %(row)d.")
                        % {"row": first},
                    )
                    continue
        same = next(
            (
                licence
                for licence in existing.get((row.type_key, number_key), [])
                if _holder_id(licence) == holder.pk
                and licence.holder_kind == row.holder_kind
                and licence.valid_from == row.valid_from
            ),
            None,
        )
        if same is not None:
            convertible = not same.has_electronic and same.status in LIVE and will_be_live
            plans.append(
                RowPlan(row, "convert" if convertible else "skip", holder, number_key, same)
            )
            continue
        if any(lic.status in LIVE for lic in existing.get((row.type_key, number_key), [])):
            error(row, NUMBER, _("This number is already on another live licence."))
            continue
        if will_be_live:
            if holder.status == SubjectStatus.CANCELLED:
                error(
                    row,
                    _holder_column(row),
                    _("The holder is deregistered; its licence cannot get an e-licence."),
                )
                continue
            if (row.type_key, row.holder_kind, holder.pk) in live_of_holder:
                error(
                    row,
                    _holder_column(row),
                    _("The holder already has a live licence of this type with another number."),
                )
                continue
        plans.append(RowPlan(row, "register" if will_be_live else "record", holder, number_key))
    return plans


def _ledger_rows(
    ledger: LedgerFile,
    rows: Iterable[tabular.Row],
    *,
    today: dt.date,
    errors: ErrorSink,
) -> list[LedgerRow]:
    parsed: list[LedgerRow] = []
    for source in rows:
        row, cell_errors = parse_ledger_row(
            ledger.header, source.number, source.values, catalogue=ledger.catalogue, today=today
        )
        for cell in cell_errors:
            errors.append(RowError(source.number, cell.key, cell.label, cell.message))
        if row is not None:
            parsed.append(row)
    return parsed


def _chunks(rows: Iterable[tabular.Row], size: int) -> Iterator[list[tabular.Row]]:
    chunk: list[tabular.Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# --- Phase 1: the check -----------------------------------------------------------------------


@dataclass
class ConversionSummary:
    file_name: str
    sha256: str
    dry_run: bool
    total_rows: int = 0
    blank_rows: int = 0
    # What the check found the rows need:
    to_register: int = 0
    to_record: int = 0
    to_convert: int = 0
    already_done: int = 0
    # What the conversion did:
    registered: int = 0
    recorded: int = 0
    converted: int = 0
    skipped: int = 0
    done: bool = False
    errors: list[RowError] = field(default_factory=list)
    errors_truncated: bool = False

    def as_dict(self, *, max_errors: int | None = None) -> dict[str, Any]:
        data = asdict(self)
        data["error_count"] = len(self.errors)
        if max_errors is not None:
            data["errors"] = data["errors"][:max_errors]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ConversionSummary:
        names = {name for name in cls.__dataclass_fields__ if name != "errors"}
        summary = cls(**{key: value for key, value in data.items() if key in names})
        summary.errors = [RowError(**error) for error in data.get("errors", [])]
        return summary


def conversion_check(
    *, path: Path, file_name: str, sha256: str, today: dt.date, dry_run: bool = False
) -> ConversionSummary:
    """Phase 1: read and check every row; writes nothing."""
    summary = ConversionSummary(file_name=file_name, sha256=sha256, dry_run=dry_run)
    try:
        ledger = ledger_open(path, file_name=file_name)
    except LedgerUnreadable as exc:
        summary.errors.append(RowError(None, "", "", exc.message))
        return summary
    seen = Seen()
    errors: ErrorSink = []
    try:
        for chunk in _chunks(ledger.rows(), CHUNK_ROWS):
            summary.total_rows += len(chunk)
            rows = _ledger_rows(ledger, chunk, today=today, errors=errors)
            for plan in plan_rows(
                rows, columns=ledger.columns, today=today, errors=errors, seen=seen
            ):
                if plan.action == "register":
                    summary.to_register += 1
                elif plan.action == "record":
                    summary.to_record += 1
                elif plan.action == "convert":
                    summary.to_convert += 1
                else:
                    summary.already_done += 1
            if len(errors) > MAX_ERRORS:
                summary.errors_truncated = True
                break
    except tabular.TabularError as exc:
        errors.append(RowError(exc.row, "", "", exc.message))
    summary.blank_rows = ledger.table.blank_rows
    position = {spec.key: index for index, spec in ledger.header.columns}
    errors.sort(key=lambda e: (e.row is not None, e.row or 0, position.get(e.field, 99)))
    summary.errors = errors[:MAX_ERRORS]
    return summary


# --- Phase 2: converting a chunk ---------------------------------------------------------------


class ConversionRowFailed(ApplicationError):
    """A row that passed the check can no longer be converted (the registry changed since)."""


@dataclass(frozen=True)
class ChunkOutcome:
    last_row: int  # the file's row number of the last row handled (0: nothing left)
    rows: int
    registered: int = 0
    recorded: int = 0
    converted: int = 0
    skipped: int = 0


def conversion_run_chunk(
    *,
    actor: User | None,
    path: Path,
    file_name: str,
    after_row: int,
    today: dt.date,
    limit: int = CHUNK_ROWS,
    at: dt.datetime | None = None,
) -> ChunkOutcome:
    """Phase 2: convert the next ``limit`` data rows after the file's row ``after_row``.

    Runs inside the caller's transaction (the job's chunk, with its checkpoint). A row that fails
    now raises ``ConversionRowFailed`` naming it, and the whole chunk rolls back.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("conversion_run_chunk must run inside transaction.atomic()")
    ledger = ledger_open(path, file_name=file_name)
    chunk: list[tabular.Row] = []
    for source in ledger.rows():
        if source.number <= after_row:
            continue
        chunk.append(source)
        if len(chunk) >= limit:
            break
    if not chunk:
        return ChunkOutcome(last_row=0, rows=0)
    errors: ErrorSink = []
    rows = _ledger_rows(ledger, chunk, today=today, errors=errors)
    plans = plan_rows(rows, columns=ledger.columns, today=today, errors=errors)
    if errors:
        first = errors[0]
        raise ConversionRowFailed(
            _("Row %(row)s can no longer be converted: %(message)s")
            % {"row": first.row, "message": first.message},
            {"row": first.row, "column": first.column_label},
        )
    moment = at or clock.now()
    counts = {"register": 0, "record": 0, "convert": 0, "skip": 0}
    for plan in plans:
        try:
            _apply(plan, actor=actor, at=moment)
        except ApplicationError as exc:
            raise ConversionRowFailed(
                _("Row %(row)s can no longer be converted: %(message)s")
                % {"row": plan.row.row, "message": exc.message},
                {"row": plan.row.row, **exc.extra},
            ) from exc
        counts[plan.action] += 1
    return ChunkOutcome(
        last_row=chunk[-1].number,
        rows=len(chunk),
        registered=counts["register"],
        recorded=counts["record"],
        converted=counts["convert"],
        skipped=counts["skip"],
    )


def _apply(plan: RowPlan, *, actor: User | None, at: dt.datetime) -> None:
    row = plan.row
    if plan.action in ("register", "record"):
        licence_register_existing(
            actor=actor,
            type_key=row.type_key,
            holder=plan.holder,
            number=row.number,
            issued_on=row.issued_on,
            valid_from=row.valid_from,
            valid_until=row.valid_until,
            electronic=plan.action == "register",
            at=at,
        )
    elif plan.action == "convert":
        assert plan.licence is not None
        licence_convert(actor=actor, licence=plan.licence, at=at)


def conversion_audit_finish(*, actor: User | None, summary: ConversionSummary) -> None:
    """One audit entry for the whole file, when its last chunk commits (inside that chunk)."""
    audit_record(
        actor=actor,
        action="elicences.conversion_finish",
        target_type="elicences.paperledger",
        target_id=summary.sha256,
        after={
            "file_name": summary.file_name,
            "total_rows": summary.total_rows,
            "registered": summary.registered,
            "recorded": summary.recorded,
            "converted": summary.converted,
            "skipped": summary.skipped,
        },
    )


# --- Submitting and reports -------------------------------------------------------------------


def conversion_idempotency_key(*, sha256: str, suffix: str, dry_run: bool) -> str:
    return f"{JOB_KIND}:{sha256}{suffix}:{'dry-run' if dry_run else 'convert'}"


def conversion_submit(
    *,
    actor: User | None,
    chunks: Iterable[bytes],
    file_name: str,
    dry_run: bool = False,
    run: Literal["auto", "inline", "defer"] = "auto",
    chunk_rows: int = CHUNK_ROWS,
) -> Job:
    """Store the ledger file and convert it in a background job (see the module docstring).

    The same bytes submitted again return the job they already have (whatever its file name),
    so a resubmission resumes that job rather than starting a second one.
    """
    suffix = Path(file_name).suffix.lower()
    if suffix not in tabular.SUFFIXES:
        message = _("Only .xlsx and .csv files can be converted.")
        raise ValidationFailed.for_fields(message, {"file": [message]})
    sha256, _stored = upload_store(chunks, suffix=suffix)
    key = conversion_idempotency_key(sha256=sha256, suffix=suffix, dry_run=dry_run)
    existing = Job.objects.filter(idempotency_key=key).first()
    if existing is not None:
        # Submitted again after it stopped (failed, or queued and never picked up): resume it.
        if run == "auto" and existing.status in (JobStatus.FAILED, JobStatus.QUEUED):
            job_pk = existing.pk
            transaction.on_commit(lambda: dispatch(job_pk))
        elif run == "inline" and existing.status in (JobStatus.FAILED, JobStatus.QUEUED):
            return job_run(existing)
        return existing
    params = {
        "sha256": sha256,
        "suffix": suffix,
        "file_name": Path(file_name).name,
        "dry_run": dry_run,
        "chunk_rows": max(1, chunk_rows),
    }
    return job_submit(actor=actor, kind=JOB_KIND, params=params, idempotency_key=key, run=run)


def ledger_template_workbook() -> bytes:
    """The empty ledger: the header row (required columns end in ``*``, identifier columns
    formatted as text) and a second sheet explaining every column."""
    columns = ledger_columns(licence_catalogue())
    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    sheet.title = LEDGER_LABEL
    for index, spec in enumerate(columns, start=1):
        sheet.cell(row=1, column=index, value=spec.header).font = Font(bold=True)
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(14, len(spec.header) * 2 + 4)
        if spec.type in ("identifier", "text", "choice"):
            sheet.column_dimensions[letter].number_format = "@"
        elif spec.type == "date":
            sheet.column_dimensions[letter].number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("填写说明")
    notes.append(["列名", "是否必填", "说明"])
    for spec in columns:
        notes.append([spec.label, "必填" if spec.required else "按证照类型", spec.note])
    notes.append([])
    notes.append(["证照类型可填写：" + "、".join(t.name_zh for t in licence_catalogue())])
    notes.append(["任何一行有错误时整个文件都不会转换；请按错误报告修改后重新提交。"])
    notes.column_dimensions["A"].width = 28
    notes.column_dimensions["C"].width = 60
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def paper_only_ledger_workbook(*, actor: User | None) -> bytes:
    """The register's live paper-only licences as a ledger file (the form the conversion reads:
    converting it gives each of them its e-licence). Holds full ID numbers: audited."""
    columns = ledger_columns(licence_catalogue())
    catalogue = licence_catalogue()
    licences = (
        Licence.objects.filter(has_electronic=False, status__in=LIVE)
        .select_related("operator", "vehicle", "practitioner")
        .order_by("type_key", "pk")
    )
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(LEDGER_LABEL)
    sheet.append([spec.label for spec in columns])
    colours = {code: labels[0] for code, labels in PLATE_COLOUR_LABELS.items()}
    count = 0
    for licence in licences.iterator(chunk_size=500):
        licence_type = catalogue[licence.type_key]
        id_number = ""
        if licence.practitioner is not None:
            id_number = pii.decrypt(licence.practitioner.id_number_encrypted, purpose="id_number")
        number = id_number if licence_type.number_is_id_number else licence.paper_number
        sheet.append(
            formula_safe_cells(
                [
                    licence_type.name_zh,
                    number,
                    licence.operator.uscc if licence.operator is not None else "",
                    id_number,
                    licence.vehicle.plate if licence.vehicle is not None else "",
                    colours.get(licence.vehicle.plate_colour, "") if licence.vehicle else "",
                    licence.issued_on.isoformat(),
                    licence.valid_from.isoformat(),
                    licence.valid_until.isoformat() if licence.valid_until else "",
                ]
            )
        )
        count += 1
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="elicences.paper_ledger_export",
            target_type="elicences.paperledger",
            after={"count": count},
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def ledger_path(params: dict[str, Any]) -> Path:
    return upload_path(str(params["sha256"]), str(params["suffix"]))


def conversion_report_path(job_public_id: str) -> Path:
    return Path(settings.MEDIA_ROOT) / REPORT_DIR / f"{job_public_id}.xlsx"


def conversion_report_bytes(summary: ConversionSummary) -> bytes:
    facts = [
        (_("Ledger file"), summary.file_name),
        ("SHA-256", summary.sha256),
        (_("Data rows"), str(summary.total_rows)),
        (_("Problems"), str(len(summary.errors))),
    ]
    return reports.error_report_workbook(
        (error.as_report_line() for error in summary.errors), facts=facts
    )


def conversion_report_write(summary: ConversionSummary, *, job_public_id: str) -> Path:
    path = conversion_report_path(job_public_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(conversion_report_bytes(summary))
    return path


def conversion_report_file_name(summary: ConversionSummary) -> str:
    return reports.report_file_name(summary.file_name or LEDGER_LABEL)


# --- On demand --------------------------------------------------------------------------------


def licence_convert_on_demand(
    *, actor: User | None, licence: Licence, at: dt.datetime | None = None
) -> Licence:
    """Give a live paper-only licence its e-licence now (the holder is at the counter).

    Only a valid or suspended licence is converted; one that already has its e-licence is a
    Conflict (the issuance service locks the row, so two clerks pressing at once convert once).
    """
    if licence.has_electronic:
        raise Conflict(_("This licence already has its e-licence."))
    if licence.status not in LIVE or (
        licence.valid_until is not None
        and licence.valid_until < timezone.localdate(at or clock.now())
    ):
        message = _("Only a valid paper licence is converted; renew an expired one instead.")
        raise ValidationFailed.for_fields(message, {"licence": [message]})
    return licence_convert(actor=actor, licence=licence, at=at)
