"""``manage.py import_subjects``: import operators, vehicles or practitioners from a file.

    python manage.py import_subjects --kind vehicle 车辆.xlsx [--dry-run] [--report 错误.xlsx]
    python manage.py import_subjects --kind vehicle --template 车辆导入模板.xlsx

Exit status 1 when any row failed (and then nothing was written), 0 otherwise.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from roadcredit.accounts.models import User
from roadcredit.core.jobs import progress_bar
from roadcredit.exchange import columns, reports
from roadcredit.exchange.registry_import import (
    error_text,
    import_subjects,
    report_bytes,
    summary_lines,
)

# Errors printed on the terminal; the --report file holds all of them.
PRINTED_ERRORS = 200


class Command(BaseCommand):
    help = "Import operators, vehicles or practitioners from a .xlsx or .csv file (all or nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="the .xlsx or .csv file to import")
        parser.add_argument("--kind", required=True, choices=columns.KINDS)
        parser.add_argument(
            "--dry-run", action="store_true", help="check the file and report, write nothing"
        )
        parser.add_argument("--report", metavar="OUT.xlsx", help="write the error report here")
        parser.add_argument(
            "--template", metavar="OUT.xlsx", help="write the empty template of --kind and stop"
        )
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help="the account recorded as the actor in the audit trail",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        kind: str = options["kind"]
        if options["template"]:
            out = Path(options["template"])
            out.write_bytes(reports.template_workbook(kind))
            self.stdout.write(_("Template written: %(path)s") % {"path": out})
            return
        if not options["file"]:
            raise CommandError(_("Name the file to import (or use --template OUT.xlsx)."))
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("File not found: %(path)s") % {"path": path})
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"], is_active=True).first()
            if actor is None:
                raise CommandError(_("No active user %(name)s.") % {"name": options["user"]})
        progress = progress_bar(
            _("Importing %(kind)s") % {"kind": columns.KIND_LABELS[kind]}, stream=self.stderr
        )
        try:
            summary = import_subjects(
                actor=actor,
                kind=kind,
                path_or_file=path,
                dry_run=options["dry_run"],
                progress=progress,
            )
        finally:
            progress.close()
        for error in summary.errors[:PRINTED_ERRORS]:
            self.stderr.write(error_text(error))
        if len(summary.errors) > PRINTED_ERRORS:
            self.stderr.write(
                _("… and %(more)d more problems (see the error report).")
                % {"more": len(summary.errors) - PRINTED_ERRORS}
            )
        if options["report"] and summary.errors:
            out = Path(options["report"])
            out.write_bytes(report_bytes(summary))
            self.stderr.write(_("Error report written: %(path)s") % {"path": out})
        for line in summary_lines(summary):
            self.stdout.write(line)
        if summary.errors:
            raise CommandError(_("The import failed; nothing was written."), returncode=1)
