"""Backup and restore of one installation, on PostgreSQL or SQLite.

A backup is one ``.tar.gz`` archive holding everything needed to bring the platform back:

* ``database.dump`` (``pg_dump --format=custom``) or ``database.sqlite3`` (SQLite's online
  backup API, so a running server keeps writing meanwhile);
* ``keystore/keystore.json`` — the key store as it is on disk, i.e. encrypted: the seal keys and
  the personal-data keys. The passphrase is never in the archive; keep it apart;
* ``media/…`` — uploaded materials (``MEDIA_ROOT``);
* ``audit-heads/heads.jsonl`` — the signed audit chain heads kept outside the database;
* ``manifest.json`` — what the archive holds, with the SHA-256 and size of every member.

Order of capture matters with a running system: the heads file is copied *before* the database
(every head it names is then in the dump), the key store and the media *after* it (every key a
dumped ciphertext needs, and every file a dumped row names, is then in the archive — both only
ever grow).

Restoring checks the manifest (every member present, every digest right, nothing extra), refuses
a target that is not empty unless ``force`` (a replaced key store or heads file is moved aside,
never deleted), restores, then walks the audit chain of the restored database against the
restored heads with the restored key store.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
import secrets
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any, Literal

from django.conf import settings
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder
from django.db.utils import load_backend
from django.utils.translation import gettext as _

from config.env import parse_database_url
from roadcredit.core import clock
from roadcredit.core.errors import ApplicationError
from roadcredit.core.keystore import KeyStore, KeyStoreError, development_passphrase
from roadcredit.core.keystore import reset_cache as reset_keystore_cache

logger = logging.getLogger(__name__)

FORMAT = 1
MANIFEST = "manifest.json"
PG_MEMBER = "database.dump"
SQLITE_MEMBER = "database.sqlite3"
KEYSTORE_MEMBER = "keystore/keystore.json"
HEADS_MEMBER = "audit-heads/heads.jsonl"
MEDIA_PREFIX = "media/"
CHUNK = 1024 * 1024

Vendor = Literal["postgresql", "sqlite"]


class BackupError(ApplicationError):
    """The backup or restore cannot go on; the message says why and what to do."""


# --- the database -----------------------------------------------------------------------------
@dataclass(frozen=True)
class DatabaseSpec:
    """Where a database is, independent of Django's connection settings."""

    vendor: Vendor
    name: str
    user: str = ""
    password: str = field(default="", repr=False)
    host: str = ""
    port: str = ""
    options: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings_dict: dict[str, Any]) -> DatabaseSpec:
        engine = str(settings_dict["ENGINE"])
        if engine.endswith("sqlite3"):
            return cls(vendor="sqlite", name=str(settings_dict["NAME"]))
        if engine.endswith("postgresql"):
            options = settings_dict.get("OPTIONS") or {}
            return cls(
                vendor="postgresql",
                name=str(settings_dict["NAME"]),
                user=str(settings_dict.get("USER") or ""),
                password=str(settings_dict.get("PASSWORD") or ""),
                host=str(settings_dict.get("HOST") or ""),
                port=str(settings_dict.get("PORT") or ""),
                options={k: str(v) for k, v in options.items() if isinstance(v, str | int)},
            )
        raise BackupError(_("Only PostgreSQL and SQLite databases can be backed up."))

    @classmethod
    def from_url(cls, url: str) -> DatabaseSpec:
        config = parse_database_url(url, base_dir=Path(settings.BASE_DIR))
        return cls.from_settings(
            {
                "ENGINE": config.engine,
                "NAME": config.name,
                "USER": config.user,
                "PASSWORD": config.password,
                "HOST": config.host,
                "PORT": config.port,
                "OPTIONS": config.options or {},
            }
        )

    @property
    def engine(self) -> str:
        return (
            "django.db.backends.sqlite3"
            if self.vendor == "sqlite"
            else "django.db.backends.postgresql"
        )

    def same_as(self, other: DatabaseSpec) -> bool:
        if self.vendor != other.vendor:
            return False
        if self.vendor == "sqlite":
            return Path(self.name).resolve() == Path(other.name).resolve()
        return (self.name, self.host or "", self.port or "") == (
            other.name,
            other.host or "",
            other.port or "",
        )

    def pg_env(self) -> dict[str, str]:
        """Environment for pg_dump / pg_restore / psycopg (the password never on a command line)."""
        env = dict(os.environ)
        for key, value in (
            ("PGHOST", self.host),
            ("PGPORT", self.port),
            ("PGUSER", self.user),
            ("PGPASSWORD", self.password),
            ("PGDATABASE", self.name),
            ("PGSSLMODE", self.options.get("sslmode", "")),
        ):
            if value:
                env[key] = value
            else:
                env.pop(key, None)
        return env

    def pg_dsn(self, **overrides: str) -> str:
        """A libpq connection string (``overrides`` e.g. ``dbname="postgres"``)."""
        from psycopg.conninfo import make_conninfo

        info = {
            "dbname": self.name,
            "user": self.user,
            "password": self.password,
            "host": self.host,
            "port": self.port,
            **self.options,
            **overrides,
        }
        return make_conninfo(**{k: v for k, v in info.items() if v})


