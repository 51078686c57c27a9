"""The road-side warning rules, table-driven, without a database."""

from __future__ import annotations

import datetime as dt

import pytest

from roadcredit.portal.scanrules import (
    ScanPoint,
    distance_km,
    scan_warnings,
    valid_position,
)

CHINA = dt.timezone(dt.timedelta(hours=8))
T0 = dt.datetime(2026, 3, 2, 9, 30, tzinfo=CHINA)
MUPING = (37.3886, 121.6025)
YANTAI_CENTRE = (37.4638, 121.4479)  # 芝罘区，约 16 公里
QINGDAO = (36.0671, 120.3826)  # 约 180 公里
JINAN = (36.6512, 117.1201)  # 约 400 公里


def _at(
    minutes: float, place: tuple[float, float] | None, inspector: int = 1, code: str = ""
) -> ScanPoint:
    lat, lng = place if place is not None else (None, None)
    return ScanPoint(T0 + dt.timedelta(minutes=minutes), lat, lng, inspector, code)


@pytest.mark.parametrize(
    ("a", "b", "low", "high"),
    [
        (MUPING, MUPING, 0, 0.001),
        (MUPING, YANTAI_CENTRE, 12, 20),
        (MUPING, QINGDAO, 160, 200),
        (MUPING, JINAN, 380, 420),
    ],
)
def test_it_measures_great_circle_distances(a, b, low, high):
    assert low <= distance_km(*a, *b) <= high


@pytest.mark.parametrize(
    ("lat", "lng", "ok"),
    [
        (None, None, True),
        (37.3, 121.6, True),
        (90.0, 180.0, True),
        (37.3, None, False),
        (None, 121.6, False),
        (91.0, 121.6, False),
        (37.3, -181.0, False),
        (float("nan"), 121.6, False),
        (float("inf"), 121.6, False),
    ],
)
def test_it_accepts_only_positions_on_the_globe(lat, lng, ok):
    assert valid_position(lat, lng) is ok


@pytest.mark.parametrize(
    ("earlier", "current", "expected"),
    [
        # far apart within the window → flagged
        ([_at(0, JINAN)], _at(12, MUPING), ["distant_places"]),
        ([_at(0, QINGDAO)], _at(29, MUPING), ["distant_places"]),
        # near, outside the window, or without a position → not flagged
        ([_at(0, YANTAI_CENTRE)], _at(5, MUPING), []),
        ([_at(0, JINAN)], _at(31, MUPING), []),
        ([_at(0, None)], _at(5, MUPING), []),
        ([_at(0, JINAN)], _at(5, None), []),
        # a later scan (clock skew between phones) is ignored
        ([_at(10, JINAN)], _at(5, MUPING), []),
        # the same live code by the same inspector twice: fine; by another: replayed
        ([_at(0, None, 1, "c0de")], _at(1, None, 1, "c0de"), []),
        ([_at(0, None, 2, "c0de")], _at(1, None, 1, "c0de"), ["replayed_code"]),
        ([_at(0, None, 2, "aaaa")], _at(1, None, 1, "c0de"), []),
        # printed licence codes carry no code hash: never "replayed"
        ([_at(0, None, 2, "")], _at(1, None, 1, ""), []),
    ],
)
def test_it_raises_the_expected_warnings(earlier, current, expected):
    warnings = scan_warnings(current, earlier, licence_status="valid")
    assert [w.code for w in warnings] == expected


def test_the_distance_warning_names_the_minutes_and_the_distance():
    (warning,) = scan_warnings(_at(12, MUPING), [_at(0, JINAN)], licence_status="valid")
    assert warning.message.startswith("该证照12分钟前在约")
    assert "公里外被核验过" in warning.message


def test_the_farthest_earlier_scan_is_reported():
    (warning,) = scan_warnings(
        _at(20, MUPING), [_at(0, QINGDAO), _at(5, JINAN)], licence_status="valid"
    )
    assert "15分钟前" in warning.message


@pytest.mark.parametrize(
    ("status", "words"),
    [("suspended", "暂停使用"), ("revoked", "吊销"), ("cancelled", "注销")],
)
def test_a_licence_that_is_not_live_is_flagged_with_its_date(status, words):
    (warning,) = scan_warnings(
        _at(0, MUPING), [], licence_status=status, status_changed_on=dt.date(2026, 2, 27)
    )
    assert warning.code == "not_live"
    assert words in warning.message and "2026年2月27日" in warning.message


@pytest.mark.parametrize("status", ["valid", "expired", "changed", None])
def test_other_statuses_raise_no_status_warning(status):
    assert scan_warnings(_at(0, MUPING), [], licence_status=status) == ()


def test_the_thresholds_are_parameters():
    current, earlier = _at(12, MUPING), [_at(0, YANTAI_CENTRE)]
    assert scan_warnings(current, earlier, licence_status="valid") == ()
    tight = scan_warnings(current, earlier, licence_status="valid", limit_km=10)
    assert [w.code for w in tight] == ["distant_places"]
    short = scan_warnings(
        current, earlier, licence_status="valid", limit_km=10, window=dt.timedelta(minutes=10)
    )
    assert short == ()
