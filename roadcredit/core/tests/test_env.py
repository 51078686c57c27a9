from pathlib import Path

import pytest

from config.env import (
    ImproperlyConfiguredEnv,
    env_bool,
    env_int,
    env_str,
    parse_database_url,
)


def test_it_reads_a_secret_from_a_file(tmp_path, monkeypatch):
    secret = tmp_path / "secret"
    secret.write_text("s3cr3t\n", encoding="utf-8")
    monkeypatch.setenv("RC_TEST_SECRET_FILE", str(secret))
    assert env_str("RC_TEST_SECRET") == "s3cr3t"


def test_it_fails_loudly_on_a_missing_required_value(monkeypatch):
    monkeypatch.delenv("RC_TEST_MISSING", raising=False)
    with pytest.raises(ImproperlyConfiguredEnv, match="RC_TEST_MISSING"):
        env_str("RC_TEST_MISSING")


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("yes", True), ("off", False)])
def test_it_parses_booleans(monkeypatch, raw, expected):
    monkeypatch.setenv("RC_TEST_BOOL", raw)
    assert env_bool("RC_TEST_BOOL", not expected) is expected


def test_it_rejects_a_malformed_integer(monkeypatch):
    monkeypatch.setenv("RC_TEST_INT", "ten")
    with pytest.raises(ImproperlyConfiguredEnv):
        env_int("RC_TEST_INT", 1)


def test_it_parses_sqlite_and_postgres_urls():
    base = Path("/srv/app")
    relative = parse_database_url("sqlite:///var/db.sqlite3", base_dir=base)
    assert relative.name == "/srv/app/var/db.sqlite3"
    absolute = parse_database_url("sqlite:////data/rc.sqlite3", base_dir=base)
    assert absolute.name == "/data/rc.sqlite3"
    pg = parse_database_url(
        "postgres://rc:p%40ss@db.local:5433/roadcredit?sslmode=require", base_dir=base
    )
    assert (pg.engine, pg.user, pg.password, pg.host, pg.port, pg.name) == (
        "django.db.backends.postgresql",
        "rc",
        "p@ss",
        "db.local",
        "5433",
        "roadcredit",
    )
    assert pg.options == {"sslmode": "require"}


def test_it_rejects_an_unknown_database_scheme():
    with pytest.raises(ImproperlyConfiguredEnv):
        parse_database_url("mysql://x/y", base_dir=Path("/"))
