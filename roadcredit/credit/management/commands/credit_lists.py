"""``manage.py credit_lists``: the red list and the serious-dishonesty list.

    python manage.py credit_lists refresh [--actor USERNAME]   # apply the rule-set criteria
    python manage.py credit_lists candidates                    # show who meets them (no writes)

``refresh`` lists red-list subjects directly, removes those who no longer qualify, proposes
serious-dishonesty candidates (notice, statement and decision follow on the pages) and ends
expired listings. Every change is audited.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from roadcredit.accounts.models import User
from roadcredit.core import clock
from roadcredit.credit.selectors_cases import list_candidates
from roadcredit.credit.services.lists import lists_refresh


def command_actor(username: str | None) -> User | None:
    if not username:
        return None
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(_("No active user %(name)s.") % {"name": username})
    return user


class Command(BaseCommand):
    help = "Refresh the red list and the serious-dishonesty list from the rule-set criteria."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["refresh", "candidates"])
        parser.add_argument(
            "--actor", help="username recorded in the audit trail (default: system)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "candidates":
            for candidate in list_candidates(as_of=clock.today()):
                lists = []
                if candidate.red:
                    lists.append(_("red list"))
                if candidate.serious:
                    lists.append(_("serious-dishonesty list"))
                self.stdout.write(
                    f"{candidate.subject.public_id}\t{candidate.subject.name}\t{'、'.join(lists)}"
                )
            return
        summary = lists_refresh(actor=command_actor(options["actor"]))
        self.stdout.write(
            _(
                "Red list: %(red_added)d added, %(red_removed)d removed. Serious-dishonesty list: "
                "%(proposed)d proposed, %(cancelled)d proposals dropped, %(expired)d listings expired."
            )
            % {
                "red_added": summary.red_added,
                "red_removed": summary.red_removed,
                "proposed": summary.serious_proposed,
                "cancelled": summary.serious_cancelled,
                "expired": summary.serious_expired,
            }
        )
