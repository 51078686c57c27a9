"""``manage.py credit_expire``: end what reached the end of its publication period (run daily).

    python manage.py credit_expire [--actor USERNAME]

Active negative records whose publication period (``takedown_on``) has come become ``expired``
(they stop counting and stop being published; the subject is regraded; the penalty item of
double publicity is taken down); serious-dishonesty listings whose period has run out are removed.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from roadcredit.credit.management.commands.credit_lists import command_actor
from roadcredit.credit.services.publicity import publication_expire


class Command(BaseCommand):
    help = "Expire records and serious-dishonesty listings whose publication period has ended."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--actor", help="username recorded in the audit trail (default: system)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        summary = publication_expire(actor=command_actor(options["actor"]))
        self.stdout.write(
            _("%(records)d records expired; %(listings)d serious-dishonesty listings ended.")
            % {"records": summary.records_expired, "listings": summary.listings_expired}
        )
