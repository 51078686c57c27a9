"""Backup and restore: an archive of the database, the encrypted key store, the uploaded
materials and the audit heads file restores into an empty database (SQLite or PostgreSQL, after
``DATABASE_URL``), where the audit chain verifies and personal data decrypts again."""

from __future__ import annotations

import datetime as dt
import io
import json
import secrets
import stat
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from roadcredit.audit.heads import audit_head_sign
from roadcredit.audit.models import AuditEntry, AuditVerification
from roadcredit.core import keystore, pii
from roadcredit.core.backup import (
    MANIFEST,
    BackupError,
    DatabaseSpec,
    backup_create,
    backup_unpack,
    database_alias,
)
from roadcredit.elicences.signing import keys
from roadcredit.subjects.models import Practitioner
from roadcredit.subjects.tests.factories import (
    make_operator,
    make_practitioner,
    make_vehicle,
    valid_id_number,
)

# Restores read what pg_dump / SQLite's backup saw: those tests commit their writes.
committed = pytest.mark.django_db(transaction=True)
pytestmark = pytest.mark.django_db

ID_NUMBER = valid_id_number(dt.date(1988, 6, 15), sex="F", serial=2)  # 李秀英
MATERIAL = "materials/2026/03/烟台顺通物流有限公司-营业执照.pdf"


def _forget_keys() -> None:
    keystore.reset_cache()
    keys.reset_cache()
    pii._cached_key.cache_clear()
    pii._cached_index_key.cache_clear()


@pytest.fixture
def site(settings: Any, tmp_path: Path) -> Iterator[Path]:
    """This test's own key store, media directory and heads file (the "live" installation)."""
    live = tmp_path / "live"
    settings.KEYSTORE_PATH = live / "keystore" / "keystore.json"
    settings.KEYSTORE_AUTO_CREATE = True
    settings.MEDIA_ROOT = live / "media"
    settings.AUDIT_HEADS_PATH = live / "audit-heads" / "heads.jsonl"
    _forget_keys()
    yield live
    _forget_keys()


