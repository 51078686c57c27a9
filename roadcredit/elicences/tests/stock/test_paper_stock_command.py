"""``manage.py paper_stock receive|reconcile``."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from roadcredit.core import clock
from roadcredit.elicences.models import PaperStockSheet
from roadcredit.elicences.tests.services.support import issue_business_licence

pytestmark = pytest.mark.django_db


def _receive(*extra: str) -> str:
    out = io.StringIO()
    call_command(
        "paper_stock",
        "receive",
        "--type",
        "business_licence",
        "--from",
        "LY0000001",
        "--to",
        "LY0000020",
        "--supplier",
        "山东省交通运输厅证件印制中心",
        *extra,
        stdout=out,
    )
    return out.getvalue()


def test_it_receives_a_delivery_once(personas):
    assert "已入库 20 张" in _receive("--user", "clerk")
    assert "此前已入库" in _receive()
    assert PaperStockSheet.objects.count() == 20


def test_an_overlapping_delivery_is_an_error():
    _receive()
    with pytest.raises(CommandError, match="重叠"):
        call_command(
            "paper_stock",
            "receive",
            "--type",
            "business_licence",
            "--from",
            "LY0000010",
            "--to",
            "LY0000030",
            "--supplier",
            "山东省交通运输厅证件印制中心",
            stdout=io.StringIO(),
        )


def test_reconcile_prints_the_counts_and_fails_on_a_discrepancy():
    _receive()
    today = clock.today().isoformat()
    out = io.StringIO()
    call_command(
        "paper_stock",
        "reconcile",
        "--type",
        "business_licence",
        "--start",
        today,
        "--end",
        today,
        stdout=out,
    )
    assert "期末库存: 20" in out.getvalue()
    assert "未发现差异" in out.getvalue()
    issue_business_licence()  # printed without recording a sheet
    with pytest.raises(CommandError) as caught:
        call_command(
            "paper_stock",
            "reconcile",
            "--type",
            "business_licence",
            "--start",
            today,
            "--end",
            today,
            stdout=io.StringIO(),
        )
    assert caught.value.returncode == 1
