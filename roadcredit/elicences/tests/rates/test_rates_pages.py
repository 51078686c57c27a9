"""The issuance-rate page and its Excel export."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from roadcredit.accounts.roles import Role
from roadcredit.elicences.tests.services.support import at, issue_business_licence

pytestmark = pytest.mark.django_db
PAGE = reverse("elicences:rates")


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.LEADER, 200),
        (Role.CLERK, 200),
        (Role.CREDIT_OFFICER, 200),
        (Role.OPERATOR, 403),
        (Role.AUDITADMIN, 403),
    ],
)
def test_the_rate_page_is_for_leaders_and_staff(client_as, role, status):
    assert client_as(role).get(PAGE).status_code == status


def test_it_shows_the_rate_of_the_chosen_month(client_as):
    issue_business_licence(at=at(2025, 3, 4))
    response = client_as(Role.LEADER).get(PAGE, {"kind": "month", "year": 2025, "month": 3})
    text = response.content.decode()
    assert "制证率（2025年3月）" in text
    report = response.context["report"]
    assert report.issuance[0].percent == "100.00%"
    assert report.issuance[-1].total == 1


def test_an_impossible_period_is_shown_on_the_form(client_as):
    response = client_as(Role.LEADER).get(PAGE, {"kind": "custom", "start": "2025-05-01"})
    assert response.context["report"] is None
    assert "自定义统计期须填写开始和结束日期" in response.content.decode()


def test_the_export_is_a_workbook_with_rates_as_numbers(client_as):
    issue_business_licence(at=at(2025, 3, 4))
    response = client_as(Role.LEADER).get(
        reverse("elicences:rates_export"),
        {"kind": "half", "year": 2025, "half": 1, "stock_on": "2025-06-30"},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    flat = [v for row in values for v in row if v is not None]
    assert "道路运输经营许可证" in flat
    rate_cells = [c for row in sheet.iter_rows() for c in row if c.number_format == "0.00%"]
    assert rate_cells and rate_cells[0].value == 1.0
    assert not any(isinstance(v, str) and v.startswith("=") for v in flat)
