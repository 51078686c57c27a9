"""Database triggers that make the audit tables append-only (PostgreSQL and SQLite).

Audit and access logs must be kept at least six months (网络安全法 art. 21) and no job may delete
them earlier; these triggers make the database itself refuse ``UPDATE``, ``DELETE`` and (on
PostgreSQL) ``TRUNCATE`` of the audit entries and the signed heads, whoever asks. Archiving
entries older than the retention period is a deliberate act of the database administrator
(drop the trigger, archive, re-create it), never something the application does.

A migration installs them with::

    from roadcredit.audit.sql import install_append_only, remove_append_only

    operations = [migrations.RunPython(install_append_only, remove_append_only)]

On SQLite a table rebuilt by a later migration (``ALTER`` through copy-and-rename) loses its
triggers: such a migration must run ``install_append_only`` again. ``verify_audit`` warns when
they are missing.
"""

from __future__ import annotations

from typing import Any

APPEND_ONLY_TABLES = ("audit_auditentry", "audit_signedhead")
PG_FUNCTION = "roadcredit_audit_append_only"
MESSAGE = "audit tables are append-only (roadcredit.audit.sql)"


def _pg_install() -> list[str]:
    statements = [
        f"""
        CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION '{MESSAGE}: % on % refused', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'integrity_constraint_violation';
        END
        $$
        """
    ]
    for table in APPEND_ONLY_TABLES:
        statements += [
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()",
            f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()",
        ]
    return statements


def _pg_remove() -> list[str]:
    statements: list[str] = []
    for table in APPEND_ONLY_TABLES:
        statements += [
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
            f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
        ]
    return [*statements, f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()"]


def _sqlite_install() -> list[str]:
    statements: list[str] = []
    for table in APPEND_ONLY_TABLES:
        for operation in ("UPDATE", "DELETE"):
            name = f"{table}_no_{operation.lower()}"
            statements += [
                f"DROP TRIGGER IF EXISTS {name}",
                f"CREATE TRIGGER {name} BEFORE {operation} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
            ]
    return statements


def _sqlite_remove() -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_no_{operation}"
        for table in APPEND_ONLY_TABLES
        for operation in ("update", "delete")
    ]


def append_only_sql(vendor: str) -> tuple[list[str], list[str]]:
    """(install, remove) statements for a database vendor (``postgresql`` or ``sqlite``)."""
    if vendor == "postgresql":
        return _pg_install(), _pg_remove()
    if vendor == "sqlite":
        return _sqlite_install(), _sqlite_remove()
    raise ValueError(f"no append-only triggers for database vendor {vendor!r}")


def _run(connection: Any, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def install_append_only(apps: Any, schema_editor: Any) -> None:
    """``RunPython`` forward function: install the triggers on the migration's database."""
    _run(schema_editor.connection, append_only_sql(schema_editor.connection.vendor)[0])


def remove_append_only(apps: Any, schema_editor: Any) -> None:
    """``RunPython`` reverse function."""
    _run(schema_editor.connection, append_only_sql(schema_editor.connection.vendor)[1])


def install_on(connection: Any) -> None:
    """Install the triggers on a live connection (tests, ``restore`` of an old backup)."""
    _run(connection, append_only_sql(connection.vendor)[0])


def remove_from(connection: Any) -> None:
    _run(connection, append_only_sql(connection.vendor)[1])


def append_only_installed(connection: Any) -> bool:
    """Whether every append-only trigger is present on ``connection``'s database."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname = ANY(%s)",
                [
                    [f"{t}_append_only" for t in APPEND_ONLY_TABLES]
                    + [f"{t}_no_truncate" for t in APPEND_ONLY_TABLES]
                ],
            )
            return len({row[0] for row in cursor.fetchall()}) == 2 * len(APPEND_ONLY_TABLES)
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            names = {row[0] for row in cursor.fetchall()}
            wanted = {f"{t}_no_{op}" for t in APPEND_ONLY_TABLES for op in ("update", "delete")}
            return wanted <= names
    return False