def _run(args: list[str], *, env: dict[str, str]) -> None:
    try:
        completed = subprocess.run(  # noqa: S603 - fixed programs, arguments are ours
            args, env=env, capture_output=True, text=True, check=False
        )
    except FileNotFoundError as exc:
        raise BackupError(
            _("%(program)s is not installed (Debian package postgresql-client).")
            % {"program": args[0]}
        ) from exc
    if completed.returncode != 0:
        raise BackupError(
            _("%(program)s failed: %(error)s")
            % {"program": args[0], "error": completed.stderr.strip()[-2000:]}
        )


def _dump_database(spec: DatabaseSpec, target: Path) -> None:
    if spec.vendor == "postgresql":
        _run(
            ["pg_dump", "--format=custom", "--no-owner", "--no-acl", f"--file={target}"],
            env=spec.pg_env(),
        )
        return
    source = sqlite3.connect(spec.name)
    try:
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal
        finally:
            copy.close()
    finally:
        source.close()


def _database_is_empty(spec: DatabaseSpec) -> bool:
    if spec.vendor == "sqlite":
        path = Path(spec.name)
        if not path.exists() or path.stat().st_size == 0:
            return True
        probe = sqlite3.connect(path)
        try:
            rows = probe.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%'"
            ).fetchone()
        finally:
            probe.close()
        return int(rows[0]) == 0
    import psycopg

    try:
        with psycopg.connect(spec.pg_dsn()) as conn:
            row = conn.execute(
                "SELECT count(*) FROM information_schema.tables "
                "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
            ).fetchone()
    except psycopg.OperationalError as exc:
        raise BackupError(
            _("Cannot connect to the target database (create it first with createdb): %(error)s")
            % {"error": str(exc).strip()}
        ) from exc
    return row is not None and int(row[0]) == 0


