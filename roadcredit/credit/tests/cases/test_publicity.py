"""Double publicity: penalty and licensing decisions, due in 7 working days, masked, taken down."""

from __future__ import annotations

import datetime as dt

import pytest

from roadcredit.core.errors import ValidationFailed
from roadcredit.core.workdays import get_calendar
from roadcredit.credit.models import PublicityItem, PublicityKind, RecordStatus
from roadcredit.credit.selectors_cases import publicity_items, publicity_overdue
from roadcredit.credit.services.publicity import (
    mask_free_text,
    publicity_publish,
    publicity_record_licensing_decision,
    publicity_record_penalty_decision,
    publicity_sync_penalties,
)
from roadcredit.credit.services.records import credit_record_set_status
from roadcredit.credit.tests.cases.helpers import days_ago, today
from roadcredit.credit.tests.factories import (
    make_record,
    owned_vehicle,
    rated_operator,
    rated_practitioner,
)
from roadcredit.subjects.tests.factories import make_operator, make_vehicle, valid_uscc

pytestmark = pytest.mark.django_db

DECIDED = dt.date(2026, 9, 29)


def test_a_penalty_decision_is_due_seven_working_days_after_the_decision():
    operator = rated_operator(name="烟台顺通物流有限公司")
    record = make_record(
        operator, behaviour_code="RT-N-008", occurred_on=dt.date(2026, 9, 20), decided_on=DECIDED
    )

    item = publicity_record_penalty_decision(record=record)

    assert item is not None
    assert item.kind == PublicityKind.PENALTY
    # Tue 29 Sep + 7 working days: 30 Sep, 8, 9, 10 (Sat, worked), 12, 13, 14 Oct.
    assert item.due_on == get_calendar().add_working_days(DECIDED, 7) == dt.date(2026, 10, 14)
    assert item.subject_name == "烟台顺通物流有限公司"
    assert item.subject_code == operator.uscc
    assert item.decision_number == record.decision_number
    assert item.content == "违法行为：超限超载运输（一般失信）"
    assert "公路安全保护条例" in item.legal_basis
    assert item.authority == "烟台市牟平区交通运输局"


def test_a_practitioner_is_published_masked():
    driver = rated_practitioner(name="李秀英")
    record = make_record(
        driver, behaviour_code="RT-N-016", occurred_on=days_ago(30), decided_on=days_ago(20)
    )

    item = publicity_record_penalty_decision(record=record)

    assert item is not None
    assert item.subject_name == "李*英"
    assert item.subject_code == driver.id_number_masked
    assert item.subject_code_kind == "居民身份证号码"


def test_an_individual_business_under_the_owners_own_name_is_masked():
    shop = make_operator(
        uscc=valid_uscc(category="92"), name="刘建国", legal_representative="刘建国"
    )
    record = make_record(
        shop, behaviour_code="RT-N-008", occurred_on=days_ago(30), decided_on=days_ago(20)
    )

    item = publicity_record_penalty_decision(record=record)

    assert item is not None
    assert item.subject_name == "刘*国"
    assert item.subject_code == shop.uscc


def test_a_vehicle_penalty_is_published_under_the_owner_with_the_plate():
    operator = rated_operator(name="牟平区宏达运输有限公司")
    vehicle = owned_vehicle(operator)
    record = make_record(
        vehicle, behaviour_code="RT-N-015", occurred_on=days_ago(30), decided_on=days_ago(20)
    )

    item = publicity_record_penalty_decision(record=record)

    assert item is not None
    assert item.subject_name == "牟平区宏达运输有限公司"
    assert vehicle.plate in item.content


def test_a_minor_record_under_order_36_is_not_published():
    operator = rated_operator()
    minor = make_record(
        operator, behaviour_code="RT-N-020", occurred_on=days_ago(30), decided_on=days_ago(20)
    )

    assert not minor.published
    assert publicity_record_penalty_decision(record=minor) is None


def test_pending_and_positive_records_are_not_published():
    operator = rated_operator()
    pending = make_record(
        operator,
        behaviour_code="RT-N-020",
        occurred_on=days_ago(3),
        decided_on=None,
        status="pending",
    )
    praise = make_record(
        operator, behaviour_code="RT-P-003", occurred_on=days_ago(30), decided_on=days_ago(20)
    )

    assert publicity_record_penalty_decision(record=pending) is None
    assert publicity_record_penalty_decision(record=praise) is None


