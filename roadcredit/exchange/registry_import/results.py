"""What an import reports: every failing row and field, and the counts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from roadcredit.exchange import columns
from roadcredit.exchange.reports import ReportLine

# A file where every row is wrong would otherwise produce an error list as long as the file.
MAX_ERRORS = 100_000


@dataclass(frozen=True)
class RowError:
    """One problem: the file's own row number (None: the whole file), the field key, the
    Chinese column label and the Chinese message."""

    row: int | None
    field: str
    column_label: str
    message: str

    def as_report_line(self) -> ReportLine:
        return ReportLine(self.row, self.column_label, self.message)


@dataclass
class ImportSummary:
    kind: str
    file_name: str
    sha256: str
    dry_run: bool
    total_rows: int = 0
    blank_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    errors_truncated: bool = False
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def failed_rows(self) -> int:
        return len({error.row for error in self.errors if error.row is not None})

    def as_dict(self, *, max_errors: int | None = None) -> dict[str, Any]:
        """JSON-ready (a job's result); ``max_errors`` keeps only the first errors."""
        data = asdict(self)
        data["error_count"] = len(self.errors)
        data["failed_rows"] = self.failed_rows
        if max_errors is not None and len(self.errors) > max_errors:
            data["errors"] = data["errors"][:max_errors]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ImportSummary:
        names = {f for f in cls.__dataclass_fields__ if f != "errors"}
        summary = cls(**{key: value for key, value in data.items() if key in names})
        summary.errors = [RowError(**error) for error in data.get("errors", [])]
        return summary


def summary_lines(summary: ImportSummary) -> list[str]:
    """The summary in sentences (Chinese through the catalogue), for the command and pages."""
    kind = columns.KIND_LABELS.get(summary.kind, summary.kind)
    lines = [
        _("File: %(name)s (%(kind)s, SHA-256 %(sha)s)")
        % {"name": summary.file_name, "kind": kind, "sha": summary.sha256[:16]},
        _("%(rows)d data rows read; %(blank)d blank rows skipped.")
        % {"rows": summary.total_rows, "blank": summary.blank_rows},
    ]
    counts = {
        "created": summary.created,
        "updated": summary.updated,
        "unchanged": summary.unchanged,
    }
    if summary.errors:
        numbers = {"errors": len(summary.errors), "rows": summary.failed_rows}
        if summary.failed_rows:
            lines.append(_("%(errors)d problems in %(rows)d rows: nothing was written.") % numbers)
        else:  # only problems of the whole file (encoding, headers, size)
            lines.append(_("%(errors)d problems in the file: nothing was written.") % numbers)
        if summary.errors_truncated:
            lines.append(_("Only the first %(max)d problems are listed.") % {"max": MAX_ERRORS})
    elif summary.dry_run:
        lines.append(
            _(
                "Dry run, nothing was written. The import would create %(created)d, "
                "update %(updated)d and leave %(unchanged)d unchanged."
            )
            % counts
        )
    else:
        lines.append(
            _("Imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
            % counts
        )
    return lines


def error_text(error: RowError) -> str:
    """One error as a sentence: 第 5 行【车牌号码】：…"""
    if error.row is None:
        return error.message
    if error.column_label:
        return _("Row %(row)d [%(column)s]: %(message)s") % {
            "row": error.row,
            "column": error.column_label,
            "message": error.message,
        }
    return _("Row %(row)d: %(message)s") % {"row": error.row, "message": error.message}
