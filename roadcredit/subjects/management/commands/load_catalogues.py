"""``python manage.py load_catalogues``: load the reference catalogues kept as data files.

Idempotent: running it again changes nothing unless the files changed. Each run writes one audit
row per catalogue (actor "system", or the account given with ``--actor``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from roadcredit.accounts.models import User
from roadcredit.subjects.catalogues import (
    BUSINESS_SCOPES_PATH,
    CatalogueError,
    read_business_scopes,
)
from roadcredit.subjects.services import business_scopes_load


class Command(BaseCommand):
    help = "Load the reference catalogues (business scopes); safe to repeat."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--business-scopes",
            type=Path,
            default=BUSINESS_SCOPES_PATH,
            help="Business-scope catalogue file (TOML); the built-in one by default.",
        )
        parser.add_argument(
            "--actor",
            default="",
            help="Username recorded as the actor in the audit trail (default: system).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = None
        if options["actor"]:
            actor = User.objects.filter(username=options["actor"]).first()
            if actor is None:
                raise CommandError(_("No user %(name)s.") % {"name": options["actor"]})
        try:
            catalogue = read_business_scopes(options["business_scopes"])
        except CatalogueError as exc:
            raise CommandError(str(exc)) from exc
        result = business_scopes_load(actor=actor, catalogue=catalogue)
        self.stdout.write(
            _(
                "Business scopes %(version)s: %(created)d added, %(updated)d updated, "
                "%(deactivated)d deactivated, %(unchanged)d unchanged."
            )
            % {
                "version": result.version,
                "created": len(result.created),
                "updated": len(result.updated),
                "deactivated": len(result.deactivated),
                "unchanged": result.unchanged,
            }
        )
