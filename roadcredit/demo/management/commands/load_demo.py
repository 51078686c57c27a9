"""``python manage.py load_demo [--scale N] [--seed S]``: the demo district and persona accounts.

Loads the reference catalogues first (``load_catalogues``), then the generated operators,
vehicles and practitioners of Muping (370612) — the district's real counts at ``--scale 1``,
province size at ``--scale 100`` — their licences (``licence_loader``; ``--no-licences`` to
skip them), the demo persona accounts and the district's credit history with everyone graded
(``credit_loader``; ``--no-credit`` to skip it). Safe to repeat: a second run at the same scale creates
nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from roadcredit.accounts.models import User
from roadcredit.core.jobs import progress_bar
from roadcredit.demo.credit_loader import credit_summary_lines
from roadcredit.demo.generator import DEFAULT_SEED, max_scale
from roadcredit.demo.licence_loader import licence_summary_lines
from roadcredit.demo.loader import DEFAULT_CHUNK_SIZE, LoadSummary, demo_load


def _positive_float(value: str) -> float:
    number = float(value)
    if not number > 0:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = "Load the deterministic demo district (Muping 370612) and the demo accounts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            type=_positive_float,
            default=1.0,
            help="Multiply the district's counts (1 = 1,505 operators, 3,563 vehicles, "
            "7,878 practitioners; 100 = province size).",
        )
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help="Generator seed (same seed, same data)."
        )
        parser.add_argument(
            "--chunk-size", type=int, default=DEFAULT_CHUNK_SIZE, help="Rows per transaction."
        )
        parser.add_argument(
            "--no-personas", action="store_true", help="Do not create the demo accounts."
        )
        parser.add_argument(
            "--no-licences", action="store_true", help="Do not load the district's licences."
        )
        parser.add_argument(
            "--no-credit",
            action="store_true",
            help="Do not load the credit records, cases and grades.",
        )
        parser.add_argument(
            "--actor",
            default="",
            help="Username recorded as the actor in the audit trail (default: system).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        scale: float = options["scale"]
        if scale > max_scale():
            raise CommandError(
                _("Scale %(scale)s is too large: the demo identifier ranges allow at most %(max)d.")
                % {"scale": scale, "max": int(max_scale())}
            )
        if options["chunk_size"] < 1:
            raise CommandError(_("The chunk size must be a positive number."))
        actor = None
        if options["actor"]:
            actor = User.objects.filter(username=options["actor"]).first()
            if actor is None:
                raise CommandError(_("No user %(name)s.") % {"name": options["actor"]})
        if "load_catalogues" in get_commands():
            call_command("load_catalogues", stdout=self.stdout, stderr=self.stderr)
        summary = demo_load(
            actor=actor,
            scale=scale,
            seed=options["seed"],
            chunk_size=options["chunk_size"],
            progress=progress_bar,
            personas=not options["no_personas"],
            licences=not options["no_licences"],
            credit=not options["no_credit"],
        )
        self._print_summary(summary)

    def _print_summary(self, summary: LoadSummary) -> None:
        out = self.stdout
        out.write(
            _("Demo district 370612 (scale %(scale)s, seed %(seed)d):")
            % {"scale": f"{summary.scale:g}", "seed": summary.seed}
        )
        labels = {
            "operator": _("Operators"),
            "vehicle": _("Vehicles"),
            "practitioner": _("Practitioners"),
        }
        for kind in summary.kinds:
            out.write(
                "  "
                + _(
                    "%(kind)s: %(created)d created, %(skipped)d already present, "
                    "%(total)d in all, %(seconds).1f s (%(rate)d rows/s)"
                )
                % {
                    "kind": labels[kind.kind],
                    "created": kind.created,
                    "skipped": kind.skipped,
                    "total": kind.total,
                    "seconds": kind.seconds,
                    "rate": round(kind.rows_per_second),
                }
            )
        out.write(
            "  "
            + _("Qualifications: %(count)d created") % {"count": summary.qualifications_created}
        )
        out.write(_("Created in all: %(count)d") % {"count": summary.created})
        if summary.licences is not None:
            for line in licence_summary_lines(summary.licences):
                out.write("  " + line)
        if summary.credit is not None:
            for line in credit_summary_lines(summary.credit):
                out.write("  " + line)
        if not summary.personas:
            return
        out.write("")
        out.write(_("Demo accounts:"))
        header = (_("Username"), _("Role"), _("Password"))
        rows = [(p.username, p.role_label, p.password) for p in summary.personas]
        width = max(len(r[0]) for r in [*rows, header]) + 2
        out.write(f"  {header[0]:<{width}}{header[1]}\t{header[2]}")
        for username, role, password in rows:
            out.write(f"  {username:<{width}}{role}\t{password}")
