"""``python manage.py export_licences [--type T] [--status S] [--limit N] --out DIR``.

Writes the exchange package for the provincial e-licence library into DIR: each selected
licence's sealed PDF (``licences/<identifier>.pdf``, sealed now if it never was), the catalogue
(``catalogue.json``) and the trust list (``trust-list.json``). See ``services.export``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from roadcredit.accounts.models import User
from roadcredit.core.error_display import error_line
from roadcredit.core.errors import ApplicationError
from roadcredit.core.jobs import progress_bar
from roadcredit.elicences.services.export import export_selection, licence_export_to_directory


class Command(BaseCommand):
    help = "Write the e-licence exchange package (sealed PDFs, catalogue, trust list) into a directory."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--type", help="licence type key (e.g. business_licence)")
        parser.add_argument("--status", help="licence status (valid, revoked, …)")
        parser.add_argument("--limit", type=int, help="at most this many licences")
        parser.add_argument("--out", required=True, help="the output directory")
        parser.add_argument("--user", metavar="USERNAME", help="the actor in the audit trail")
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"], is_active=True).first()
            if actor is None:
                raise CommandError(_("No active user %(name)s.") % {"name": options["user"]})
        try:
            selection = export_selection(
                type_key=options["type"], status=options["status"], limit=options["limit"]
            )
        except ApplicationError as exc:
            raise CommandError(error_line(exc, as_options=True)) from exc
        bar = (
            None if options["quiet"] else progress_bar(_("Exporting licences"), stream=self.stderr)
        )
        try:
            result = licence_export_to_directory(
                actor=actor, out_dir=Path(options["out"]), selection=selection, progress=bar
            )
        finally:
            if bar is not None:
                bar.close()
        self.stdout.write(
            _(
                "%(count)d licences exported to %(dir)s (catalogue %(catalogue)s, trust list %(trust)s)."
            )
            % {
                "count": result.count,
                "dir": result.directory,
                "catalogue": result.catalogue.name,
                "trust": result.trust_list.name,
            }
        )
