"""Restore a backup archive made by ``manage.py backup``, then verify the audit chain.

python manage.py restore ARCHIVE                                   # into the configured database
python manage.py restore ARCHIVE --into postgres://…/roadcredit_drill   # a restore drill
python manage.py restore ARCHIVE --force                           # replace a non-empty target

Exit 0 when the restored audit chain verifies, 1 when it does not, 2 when nothing was restored.
Stop the web and worker processes before restoring into the live database.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from roadcredit.core.backup import BackupError, DatabaseSpec, backup_restore


class Command(BaseCommand):
    help = "Restore a backup archive and verify the audit chain (恢复备份并校验审计日志)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--into", default=None, help="target DATABASE_URL (default: the configured database)"
        )
        parser.add_argument("--keystore", type=Path, default=None, help="key store file target")
        parser.add_argument("--media-root", type=Path, default=None, help="media directory target")
        parser.add_argument("--heads-file", type=Path, default=None, help="audit heads file target")
        parser.add_argument("--work-dir", type=Path, default=None, help="where to unpack")
        parser.add_argument(
            "--force", action="store_true", help="replace a target that is not empty"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            database = DatabaseSpec.from_url(options["into"]) if options["into"] else None
            result = backup_restore(
                archive=options["archive"],
                database=database,
                keystore_path=options["keystore"],
                media_root=options["media_root"],
                heads_file=options["heads_file"],
                force=options["force"],
                work_dir=options["work_dir"],
            )
        except BackupError as exc:
            raise CommandError(f"未恢复：{exc.message}", returncode=2) from exc
        manifest = result.manifest
        self.stdout.write(
            f"已恢复 {manifest['created_at']} 的备份（{manifest['district']}，"
            f"上传材料 {result.media_files} 个文件）。"
        )
        for path in result.moved_aside:
            self.stdout.write(f"原文件已移至 {path}（未删除）。")
        for warning in result.report.warnings:
            self.stderr.write(f"警告：{warning}")
        if result.report.ok:
            self.stdout.write(result.report.summary())
            self.stdout.write("如代码版本更新，请再运行 python manage.py migrate。")
            return
        self.stderr.write(result.report.summary())
        raise SystemExit(1)
