"""Audit and access logs are kept (网络安全法: at least six months) and nothing deletes them: no
application code path deletes or rewrites audit entries, signed heads or login attempts, and
the database's append-only triggers refuse it to anyone who tries directly."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, models, transaction

from roadcredit.audit.models import AuditEntry, SignedHead
from roadcredit.audit.sql import append_only_installed, install_on, remove_from

from .support import sign, write_chain

ROOT = Path(__file__).resolve().parents[3]
PROTECTED_MODELS = {"AuditEntry", "SignedHead", "LoginAttempt"}
PROTECTED_TABLES = re.compile(
    r"\b(DELETE\s+FROM|TRUNCATE(\s+TABLE)?|UPDATE)\s+\"?(audit_auditentry|audit_signedhead|"
    r"accounts_loginattempt)\b",
    re.IGNORECASE,
)
FORBIDDEN_METHODS = {"delete", "update", "bulk_update", "_raw_delete"}


def application_sources() -> list[Path]:
    sources = [*(ROOT / "roadcredit").rglob("*.py"), *(ROOT / "config").rglob("*.py")]
    return [
        path
        for path in sources
        if "tests" not in path.parts and "migrations" not in path.parts and path.name != "sql.py"
    ]


def _mentions_protected_model(node: ast.AST) -> bool:
    return any(
        isinstance(child, ast.Name) and child.id in PROTECTED_MODELS for child in ast.walk(node)
    )


def offending_calls(source: str) -> list[int]:
    """Lines calling delete/update on a queryset or instance of a protected model."""
    lines: list[int] = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in FORBIDDEN_METHODS
            and _mentions_protected_model(node.func.value)
        ):
            lines.append(node.lineno)
    return lines


def test_the_scan_finds_what_it_looks_for():
    assert offending_calls("AuditEntry.objects.filter(at__lt=cutoff).delete()\n") == [1]
    assert offending_calls("SignedHead.objects.all().update(seq=1)\n") == [1]
    assert offending_calls("Job.objects.filter(done=1).delete()\n") == []
    assert PROTECTED_TABLES.search('cursor.execute("DELETE FROM audit_auditentry")')


def test_no_application_code_deletes_or_rewrites_audit_or_access_logs():
    offenders: list[str] = []
    for path in application_sources():
        source = path.read_text(encoding="utf-8")
        offenders += [f"{path.relative_to(ROOT)}:{line}" for line in offending_calls(source)]
        offenders += [
            f"{path.relative_to(ROOT)}: raw SQL {match.group(0)!r}"
            for match in PROTECTED_TABLES.finditer(source)
        ]
    assert offenders == []


def test_the_audit_entry_is_protected_from_cascading_deletes():
    actor = AuditEntry._meta.get_field("actor")
    assert actor.remote_field.on_delete is models.PROTECT


@pytest.fixture
def append_only(db):
    install_on(connection)
    yield
    remove_from(connection)


@pytest.mark.django_db
@pytest.mark.usefixtures("proof_env", "append_only")
def test_the_database_refuses_to_update_or_delete_audit_entries(capture_callbacks):
    write_chain(operators=1)
    sign(capture_callbacks)
    assert append_only_installed(connection)

    for attempt in (
        lambda: AuditEntry.objects.filter(seq=2).update(actor_label="anonymous"),
        lambda: AuditEntry.objects.filter(seq__gt=2).delete(),
        lambda: SignedHead.objects.all().delete(),
        lambda: SignedHead.objects.all().update(seq=99),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt()
    assert AuditEntry.objects.count() == 4
    assert SignedHead.objects.get().seq == 4


@pytest.mark.django_db
@pytest.mark.usefixtures("append_only")
def test_new_entries_are_still_appended_with_the_triggers_on():
    entries = write_chain(operators=1)
    assert [e.seq for e in entries] == [1, 2, 3, 4]


@pytest.fixture
def append_only_committed(transactional_db):
    """The triggers on a database whose writes commit (removed again before the flush)."""
    install_on(connection)
    yield
    remove_from(connection)


@pytest.mark.usefixtures("append_only_committed")
def test_postgresql_also_refuses_to_truncate_the_audit_table():
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's; SQLite's DELETE without WHERE is covered above")
    write_chain(operators=1)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("TRUNCATE audit_auditentry CASCADE")
    assert AuditEntry.objects.count() == 4


@pytest.mark.django_db
def test_the_migration_functions_install_and_remove_the_triggers():
    from types import SimpleNamespace

    from roadcredit.audit.sql import install_append_only, remove_append_only

    editor = SimpleNamespace(connection=connection)
    install_append_only(None, editor)
    assert append_only_installed(connection)
    remove_append_only(None, editor)
    assert not append_only_installed(connection)


def test_there_are_no_triggers_for_an_unknown_database():
    from roadcredit.audit.sql import append_only_sql

    with pytest.raises(ValueError, match="oracle"):
        append_only_sql("oracle")
