"""Uploaded files, the import as a background job, and its error report on disk."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext as _

from roadcredit.core.errors import Conflict
from roadcredit.core.jobs import job_submit
from roadcredit.core.models import Job
from roadcredit.exchange import columns, reports

from .results import ImportSummary, summary_lines

if TYPE_CHECKING:
    from roadcredit.accounts.models import User

UPLOAD_DIR = "imports"
REPORT_DIR = "imports/reports"
JOB_KIND = "exchange.import_subjects"


def upload_path(sha256: str, suffix: str) -> Path:
    return Path(settings.MEDIA_ROOT) / UPLOAD_DIR / f"{sha256}{suffix}"


def report_path(job_public_id: str) -> Path:
    return Path(settings.MEDIA_ROOT) / REPORT_DIR / f"{job_public_id}.xlsx"


def upload_store(chunks: Iterable[bytes], *, suffix: str) -> tuple[str, Path]:
    """Store an upload as ``MEDIA_ROOT/imports/<sha256><suffix>``; returns (sha256, path)."""
    directory = Path(settings.MEDIA_ROOT) / UPLOAD_DIR
    directory.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with tempfile.NamedTemporaryFile(dir=directory, delete=False, suffix=".part") as handle:
        for chunk in chunks:
            digest.update(chunk)
            handle.write(chunk)
        temporary = Path(handle.name)
    sha256 = digest.hexdigest()
    final = upload_path(sha256, suffix)
    temporary.replace(final)  # same bytes under the same name: replacing is harmless
    return sha256, final


def report_bytes(summary: ImportSummary) -> bytes:
    """The error report of an import as an .xlsx file."""
    facts = [
        (_("Imported file"), summary.file_name),
        (_("Kind of data"), columns.KIND_LABELS.get(summary.kind, summary.kind)),
        ("SHA-256", summary.sha256),
        *((_("Import summary"), line) for line in summary_lines(summary)),
    ]
    return reports.error_report_workbook(
        (error.as_report_line() for error in summary.errors), facts=facts
    )


def report_write(summary: ImportSummary, *, job_public_id: str) -> Path:
    path = report_path(job_public_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(report_bytes(summary))
    return path


def job_idempotency_key(*, kind: str, sha256: str, suffix: str, dry_run: bool) -> str:
    return f"{JOB_KIND}:{kind}:{sha256}{suffix}:{'dry-run' if dry_run else 'import'}"


def import_submit(
    *, actor: User, kind: str, chunks: Iterable[bytes], file_name: str, dry_run: bool
) -> Job:
    """Store an uploaded file and run its import as a background job.

    The same file (same bytes) with the same kind and mode returns the job it already has,
    whatever name it is uploaded under, so a resubmission never imports twice.
    """
    columns.columns_for(kind)
    suffix = Path(file_name).suffix.lower()
    sha256, _path = upload_store(chunks, suffix=suffix)
    key = job_idempotency_key(kind=kind, sha256=sha256, suffix=suffix, dry_run=dry_run)
    params = {
        "kind": kind,
        "sha256": sha256,
        "suffix": suffix,
        "dry_run": dry_run,
        "file_name": Path(file_name).name,
    }
    try:
        return job_submit(actor=actor, kind=JOB_KIND, params=params, idempotency_key=key)
    except Conflict:
        # The same bytes were uploaded before under another file name: that job is this one's.
        existing = Job.objects.filter(idempotency_key=key).first()
        if existing is None:
            raise
        return existing
