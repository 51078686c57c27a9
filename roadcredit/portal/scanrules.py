"""Warnings an inspector gets when a licence is scanned on the road (pure Python, no Django).

Three signals that the licence in front of the inspector may be borrowed, copied or forged:

* ``distant_places``: the same licence was scanned somewhere far away a short while ago (more
  than ``DISTANT_KM`` kilometres within ``WINDOW``), which no vehicle or driver can do;
* ``replayed_code``: the very same live 亮证 code was already checked by another inspector (a
  screenshot or a forwarded code: a live code is made afresh for every showing);
* ``not_live``: the licence is suspended, revoked or cancelled and is still being shown.

The thresholds are parameters (the service reads them from the settings), the defaults here.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

DISTANT_KM = 50.0
WINDOW = dt.timedelta(minutes=30)
EARTH_RADIUS_KM = 6371.0088

WarningCode = Literal["distant_places", "replayed_code", "not_live"]
_NOT_LIVE_MESSAGES = {
    "suspended": "该证照已于{day}被暂停使用，仍在道路上出示，请依法核查处理",
    "revoked": "该证照已于{day}被吊销，仍在道路上出示，请依法核查处理",
    "cancelled": "该证照已于{day}注销，仍在道路上出示，请依法核查处理",
}


@dataclass(frozen=True)
class ScanPoint:
    """One scan of a licence: when, where (if the device gave a position), by whom, and which
    live code (the hash of the presentation token; ``""`` for the printed licence's code)."""

    at: dt.datetime
    latitude: float | None
    longitude: float | None
    inspector_id: int
    code_hash: str = ""

    @property
    def located(self) -> bool:
        return self.latitude is not None and self.longitude is not None


@dataclass(frozen=True)
class ScanWarning:
    code: WarningCode
    message: str  # Chinese, safe to show

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


def valid_position(latitude: float | None, longitude: float | None) -> bool:
    """Both given, finite and on the globe (or both absent)."""
    if latitude is None and longitude is None:
        return True
    if latitude is None or longitude is None:
        return False
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        return False
    return -90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine) in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def _date_zh(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _minutes(delta: dt.timedelta) -> int:
    return max(1, round(delta.total_seconds() / 60))


def _distant(
    current: ScanPoint, earlier: Sequence[ScanPoint], *, limit_km: float, window: dt.timedelta
) -> ScanWarning | None:
    if not current.located:
        return None
    assert current.latitude is not None and current.longitude is not None
    farthest: tuple[float, ScanPoint] | None = None
    for point in earlier:
        gap = current.at - point.at
        if not point.located or gap < dt.timedelta(0) or gap > window:
            continue
        assert point.latitude is not None and point.longitude is not None
        km = distance_km(current.latitude, current.longitude, point.latitude, point.longitude)
        if km > limit_km and (farthest is None or km > farthest[0]):
            farthest = (km, point)
    if farthest is None:
        return None
    km, point = farthest
    return ScanWarning(
        "distant_places",
        f"该证照{_minutes(current.at - point.at)}分钟前在约{km:.0f}公里外被核验过，"
        "短时间内不可能到达，可能存在套用、转借或伪造证照，请重点核查",
    )


def _replayed(current: ScanPoint, earlier: Sequence[ScanPoint]) -> ScanWarning | None:
    if not current.code_hash:
        return None
    for point in earlier:
        if point.code_hash == current.code_hash and point.inspector_id != current.inspector_id:
            return ScanWarning(
                "replayed_code",
                f"该亮证码{_minutes(max(current.at - point.at, dt.timedelta(0)))}分钟内已被其他执法人员核验过，"
                "可能是截图或转发的动态码，请要求持证人当场刷新后重新出示",
            )
    return None


def scan_warnings(
    current: ScanPoint,
    earlier: Sequence[ScanPoint],
    *,
    licence_status: str | None,
    status_changed_on: dt.date | None = None,
    limit_km: float = DISTANT_KM,
    window: dt.timedelta = WINDOW,
) -> tuple[ScanWarning, ...]:
    """The warnings for ``current`` given the licence's ``earlier`` scans (any order) and its
    current status (``None``: the code named no licence on record)."""
    found: list[ScanWarning] = []
    if licence_status in _NOT_LIVE_MESSAGES:
        day = _date_zh(status_changed_on) if status_changed_on is not None else "此前"
        found.append(ScanWarning("not_live", _NOT_LIVE_MESSAGES[licence_status].format(day=day)))
    distant = _distant(current, earlier, limit_km=limit_km, window=window)
    if distant is not None:
        found.append(distant)
    replayed = _replayed(current, earlier)
    if replayed is not None:
        found.append(replayed)
    return tuple(found)