def test_recording_twice_keeps_one_item():
    operator = rated_operator()
    record = make_record(
        operator, behaviour_code="RT-N-008", occurred_on=days_ago(30), decided_on=days_ago(20)
    )

    first = publicity_record_penalty_decision(record=record)
    second = publicity_record_penalty_decision(record=record)

    assert first == second
    assert PublicityItem.objects.count() == 1


def test_sync_adds_missing_penalties_and_takes_down_those_no_longer_counting(personas):
    operator = rated_operator()
    kept = make_record(
        operator, behaviour_code="RT-N-008", occurred_on=days_ago(30), decided_on=days_ago(20)
    )
    dropped = make_record(
        operator, behaviour_code="RT-N-016", occurred_on=days_ago(30), decided_on=days_ago(20)
    )
    publicity_record_penalty_decision(record=dropped)
    credit_record_set_status(
        actor=None, record=dropped, status=RecordStatus.WITHDRAWN, reason="录入错误"
    )

    summary = publicity_sync_penalties(actor=None)

    assert summary.added_or_updated == 1
    assert summary.withdrawn == 1
    assert [item.record for item in publicity_items()] == [kept]
    assert publicity_sync_penalties(actor=None).added_or_updated == 0


def test_a_licensing_decision_is_recorded_with_its_content_masked():
    operator = make_operator(name="烟台安捷危险货物运输有限公司")

    item = publicity_record_licensing_decision(
        decision_number="鲁交运管许可烟字370612000123号",
        decided_on=DECIDED,
        subject=operator,
        content="准予道路危险货物运输经营许可；联系人电话13912345678，经办人身份证370612198503150018",
    )

    assert item.kind == PublicityKind.LICENSING
    assert item.due_on == dt.date(2026, 10, 14)
    assert "13912345678" not in item.content and "139****5678" in item.content
    assert "370612********0018" in item.content
    again = publicity_record_licensing_decision(
        decision_number="鲁交运管许可烟字370612000123号",
        decided_on=DECIDED,
        subject=operator,
        content="准予道路危险货物运输经营许可（经营范围：剧毒化学品除外）",
    )
    assert again.pk == item.pk and again.content.endswith("剧毒化学品除外）")


def test_a_licence_for_a_vehicle_without_an_owner_masks_the_plate():
    vehicle = make_vehicle(
        plate="鲁F12345",
        plate_colour="1",
        vehicle_type="ride_hailing",
        approved_load_kg=None,
        seats=5,
        fuel="electric",
    )

    item = publicity_record_licensing_decision(
        decision_number="烟网约车运输证〔2026〕88号",
        decided_on=DECIDED,
        subject=vehicle,
        content="网络预约出租汽车运输证",
    )

    assert item.subject_code == "鲁F1**45"


def test_a_licensing_decision_names_its_bad_fields():
    with pytest.raises(ValidationFailed) as info:
        publicity_record_licensing_decision(
            decision_number=" ",
            decided_on=today() + dt.timedelta(days=3),
            subject=make_operator(),
            content="",
        )

    assert set(info.value.extra["fields"]) == {"decision_number", "content", "decided_on"}


def test_publishing_stamps_items_once_and_overdue_items_are_flagged():
    operator = rated_operator()
    late = make_record(
        operator, behaviour_code="RT-N-008", occurred_on=dt.date(2026, 9, 20), decided_on=DECIDED
    )
    item = publicity_record_penalty_decision(record=late)
    assert item is not None

    assert publicity_overdue(item, dt.date(2026, 10, 14)) is False
    assert publicity_overdue(item, dt.date(2026, 10, 15)) is True
    assert list(publicity_items(overdue_only=True, today=dt.date(2026, 10, 15))) == [item]

    stamped_at = dt.datetime(2026, 10, 16, 9, 0, tzinfo=dt.UTC)
    assert publicity_publish(actor=None, at=stamped_at) == 1
    assert publicity_publish(actor=None, at=stamped_at) == 0
    item.refresh_from_db()
    assert item.published_at == stamped_at
    assert publicity_overdue(item, dt.date(2026, 10, 20)) is True  # published late
    assert list(publicity_items(pending_only=True)) == []


def test_free_text_masking():
    assert mask_free_text("身份证370612198503150018，手机13800000000") == (
        "身份证370612********0018，手机138****0000"
    )
    assert mask_free_text("决定书编号2026370612000001") == "决定书编号2026370612000001"