@pytest.fixture
def empty_target(tmp_path: Path) -> Iterator[str]:
    """The URL of an empty scratch database of the same kind as the test database."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored' / 'roadcredit.sqlite3'}"
        return
    import psycopg

    spec = DatabaseSpec.from_settings(connection.settings_dict)
    name = f"rc_restore_{secrets.token_hex(4)}"
    admin = spec.pg_dsn(dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    credentials = spec.user + (f":{spec.password}" if spec.password else "")
    yield f"postgres://{credentials}@{spec.host or 'localhost'}:{spec.port or 5432}/{name}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def a_working_district(live: Path, capture: Any) -> Practitioner:
    operator = make_operator(name="烟台顺通物流有限公司")
    make_vehicle(operator)
    driver = make_practitioner(operator, name="李秀英", id_number=ID_NUMBER)
    material = live / "media" / MATERIAL
    material.parent.mkdir(parents=True)
    material.write_bytes(b"%PDF-1.7 business licence of the operator")
    with capture(execute=True):  # the heads-file line is written on commit
        assert audit_head_sign(reason="daily") is not None
    return driver


def run(command: str, *args: Any, **options: Any) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command(command, *args, stdout=out, stderr=err, **options)
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def restore_into(url: str, archive: Path, restored: Path, **options: Any) -> tuple[int, str, str]:
    return run(
        "restore",
        str(archive),
        into=url,
        keystore=restored / "keystore" / "keystore.json",
        media_root=restored / "media",
        heads_file=restored / "audit-heads" / "heads.jsonl",
        **options,
    )


@committed
def test_a_backup_restores_into_an_empty_database_and_verifies(
    site, django_capture_on_commit_callbacks, empty_target, tmp_path
):
    driver = a_working_district(site, django_capture_on_commit_callbacks)
    entries = AuditEntry.objects.count()

    code, out, _ = run("backup", out=tmp_path / "backups")
    assert code == 0 and "备份完成" in out
    (archive,) = (tmp_path / "backups").glob("roadcredit-370612-*.tar.gz")
    restored = tmp_path / "restored"

    code, out, err = restore_into(empty_target, archive, restored)

    assert code == 0, err
    assert f"审计日志完整：共校验 {entries} 条记录" in out
    assert "1 个签名链头均相符" in out
    assert (restored / "media" / MATERIAL).read_bytes() == (site / "media" / MATERIAL).read_bytes()
    assert (restored / "keystore" / "keystore.json").read_bytes() == (
        site / "keystore" / "keystore.json"
    ).read_bytes()
    assert (restored / "audit-heads" / "heads.jsonl").read_bytes() == (
        site / "audit-heads" / "heads.jsonl"
    ).read_bytes()
    with database_alias(DatabaseSpec.from_url(empty_target)) as alias:
        assert AuditEntry.objects.using(alias).count() == entries
        assert AuditVerification.objects.using(alias).get().ok
        copy = Practitioner.objects.using(alias).get(public_id=driver.public_id)
        assert copy.name == "李秀英"
        ciphertext = bytes(copy.id_number_encrypted)
    # The restored key store, opened on its own, decrypts the restored ID number.
    (site / "keystore" / "keystore.json").unlink()
    from django.conf import settings

    settings.KEYSTORE_PATH = restored / "keystore" / "keystore.json"
    settings.KEYSTORE_AUTO_CREATE = False
    _forget_keys()
    assert pii.decrypt(ciphertext, purpose="id_number") == ID_NUMBER


def test_the_archive_has_a_manifest_of_digests_and_no_passphrase(
    site, django_capture_on_commit_callbacks, tmp_path
):
    a_working_district(site, django_capture_on_commit_callbacks)
    (site / "keystore" / "dev-passphrase").write_text("never in a backup")

    result = backup_create(out_dir=tmp_path / "backups")

    assert stat.S_IMODE(result.path.stat().st_mode) == 0o600
    with tarfile.open(result.path) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile(MANIFEST))  # type: ignore[arg-type]
    member = "database.dump" if connection.vendor == "postgresql" else "database.sqlite3"
    assert set(names) == {MANIFEST, *manifest["members"]}
    assert {
        member,
        "keystore/keystore.json",
        "audit-heads/heads.jsonl",
        f"media/{MATERIAL}",
    } <= set(manifest["members"])
    assert not any("passphrase" in name for name in names)
    assert all(len(m["sha256"]) == 64 for m in manifest["members"].values())
    assert (
        manifest["division_code"] == "370612"
        and manifest["database"]["vendor"] == connection.vendor
    )


@committed
def test_it_refuses_a_target_that_is_not_empty_unless_forced(
    site, django_capture_on_commit_callbacks, empty_target, tmp_path
):
    a_working_district(site, django_capture_on_commit_callbacks)
    archive = backup_create(out_dir=tmp_path / "backups").path
    restored = tmp_path / "restored"
    assert restore_into(empty_target, archive, restored)[0] == 0

    with pytest.raises(CommandError, match="未恢复：拒绝恢复：目标数据库不为空") as refused:
        restore_into(empty_target, archive, restored)
    assert refused.value.returncode == 2

    make_operator(name="牟平区宏达运输有限公司")  # the live chain moves on; restore the old one
    code, _, err = restore_into(empty_target, archive, restored, force=True)
    assert code == 0, err


def test_it_refuses_to_restore_over_the_live_database(
    site, django_capture_on_commit_callbacks, tmp_path
):
    a_working_district(site, django_capture_on_commit_callbacks)
    archive = backup_create(out_dir=tmp_path / "backups").path
    before = AuditEntry.objects.count()

    with pytest.raises(CommandError, match="目标数据库不为空"):
        run("restore", str(archive))
    assert AuditEntry.objects.count() == before


@committed
def test_a_tampered_trail_in_the_backup_fails_verification_after_restore(
    site, django_capture_on_commit_callbacks, empty_target, tmp_path
):
    a_working_district(site, django_capture_on_commit_callbacks)
    AuditEntry.objects.filter(seq=2).update(actor_label="anonymous")
    archive = backup_create(out_dir=tmp_path / "backups").path

    code, _, err = restore_into(empty_target, archive, tmp_path / "restored")

    assert code == 1
    assert "第 2 号记录——记录被篡改" in err


def repack(archive: Path, target: Path, change: Any) -> Path:
    """Unpack ``archive``, let ``change`` edit the files, pack it again (manifest untouched)."""
    work = target.parent / "repack"
    with tarfile.open(archive) as tar:
        tar.extractall(work, filter="data")
    change(work)
    with tarfile.open(target, "w:gz") as tar:
        for path in sorted(work.rglob("*")):
            if path.is_file():
                tar.add(path, arcname=path.relative_to(work).as_posix())
    return target


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda w: (w / "media" / MATERIAL).write_bytes(b"%PDF forged"), "SHA-256"),
        (lambda w: (w / "media" / MATERIAL).unlink(), "缺少"),
        (lambda w: (w / "media" / "extra.exe").write_bytes(b"MZ"), "未列出"),
    ],
    ids=["altered", "missing", "extra"],
)
def test_an_archive_that_does_not_match_its_manifest_is_refused(
    site, django_capture_on_commit_callbacks, tmp_path, change, message
):
    a_working_district(site, django_capture_on_commit_callbacks)
    archive = backup_create(out_dir=tmp_path / "backups").path
    bad = repack(archive, tmp_path / "bad.tar.gz", change)

    with pytest.raises(BackupError, match=message):
        backup_unpack(bad, tmp_path / "unpacked")
