"""Sign the audit chain's head with the bureau's seal key and append it to the heads file.

python manage.py sign_audit_head               # daily, from cron or a systemd timer
python manage.py sign_audit_head --reason manual

Exit 1 when the entries since the previous head do not hold (nothing is signed then: run
verify_audit and investigate).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from roadcredit.audit.heads import REASON_DAILY, AuditChainBroken, audit_head_sign


class Command(BaseCommand):
    help = "Sign the audit chain head (签名审计日志链头)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reason", default=REASON_DAILY, help="recorded with the head (default: daily)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            head = audit_head_sign(reason=options["reason"])
        except AuditChainBroken as exc:
            self.stderr.write(f"未签名：{exc.message}")
            raise SystemExit(1) from exc
        if head is None:
            self.stdout.write("审计日志为空，无需签名。")
            return
        self.stdout.write(
            f"已签名审计链头：第 {head.seq} 号，哈希 {head.entry_hash[:16]}…，密钥 {head.kid}。"
        )
