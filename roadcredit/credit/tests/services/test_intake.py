"""Intake of credit records: all or nothing, idempotent, re-send updates, linking, the queue,
file formats and bad files."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from roadcredit.core import clock
from roadcredit.core.errors import Conflict, ValidationFailed
from roadcredit.credit.models import CreditRecord, IntakeBatch, LinkQueueItem, LinkStatus
from roadcredit.credit.services.grading import grade_current
from roadcredit.credit.services.intake import (
    intake_file,
    intake_submit,
    source_authenticate,
    source_token_issue,
    source_token_revoke,
)
from roadcredit.credit.services.linking import link_queue_discard, link_queue_resolve
from roadcredit.credit.tests.factories import (
    make_source,
    owned_vehicle,
    rated_operator,
    rated_practitioner,
)
from roadcredit.subjects.tests.factories import (
    PILOT_USCC,
    make_practitioner,
    valid_id_number,
    valid_uscc,
    wrong_check_uscc,
)

pytestmark = pytest.mark.django_db

OCCURRED = (clock.today() - dt.timedelta(days=40)).isoformat()
DECIDED = (clock.today() - dt.timedelta(days=30)).isoformat()


def record(ref: str, **identity: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "source_ref": ref,
        "behaviour_code": "RT-N-008",
        "occurred_on": OCCURRED,
        "decision_number": f"鲁交执罚〔2026〕{ref}号",
        "decided_on": DECIDED,
        "description": "烟台市牟平区宁海街道正阳路检查站查获",
    }
    data.update(identity)
    return data


def test_a_batch_links_records_by_uscc_plate_and_id_number() -> None:
    operator = rated_operator()
    vehicle = owned_vehicle(operator)
    driver = rated_practitioner()
    from roadcredit.core import pii

    id_number = pii.decrypt(driver.id_number_encrypted, purpose="id_number")
    batch = intake_submit(
        source=make_source(),
        records=[
            record("SD-1", uscc=operator.uscc),
            record("SD-2", plate=vehicle.plate, plate_colour=vehicle.plate_colour),
            record("SD-3", id_number=id_number.lower()),
        ],
        batch_key="SD-20260601-01",
    )
    assert batch.status == "accepted" and batch.created_count == 3
    by_ref = {r.source_ref: r for r in CreditRecord.objects.filter(batch=batch)}
    assert by_ref["SD-1"].operator == operator
    assert by_ref["SD-2"].vehicle == vehicle and by_ref["SD-2"].operator == operator
    assert by_ref["SD-3"].practitioner == driver
    assert by_ref["SD-1"].source_row == 1 and by_ref["SD-3"].source_row == 3
    assert grade_current(operator) is not None and grade_current(driver) is not None


def test_one_bad_row_rejects_the_whole_batch_with_a_report_naming_row_and_field() -> None:
    operator = rated_operator()
    batch = intake_submit(
        source=make_source(),
        records=[
            record("SD-1", uscc=operator.uscc),
            record("SD-2", uscc=wrong_check_uscc(operator.uscc)),
            record("SD-3", uscc=operator.uscc, behaviour_code="RT-Z-404"),
            record("SD-4", uscc=operator.uscc, decided_on="2025-01-01"),
        ],
    )
    assert batch.status == "rejected" and batch.batch_key is None
    assert CreditRecord.objects.count() == 0
    errors = {(e["row"], e["field"]): e for e in batch.errors}
    assert (
        "校验位" in errors[(2, "uscc")]["message"] and errors[(2, "uscc")]["source_ref"] == "SD-2"
    )
    assert "RT-Z-404" in errors[(3, "behaviour_code")]["message"]
    assert "早于" in errors[(4, "decided_on")]["message"]
    assert errors[(2, "uscc")]["label"] == "统一社会信用代码"


def test_the_same_batch_sent_twice_gives_the_same_result_and_no_duplicates() -> None:
    operator = rated_operator()
    source = make_source()
    records = [record("SD-1", uscc=operator.uscc), record("SD-2", uscc=valid_uscc())]
    first = intake_submit(source=source, records=records, batch_key="B-1")
    again = intake_submit(source=source, records=records, batch_key="B-1")
    by_content = intake_submit(source=source, records=records)
    same_content_again = intake_submit(source=source, records=records)
    assert again.pk == first.pk
    assert same_content_again.pk == by_content.pk
    assert by_content.unchanged_count == 1
    assert CreditRecord.objects.count() == 1
    assert LinkQueueItem.objects.filter(status=LinkStatus.OPEN).count() == 1


def test_a_batch_id_reused_for_other_content_is_a_conflict() -> None:
    operator = rated_operator()
    source = make_source()
    intake_submit(source=source, records=[record("SD-1", uscc=operator.uscc)], batch_key="B-1")
    with pytest.raises(Conflict):
        intake_submit(source=source, records=[record("SD-2", uscc=operator.uscc)], batch_key="B-1")


def test_a_record_sent_again_updates_the_stored_one() -> None:
    operator = rated_operator()
    source = make_source()
    intake_submit(
        source=source,
        records=[record("SD-1", uscc=operator.uscc, decision_number="", decided_on="")],
    )
    stored = CreditRecord.objects.get(source_ref="SD-1")
    assert stored.status == "pending"
    batch = intake_submit(source=source, records=[record("SD-1", uscc=operator.uscc, points=12)])
    assert (batch.created_count, batch.updated_count) == (0, 1)
    stored.refresh_from_db()
    assert stored.status == "active" and stored.points == 12 and stored.batch == batch
    assert CreditRecord.objects.count() == 1
    assert grade_current(operator).score == 88  # type: ignore[union-attr]


def test_a_re_sent_record_cannot_take_back_its_decision() -> None:
    operator = rated_operator()
    source = make_source()
    intake_submit(source=source, records=[record("SD-1", uscc=operator.uscc)])
    batch = intake_submit(
        source=source,
        records=[record("SD-1", uscc=operator.uscc, decision_number="", decided_on="")],
    )
    assert batch.status == "rejected"
    assert batch.errors[0]["field"] == "decided_on"


def test_a_valid_identifier_without_a_subject_waits_in_the_queue_and_is_counted() -> None:
    source = make_source()
    id_number = valid_id_number(dt.date(1979, 2, 14))
    batch = intake_submit(
        source=source, records=[record("SD-9", id_number=id_number, subject_name="王建华")]
    )
    assert batch.status == "accepted" and batch.to_link_count == 1 and batch.created_count == 0
    item = LinkQueueItem.objects.get()
    assert item.identifier_masked == id_number[:6] + "********" + id_number[-4:]
    assert id_number not in json.dumps(item.summary, ensure_ascii=False)
    assert item.summary["subject_name"] == "王*华"
    assert bytes(item.payload_encrypted).find(id_number.encode()) == -1
    driver = make_practitioner(id_number=id_number, name="王建华")
    created = link_queue_resolve(actor=None, item=item, subject=driver)
    item.refresh_from_db()
    assert item.status == LinkStatus.LINKED and item.record == created
    assert created.practitioner == driver and created.source == source and created.batch == batch
    assert created.source_row == 1


def test_the_queue_refuses_a_subject_of_another_kind_and_can_discard() -> None:
    intake_submit(source=make_source(), records=[record("SD-9", uscc=valid_uscc())])
    item = LinkQueueItem.objects.get()
    with pytest.raises(ValidationFailed):
        link_queue_resolve(actor=None, item=item, subject=rated_practitioner())
    link_queue_discard(actor=None, item=item, reason="外省企业，非本区主体")
    item.refresh_from_db()
    assert item.status == LinkStatus.DISCARDED
    with pytest.raises(Conflict):
        link_queue_resolve(actor=None, item=item, subject=rated_operator())


def test_a_later_batch_links_a_queued_record_once_its_subject_exists() -> None:
    source = make_source()
    code = valid_uscc()
    intake_submit(source=source, records=[record("SD-9", uscc=code)])
    operator = rated_operator(uscc=code)
    batch = intake_submit(source=source, records=[record("SD-9", uscc=code, points=6)])
    assert batch.created_count == 1
    item = LinkQueueItem.objects.get()
    assert (
        item.status == LinkStatus.LINKED
        and item.record is not None
        and item.record.operator == operator
    )


def test_an_allow_listed_pilot_code_is_accepted() -> None:
    from roadcredit.accounts.roles import Role
    from roadcredit.accounts.tests.factories import make_persona
    from roadcredit.subjects.models import UsccAllowListEntry

    UsccAllowListEntry.objects.create(
        uscc=PILOT_USCC, reason="福建早期试点代码", added_by=make_persona(Role.SECADMIN)
    )
    batch = intake_submit(source=make_source(), records=[record("SD-1", uscc=PILOT_USCC)])
    assert batch.status == "accepted" and batch.to_link_count == 1


def test_a_rejected_batch_can_be_corrected_and_sent_again_under_the_same_batch_id() -> None:
    operator = rated_operator()
    source = make_source()
    bad = intake_submit(
        source=source,
        records=[record("SD-1", uscc=operator.uscc, occurred_on="2026-13-01")],
        batch_key="B-7",
    )
    good = intake_submit(
        source=source, records=[record("SD-1", uscc=operator.uscc)], batch_key="B-7"
    )
    assert bad.status == "rejected" and good.status == "accepted" and good.created_count == 1


def test_source_tokens_authenticate_until_revoked() -> None:
    source = make_source()
    token = source_token_issue(actor=None, source=source)
    assert source_authenticate(token) == source
    assert source_authenticate(token + "x") is None
    source_token_revoke(actor=None, source=source)
    assert source_authenticate(token) is None


# --- files ---------------------------------------------------------------------------------

HEADERS = [
    "来源记录编号",
    "统一社会信用代码",
    "行为代码",
    "分值",
    "发生日期",
    "决定文书号",
    "决定日期",
    "情况说明",
]


def _rows(operator_uscc: str) -> list[list[Any]]:
    return [
        ["YT-1", operator_uscc, "RT-N-008", 6, OCCURRED, "牟交罚〔2026〕1号", DECIDED, "超限运输"],
        ["YT-2", operator_uscc, "RT-N-011", "", OCCURRED, "", "", "现场检查发现，待作出决定"],
    ]


def test_a_gb18030_csv_file_is_taken_in(tmp_path: Path) -> None:
    operator = rated_operator()
    path = tmp_path / "执法记录.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    writer.writerows(_rows(operator.uscc))
    path.write_bytes(buffer.getvalue().encode("gb18030"))
    batch = intake_file(
        source=make_source("zfxt", kind="enforcement"), path=path, file_name=path.name, actor=None
    )
    assert batch.status == "accepted" and batch.created_count == 2
    stored = CreditRecord.objects.get(source_ref="YT-1")
    assert stored.file_sha256 == batch.file_sha256 and stored.source_row == 2 and stored.points == 6
    assert CreditRecord.objects.get(source_ref="YT-2").status == "pending"
    assert (
        intake_file(source=stored.source, path=path, file_name=path.name, actor=None).pk == batch.pk
    )


def test_an_xlsx_file_is_taken_in(tmp_path: Path) -> None:
    operator = rated_operator()
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(HEADERS)
    for row in _rows(operator.uscc):
        sheet.append(
            [
                dt.date.fromisoformat(v)
                if isinstance(v, str) and v[:2] == "20" and len(v) == 10
                else v
                for v in row
            ]
        )
    path = tmp_path / "投诉记录.xlsx"
    workbook.save(path)
    batch = intake_file(
        source=make_source("tsxt", kind="complaints"), path=path, file_name=path.name, actor=None
    )
    assert batch.status == "accepted", batch.errors
    assert batch.created_count == 2


def test_a_json_file_with_a_batch_id_is_taken_in(tmp_path: Path) -> None:
    operator = rated_operator()
    path = tmp_path / "push.json"
    path.write_text(
        json.dumps(
            {"batch_id": "J-1", "records": [record("J-1-1", uscc=operator.uscc)]},
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    batch = intake_file(source=make_source(), path=path, file_name=path.name, actor=None)
    assert batch.status == "accepted" and batch.batch_key == "J-1"


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("bad.csv", "来源记录编号,行为代码\nX-1,RT-N-008\n".encode(), "发生日期"),
        ("bad.csv", b"\xff\xfe\x00\x00garbage", "UTF-16"),
        ("bad.json", b"{not json", "JSON"),
        ("bad.xlsx", b"PK\x03\x04 not really a zip", ""),
        ("empty.csv", b"", "空"),
    ],
)
def test_a_malformed_file_is_rejected_with_a_clear_message(
    tmp_path: Path, name: str, content: bytes, fragment: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    batch = intake_file(source=make_source(), path=path, file_name=name, actor=None)
    assert batch.status == "rejected"
    assert batch.errors and fragment in batch.errors[0]["message"]
    assert (
        CreditRecord.objects.count() == 0
        and IntakeBatch.objects.filter(status="accepted").count() == 0
    )


def test_a_half_readable_csv_keeps_nothing(tmp_path: Path) -> None:
    operator = rated_operator()
    text = ",".join(HEADERS) + "\n" + ",".join(str(v) for v in _rows(operator.uscc)[0]) + "\n"
    path = tmp_path / "half.csv"
    path.write_bytes(text.encode("utf-8") + b'YT-9,"unterminated' + b"\xff\xfe\xfa\n")
    batch = intake_file(source=make_source(), path=path, file_name="half.csv", actor=None)
    assert batch.status == "rejected"
    assert CreditRecord.objects.count() == 0
