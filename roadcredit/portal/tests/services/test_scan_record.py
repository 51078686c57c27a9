"""Scanning a code on the road: the verdict with full face data (logged), the scan kept, and the
warnings for a licence seen in two distant places, a replayed live code, a suspended licence."""

from __future__ import annotations

import datetime as dt

import pytest

from roadcredit.accounts.roles import Role
from roadcredit.accounts.tests.factories import make_user
from roadcredit.audit.models import AuditEntry
from roadcredit.core import clock
from roadcredit.core.errors import ValidationFailed
from roadcredit.elicences.services import licence_suspend
from roadcredit.portal.models import ScanEvent
from roadcredit.portal.presentation import presentation_code
from roadcredit.portal.services import scan_record

pytestmark = pytest.mark.django_db

MUPING = (37.388600, 121.602500)  # 牟平区宁海街道
MUPING_EAST = (37.402100, 121.681300)  # 牟平区养马岛方向，约 7 公里
JINAN = (36.651200, 117.120100)  # 济南，约 400 公里


@pytest.fixture
def inspector(personas):
    return personas[Role.INSPECTOR]


@pytest.fixture
def second_inspector(db):
    return make_user(Role.INSPECTOR, "inspector2", last_name="孙", first_name="执法")


def test_a_printed_licence_code_verifies_with_the_full_face_and_is_kept(
    inspector, zhang_wei_certificate
):
    result = scan_record(
        actor=inspector, text=zhang_wei_certificate.qr_text, latitude=MUPING[0], longitude=MUPING[1]
    )
    assert result.outcome.verdict == "valid"
    assert result.outcome.token_kind == "licence"
    assert result.outcome.face is not None
    assert "370612198503150018" in [row.value for row in result.outcome.face]
    assert result.warnings == ()
    scan = ScanEvent.objects.get()
    assert scan.licence == zhang_wei_certificate
    assert scan.inspector == inspector
    assert (scan.latitude, scan.longitude) == MUPING
    assert scan.code_hash == ""
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert "elicences.full_view" in actions
    assert "portal.licence_scanned" in actions


def test_a_live_code_is_read_as_shown_live_and_remembered_by_its_hash(inspector, xinda_licence):
    code = presentation_code(licence=xinda_licence)
    result = scan_record(actor=inspector, text=code.url)
    assert result.outcome.verdict == "valid"
    assert result.outcome.token_kind == "presentation"
    assert len(ScanEvent.objects.get().code_hash) == 64


def test_a_live_code_checked_again_by_another_inspector_is_flagged_as_replayed(
    inspector, second_inspector, xinda_licence
):
    code = presentation_code(licence=xinda_licence)
    scan_record(actor=inspector, text=code.url)
    again = scan_record(actor=inspector, text=code.url)
    assert [w.code for w in again.warnings] == []
    replayed = scan_record(actor=second_inspector, text=code.url)
    assert [w.code for w in replayed.warnings] == ["replayed_code"]
    assert "截图或转发" in replayed.warnings[0].message


def test_a_licence_scanned_far_away_minutes_earlier_is_flagged(
    inspector, second_inspector, xinda_truck_certificate
):
    # (A code is never checked before it was signed, so the scans run from now on.)
    now = clock.now()
    scan_record(
        actor=second_inspector,
        text=xinda_truck_certificate.qr_text,
        latitude=JINAN[0],
        longitude=JINAN[1],
        at=now,
    )
    result = scan_record(
        actor=inspector,
        text=xinda_truck_certificate.qr_text,
        latitude=MUPING[0],
        longitude=MUPING[1],
        at=now + dt.timedelta(minutes=12),
    )
    assert [w.code for w in result.warnings] == ["distant_places"]
    assert "12分钟前" in result.warnings[0].message
    assert "公里外" in result.warnings[0].message
    assert ScanEvent.objects.filter(warnings__isnull=False).count() == 2


def test_a_nearby_scan_or_an_old_distant_scan_is_not_flagged(inspector, xinda_truck_certificate):
    now = clock.now()
    scan_record(
        actor=inspector,
        text=xinda_truck_certificate.qr_text,
        latitude=JINAN[0],
        longitude=JINAN[1],
        at=now,
    )
    scan_record(
        actor=inspector,
        text=xinda_truck_certificate.qr_text,
        latitude=MUPING_EAST[0],
        longitude=MUPING_EAST[1],
        at=now + dt.timedelta(hours=5),
    )
    result = scan_record(
        actor=inspector,
        text=xinda_truck_certificate.qr_text,
        latitude=MUPING[0],
        longitude=MUPING[1],
        at=now + dt.timedelta(hours=5, minutes=3),
    )
    assert result.warnings == ()


def test_a_suspended_licence_shown_on_the_road_is_flagged(inspector, xinda_licence):
    licence_suspend(actor=None, licence=xinda_licence, reason="暂扣：超限运输")
    result = scan_record(actor=inspector, text=xinda_licence.qr_text)
    assert result.outcome.verdict == "suspended"
    assert [w.code for w in result.warnings] == ["not_live"]
    assert "暂停使用" in result.warnings[0].message


def test_garbage_is_recorded_as_not_recognised_without_a_licence(inspector):
    result = scan_record(actor=inspector, text="https://example.com/?t=hello")
    assert result.outcome.verdict == "unknown"
    assert result.outcome.licence is None
    assert ScanEvent.objects.get().licence is None


def test_an_empty_code_is_refused_with_a_chinese_message(inspector):
    with pytest.raises(ValidationFailed) as caught:
        scan_record(actor=inspector, text="   ")
    assert caught.value.extra["fields"]["code"] == ["此项为必填项。"]


def test_an_impossible_position_is_dropped_but_the_scan_kept(inspector, xinda_licence):
    scan_record(actor=inspector, text=xinda_licence.qr_text, latitude=137.0, longitude=121.6)
    scan = ScanEvent.objects.get()
    assert scan.latitude is None and scan.longitude is None
