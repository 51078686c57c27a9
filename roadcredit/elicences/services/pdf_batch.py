"""Sealing many licence PDFs at once: rendered on every core, written by one process.

``licence_pdfs_produce`` takes the e-licences whose sealed PDF is not made yet and makes them in
chunks. This process reads each chunk with one query (holders joined), turns it into plain
render data, and hands it to worker processes (forked, so they share the loaded font, seal key
and CMS template, and never touch the database); each worker renders, seals and hashes its
chunk. This process then writes the files and, per chunk in one transaction, the rows (one
``executemany``) and one audit entry listing every licence sealed with its file's SHA-256.
While it writes one chunk the workers render the next ones.

The database is written by one process only, so the same path serves SQLite (a single writer)
and PostgreSQL alike. A licence sealed meanwhile by a first download (``licence_pdf``) is
skipped: the rows are locked and re-checked before they are written, and the file already
handed out is kept. Files are written before their rows commit: a run killed in between leaves
files no row names, and the next run writes each of those licences' files over them under the
same name (``pdf_files.store_licence_pdf``), so a rerun leaves no orphan.

Worker processes are used only where forking is safe: in the main thread of a process that may
have children (a management command, a script, an inline job); elsewhere — a daemon thread of
the web server, a Celery prefork worker — the chunks are rendered in this process.
"""

from __future__ import annotations

import collections
import hashlib
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.pool import AsyncResult, Pool
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Field

from roadcredit.audit.services import audit_record
from roadcredit.core import clock
from roadcredit.core.errors import ApplicationError
from roadcredit.elicences import signing
from roadcredit.elicences.models import Licence
from roadcredit.elicences.rendering import LicenceRenderData, cjk_font, render_sealed_licence_pdf

from .pdf_files import licence_render_data, store_licence_pdf

if TYPE_CHECKING:
    from roadcredit.accounts.models import User

# Licences per chunk. ``ELICENCE_PDF_CHUNK_SIZE`` (read at import, like the credit intake's
# ``CREDIT_BULK_MIN_BYTES``) lets the kill -9 tests spread a few dozen licences over several
# chunks and worker processes.
DEFAULT_CHUNK_SIZE = int(os.environ.get("ELICENCE_PDF_CHUNK_SIZE", 100))
AUDIT_ACTION = "elicences.pdfs_sealed"

Progress = Callable[[int, int], None]
# (pk, PDF, SHA-256) for a sealed licence, (pk, None, error message) for one that failed
Rendered = tuple[int, bytes | None, str]


@dataclass
class PdfBatchResult:
    total: int = 0
    produced: int = 0
    skipped: int = 0  # sealed meanwhile by another path
    failed: dict[str, str] = field(default_factory=dict)  # public id → reason
    workers: int = 1
    seconds: float = 0.0
    render_cpu_seconds: float = 0.0  # CPU time of rendering and sealing, all processes
    writer_cpu_seconds: float = 0.0  # CPU time of this process (reads, render data, writes)

    def cpu_ms_per_pdf(self) -> float:
        cpu = self.render_cpu_seconds + self.writer_cpu_seconds
        return 1000 * cpu / self.produced if self.produced else 0.0


def pdf_workers() -> int:
    """Processes to render with: ``ELICENCE_PDF_WORKERS`` or one per core, and 1 where forking is
    not safe (see the module docstring)."""
    configured = int(getattr(settings, "ELICENCE_PDF_WORKERS", 0) or 0)
    wanted = configured or os.cpu_count() or 1
    if wanted <= 1 or not _may_fork():
        return 1
    return wanted


def _may_fork() -> bool:
    return (
        "fork" in multiprocessing.get_all_start_methods()
        and threading.current_thread() is threading.main_thread()
        and not multiprocessing.current_process().daemon
    )


def _render_chunk(items: Sequence[tuple[int, LicenceRenderData]]) -> tuple[list[Rendered], float]:
    """Render and seal a chunk (in a worker): the results and the CPU seconds it took."""
    started = time.process_time()
    out: list[Rendered] = []
    for pk, data in items:
        try:
            pdf = render_sealed_licence_pdf(data)
        except ApplicationError as exc:  # a glyph the font lacks, a slot too small …
            out.append((pk, None, str(exc)))
            continue
        out.append((pk, pdf, hashlib.sha256(pdf).hexdigest()))
    return out, time.process_time() - started


def _pending(pks: Sequence[int], chunk_size: int) -> Iterator[list[Licence]]:
    """The licences in chunks, each read with one query (holders joined)."""
    for start in range(0, len(pks), chunk_size):
        yield list(
            Licence.objects.filter(pk__in=pks[start : start + chunk_size])
            .select_related("operator", "vehicle__operator", "practitioner")
            .order_by("pk")
        )


