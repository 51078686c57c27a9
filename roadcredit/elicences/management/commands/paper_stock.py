"""``python manage.py paper_stock receive|reconcile``: the blank-certificate paper ledger.

    python manage.py paper_stock receive --type business_licence --from LY0000101 --to LY0000600 \\
        --received-on 2026-03-02 --supplier 山东省交通运输厅证件印制中心 [--user clerk]
    python manage.py paper_stock reconcile --type business_licence --start 2026-03-01 --end 2026-03-31

``reconcile`` prints the period's counts and discrepancies and exits 1 when there is any.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from roadcredit.accounts.models import User
from roadcredit.core import clock
from roadcredit.core.error_display import error_line
from roadcredit.core.errors import ApplicationError
from roadcredit.elicences.services.stock import stock_receive, stock_reconcile
from roadcredit.elicences.stock_selectors import stock_types


def _date(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


class Command(BaseCommand):
    help = "Receive blank certificate paper into stock, or reconcile a period of the ledger."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        receive = sub.add_parser("receive", help="enter a delivery (a range of sheet serials)")
        receive.add_argument("--type", required=True, choices=[t.key for t in stock_types()])
        receive.add_argument("--from", dest="serial_from", required=True, help="first serial")
        receive.add_argument("--to", dest="serial_to", required=True, help="last serial")
        receive.add_argument("--received-on", type=_date, help="YYYY-MM-DD (default: today)")
        receive.add_argument("--supplier", required=True)
        receive.add_argument("--note", default="")
        receive.add_argument("--user", metavar="USERNAME", help="the actor in the audit trail")
        reconcile = sub.add_parser("reconcile", help="count a period and list discrepancies")
        reconcile.add_argument("--type", required=True, choices=[t.key for t in stock_types()])
        reconcile.add_argument("--start", type=_date, required=True, help="YYYY-MM-DD")
        reconcile.add_argument("--end", type=_date, required=True, help="YYYY-MM-DD")
        reconcile.add_argument("--user", metavar="USERNAME", help="the actor in the audit trail")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = None
        if options.get("user"):
            actor = User.objects.filter(username=options["user"], is_active=True).first()
            if actor is None:
                raise CommandError(_("No active user %(name)s.") % {"name": options["user"]})
        try:
            if options["action"] == "receive":
                self._receive(actor, options)
            else:
                self._reconcile(actor, options)
        except ApplicationError as exc:
            raise CommandError(error_line(exc)) from exc

    def _receive(self, actor: User | None, options: dict[str, Any]) -> None:
        receipt = stock_receive(
            actor=actor,
            type_key=options["type"],
            serial_from=options["serial_from"],
            serial_to=options["serial_to"],
            received_on=options["received_on"] or clock.today(),
            supplier=options["supplier"],
            note=options["note"],
        )
        batch = receipt.batch
        if receipt.created:
            self.stdout.write(
                _("Received %(count)d sheets, %(first)s to %(last)s.")
                % {"count": batch.count, "first": batch.serial_from, "last": batch.serial_to}
            )
        else:
            self.stdout.write(
                _("This delivery (%(first)s to %(last)s) was already received; nothing changed.")
                % {"first": batch.serial_from, "last": batch.serial_to}
            )

    def _reconcile(self, actor: User | None, options: dict[str, Any]) -> None:
        result = stock_reconcile(
            actor=actor,
            type_key=options["type"],
            period_start=options["start"],
            period_end=options["end"],
        )
        counts = result.counts
        out = self.stdout
        out.write(f"{result.type_name} {result.period_start} – {result.period_end}")
        for label, value in (
            (_("Opening stock"), counts.opening),
            (_("Received"), counts.received),
            (_("Used"), counts.used),
            (_("Spoiled"), counts.spoiled),
            (_("Voided"), counts.voided),
            (_("Closing stock"), counts.closing),
        ):
            out.write(f"  {label}: {value}")
        if not counts.balanced:
            out.write(
                "  "
                + _("does not balance: %(expected)s expected")
                % {"expected": counts.expected_closing}
            )
        if result.used_without_licence_count:
            out.write(
                "  "
                + _("Sheets recorded as used without the licence printed on them")
                + f"（{result.used_without_licence_count}）："
                + "、".join(result.used_without_licence)
            )
        if result.licences_without_sheet_count:
            out.write(
                "  "
                + _("Licences issued in the period without a sheet used for them")
                + f"（{result.licences_without_sheet_count}）："
                + "、".join(lic.paper_number for lic in result.licences_without_sheet)
            )
        if result.discrepancy_count:
            raise CommandError(
                _("Discrepancies found: %(count)s.") % {"count": result.discrepancy_count},
                returncode=1,
            )
        out.write(_("No discrepancy."))
