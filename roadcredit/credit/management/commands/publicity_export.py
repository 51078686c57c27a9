"""``manage.py publicity_export``: the double-publicity feed (双公示) for the provincial credit
platform, as .xlsx or .json.

    python manage.py publicity_export --out 双公示.xlsx [--kind penalty] [--since 2026-10-01]
                                      [--pending-only] [--sync] [--publish] [--actor USERNAME]

``--sync`` first brings the penalty items in line with the credit records; ``--publish`` marks
the exported items as published (the file went to the platform). Overdue items (not published
within 7 working days of the decision) are flagged in the 超期 column / ``overdue`` field.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from roadcredit.core import clock
from roadcredit.credit import exports
from roadcredit.credit.management.commands.credit_lists import command_actor
from roadcredit.credit.models import PublicityItem
from roadcredit.credit.selectors_cases import publicity_items, publicity_overdue
from roadcredit.credit.services.publicity import publicity_publish, publicity_sync_penalties

KIND_LABELS = {"licensing": "行政许可", "penalty": "行政处罚"}


def item_row(item: PublicityItem, today: dt.date) -> dict[str, Any]:
    return {
        "id": item.public_id,
        "kind": item.kind,
        "subject_name": item.subject_name,
        "subject_code": item.subject_code,
        "subject_code_kind": item.subject_code_kind,
        "decision_number": item.decision_number,
        "decided_on": item.decided_on.isoformat(),
        "content": item.content,
        "legal_basis": item.legal_basis,
        "authority": item.authority,
        "due_on": item.due_on.isoformat(),
        "published_at": item.published_at.isoformat() if item.published_at else None,
        "overdue": publicity_overdue(item, today),
    }


class Command(BaseCommand):
    help = "Export the double-publicity feed (licensing and penalty decisions) as .xlsx or .json."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, help="output file (.xlsx or .json)")
        parser.add_argument("--kind", choices=["licensing", "penalty"])
        parser.add_argument("--since", help="decisions from this date on (YYYY-MM-DD)")
        parser.add_argument(
            "--pending-only", action="store_true", help="only items not yet published"
        )
        parser.add_argument("--sync", action="store_true", help="synchronise penalty items first")
        parser.add_argument(
            "--publish", action="store_true", help="mark the exported items as published"
        )
        parser.add_argument(
            "--actor", help="username recorded in the audit trail (default: system)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        if out.suffix.lower() not in (".xlsx", ".json"):
            raise CommandError(_("The output file must end in .xlsx or .json."))
        since = None
        if options["since"]:
            try:
                since = dt.date.fromisoformat(options["since"])
            except ValueError as exc:
                raise CommandError(_("Use the format YYYY-MM-DD.")) from exc
        actor = command_actor(options["actor"])
        if options["sync"]:
            summary = publicity_sync_penalties(actor=actor)
            self.stderr.write(
                _(
                    "Penalty decisions synchronised: %(added)d added or updated, %(withdrawn)d taken down."
                )
                % {"added": summary.added_or_updated, "withdrawn": summary.withdrawn}
            )
        today = clock.today()
        items = list(
            publicity_items(
                kind=options["kind"],
                since=since,
                pending_only=options["pending_only"],
                today=today,
            )
        )
        rows = [item_row(item, today) for item in items]
        if out.suffix.lower() == ".json":
            out.write_text(json.dumps(rows, ensure_ascii=False, indent=2), encoding="utf-8")
        else:
            out.write_bytes(
                exports.table_workbook(
                    "双公示",
                    exports.PUBLICITY_COLUMNS,
                    (
                        (
                            KIND_LABELS.get(row["kind"], row["kind"]),
                            row["subject_name"],
                            row["subject_code_kind"],
                            row["subject_code"],
                            row["decision_number"],
                            row["decided_on"],
                            row["content"],
                            row["legal_basis"],
                            row["authority"],
                            row["due_on"],
                            row["published_at"] or "",
                            "是" if row["overdue"] else "否",
                        )
                        for row in rows
                    ),
                )
            )
        published = (
            publicity_publish(actor=actor, items=items) if options["publish"] and items else 0
        )
        self.stdout.write(
            _("%(count)d items written to %(path)s; %(published)d marked as published.")
            % {"count": len(rows), "path": out, "published": published}
        )
