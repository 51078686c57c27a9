"""``manage.py credit_rulesets``: list, load (as draft), preview and activate rule sets.

    python manage.py credit_rulesets list
    python manage.py credit_rulesets load roadcredit/credit/rules/enterprise-jiangsu-2024.toml
    python manage.py credit_rulesets preview 3
    python manage.py credit_rulesets activate 3 --user credit      # a credit officer

Activation submits the batch regrade (run it here with ``credit_regrade --resume``, or let the
worker take it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from roadcredit.accounts.models import User
from roadcredit.accounts.roles import Role
from roadcredit.core.errors import ApplicationError
from roadcredit.credit import selectors
from roadcredit.credit.services import rulesets


class Command(BaseCommand):
    help = "List, load, preview and activate credit grading rule sets."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["list", "load", "preview", "activate"])
        parser.add_argument("target", nargs="?", help="the file (load) or version number")
        parser.add_argument("--user", metavar="USERNAME", help="the acting user")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"], is_active=True).first()
            if actor is None:
                raise CommandError(_("No active user %(name)s.") % {"name": options["user"]})
        try:
            if action == "list":
                for row in selectors.rulesets_list():
                    self.stdout.write(
                        f"{row.pk}\t{row.scheme}\t{row.ruleset_id}\t{row.version}\t{row.status}\t{row.digest[:12]}"
                    )
                return
            if not options["target"]:
                raise CommandError(_("Name the file or the version number."))
            if action == "load":
                path = Path(options["target"])
                if not path.is_file():
                    raise CommandError(_("File not found: %(path)s") % {"path": path})
                row = rulesets.ruleset_load(
                    actor=actor,
                    text=path.read_text(encoding="utf-8"),
                    source_name=path.name,
                    base_dir=path.resolve().parent,
                )
                self.stdout.write(_("Loaded as draft: %(id)s (%(rs)s)") % {"id": row.pk, "rs": row})
                return
            version = selectors.ruleset_get(int(options["target"]))
            if action == "preview":
                preview = selectors.ruleset_preview(version=version, limit=50)
                self.stdout.write(
                    _("%(n)s subjects, %(changed)s would change grade.")
                    % {"n": preview.subjects, "changed": preview.changed_count}
                )
                for grade, before, after, delta in preview.shift():
                    self.stdout.write(f"  {grade}\t{before}\t→ {after}\t({delta:+d})")
                for change in preview.changes:
                    self.stdout.write(
                        f"  {change.public_id}\t{change.name}\t{change.before} → {change.after}"
                    )
                return
            if actor is None or actor.role != Role.CREDIT_OFFICER:
                raise CommandError(_("Activation needs a credit officer (--user)."))
            row = rulesets.ruleset_activate_and_regrade(actor=actor, version=version)
            self.stdout.write(_("Activated: %(rs)s") % {"rs": row})
        except (ApplicationError, ValueError) as exc:
            raise CommandError(getattr(exc, "message", str(exc))) from exc
