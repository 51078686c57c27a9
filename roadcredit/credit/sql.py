"""Database-level guards of the credit pool that Django's schema does not express.

Credit records name their source and intake batch without a database foreign key (the per-row
checks cost a quarter of a bulk intake, docs/decisions/016). What the foreign key guaranteed is
kept by making both parents append-only for deletes: a trigger refuses ``DELETE`` on
``credit_source`` and ``credit_intakebatch`` (sources are retired with ``active = false``, a
rejected batch is kept with its error report), so no record can lose its source or batch.
Installed by migration ``credit 0003``; a later migration that recreates either table must run
``install_delete_guards`` again.

On PostgreSQL the same migration drops the ``varchar_pattern_ops`` twin Django adds beside the
unique index of ``credit_creditrecord.public_id``: public ids are looked up whole, never by
prefix.
"""

from __future__ import annotations

from typing import Any

GUARDED_TABLES = ("credit_source", "credit_intakebatch")
PG_FUNCTION = "roadcredit_credit_no_delete"
MESSAGE = "credit sources and intake batches are never deleted (roadcredit.credit.sql)"


def guard_sql(vendor: str) -> tuple[list[str], list[str]]:
    """(install, remove) statements for a database vendor (``postgresql`` or ``sqlite``)."""
    if vendor == "postgresql":
        install = [
            f"""CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
              RAISE EXCEPTION '{MESSAGE}: % on % refused', TG_OP, TG_TABLE_NAME
                USING ERRCODE = 'integrity_constraint_violation';
            END
            $$"""
        ]
        remove: list[str] = []
        for table in GUARDED_TABLES:
            install += [
                f"DROP TRIGGER IF EXISTS {table}_no_delete ON {table}",
                f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()",
                f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()",
            ]
            remove += [
                f"DROP TRIGGER IF EXISTS {table}_no_delete ON {table}",
                f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
            ]
        return install, [*remove, f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()"]
    if vendor == "sqlite":
        install = []
        for table in GUARDED_TABLES:
            install += [
                f"DROP TRIGGER IF EXISTS {table}_no_delete",
                f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
            ]
        return install, [f"DROP TRIGGER IF EXISTS {table}_no_delete" for table in GUARDED_TABLES]
    raise ValueError(f"no delete guards for database vendor {vendor!r}")


def _run(connection: Any, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def install_delete_guards(apps: Any, schema_editor: Any) -> None:
    """``RunPython`` forward function: install the guards on the migration's database."""
    install_on(schema_editor.connection)


def remove_delete_guards(apps: Any, schema_editor: Any) -> None:
    remove_from(schema_editor.connection)


def install_on(connection: Any) -> None:
    _run(connection, guard_sql(connection.vendor)[0])


def remove_from(connection: Any) -> None:
    _run(connection, guard_sql(connection.vendor)[1])


def _public_id_like(schema_editor: Any) -> str:
    """The quoted name Django gave the ``varchar_pattern_ops`` twin of the public-id index."""
    name = schema_editor._create_index_name("credit_creditrecord", ["public_id"], suffix="_like")
    return str(schema_editor.quote_name(name))


def drop_public_id_like(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {_public_id_like(schema_editor)}")


def restore_public_id_like(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {_public_id_like(schema_editor)} "
            "ON credit_creditrecord (public_id varchar_pattern_ops)"
        )
