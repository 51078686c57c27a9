"""The record table's storage decisions (docs/decisions/016, "Storage"): sources and batches are
never deleted (the guard that stands in for the dropped foreign keys), and the partial subject
indexes serve the queries that compare a subject column with a value."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.db import IntegrityError, connection, transaction

from roadcredit.credit.models import CreditRecord, IntakeBatch, Source
from roadcredit.credit.sql import (
    guard_sql,
    install_delete_guards,
    install_on,
    remove_delete_guards,
)
from roadcredit.credit.tests.factories import make_record, make_source, rated_operator

pytestmark = pytest.mark.django_db


def _guarded() -> None:
    install_on(connection)


def _batch(source: Source) -> IntakeBatch:
    return IntakeBatch.objects.create(
        source=source,
        channel="file",
        batch_key="a" * 64,
        file_name="2026年11月执法信用记录.csv",
        status="accepted",
        received_at=dt.datetime(2026, 11, 27, 9, 30, tzinfo=dt.UTC),
    )


def test_the_database_refuses_to_delete_a_source_that_records_name():
    source = make_source("zfxt", name="牟平区交通运输综合执法系统")
    _guarded()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM credit_source WHERE id = %s", [source.pk])
    assert Source.objects.filter(pk=source.pk).exists()


def test_the_database_refuses_to_delete_an_intake_batch():
    batch = _batch(make_source())
    _guarded()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM credit_intakebatch WHERE id = %s", [batch.pk])
    assert IntakeBatch.objects.filter(pk=batch.pk).exists()


def test_sources_and_batches_are_still_written_and_updated_with_the_guard_on():
    _guarded()
    source = make_source("tsxt", name="12328交通运输服务监督电话系统")
    batch = _batch(source)
    batch.error_count = 0
    batch.save()
    source.active = False
    source.save()
    assert not Source.objects.get(pk=source.pk).active


def test_the_migration_functions_install_and_remove_the_guard():
    editor = SimpleNamespace(connection=connection)
    source = make_source("qt", name="其他来源")
    install_delete_guards(None, editor)
    with pytest.raises(IntegrityError), transaction.atomic():
        Source.objects.filter(pk=source.pk)._raw_delete(connection.alias)
    remove_delete_guards(None, editor)
    Source.objects.filter(pk=source.pk)._raw_delete(connection.alias)
    assert not Source.objects.filter(pk=source.pk).exists()


def test_an_unknown_database_vendor_is_refused():
    with pytest.raises(ValueError, match="oracle"):
        guard_sql("oracle")


def test_the_orm_still_protects_a_source_with_records():
    from django.db.models import ProtectedError

    operator = rated_operator(name="烟台市牟平区顺达运输有限公司")
    record = make_record(
        operator,
        behaviour_code="RT-N-004",
        occurred_on=dt.date(2026, 9, 1),
        decided_on=dt.date(2026, 9, 10),
    )
    with pytest.raises(ProtectedError):
        record.source.delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL planner")
@pytest.mark.parametrize(
    ("where", "index"),
    [
        ("operator_id = %s", "credit_rec_operator_idx"),
        ("operator_id = ANY(%s)", "credit_rec_operator_idx"),
        ("practitioner_id = %s", "credit_rec_practitioner_idx"),
        ("vehicle_id = %s", "credit_rec_vehicle_idx"),
        ("status = 'active' AND takedown_on <= %s", "credit_rec_status_takedown"),
    ],
)
def test_the_partial_indexes_serve_lookups_by_value(where, index):
    value: dt.date | int | list[int] = dt.date(2026, 11, 28) if "takedown" in where else 1
    if "ANY" in where:
        value = [1, 2, 3]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(
            f"EXPLAIN SELECT id FROM {CreditRecord._meta.db_table} WHERE {where}",  # noqa: S608 (test constants)
            [value],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert index in plan, plan
