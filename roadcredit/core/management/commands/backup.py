"""Back up the database, the key store (encrypted), the uploaded materials and the audit heads
file into one timestamped archive.

python manage.py backup --out /srv/backups/roadcredit

See docs/operations.md for the schedule, off-site copies and the restore drill.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from roadcredit.core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the platform into a .tar.gz archive (备份数据库、密钥库、上传材料与审计链头)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", type=Path, required=True, help="directory for the archive")
        parser.add_argument("--database", default="default", help="database alias")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = backup_create(out_dir=options["out"], using=options["database"])
        except BackupError as exc:
            raise CommandError(exc.message) from exc
        manifest = result.manifest
        size = result.path.stat().st_size
        self.stdout.write(
            f"备份完成：{result.path}（{size / 1024 / 1024:.1f} MB；"
            f"数据库 {manifest['database']['vendor']}，"
            f"密钥库{'已包含' if manifest['keystore'] else '不存在，未包含'}，"
            f"上传材料 {manifest['media_files']} 个文件，"
            f"审计链头文件{'已包含' if manifest['heads_file'] else '不存在，未包含'}）。"
        )
