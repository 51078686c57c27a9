"""Walk the audit chain and compare it with every signed head.

python manage.py verify_audit                 # exit 0: intact; exit 1: the first problem found
python manage.py verify_audit --no-record     # do not record the result for the leaders' page

Run it daily from cron or a systemd timer (docs/operations.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from roadcredit.audit.services import audit_chain_verify


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain and signed heads (校验审计日志哈希链与签名链头)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--database", default="default", help="database alias")
        parser.add_argument(
            "--heads-file", type=Path, default=None, help="heads file (default AUDIT_HEADS_PATH)"
        )
        parser.add_argument(
            "--no-record", action="store_true", help="do not record the result in the database"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_chain_verify(
            using=options["database"],
            heads_file=options["heads_file"],
            record=not options["no_record"],
        )
        for warning in report.warnings:
            self.stderr.write(f"警告：{warning}")
        if report.ok:
            self.stdout.write(report.summary())
            return
        self.stderr.write(report.summary())
        first = report.first
        for finding in report.findings:
            if finding is not first:
                self.stderr.write(f"另：{finding.where}——{finding.label}。{finding.message}")
        raise SystemExit(1)