def _restore_database(spec: DatabaseSpec, source: Path, *, clear: bool) -> None:
    if spec.vendor == "postgresql":
        if clear:
            import psycopg

            with psycopg.connect(spec.pg_dsn(), autocommit=True) as conn:
                conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
                conn.execute("CREATE SCHEMA public")
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--no-acl",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={spec.name}",
                str(source),
            ],
            env=spec.pg_env(),
        )
        return
    target = Path(spec.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    origin = sqlite3.connect(source)
    try:
        destination = sqlite3.connect(target)
        try:
            origin.backup(destination)
        finally:
            destination.close()
    finally:
        origin.close()


# --- archive members --------------------------------------------------------------------------
class _HashingReader:
    """Hands tarfile the bytes of a file while hashing exactly what it reads."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.digest.update(data)
        return data


def _add_file(tar: tarfile.TarFile, name: str, path: Path, members: dict[str, Any]) -> None:
    info = tar.gettarinfo(str(path), arcname=name)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    with path.open("rb") as handle:
        reader = _HashingReader(handle)
        tar.addfile(info, reader)
    members[name] = {"sha256": reader.digest.hexdigest(), "size": info.size}


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, members: dict[str, Any]) -> None:
    import io

    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(clock.now().timestamp())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))
    members[name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _applied_migrations(using: str) -> dict[str, str]:
    recorder = MigrationRecorder(connections[using])
    if not recorder.has_table():
        return {}
    latest: dict[str, str] = {}
    for app, name in recorder.applied_migrations():
        if name > latest.get(app, ""):
            latest[app] = name
    return latest


def _fsync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- backup -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: dict[str, Any]


def _paths(
    keystore_path: Path | None, media_root: Path | None, heads_file: Path | None
) -> tuple[Path, Path, Path]:
    from roadcredit.audit.heads import heads_path

    return (
        Path(keystore_path or settings.KEYSTORE_PATH),
        Path(media_root or settings.MEDIA_ROOT),
        Path(heads_file or heads_path()),
    )


def backup_create(
    *,
    out_dir: Path,
    using: str = "default",
    keystore_path: Path | None = None,
    media_root: Path | None = None,
    heads_file: Path | None = None,
    at: dt.datetime | None = None,
) -> BackupResult:
    """Write a timestamped archive of database ``using``, the key store, the media and the heads
    file into ``out_dir``; return its path and manifest. Readable by its owner only."""
    keystore_file, media_dir, heads = _paths(keystore_path, media_root, heads_file)
    spec = DatabaseSpec.from_settings(connections[using].settings_dict)
    moment = (at or clock.now()).astimezone(dt.UTC)
    out_dir.mkdir(parents=True, exist_ok=True)
    name = f"roadcredit-{settings.DISTRICT_DIVISION_CODE}-{moment:%Y%m%dT%H%M%SZ}.tar.gz"
    final = out_dir / name
    if final.exists():
        raise BackupError(_("A backup of that name exists already: %(path)s") % {"path": final})
    members: dict[str, Any] = {}
    partial = out_dir / f".{name}.partial"
    with tempfile.TemporaryDirectory(prefix=".roadcredit-backup-", dir=out_dir) as work:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
                # 1. The heads file first: every head it names is then in the dump.
                if heads.exists():
                    _add_bytes(tar, HEADS_MEMBER, heads.read_bytes(), members)
                # 2. The database.
                member = PG_MEMBER if spec.vendor == "postgresql" else SQLITE_MEMBER
                dump = Path(work) / member
                _dump_database(spec, dump)
                _add_file(tar, member, dump, members)
                dump.unlink()
                # 3. Then the key store and the media (both only grow).
                if keystore_file.exists():
                    _add_bytes(tar, KEYSTORE_MEMBER, keystore_file.read_bytes(), members)
                media_count = 0
                if media_dir.exists():
                    for path in sorted(media_dir.rglob("*")):
                        if path.is_file() and not path.is_symlink():
                            relative = path.relative_to(media_dir).as_posix()
                            _add_file(tar, MEDIA_PREFIX + relative, path, members)
                            media_count += 1
                manifest = {
                    "format": FORMAT,
                    "created_at": moment.isoformat(timespec="seconds"),
                    "division_code": settings.DISTRICT_DIVISION_CODE,
                    "district": settings.DISTRICT_NAME,
                    "database": {"vendor": spec.vendor, "member": member},
                    "keystore": KEYSTORE_MEMBER if KEYSTORE_MEMBER in members else None,
                    "heads_file": HEADS_MEMBER if HEADS_MEMBER in members else None,
                    "media_files": media_count,
                    "migrations": _applied_migrations(using),
                    "members": members,
                }
                manifest_bytes = json.dumps(
                    manifest, ensure_ascii=False, indent=1, sort_keys=True
                ).encode("utf-8")
                _add_bytes(tar, MANIFEST, manifest_bytes, {})
                raw.flush()
                os.fsync(raw.fileno())
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    partial.replace(final)
    _fsync_directory(out_dir)
    logger.info("backup written: %s (%d members)", final, len(members))
    return BackupResult(path=final, manifest=manifest)


# --- reading an archive -----------------------------------------------------------------------
def _safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts


def backup_unpack(archive: Path, into: Path) -> dict[str, Any]:
    """Extract ``archive`` into the directory ``into`` and check it against its manifest:
    every listed member present with its digest and size, and nothing else. Returns the
    manifest; ``BackupError`` says what is wrong."""
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            for info in tar.getmembers():
                if not (info.isfile() or info.isdir()) or not _safe_name(info.name):
                    raise BackupError(
                        _("The archive holds an unexpected member: %(name)s") % {"name": info.name}
                    )
            tar.extractall(into, filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(_("The archive cannot be read: %(error)s") % {"error": str(exc)}) from exc
    manifest_path = into / MANIFEST
    try:
        manifest: dict[str, Any] = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(_("The archive has no readable manifest.")) from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(_("The archive's format is not supported."))
    members: dict[str, Any] = manifest.get("members", {})
    present = {
        path.relative_to(into).as_posix()
        for path in into.rglob("*")
        if path.is_file() and path != manifest_path
    }
    extra = sorted(present - set(members))
    if extra:
        raise BackupError(
            _("The archive holds files its manifest does not list: %(names)s")
            % {"names": ", ".join(extra[:5])}
        )
    for name, expected in members.items():
        path = into / name
        if not _safe_name(name) or not path.is_file():
            raise BackupError(
                _("A member listed in the manifest is missing: %(name)s") % {"name": name}
            )
        if path.stat().st_size != expected["size"] or _sha256(path) != expected["sha256"]:
            raise BackupError(
                _("A member does not match its SHA-256 in the manifest: %(name)s") % {"name": name}
            )
    return manifest


# --- restore ----------------------------------------------------------------------------------
@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    report: Any  # roadcredit.audit.verify.Report
    moved_aside: list[Path] = field(default_factory=list)
    media_files: int = 0


def _file_differs(target: Path, source: Path) -> bool:
    return target.exists() and _sha256(target) != _sha256(source)


def _move_aside(path: Path, stamp: str) -> Path:
    aside = path.with_name(f"{path.name}.before-restore-{stamp}")
    path.replace(aside)
    return aside


def _install_file(source: Path, target: Path, mode: int) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.restore-{secrets.token_hex(4)}")
    shutil.copyfile(source, partial)
    partial.chmod(mode)
    with partial.open("rb") as handle:
        os.fsync(handle.fileno())
    partial.replace(target)


def _open_restored_keystore(path: Path) -> KeyStore:
    passphrase = settings.KEYSTORE_PASSPHRASE
    if not passphrase and (path.parent / "dev-passphrase").exists():
        passphrase = development_passphrase(path)
    if not passphrase:
        raise BackupError(
            _("No key store passphrase is configured (ROADCREDIT_KEYSTORE_PASSPHRASE).")
        )
    try:
        return KeyStore.open(path, passphrase)
    except KeyStoreError as exc:
        raise BackupError(
            _("The restored key store does not open with the configured passphrase: %(error)s")
            % {"error": str(exc)}
        ) from exc


@contextlib.contextmanager
def database_alias(spec: DatabaseSpec) -> Iterator[str]:
    """A Django connection alias for ``spec`` for the length of the block (``default`` when it
    is the configured database)."""
    default = connections["default"].settings_dict
    if spec.same_as(DatabaseSpec.from_settings(default)):
        yield "default"
        return
    alias = f"restore_{secrets.token_hex(4)}"
    same_vendor = DatabaseSpec.from_settings(default).vendor == spec.vendor
    settings_dict = {
        **default,
        "ENGINE": spec.engine,
        "NAME": spec.name,
        "USER": spec.user,
        "PASSWORD": spec.password,
        "HOST": spec.host,
        "PORT": spec.port,
        "OPTIONS": dict(default.get("OPTIONS") or {}) if same_vendor else dict(spec.options),
        "TEST": {},
    }
    # A connection of this thread only, not added to DATABASES: nothing else sees it.
    wrapper = load_backend(spec.engine).DatabaseWrapper(settings_dict, alias)
    connections[alias] = wrapper
    try:
        yield alias
    finally:
        wrapper.close()
        del connections[alias]


def backup_restore(
    *,
    archive: Path,
    database: DatabaseSpec | None = None,
    keystore_path: Path | None = None,
    media_root: Path | None = None,
    heads_file: Path | None = None,
    force: bool = False,
    work_dir: Path | None = None,
) -> RestoreResult:
    """Restore ``archive`` into ``database`` (default: the configured one) and the given key
    store, media and heads-file locations (default: the configured ones), then verify the audit
    chain. Refuses (``BackupError``) before writing anything when the archive does not match its
    manifest, or a target is not empty and ``force`` is not given."""
    from roadcredit.audit.services import audit_chain_verify

    keystore_file, media_dir, heads = _paths(keystore_path, media_root, heads_file)
    spec = database or DatabaseSpec.from_settings(connections["default"].settings_dict)
    stamp = clock.now().astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    with tempfile.TemporaryDirectory(prefix="roadcredit-restore-", dir=work_dir) as work:
        unpacked = Path(work)
        manifest = backup_unpack(archive, unpacked)
        vendor = manifest["database"]["vendor"]
        if vendor != spec.vendor:
            raise BackupError(
                _("The backup is of a %(backup)s database; the target is %(target)s.")
                % {"backup": vendor, "target": spec.vendor}
            )
        media_files = [
            name[len(MEDIA_PREFIX) :]
            for name in manifest["members"]
            if name.startswith(MEDIA_PREFIX)
        ]
        # Every refusal happens here, before anything is written.
        problems: list[str] = []
        database_empty = _database_is_empty(spec)
        if not database_empty:
            problems.append(_("the target database is not empty"))
        keystore_source = unpacked / KEYSTORE_MEMBER
        if manifest.get("keystore") and _file_differs(keystore_file, keystore_source):
            problems.append(_("another key store exists at %(path)s") % {"path": keystore_file})
        heads_source = unpacked / HEADS_MEMBER
        if manifest.get("heads_file") and _file_differs(heads, heads_source):
            problems.append(_("another audit heads file exists at %(path)s") % {"path": heads})
        clashing = [
            name
            for name in media_files
            if _file_differs(media_dir / name, unpacked / (MEDIA_PREFIX + name))
        ]
        if clashing:
            problems.append(
                _("%(count)d uploaded files differ in %(path)s")
                % {"count": len(clashing), "path": media_dir}
            )
        if problems and not force:
            raise BackupError(
                _("Restore refused: %(problems)s. Use --force to replace them.")
                % {"problems": "; ".join(problems)},
                {"problems": problems},
            )

        if spec.same_as(DatabaseSpec.from_settings(connections["default"].settings_dict)):
            connections["default"].close()
        _restore_database(spec, unpacked / manifest["database"]["member"], clear=not database_empty)
        moved: list[Path] = []
        if manifest.get("keystore"):
            if _file_differs(keystore_file, keystore_source):
                moved.append(_move_aside(keystore_file, stamp))
            _install_file(keystore_source, keystore_file, 0o600)
            reset_keystore_cache()  # this process must not keep using the store it replaced
        if manifest.get("heads_file"):
            if _file_differs(heads, heads_source):
                moved.append(_move_aside(heads, stamp))
            _install_file(heads_source, heads, 0o640)
        for name in media_files:
            _install_file(unpacked / (MEDIA_PREFIX + name), media_dir / name, 0o640)

    store = _open_restored_keystore(keystore_file) if keystore_file.exists() else None
    with database_alias(spec) as alias:
        report = audit_chain_verify(using=alias, heads_file=heads, store=store)
    logger.info("restored %s into %s %s: %s", archive, spec.vendor, spec.name, report.summary())
    return RestoreResult(
        manifest=manifest, report=report, moved_aside=moved, media_files=len(media_files)
    )
