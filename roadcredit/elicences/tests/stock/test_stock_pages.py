"""The paper-stock pages: who may open them, receiving, recording sheets, reconciling."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from roadcredit.accounts.roles import Role
from roadcredit.core import clock
from roadcredit.elicences.models import PaperStockSheet, SheetStatus
from roadcredit.elicences.services.stock import stock_receive
from roadcredit.elicences.tests.services.support import issue_business_licence

pytestmark = pytest.mark.django_db
STOCK = reverse("elicences:stock")


def _receive_form(**overrides):
    data = {
        "type_key": "business_licence",
        "serial_from": "LY0000001",
        "serial_to": "LY0000050",
        "received_on": clock.today().isoformat(),
        "supplier": "山东省交通运输厅证件印制中心",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.CLERK, 200),
        (Role.APPROVER, 200),
        (Role.LEADER, 200),
        (Role.INSPECTOR, 403),
        (Role.OPERATOR, 403),
        (Role.SYSADMIN, 403),
    ],
)
def test_the_ledger_is_for_the_issuing_staff_and_leaders(client_as, role, status):
    assert client_as(role).get(STOCK).status_code == status


def test_a_clerk_receives_a_delivery_from_the_page(client_as):
    client = client_as(Role.CLERK)
    response = client.post(reverse("elicences:stock_receive"), _receive_form(), follow=True)
    assert response.status_code == 200
    assert "已入库 50 张" in response.content.decode()
    assert PaperStockSheet.objects.count() == 50
    again = client.post(reverse("elicences:stock_receive"), _receive_form(), follow=True)
    assert "此前已入库" in again.content.decode()


def test_an_overlapping_delivery_shows_the_reason_on_the_form(client_as):
    client = client_as(Role.CLERK)
    client.post(reverse("elicences:stock_receive"), _receive_form())
    response = client.post(
        reverse("elicences:stock_receive"),
        _receive_form(serial_from="LY0000040", serial_to="LY0000090"),
    )
    assert response.status_code == 400
    assert "重叠" in response.content.decode()


def test_a_leader_may_look_but_not_receive(client_as):
    response = client_as(Role.LEADER).post(reverse("elicences:stock_receive"), _receive_form())
    assert response.status_code == 403


def test_a_clerk_records_a_print_and_a_voided_sheet(client_as, personas):
    stock_receive(
        actor=None,
        type_key="business_licence",
        serial_from="LY0000001",
        serial_to="LY0000010",
        received_on=clock.today(),
        supplier="山东省交通运输厅证件印制中心",
    )
    licence = issue_business_licence()
    client = client_as(Role.CLERK)
    used = client.post(
        reverse("elicences:stock_sheet"),
        {
            "action": "use",
            "type_key": "business_licence",
            "serial": "LY0000001",
            "number": licence.paper_number,
        },
    )
    assert used.status_code == 302
    sheet = PaperStockSheet.objects.get(serial="LY0000001")
    assert sheet.status == SheetStatus.USED and sheet.licence == licence
    assert sheet.by == personas[Role.CLERK]
    missing = client.post(
        reverse("elicences:stock_sheet"),
        {"action": "use", "type_key": "business_licence", "serial": "LY0000002"},
    )
    assert missing.status_code == 400
    voided = client.post(
        reverse("elicences:stock_sheet"),
        {"action": "void", "type_key": "business_licence", "serial": "LY0000002", "reason": "遗失"},
    )
    assert voided.status_code == 302
    assert PaperStockSheet.objects.get(serial="LY0000002").status == SheetStatus.VOIDED


def test_the_reconciliation_page_shows_the_counts(client_as):
    stock_receive(
        actor=None,
        type_key="business_licence",
        serial_from="LY0000001",
        serial_to="LY0000010",
        received_on=clock.today(),
        supplier="山东省交通运输厅证件印制中心",
    )
    today = clock.today()
    response = client_as(Role.LEADER).post(
        reverse("elicences:stock_reconcile"),
        {
            "type_key": "business_licence",
            "period_start": (today - dt.timedelta(days=30)).isoformat(),
            "period_end": today.isoformat(),
        },
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "期末库存" in text and "平衡" in text
    assert response.context["result"].counts.closing == 10


def test_a_leader_sees_the_ledger_without_the_forms_to_record(client_as):
    text = client_as(Role.LEADER).get(STOCK).content.decode()
    assert "期间核对" in text
    assert reverse("elicences:stock_receive") not in text
    assert reverse("elicences:stock_receive") in client_as(Role.CLERK).get(STOCK).content.decode()