def _update_rows(licences: Sequence[Licence]) -> None:
    """Store the file name, hash and time of each licence: one statement run for every row
    (``executemany``). ``bulk_update`` builds a CASE expression per field instead, which cost
    ~1 ms of Python per licence, more than the rest of the write."""
    meta = Licence._meta
    fields: list[Field[Any, Any]] = [
        Licence._meta.get_field(name)  # type: ignore[misc]
        for name in ("pdf_file", "pdf_sha256", "updated_at")
    ]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(str(field.column))} = %s" for field in fields)
    table, key = quote(meta.db_table), quote(str(meta.pk.column if meta.pk else "id"))
    sql = f"UPDATE {table} SET {assignments} WHERE {key} = %s"  # noqa: S608 (model's own names)
    rows = [
        [field.get_db_prep_save(getattr(licence, field.attname), connection) for field in fields]
        + [licence.pk]
        for licence in licences
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _write(
    licences: dict[int, Licence],
    rendered: list[Rendered],
    result: PdfBatchResult,
    actor: User | None,
) -> None:
    """Store one chunk's files and rows, with one audit entry (in one transaction)."""
    moment = clock.now()
    with transaction.atomic():
        # Lock the rows and look again: a first download may have sealed one meanwhile, and
        # the file it handed out must stay the one on record.
        still_pending = set(
            Licence.objects.select_for_update()
            .filter(pk__in=[pk for pk, _pdf, _info in rendered], pdf_sha256="")
            .values_list("pk", flat=True)
        )
        written: list[Licence] = []
        sealed: list[dict[str, str]] = []
        for pk, pdf, info in rendered:
            licence = licences[pk]
            if pdf is None:
                result.failed[str(licence.public_id)] = info
                continue
            if pk not in still_pending:
                result.skipped += 1
                continue
            store_licence_pdf(licence, pdf)
            licence.pdf_sha256 = info
            licence.updated_at = moment
            written.append(licence)
            sealed.append(
                {
                    "licence": str(licence.public_id),
                    "identifier": licence.identifier or "",
                    "sha256": info,
                }
            )
        if written:
            _update_rows(written)
            audit_record(
                actor=actor,
                action=AUDIT_ACTION,
                target_type="elicences.licence",
                after={"count": len(sealed), "sealed": sealed},
                at=moment,
            )
        result.produced += len(written)


def licence_pdfs_produce(
    *,
    actor: User | None,
    pks: Sequence[int],
    workers: int | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: Progress | None = None,
) -> PdfBatchResult:
    """Render, seal and keep the PDFs of the licences ``pks`` that have an e-licence and no
    sealed PDF yet (others are left alone). See the module docstring."""
    cpu_started, started = time.process_time(), time.monotonic()
    asked = sorted(set(pks))
    wanted = [
        pk
        for start in range(0, len(asked), 2_000)  # within every database's parameter limit
        for pk in Licence.objects.filter(
            pk__in=asked[start : start + 2_000], has_electronic=True, pdf_sha256=""
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    ]
    chunks = -(-len(wanted) // chunk_size)
    count = min(workers or pdf_workers(), max(chunks, 1))
    count = count if count <= 1 or _may_fork() else 1
    result = PdfBatchResult(total=len(wanted), workers=count)
    if not wanted:
        return result
    cjk_font()  # loaded once here, shared by the forked workers
    signing.prepare_seal()
    done = 0
    if progress is not None:
        progress(0, len(wanted))

    def finish(licences: dict[int, Licence], rendered: list[Rendered], cpu: float) -> None:
        nonlocal done
        result.render_cpu_seconds += cpu
        _write(licences, rendered, result, actor)
        done += len(rendered)
        if progress is not None:
            progress(done, len(wanted))

    if count <= 1:
        for batch in _pending(wanted, chunk_size):
            rendered, cpu = _render_chunk([(lic.pk, licence_render_data(lic)) for lic in batch])
            result.writer_cpu_seconds -= cpu  # counted as rendering, not writing
            finish({lic.pk: lic for lic in batch}, rendered, cpu)
    else:
        _produce_in_workers(wanted, count, chunk_size, finish)
    result.writer_cpu_seconds += time.process_time() - cpu_started
    result.seconds = time.monotonic() - started
    return result


def _produce_in_workers(
    wanted: Sequence[int],
    count: int,
    chunk_size: int,
    finish: Callable[[dict[int, Licence], list[Rendered], float], None],
) -> None:
    """Keep ``count`` workers busy with a few chunks ahead while this process reads and writes."""
    context = multiprocessing.get_context("fork")
    in_flight: collections.deque[
        tuple[dict[int, Licence], AsyncResult[tuple[list[Rendered], float]]]
    ] = collections.deque()
    pool: Pool = context.Pool(count)
    try:
        for batch in _pending(wanted, chunk_size):
            items = [(lic.pk, licence_render_data(lic)) for lic in batch]
            in_flight.append(
                ({lic.pk: lic for lic in batch}, pool.apply_async(_render_chunk, (items,)))
            )
            while len(in_flight) > 2 * count:
                licences, pending = in_flight.popleft()
                finish(licences, *pending.get())
        while in_flight:
            licences, pending = in_flight.popleft()
            finish(licences, *pending.get())
        pool.close()
    finally:
        pool.terminate()
        pool.join()
