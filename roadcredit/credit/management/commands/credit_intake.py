"""``manage.py credit_intake``: take in a file of credit records from a registered source.

    python manage.py credit_intake --source sdcredit 信用记录.csv [--report 错误.xlsx]
    python manage.py credit_intake --add-source sdcredit --name 山东省公共信用信息共享交换平台 --kind provincial_sharing
    python manage.py credit_intake --issue-token sdcredit      # prints the new push token once
    python manage.py credit_intake --revoke-token sdcredit

A file is one batch (.csv UTF-8/GB18030, .xlsx, .json): all records or none. Large .csv files on
PostgreSQL are copied into the database as they are and checked, linked and written set-based
(``intake_bulk``). Exit status 1 when the batch was rejected.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from roadcredit.accounts.models import User
from roadcredit.core.errors import ApplicationError
from roadcredit.credit import selectors
from roadcredit.credit.models import IntakeChannel, IntakeStatus, SourceKind
from roadcredit.credit.services import intake
from roadcredit.exchange import reports

PRINTED_ERRORS = 200


class Command(BaseCommand):
    help = "Take in a .csv / .xlsx / .json file of credit records from a source (all or nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="the file to take in")
        parser.add_argument("--source", metavar="CODE", help="the registered source's code")
        parser.add_argument("--report", metavar="OUT.xlsx", help="write the error report here")
        parser.add_argument("--user", metavar="USERNAME", help="the actor in the audit trail")
        parser.add_argument("--add-source", metavar="CODE", help="register a source")
        parser.add_argument("--name", help="name of the source to register")
        parser.add_argument("--kind", choices=SourceKind.values, default=SourceKind.OTHER)
        parser.add_argument("--issue-token", metavar="CODE", help="issue a push token")
        parser.add_argument("--revoke-token", metavar="CODE", help="revoke the push token")

    def _actor(self, username: str | None) -> User | None:
        if not username:
            return None
        actor = User.objects.filter(username=username, is_active=True).first()
        if actor is None:
            raise CommandError(_("No active user %(name)s.") % {"name": username})
        return actor

    def handle(self, *args: Any, **options: Any) -> None:
        actor = self._actor(options["user"])
        try:
            if options["add_source"]:
                source = intake.source_create(
                    actor=actor,
                    code=options["add_source"],
                    name=options["name"] or options["add_source"],
                    kind=options["kind"],
                )
                self.stdout.write(_("Source registered: %(code)s") % {"code": source.code})
                return
            if options["issue_token"]:
                token = intake.source_token_issue(
                    actor=actor, source=selectors.source_get(options["issue_token"])
                )
                self.stdout.write(token)
                return
            if options["revoke_token"]:
                intake.source_token_revoke(
                    actor=actor, source=selectors.source_get(options["revoke_token"])
                )
                self.stdout.write(_("Token revoked."))
                return
            if not options["file"] or not options["source"]:
                raise CommandError(_("Name the source (--source CODE) and the file."))
            path = Path(options["file"])
            if not path.is_file():
                raise CommandError(_("File not found: %(path)s") % {"path": path})
            batch = intake.intake_file(
                source=selectors.source_get(options["source"]),
                path=path,
                file_name=path.name,
                actor=actor,
                channel=IntakeChannel.COMMAND,
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        summary = batch.summary()
        self.stdout.write(
            _(
                "Batch %(id)s (%(status)s): %(rows)s rows, %(created)s created, %(updated)s "
                "updated, %(unchanged)s unchanged, %(to_link)s to link, %(errors)s errors."
            )
            % {
                "id": batch.pk,
                "status": batch.get_status_display(),
                "rows": summary["total_rows"],
                "created": summary["created"],
                "updated": summary["updated"],
                "unchanged": summary["unchanged"],
                "to_link": summary["to_link"],
                "errors": summary["errors"],
            }
        )
        for error in batch.errors[:PRINTED_ERRORS]:
            row = error.get("row") or "-"
            self.stderr.write(
                f"{row}\t{error.get('source_ref', '')}\t{error.get('label', '')}\t{error.get('message', '')}"
            )
        if options["report"] and batch.errors:
            lines = [
                reports.ReportLine(e.get("row"), str(e.get("label", "")), str(e.get("message", "")))
                for e in batch.errors
            ]
            Path(options["report"]).write_bytes(reports.error_report_workbook(lines))
        if batch.status == IntakeStatus.REJECTED:
            raise SystemExit(1)
