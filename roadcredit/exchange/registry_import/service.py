"""``import_subjects``: check the whole file, then write it in one transaction (or not at all)."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from roadcredit.audit.services import audit_record
from roadcredit.core import clock
from roadcredit.exchange import columns, tabular
from roadcredit.exchange.columns import HeaderMap
from roadcredit.subjects.models import BusinessScope, UsccAllowListEntry

from .base import Context, Importer
from .operators import OperatorImporter
from .practitioners import PractitionerImporter
from .results import ImportSummary, RowError
from .vehicles import VehicleImporter

if TYPE_CHECKING:
    from roadcredit.accounts.models import User

CHUNK_ROWS = 1000
AUDIT_ACTION = "exchange.import_subjects"

Progress = Callable[[int, int], None]

IMPORTERS: dict[str, type[Importer]] = {
    "operator": OperatorImporter,
    "vehicle": VehicleImporter,
    "practitioner": PractitionerImporter,
}


class _Abort(Exception):
    """Raised inside the write transaction to roll the whole file back."""


@dataclass(frozen=True)
class SourceFile:
    path: Path
    file_name: str
    sha256: str


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


@contextmanager
def _source(path_or_file: Path | str | IO[bytes], file_name: str | None) -> Iterator[SourceFile]:
    """A path on disk for the file (the readers open it more than once) and its SHA-256."""
    if isinstance(path_or_file, str | Path):
        path = Path(path_or_file)
        yield SourceFile(path, file_name or path.name, file_sha256(path))
        return
    name = file_name or Path(str(getattr(path_or_file, "name", "") or "")).name
    suffix = Path(name).suffix.lower()
    with tempfile.NamedTemporaryFile(suffix=suffix, prefix="roadcredit-import-") as copy:
        if hasattr(path_or_file, "seek"):
            path_or_file.seek(0)
        shutil.copyfileobj(path_or_file, copy)
        copy.flush()
        copy_path = Path(copy.name)
        yield SourceFile(copy_path, name, file_sha256(copy_path))


def _batches(rows: Iterator[tabular.Row], size: int) -> Iterator[list[tabular.Row]]:
    batch: list[tabular.Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _context(
    *, kind: str, header: HeaderMap, summary: ImportSummary, actor: User | None
) -> Context:
    scopes = list(BusinessScope.objects.values_list("code", "name", "active", "pk"))
    return Context(
        kind=kind,
        header=header,
        summary=summary,
        actor=actor,
        today=clock.today(),
        now=clock.now(),
        # Only active scopes can be given in a file; operators keep retired ones they hold.
        scope_lookup=columns.scope_lookup(
            [(code, name) for code, name, active, _ in scopes if active]
        ),
        scope_ids={code: pk for code, _, _, pk in scopes},
        allowlist=frozenset(UsccAllowListEntry.objects.values_list("uscc", flat=True)),
    )


def _merged_cell_errors(ctx: Context, table: tabular.Table) -> None:
    labels = {position + 1: spec.label for position, spec in ctx.header.columns}
    for merged in table.merged:
        ctx.add_error(
            merged.first_row,
            "",
            _(
                "Cells %(ref)s are merged. Merged cells are not accepted: unmerge them and fill "
                "every cell."
            )
            % {"ref": merged.ref},
            label=labels.get(merged.first_column, ""),
        )


def _run_pass(
    ctx: Context,
    table: tabular.Table,
    *,
    write: bool,
    progress: Progress | None,
    offset: int,
    total: int,
) -> int:
    importer = IMPORTERS[ctx.kind](ctx, write=write)
    rows_done = 0
    for batch in _batches(table.rows(), CHUNK_ROWS):
        importer.process(batch)
        rows_done += len(batch)
        if progress is not None:
            progress(min(offset + rows_done, total), total)
    if not write:
        importer.finish()
    return rows_done


def import_subjects(
    *,
    actor: User | None,
    kind: str,
    path_or_file: Path | str | IO[bytes],
    dry_run: bool = False,
    progress: Progress | None = None,
    file_name: str | None = None,
) -> ImportSummary:
    """Import operators, vehicles or practitioners from a .csv / .xlsx file, all or nothing.

    ``file_name`` (default: the path's name) decides the format by its suffix and is recorded
    in the audit trail. ``progress(done, total)`` is called per chunk of rows. Problems never
    raise: they come back in ``ImportSummary.errors`` and then nothing has been written.
    """
    columns.columns_for(kind)  # ValueError for an unknown kind (a programming error)
    with _source(path_or_file, file_name) as source:
        summary = ImportSummary(
            kind=kind, file_name=source.file_name, sha256=source.sha256, dry_run=dry_run
        )
        try:
            table = tabular.open_table(
                source.path,
                file_name=source.file_name,
                max_bytes=settings.IMPORT_MAX_BYTES,
                max_rows=settings.IMPORT_MAX_ROWS,
            )
            header = columns.map_headers(kind, table.headers)
        except tabular.TabularError as exc:
            summary.errors.append(RowError(exc.row, "", "", exc.message))
            return summary
        except columns.HeaderError as exc:
            summary.errors.append(RowError(1, "", "", exc.message))
            return summary
        ctx = _context(kind=kind, header=header, summary=summary, actor=actor)
        _merged_cell_errors(ctx, table)
        # Progress counts rows read: once by the check, once more by the write (if any).
        passes = 1 if dry_run else 2
        estimate = max(table.estimated_rows, 1) * passes
        try:
            summary.total_rows = _run_pass(
                ctx, table, write=False, progress=progress, offset=0, total=estimate
            )
        except tabular.TabularError as exc:
            summary.errors.append(RowError(exc.row, "", "", exc.message))
        summary.blank_rows = table.blank_rows
        total = max(summary.total_rows * passes, 1)
        if not (summary.errors or dry_run) and (summary.created or summary.updated):
            _write(ctx, table, progress=progress, total=total)
        _sort_errors(ctx)
        # Otherwise nothing to write: it failed, it was only checked, or every row equals the
        # registry already.
        if progress is not None:
            progress(total, total)
        return summary


def _write(ctx: Context, table: tabular.Table, *, progress: Progress | None, total: int) -> None:
    """The write pass, all in one transaction; on any problem the summary gets the errors."""
    summary = ctx.summary
    counts = (summary.created, summary.updated, summary.unchanged)
    try:
        with transaction.atomic():
            _run_pass(
                ctx, table, write=True, progress=progress, offset=summary.total_rows, total=total
            )
            if summary.errors:
                raise _Abort
            audit_record(
                actor=ctx.actor,
                action=AUDIT_ACTION,
                target_type=f"subjects.{ctx.kind}",
                target_id=summary.sha256,
                after={
                    "kind": ctx.kind,
                    "file_name": summary.file_name,
                    "sha256": summary.sha256,
                    "total_rows": summary.total_rows,
                    "blank_rows": summary.blank_rows,
                    "created": counts[0],
                    "updated": counts[1],
                    "unchanged": counts[2],
                },
            )
    except _Abort:
        summary.errors.insert(0, RowError(None, "", "", _changed_meanwhile()))
        return
    except (IntegrityError, tabular.TabularError):
        summary.errors.append(RowError(None, "", "", _changed_meanwhile()))
        return
    summary.written = True


def _sort_errors(ctx: Context) -> None:
    """Problems of the whole file first, then by row and by column as the file has them."""
    position = {spec.key: index for index, spec in ctx.header.columns}
    ctx.summary.errors.sort(
        key=lambda e: (e.row is not None, e.row or 0, position.get(e.field, len(position)))
    )


def _changed_meanwhile() -> str:
    return _(
        "The registry changed while the file was being imported, so nothing was written. "
        "Please import the file again."
    )
