"""The set-based .csv intake (COPY of the file, a strict SQL test, parse_record for the rest)
against the row-by-row path: the same error report for every kind of bad row, the same records
for rows that only need normalising, the reference reading for files COPY cannot take as
``tabular`` does, and idempotent re-sending."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from roadcredit.accounts.roles import Role
from roadcredit.accounts.tests.factories import make_user
from roadcredit.core import clock, pii
from roadcredit.credit.models import CreditRecord, IntakeBatch, LinkQueueItem
from roadcredit.credit.services import intake_bulk
from roadcredit.credit.services.intake import intake_file
from roadcredit.credit.services.linking import PAYLOAD_PURPOSE
from roadcredit.credit.tests.factories import (
    make_source,
    owned_vehicle,
    rated_operator,
    rated_practitioner,
)
from roadcredit.subjects.models import UsccAllowListEntry
from roadcredit.subjects.tests.factories import valid_id_number, valid_uscc, wrong_check_uscc

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the COPY path runs on PostgreSQL only"
)

TODAY = clock.today()
OCCURRED = (TODAY - dt.timedelta(days=40)).isoformat()
DECIDED = (TODAY - dt.timedelta(days=30)).isoformat()
FUTURE = (TODAY + dt.timedelta(days=3)).isoformat()
HEADERS = [
    "来源记录编号",
    "统一社会信用代码",
    "身份证号码",
    "车牌号码",
    "车牌颜色",
    "主体名称",
    "行为代码",
    "分值",
    "发生日期",
    "决定文书号",
    "决定日期",
    "情况说明",
    "列入严重失信名单",
]


def _row(ref: str, **fields: str) -> list[str]:
    values = {
        "uscc": "",
        "id_number": "",
        "plate": "",
        "colour": "",
        "name": "",
        "code": "RT-N-008",
        "points": "",
        "occurred": OCCURRED,
        "number": f"鲁交执罚〔2026〕{ref}号",
        "decided": DECIDED,
        "description": "省共享平台推送",
        "serious": "",
    }
    values.update(fields)
    return [
        ref,
        values["uscc"],
        values["id_number"],
        values["plate"],
        values["colour"],
        values["name"],
        values["code"],
        values["points"],
        values["occurred"],
        values["number"],
        values["decided"],
        values["description"],
        values["serious"],
    ]


def _write(
    path: Path,
    rows: list[list[str]],
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
    headers: list[str] = HEADERS,
) -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(headers)
        writer.writerows(rows)
    return path


Snapshot = list[tuple[Any, ...]]


def _records(source_code: str) -> Snapshot:
    return sorted(
        CreditRecord.objects.filter(source__code=source_code).values_list(
            "source_ref",
            "subject_kind",
            "operator_id",
            "vehicle_id",
            "practitioner_id",
            "behaviour_code",
            "behaviour_name",
            "severity",
            "points",
            "occurred_on",
            "decision_number",
            "decided_on",
            "description",
            "on_serious_list",
            "status",
            "earliest_repair_on",
            "takedown_on",
            "publication_rule_id",
            "published",
            "source_row",
        )
    )


def _queue(source_code: str) -> Snapshot:
    return sorted(
        LinkQueueItem.objects.filter(source__code=source_code).values_list(
            "source_ref", "source_row", "identifier_kind", "identifier_masked", "lookup_key"
        )
    )


def _both(
    path: Path, monkeypatch: pytest.MonkeyPatch, *, reference_expected: bool = False
) -> tuple[IntakeBatch, IntakeBatch]:
    """The file through the row-by-row path (source "rowpath") and the bulk path ("bulkpath");
    checks which reading the bulk path took."""
    used: list[str] = []
    by_rows: Callable[..., Any] = intake_bulk._check_by_rows

    def spy(*args: Any, **kwargs: Any) -> Any:
        used.append("rows")
        return by_rows(*args, **kwargs)

    monkeypatch.setattr(intake_bulk, "_check_by_rows", spy)
    monkeypatch.setattr(intake_bulk, "BULK_MIN_BYTES", 10**12)
    row_batch = intake_file(
        source=make_source("rowpath"), path=path, file_name="records.csv", actor=None
    )
    monkeypatch.setattr(intake_bulk, "BULK_MIN_BYTES", 0)
    bulk_batch = intake_file(
        source=make_source("bulkpath"), path=path, file_name="records.csv", actor=None
    )
    assert used == (["rows"] if reference_expected else []), used
    return row_batch, bulk_batch


@postgres_only
@pytest.mark.django_db
def test_every_kind_of_bad_row_gets_the_row_paths_report_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    operator = rated_operator()
    driver = rated_practitioner()
    id_number = pii.decrypt(driver.id_number_encrypted, purpose="id_number")
    good = {"uscc": operator.uscc}
    rows = [
        _row("OK-1", **good),
        _row("B-01", uscc=wrong_check_uscc(operator.uscc)),
        _row("B-02", uscc=operator.uscc[:17]),
        _row("B-03", uscc="I" + operator.uscc[1:]),
        _row("B-04", id_number=id_number[:17] + ("0" if id_number[17] != "0" else "1")),
        _row("B-05", id_number="37061220990101001X"),
        _row("B-06", id_number="370612" + "19900230" + "0011"),
        _row("B-07", plate="鲁F12", colour="2"),
        _row("B-08", plate="鲁F12345"),
        _row("B-09", uscc=operator.uscc, id_number=id_number),
        _row("B-10"),
        _row("B-11", code="RT-X-999", **good),
        _row("B-12", code="RT-N-013", id_number=id_number),
        _row("B-13", points="十", **good),
        _row("B-14", points="-1", **good),
        _row("B-15", points="1001", **good),
        _row("B-16", occurred="2026/01/01", **good),
        _row("B-17", occurred=FUTURE, decided="", number="", **good),
        _row("B-18", occurred="2025-02-30", **good),
        _row("B-19", occurred=DECIDED, decided=OCCURRED, **good),
        _row("B-20", decided="", **good),
        _row("B-21", number="", **good),
        _row("B-22", description="超限\x07运输", **good),
        _row("-B-23", **good),
        _row("B" * 101, **good),
        _row("B-25", serious="也许", **good),
        _row("B-26", code="RT-P-001", serious="是", number="", decided="", **good),
        _row("B-27", description="超限", serious="NO WAY", **good),
        _row("OK-1", **good),  # the same source reference as row 2
        _row("B-29", name="张" * 201, **good),
        _row("B-30", occurred="", **good),
        _row("B-31", code="", **good),
        ["", "", "", "", "", "", "", "", "", "", "", "", ""],  # a blank row is skipped
        ["  ", "", "\u3000", "", "", "", "", "", "", "", "", "", ""],  # blank too
        _row("B-34", colour="12345", **good),
    ]
    row_batch, bulk_batch = _both(_write(tmp_path / "bad.csv", rows), monkeypatch)
    assert row_batch.status == bulk_batch.status == "rejected"
    assert row_batch.total_rows == bulk_batch.total_rows == len(rows) - 2
    assert bulk_batch.errors == row_batch.errors
    reported = {(e["row"], e["field"]) for e in bulk_batch.errors}
    assert (3, "uscc") in reported  # row 3 = the file's second data row
    assert (30, "source_ref") in reported  # the duplicate
    assert len({e["row"] for e in bulk_batch.errors}) == len(rows) - 3  # all but OK-1, blanks
    assert CreditRecord.objects.count() == 0
    assert LinkQueueItem.objects.count() == 0


@postgres_only
@pytest.mark.django_db
def test_rows_that_only_need_normalising_give_the_row_paths_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    operator = rated_operator()
    vehicle = owned_vehicle(operator)
    driver = rated_practitioner()
    id_number = pii.decrypt(driver.id_number_encrypted, purpose="id_number")
    full_width = id_number[:6] + "".join(chr(ord(c) + 0xFEE0) for c in id_number[6:10])
    full_width += id_number[10:]
    pilot = wrong_check_uscc(valid_uscc())
    officer = make_user(Role.SECADMIN, "secadmin-h3")
    UsccAllowListEntry.objects.create(uscc=pilot, reason="早期试点代码", added_by=officer)
    rows = [
        _row("N-01", uscc=operator.uscc, points="7"),
        _row("N-02", uscc=operator.uscc.lower()),
        _row("N-03", uscc=f" {operator.uscc} ", description=" 两端有空格 "),
        _row("N-04", id_number=full_width),
        _row("N-05", id_number=id_number, points="+3", serious="TRUE"),
        _row("N-06", plate=vehicle.plate, colour=vehicle.plate_colour, code="rt-n-011"),
        _row("N-07", uscc=operator.uscc, occurred="1899-12-31", decided="1900-01-05"),
        _row("N-08", uscc=operator.uscc, number="", decided="", serious="否"),
        _row("N-09", uscc=pilot, name="试点企业"),
        _row("N-10", id_number=valid_id_number(dt.date(1991, 3, 4)), name="李四"),
        _row("N-11", uscc=operator.uscc, code="RT-P-001", number="", decided=""),
        _row("N-12", uscc=operator.uscc, points="0005", description="含\t制表符"),
    ]
    row_batch, bulk_batch = _both(_write(tmp_path / "norm.csv", rows), monkeypatch)
    assert row_batch.status == bulk_batch.status == "accepted", bulk_batch.errors
    assert row_batch.summary() == bulk_batch.summary()
    assert (bulk_batch.created_count, bulk_batch.to_link_count) == (10, 2)
    assert [r[1:] for r in _records("bulkpath")] == [r[1:] for r in _records("rowpath")]
    assert [r[1:] for r in _queue("bulkpath")] == [r[1:] for r in _queue("rowpath")]


@postgres_only
@pytest.mark.django_db
def test_a_file_without_the_optional_columns_takes_the_copy_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """分值, 情况说明 and 列入严重失信名单 may be left out: the catalogue's points apply."""
    operator = rated_operator()
    optional = {"分值", "情况说明", "列入严重失信名单"}
    keep = [i for i, header in enumerate(HEADERS) if header not in optional]
    rows = [[_row(f"O-{n}", uscc=operator.uscc)[i] for i in keep] for n in range(3)]
    path = _write(tmp_path / "short.csv", rows, headers=[HEADERS[i] for i in keep])
    row_batch, bulk_batch = _both(path, monkeypatch)
    assert row_batch.status == bulk_batch.status == "accepted", bulk_batch.errors
    assert bulk_batch.created_count == 3
    assert [r[1:] for r in _records("bulkpath")] == [r[1:] for r in _records("rowpath")]


