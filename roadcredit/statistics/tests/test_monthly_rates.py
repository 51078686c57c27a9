"""The monthly 制证率 of the dashboard is, month by month, exactly the e-licence app's own
issuance rate of that month (``elicences.selectors_rates.issuance_counts``), in one query."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from roadcredit.core import clock
from roadcredit.elicences.issuance_rates import Period
from roadcredit.elicences.selectors_rates import issuance_counts, issuance_counts_by_month
from roadcredit.elicences.services import licence_convert, licence_register_existing
from roadcredit.portal.tests.support import business_licence
from roadcredit.statistics.tables import months_between
from roadcredit.subjects.tests.factories import make_operator

pytestmark = pytest.mark.django_db


def _paper(name: str, number: str, issued_on: dt.date):
    return licence_register_existing(
        actor=None,
        type_key="business_licence",
        holder=make_operator(name=name),
        number=number,
        issued_on=issued_on,
        valid_from=issued_on,
        valid_until=issued_on + dt.timedelta(days=4 * 365),
        electronic=False,
    )


def test_each_month_matches_the_one_month_issuance_rate():
    today = clock.today()
    this_month = today.replace(day=1)
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    two_ago = (last_month - dt.timedelta(days=1)).replace(day=1)
    business_licence(make_operator(name="烟台顺通物流有限公司"))
    converted = _paper("牟平区宏达运输有限公司", "鲁交运管许可烟字370612008801号", last_month)
    licence_convert(actor=None, licence=converted)  # converted now: after last month ended
    _paper("牟平区大窑街道李记货运部", "鲁交运管许可烟字370612008802号", last_month)
    _paper("烟台安捷危险货物运输有限公司", "鲁交运管许可烟字370612008803号", two_ago)

    period = Period(two_ago, today, "")
    with CaptureQueriesContext(connection) as captured:
        monthly = issuance_counts_by_month(period=period)
    assert len(captured.captured_queries) == 1
    for month in months_between(two_ago, today):
        end = min(
            (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1),
            today,
        )
        one = issuance_counts(period=Period(month, end, ""))
        assert monthly.get(("business_licence", month), (0, 0)) == one.get(
            "business_licence", (0, 0)
        ), month
    assert monthly[("business_licence", last_month)] == (0, 2)
    assert monthly[("business_licence", this_month)] == (1, 1)
