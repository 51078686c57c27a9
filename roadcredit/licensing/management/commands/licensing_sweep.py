"""python manage.py licensing_sweep — the daily sweep of the licensing workflow: deemed
acceptance, 容缺 reminders, overdue termination with credit records, escalation."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from roadcredit.licensing.services import licensing_sweep


class Command(BaseCommand):
    help = "Deemed acceptance, reminders, overdue termination and escalation of applications."

    def handle(self, *args: Any, **options: Any) -> None:
        result = licensing_sweep()
        for name, numbers in result.as_json().items():
            self.stdout.write(f"{name}: {len(numbers)} {' '.join(numbers)}".rstrip())
        if result.errors:
            self.stderr.write("; ".join(result.errors))