@postgres_only
@pytest.mark.django_db
def test_gb18030_and_tab_separated_files_take_the_copy_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    operator = rated_operator()
    rows = [
        _row("G-1", uscc=operator.uscc, description="逾期未年审，已责令改正"),
        _row("G-2", uscc=operator.uscc, description="含“引号”，和逗号"),
        _row("G-3", uscc=operator.uscc, description='他说"马上改",\t另起一行\n已整改'),
    ]
    path = _write(tmp_path / "gbk.csv", rows, encoding="gb18030", delimiter="\t")
    row_batch, bulk_batch = _both(path, monkeypatch)
    assert row_batch.status == bulk_batch.status == "accepted", bulk_batch.errors
    assert [r[1:] for r in _records("bulkpath")] == [r[1:] for r in _records("rowpath")]
    assert _records("bulkpath")[1][12] == "含“引号”，和逗号"
    assert _records("bulkpath")[2][12] == '他说"马上改",\t另起一行\n已整改'
    assert [r[-1] for r in _records("bulkpath")] == [2, 3, 4]


@postgres_only
@pytest.mark.django_db
def test_blank_lines_at_the_end_keep_the_copy_path_and_the_row_numbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    operator = rated_operator()
    rows = [_row("E-1", uscc=operator.uscc), _row("E-2", uscc=operator.uscc, points="8")]
    path = _write(tmp_path / "trailing.csv", rows)
    path.write_bytes(path.read_bytes() + b"\r\n\r\n\n")
    row_batch, bulk_batch = _both(path, monkeypatch)
    assert row_batch.summary() == bulk_batch.summary()
    assert [r[-1] for r in _records("bulkpath")] == [2, 3]
    # A blank line between rows: the reference reading (row numbers count the blank line).
    path.write_bytes(path.read_bytes().replace(b"\r\nE-2", b"\r\n\r\nE-2"))
    row_batch, bulk_batch = _both(path, monkeypatch, reference_expected=True)
    assert row_batch.status == bulk_batch.status == "accepted"


