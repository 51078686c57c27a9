"""``python manage.py expire_licences [--date YYYY-MM-DD]``: move licences past their validity
to "expired" (also run daily as the job ``elicences.expire_due``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from roadcredit.elicences.services import licence_expire_due


class Command(BaseCommand):
    help = "Expire every valid or suspended licence whose validity has ended."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="treat this day (YYYY-MM-DD) as today")

    def handle(self, *args: Any, **options: Any) -> None:
        at = timezone.now()
        if options.get("date"):
            try:
                day = dt.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(_("Enter a date as YYYY-MM-DD.")) from exc
            at = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
        count = licence_expire_due(at=at)
        self.stdout.write(_("%(count)d licence(s) expired.") % {"count": count})
