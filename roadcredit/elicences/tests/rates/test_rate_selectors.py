"""制证率 and stock rate counted from real licence rows (one GROUP BY query per table)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from roadcredit.elicences.issuance_rates import period_of
from roadcredit.elicences.selectors_rates import issuance_counts, rate_report, stock_counts
from roadcredit.elicences.services import (
    licence_convert,
    licence_register_existing,
    licence_renew,
    licence_revoke,
)
from roadcredit.elicences.tests.services.support import at, freight_operator, issue_business_licence

pytestmark = pytest.mark.django_db
BUSINESS = "business_licence"


def _paper(seq: int, issued: dt.date, *, electronic: bool = False, when=None):
    return licence_register_existing(
        actor=None,
        type_key=BUSINESS,
        holder=freight_operator(),
        number=f"鲁交运管许可烟字370612{seq:06d}号",
        issued_on=issued,
        valid_from=issued,
        valid_until=issued.replace(year=issued.year + 4) - dt.timedelta(days=1),
        electronic=electronic,
        at=when or at(2024, 12, 30),
    )


@pytest.fixture
def district():
    issued = [issue_business_licence(at=at(2024, month, 10)) for month in (2, 5, 9)]
    paper_only = _paper(900, dt.date(2024, 3, 1))
    converted_later = _paper(901, dt.date(2024, 4, 1), electronic=True, when=at(2026, 2, 1))
    renewed = licence_renew(actor=None, licence=issued[0], at=at(2025, 3, 3))
    return {
        "issued": issued,
        "paper_only": paper_only,
        "converted_later": converted_later,
        "renewed": renewed,
    }


def test_a_past_year_counts_e_licences_as_they_stood_at_its_end(district):
    counts = issuance_counts(period=period_of("year", year=2024), now=at(2026, 6, 1))
    assert counts == {BUSINESS: (3, 5)}


def test_converting_an_old_paper_licence_does_not_change_a_closed_period(district):
    licence_convert(actor=None, licence=district["paper_only"], at=at(2026, 3, 1))
    assert issuance_counts(period=period_of("year", year=2024), now=at(2026, 6, 1)) == {
        BUSINESS: (3, 5)
    }
    # …but the stock of licences valid today now has one more e-licence.
    before = stock_counts(on=dt.date(2026, 1, 15), now=at(2026, 6, 1))
    after = stock_counts(on=dt.date(2026, 3, 15), now=at(2026, 6, 1))
    assert before == {BUSINESS: (3, 5)}
    assert after == {BUSINESS: (5, 5)}


def test_a_renewal_is_an_issuance_of_its_own_period(district):
    assert issuance_counts(period=period_of("half", year=2025, half=1), now=at(2026, 6, 1)) == {
        BUSINESS: (1, 1)
    }
    assert issuance_counts(period=period_of("month", year=2025, month=4)) == {}


def test_the_stock_on_a_date_leaves_out_revoked_and_superseded_versions(district):
    licence_revoke(
        actor=None, licence=district["issued"][1], reason="以欺骗手段取得许可", at=at(2025, 8, 1)
    )
    counts = stock_counts(on=dt.date(2025, 9, 1), now=at(2026, 6, 1))
    # issued[0] is superseded by its renewal (counted once), issued[1] revoked, issued[2] valid,
    # the paper-only one valid without an e-licence, the later-converted one not yet converted.
    assert counts == {BUSINESS: (2, 4)}
    assert stock_counts(on=dt.date(2025, 7, 1), now=at(2026, 6, 1)) == {BUSINESS: (3, 5)}


def test_the_report_lists_every_type_with_a_totals_row_in_two_queries(district):
    with CaptureQueriesContext(connection) as queries:
        report = rate_report(
            period=period_of("year", year=2024), stock_on=dt.date(2025, 1, 15), now=at(2026, 6, 1)
        )
    assert len(queries) == 2
    first = report.issuance[0]
    assert (first.key, first.with_electronic, first.total, first.percent) == (
        BUSINESS,
        3,
        5,
        "60.00%",
    )
    assert report.issuance[-1].key == ""
    assert len(report.issuance) == 9  # eight catalogue types and the totals
    assert {row.key for row in report.stock if row.total == 0} >= {"transport_certificate"}