@postgres_only
@pytest.mark.django_db
def test_a_file_copy_would_read_differently_takes_the_reference_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    operator = rated_operator()
    path = tmp_path / "quotes.csv"
    body = ",".join(HEADERS) + "\n" + ",".join(_row("Q-1", uscc=operator.uscc)) + "\n"
    body += ",".join(_row("Q-2", uscc=operator.uscc, description='他说"马上改"')) + "\n"
    body += '"Q-3",' + ",".join(_row("Q-3", uscc=operator.uscc)[1:]) + "\n"
    path.write_text(body, encoding="utf-8")
    row_batch, bulk_batch = _both(path, monkeypatch, reference_expected=True)
    assert row_batch.status == bulk_batch.status == "accepted", bulk_batch.errors
    assert [r[1:] for r in _records("bulkpath")] == [r[1:] for r in _records("rowpath")]
    assert _records("bulkpath")[1][12] == '他说"马上改"'
    # Ragged rows: COPY refuses them, the reference reading reports them as tabular does.
    ragged = tmp_path / "ragged.csv"
    ragged.write_text(body + "Q-4,只有两列\n", encoding="utf-8")
    row_batch, bulk_batch = _both(ragged, monkeypatch, reference_expected=True)
    assert row_batch.errors == bulk_batch.errors and bulk_batch.status == "rejected"


