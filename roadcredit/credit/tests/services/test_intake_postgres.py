"""PostgreSQL only: the same batch sent twice at the same moment, and the set-based .csv path
giving exactly what the row-by-row path gives."""

from __future__ import annotations

import csv
import datetime as dt
import threading
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections

from roadcredit.core import clock
from roadcredit.credit.models import CreditRecord, IntakeBatch, LinkQueueItem
from roadcredit.credit.services import intake_bulk
from roadcredit.credit.services.intake import intake_file, intake_submit
from roadcredit.credit.tests.factories import (
    make_source,
    owned_vehicle,
    rated_operator,
    rated_practitioner,
)
from roadcredit.subjects.tests.factories import valid_id_number, valid_uscc, wrong_check_uscc

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (row locks and COPY)"
)

OCCURRED = (clock.today() - dt.timedelta(days=40)).isoformat()
DECIDED = (clock.today() - dt.timedelta(days=30)).isoformat()


@pytest.mark.django_db(transaction=True)
def test_the_same_batch_sent_twice_at_once_is_taken_once() -> None:
    operator = rated_operator()
    source = make_source()
    records = [
        {
            "source_ref": f"SD-{n}",
            "uscc": operator.uscc,
            "behaviour_code": "RT-N-011",
            "occurred_on": OCCURRED,
            "decision_number": f"鲁交执罚〔2026〕{n}号",
            "decided_on": DECIDED,
        }
        for n in range(200)
    ]
    barrier = threading.Barrier(2)
    results: list[Any] = []

    def push() -> None:
        try:
            barrier.wait()
            results.append(
                intake_submit(source=source, records=records, batch_key="SD-20260601-07").pk
            )
        except Exception as exc:
            results.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=push) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 2 and results[0] == results[1], results
    assert IntakeBatch.objects.filter(status="accepted").count() == 1
    assert CreditRecord.objects.count() == 200


def _write_csv(path: Path, rows: list[list[Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "source_ref",
                "uscc",
                "id_number",
                "plate",
                "plate_colour",
                "behaviour_code",
                "points",
                "occurred_on",
                "decision_number",
                "decided_on",
                "description",
            ]
        )
        writer.writerows(rows)


def _snapshot(source_code: str) -> list[tuple[Any, ...]]:
    return sorted(
        CreditRecord.objects.filter(source__code=source_code).values_list(
            "source_ref",
            "subject_kind",
            "operator_id",
            "vehicle_id",
            "practitioner_id",
            "behaviour_code",
            "points",
            "occurred_on",
            "decided_on",
            "status",
            "takedown_on",
            "source_row",
        )
    )


@pytest.mark.django_db
def test_the_bulk_csv_path_gives_the_same_records_and_queue_as_the_row_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    operator = rated_operator()
    vehicle = owned_vehicle(operator)
    driver = rated_practitioner()
    from roadcredit.core import pii

    id_number = pii.decrypt(driver.id_number_encrypted, purpose="id_number")
    stranger = valid_id_number(dt.date(1990, 1, 2))
    rows = [
        [
            "R-1",
            operator.uscc,
            "",
            "",
            "",
            "RT-N-008",
            "",
            OCCURRED,
            "牟交罚〔2026〕1号",
            DECIDED,
            "超限",
        ],
        [
            "R-2",
            "",
            "",
            vehicle.plate,
            vehicle.plate_colour,
            "RT-N-011",
            "4",
            OCCURRED,
            "",
            "",
            "待决定",
        ],
        ["R-3", "", id_number, "", "", "RT-N-008", "", OCCURRED, "牟交罚〔2026〕3号", DECIDED, ""],
        [
            "R-4",
            valid_uscc(),
            "",
            "",
            "",
            "RT-N-008",
            "",
            OCCURRED,
            "牟交罚〔2026〕4号",
            DECIDED,
            "外地企业",
        ],
        ["R-5", "", stranger, "", "", "RT-N-008", "", OCCURRED, "", "", ""],
    ]
    path = tmp_path / "records.csv"
    _write_csv(path, rows)
    monkeypatch.setattr(intake_bulk, "BULK_MIN_BYTES", 10**12)
    row_batch = intake_file(
        source=make_source("rowpath"), path=path, file_name="records.csv", actor=None
    )
    monkeypatch.setattr(intake_bulk, "BULK_MIN_BYTES", 0)
    bulk_batch = intake_file(
        source=make_source("bulkpath"), path=path, file_name="records.csv", actor=None
    )
    assert row_batch.summary() == bulk_batch.summary()
    assert (bulk_batch.created_count, bulk_batch.to_link_count) == (3, 2)
    row_records = [r[1:] for r in _snapshot("rowpath")]
    bulk_records = [r[1:] for r in _snapshot("bulkpath")]
    assert row_records == bulk_records
    queued = sorted(
        LinkQueueItem.objects.filter(source__code="bulkpath").values_list(
            "source_ref", "identifier_masked", "lookup_key"
        )
    )
    assert queued == sorted(
        LinkQueueItem.objects.filter(source__code="rowpath").values_list(
            "source_ref", "identifier_masked", "lookup_key"
        )
    )
    # A re-sent file with one record changed: one update, the rest unchanged, in both paths.
    rows[0][6] = "12"
    _write_csv(path, rows)
    monkeypatch.setattr(intake_bulk, "BULK_MIN_BYTES", 10**12)
    row_again = intake_file(
        source=make_source("rowpath"), path=path, file_name="records.csv", actor=None
    )
    monkeypatch.setattr(intake_bulk, "BULK_MIN_BYTES", 0)
    bulk_again = intake_file(
        source=make_source("bulkpath"), path=path, file_name="records.csv", actor=None
    )
    assert row_again.summary() == bulk_again.summary()
    assert (bulk_again.updated_count, bulk_again.unchanged_count) == (1, 2)


@pytest.mark.django_db
def test_the_bulk_path_rejects_bad_rows_with_the_same_messages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    operator = rated_operator()
    rows = [
        ["R-1", wrong_check_uscc(operator.uscc), "", "", "", "RT-N-008", "", OCCURRED, "", "", ""],
        ["R-2", operator.uscc, "", "", "", "RT-N-008", "", "2099-01-01", "", "", ""],
        ["R-2", operator.uscc, "", "", "", "RT-N-008", "", OCCURRED, "", "", ""],
    ]
    path = tmp_path / "bad.csv"
    _write_csv(path, rows)
    monkeypatch.setattr(intake_bulk, "BULK_MIN_BYTES", 10**12)
    row_batch = intake_file(
        source=make_source("rowpath"), path=path, file_name="bad.csv", actor=None
    )
    monkeypatch.setattr(intake_bulk, "BULK_MIN_BYTES", 0)
    bulk_batch = intake_file(
        source=make_source("bulkpath"), path=path, file_name="bad.csv", actor=None
    )
    assert row_batch.status == bulk_batch.status == "rejected"
    assert row_batch.errors == bulk_batch.errors
    assert CreditRecord.objects.count() == 0
