"""The credit-case pages: repair and objection forms, the officer decisions, the lists (public
page and Excel export), double publicity."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from roadcredit.accounts.roles import Role
from roadcredit.credit.models import (
    ListEntry,
    ListEntryStatus,
    ListKind,
    ObjectionStatus,
    RecordStatus,
    RepairApplication,
    RepairStatus,
)
from roadcredit.credit.services.lists import lists_refresh
from roadcredit.credit.services.publicity import publicity_record_penalty_decision
from roadcredit.credit.tests.cases.helpers import (
    commended,
    days_ago,
    holder_of,
    penalty_item,
    sheet_rows,
)
from roadcredit.credit.tests.factories import make_record, rated_operator, rated_practitioner

pytestmark = pytest.mark.django_db


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def no_inline_style(html: str) -> bool:
    return not re.search(r"\sstyle=", html) and "<style" not in html and "<script>" not in html


@pytest.fixture
def shuntong():
    operator = rated_operator(name="烟台顺通物流有限公司")
    record = make_record(
        operator, behaviour_code="RT-N-008", occurred_on=days_ago(210), decided_on=days_ago(200)
    )
    return operator, record


def test_the_repair_form_shows_the_commitment_and_records_the_application(shuntong):
    operator, record = shuntong
    client = as_user(holder_of(operator))
    url = reverse("credit:repair_apply", args=[record.public_id])

    page = client.get(url)
    assert page.status_code == 200
    assert "郑重承诺" in page.content.decode()
    assert no_inline_style(page.content.decode())

    response = client.post(
        url,
        {
            "obligations_fulfilled": "on",
            "obligations_evidence": "罚款已缴清，缴款书编号 3706122026000123",
            "commitment": "on",
        },
    )

    application = RepairApplication.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("credit:repair_detail", args=[application.public_id])
    assert application.status == RepairStatus.SUBMITTED


def test_the_repair_form_shows_what_is_missing(shuntong):
    operator, record = shuntong

    response = as_user(holder_of(operator)).post(
        reverse("credit:repair_apply", args=[record.public_id]), {"obligations_evidence": ""}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "须签署公布的信用修复承诺书" in html
    assert "须已纠正失信行为" in html
    assert not RepairApplication.objects.exists()


def test_the_officer_decides_on_the_detail_page(shuntong, client_as):
    operator, record = shuntong
    as_user(holder_of(operator)).post(
        reverse("credit:repair_apply", args=[record.public_id]),
        {"obligations_fulfilled": "on", "obligations_evidence": "已缴清", "commitment": "on"},
    )
    application = RepairApplication.objects.get()
    officer = client_as(Role.CREDIT_OFFICER)

    detail = officer.get(reverse("credit:repair_detail", args=[application.public_id]))
    assert reverse("credit:repair_decide", args=[application.public_id]) in detail.content.decode()
    response = officer.post(
        reverse("credit:repair_decide", args=[application.public_id]),
        {"decision": "approve", "reason": "义务已履行，准予修复"},
    )

    record.refresh_from_db()
    assert response.status_code == 302
    assert record.status == RecordStatus.REPAIRED


def test_a_holder_sees_no_decision_form_and_cannot_post_one(shuntong):
    operator, record = shuntong
    holder = as_user(holder_of(operator))
    holder.post(
        reverse("credit:repair_apply", args=[record.public_id]),
        {"obligations_fulfilled": "on", "obligations_evidence": "已缴清", "commitment": "on"},
    )
    application = RepairApplication.objects.get()

    detail = holder.get(reverse("credit:repair_detail", args=[application.public_id]))
    posted = holder.post(
        reverse("credit:repair_decide", args=[application.public_id]),
        {"decision": "approve", "reason": "自己批准"},
    )

    assert detail.status_code == 200
    assert (
        reverse("credit:repair_decide", args=[application.public_id]) not in detail.content.decode()
    )
    assert posted.status_code == 403


def test_the_objection_pages_take_grounds_and_the_officer_keeps_the_record(shuntong, client_as):
    operator, record = shuntong
    response = as_user(holder_of(operator)).post(
        reverse("credit:objection_submit", args=[record.public_id]),
        {"grounds": "当日车辆在维修厂保养，有维修单为证"},
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == RecordStatus.UNDER_OBJECTION
    objection = record.objections.get()

    listing = client_as(Role.CREDIT_OFFICER).get(reverse("credit:objection_list") + "?status=open")
    assert objection.public_id in listing.content.decode()
    decided = client_as(Role.CREDIT_OFFICER).post(
        reverse("credit:objection_decide", args=[objection.public_id]),
        {"outcome": "kept", "reason": "经核查治超站称重记录，维持原记录"},
    )

    objection.refresh_from_db()
    record.refresh_from_db()
    assert decided.status_code == 302
    assert objection.status == ObjectionStatus.DECIDED
    assert record.status == RecordStatus.ACTIVE


def test_a_correction_without_changes_is_refused_on_the_form(shuntong, client_as):
    operator, record = shuntong
    as_user(holder_of(operator)).post(
        reverse("credit:objection_submit", args=[record.public_id]), {"grounds": "分值有误"}
    )
    objection = record.objections.get()

    response = client_as(Role.CREDIT_OFFICER).post(
        reverse("credit:objection_decide", args=[objection.public_id]),
        {"outcome": "corrected", "reason": "更正"},
    )

    assert response.status_code == 400
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.OPEN


def test_the_public_list_page_needs_no_login_and_masks_natural_persons(client):
    commended(rated_practitioner(name="王建华"))
    operator = rated_operator(name="烟台安捷危险货物运输有限公司")
    commended(operator)
    lists_refresh(actor=None)

    response = client.get(reverse("credit:lists_public"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "王*华" in html and "王建华" not in html
    assert operator.uscc in html
    assert no_inline_style(html)


def test_the_list_export_neutralises_formula_cells(client):
    commended(rated_operator(name='=HYPERLINK("http://evil.example")物流有限公司'))
    lists_refresh(actor=None)

    response = client.get(reverse("credit:lists_export"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = sheet_rows(response.content)
    assert rows[0][:4] == ("名单", "主体名称", "证件类型", "证件号码")
    names = [row[1] for row in rows[1:]]
    assert names == ['\'=HYPERLINK("http://evil.example")物流有限公司']
    assert rows[1][0] == "守信激励名单"


def test_the_officer_runs_the_serious_list_procedure_on_the_pages(client_as):
    operator = rated_operator(name="烟台市牟平区金海岸客运有限公司")
    make_record(
        operator, behaviour_code="RT-N-001", occurred_on=days_ago(60), decided_on=days_ago(45)
    )
    officer = client_as(Role.CREDIT_OFFICER)

    assert officer.post(reverse("credit:lists_refresh")).status_code == 302
    entry = ListEntry.objects.get(list_kind=ListKind.SERIOUS)
    page = officer.get(reverse("credit:list_entry", args=[entry.public_id]))
    assert "无证经营" in page.content.decode()
    officer.post(reverse("credit:list_entry_action", args=[entry.public_id]), {"action": "notify"})
    holder = as_user(holder_of(operator))
    stated = holder.post(
        reverse("credit:list_entry_statement", args=[entry.public_id]),
        {"text": "驾驶员个人行为，公司已整改"},
    )
    assert stated.status_code == 302
    decided = officer.post(
        reverse("credit:list_entry_action", args=[entry.public_id]),
        {"action": "list", "reason": "陈述理由不成立，经营主体为公司"},
    )

    entry.refresh_from_db()
    assert decided.status_code == 302
    assert entry.status == ListEntryStatus.LISTED


def test_a_decision_before_the_deadline_is_shown_as_an_error(client_as):
    operator = rated_operator()
    make_record(
        operator, behaviour_code="RT-N-001", occurred_on=days_ago(60), decided_on=days_ago(45)
    )
    officer = client_as(Role.CREDIT_OFFICER)
    officer.post(reverse("credit:lists_refresh"))
    entry = ListEntry.objects.get(list_kind=ListKind.SERIOUS)
    officer.post(reverse("credit:list_entry_action", args=[entry.public_id]), {"action": "notify"})

    response = officer.post(
        reverse("credit:list_entry_action", args=[entry.public_id]),
        {"action": "list", "reason": "列入"},
    )

    assert response.status_code == 400
    assert "陈述申辩期限至" in response.content.decode()


def test_the_publicity_page_flags_overdue_items_and_exports_them(client_as):
    operator = rated_operator(name="烟台顺通物流有限公司")
    record = make_record(
        operator, behaviour_code="RT-N-008", occurred_on=days_ago(30), decided_on=days_ago(20)
    )
    publicity_record_penalty_decision(record=record)
    officer = client_as(Role.CREDIT_OFFICER)

    page = officer.get(reverse("credit:publicity"))
    export = officer.get(reverse("credit:publicity_export"))

    assert page.status_code == 200
    assert record.decision_number in page.content.decode()
    assert "badge-overdue" in page.content.decode()
    rows = sheet_rows(export.content)
    assert rows[1][0] == "行政处罚"
    assert rows[1][3] == operator.uscc
    assert rows[1][-1] == "是"


def test_publishing_from_the_page(client_as):
    operator = rated_operator()
    record = make_record(
        operator, behaviour_code="RT-N-008", occurred_on=days_ago(30), decided_on=days_ago(20)
    )
    item = penalty_item(record)
    officer = client_as(Role.CREDIT_OFFICER)

    response = officer.post(reverse("credit:publicity_action"), {"action": "publish"})

    item.refresh_from_db()
    assert response.status_code == 302
    assert item.published_at is not None


def test_a_holder_cannot_open_the_officer_pages(shuntong):
    operator, _record = shuntong
    holder = as_user(holder_of(operator))

    assert holder.get(reverse("credit:publicity")).status_code == 403
    assert holder.get(reverse("credit:lists_manage")).status_code == 403
    assert holder.post(reverse("credit:lists_refresh")).status_code == 403