@postgres_only
@pytest.mark.django_db
def test_resending_updates_in_place_and_links_the_queued_record_once_registered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(intake_bulk, "BULK_MIN_BYTES", 0)
    operator = rated_operator()
    newcomer = valid_uscc()
    source = make_source("sdcredit")
    stranger = valid_id_number(dt.date(1979, 8, 8))
    rows = [
        _row("R-1", uscc=operator.uscc),
        _row("R-2", uscc=newcomer, name="新设物流公司"),
        _row("R-3", id_number=stranger, name="外省驾驶员"),
    ]
    first = intake_file(
        source=source, path=_write(tmp_path / "a.csv", rows), file_name="a.csv", actor=None
    )
    assert (first.created_count, first.to_link_count) == (1, 2)
    item = LinkQueueItem.objects.get(source=source, source_ref="R-2")
    assert item.status == "open" and item.source_row == 3
    # The same file again is the same batch: nothing doubled.
    again = intake_file(source=source, path=tmp_path / "a.csv", file_name="a.csv", actor=None)
    assert again.pk == first.pk and CreditRecord.objects.count() == 1
    # The newcomer registers; the source re-sends both records, R-1 with other points.
    from roadcredit.subjects.tests.factories import make_operator

    registered = make_operator(uscc=newcomer, name="新设物流公司")
    rows = [
        _row("R-3", id_number=stranger, name="外省驾驶员", points="4"),
        _row("R-1", uscc=operator.uscc, points="9"),
        _row("R-2", uscc=newcomer, name="新设物流公司"),
    ]
    second = intake_file(
        source=source, path=_write(tmp_path / "b.csv", rows), file_name="b.csv", actor=None
    )
    assert second.status == "accepted", second.errors
    assert (second.created_count, second.updated_count, second.to_link_count) == (1, 1, 1)
    # R-3 still names no registered subject: its one queue item now holds the re-sent record.
    (requeued,) = LinkQueueItem.objects.filter(source=source, source_ref="R-3")
    assert (requeued.status, requeued.batch_id, requeued.source_row) == ("open", second.pk, 2)
    assert requeued.summary["points"] == 4
    assert '"points": "4"' in pii.decrypt(requeued.payload_encrypted, purpose=PAYLOAD_PURPOSE)
    assert CreditRecord.objects.filter(source=source).count() == 2
    assert CreditRecord.objects.get(source=source, source_ref="R-1").points == 9
    item.refresh_from_db()
    assert item.status == "linked" and item.record is not None
    assert item.record.operator_id == registered.pk


@postgres_only
@pytest.mark.django_db
def test_a_formula_cell_is_reported_as_the_reference_reading_reports_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(intake_bulk, "BULK_MIN_BYTES", 0)
    operator = rated_operator()
    rows = [
        _row("F-1", uscc=operator.uscc, description="=SUM(A1:A3)"),
        _row("F-2", uscc=operator.uscc, points="=1+1"),
    ]
    path = _write(tmp_path / "formula.csv", rows)
    by_copy = intake_file(source=make_source("copy"), path=path, file_name="f.csv", actor=None)
    monkeypatch.setattr(intake_bulk, "_check_by_copy", lambda *a, **k: None)
    by_rows = intake_file(source=make_source("rows"), path=path, file_name="f.csv", actor=None)
    assert by_copy.status == by_rows.status == "rejected"
    assert by_copy.errors == by_rows.errors
    assert [(e["row"], e["field"]) for e in by_copy.errors] == [(2, "description"), (3, "points")]
    assert CreditRecord.objects.count() == 0


def test_bulk_blind_indexes_are_the_pii_blind_index() -> None:
    numbers = [valid_id_number(dt.date(1960 + n, 1 + n % 12, 1 + n)) for n in range(5)]
    assert dict(intake_bulk._blind_indexes(numbers)) == {
        n: pii.blind_index(n, purpose="id_number") for n in numbers
    }
