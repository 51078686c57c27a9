"""Importing the subject registry from a .csv or .xlsx file: all or nothing per file.

``import_subjects`` (in ``service``) reads the file twice, streaming, ``CHUNK_ROWS`` rows at a time:

1. **Check.** Every row is converted (``columns``) and validated with the one home of the
   record rules, ``roadcredit.subjects.validation.parse_*``. Rows are matched to registered
   subjects by identifier (operator: USCC; vehicle: VIN; practitioner: ID number through its
   blind index) with one ``__in`` query per chunk, never one per row; an optional cell left
   blank keeps the registered value. Identifiers repeated within the file and clashes with other
   subjects (a plate already on another VIN) are errors. Every problem of every row is collected.
   The outcome of each subject (created / updated / unchanged) is counted here.
2. **Write**, only when the check found nothing and this is not a dry run: the same reading
   again inside one ``transaction.atomic()``, with ``bulk_create`` / ``bulk_update`` per chunk,
   business scopes and qualifications in bulk, one audit entry per chunk that changed anything
   (the public ids created and the fields updated, never personal data) and one for the file
   (counts, file name, SHA-256). Any problem found now (the registry changed in between) rolls
   the whole file back.

Between chunks only the identifiers already met are kept, so memory grows with the number of
subjects in the file, never with the size of its rows. Practitioners: one qualification per row
(see ``columns``); the import adds or updates qualifications and never removes one.

Modules: ``results`` (what an import reports), ``base`` (the steps every kind shares),
``operators`` / ``vehicles`` / ``practitioners`` (one importer per kind), ``service`` (the two
passes, the transaction, the audit), ``uploads`` (stored uploads, the background job, reports).
"""

from .base import AUDIT_BATCH_ACTION
from .results import MAX_ERRORS, ImportSummary, RowError, error_text, summary_lines
from .service import AUDIT_ACTION, CHUNK_ROWS, SourceFile, file_sha256, import_subjects
from .uploads import (
    JOB_KIND,
    import_submit,
    job_idempotency_key,
    report_bytes,
    report_path,
    report_write,
    upload_path,
    upload_store,
)

__all__ = [
    "AUDIT_ACTION",
    "AUDIT_BATCH_ACTION",
    "CHUNK_ROWS",
    "JOB_KIND",
    "MAX_ERRORS",
    "ImportSummary",
    "RowError",
    "SourceFile",
    "error_text",
    "file_sha256",
    "import_subjects",
    "import_submit",
    "job_idempotency_key",
    "report_bytes",
    "report_path",
    "report_write",
    "summary_lines",
    "upload_path",
    "upload_store",
]
