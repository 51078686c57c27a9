"""Test helpers of the licence services: subjects with realistic data, and licences issued
through the real services (shared by the service, API, view and command tests)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from roadcredit.elicences.models import Licence
from roadcredit.elicences.services import licence_issue
from roadcredit.subjects.models import Operator, Practitioner, Vehicle
from roadcredit.subjects.tests.factories import (
    ensure_scopes,
    make_operator,
    make_practitioner,
    make_vehicle,
)

CHINA = dt.timezone(dt.timedelta(hours=8))


def at(year: int, month: int, day: int, hour: int = 10) -> dt.datetime:
    """An aware moment in the bureau's time zone."""
    return dt.datetime(year, month, day, hour, tzinfo=CHINA)


def freight_operator(**overrides: Any) -> Operator:
    scopes = ensure_scopes()
    overrides.setdefault("name", "烟台顺通物流有限公司")
    overrides.setdefault("business_scope_codes", [scopes[0].code, scopes[1].code])
    return make_operator(**overrides)


def issue_business_licence(
    operator: Operator | None = None, *, actor: Any = None, **kwargs: Any
) -> Licence:
    return licence_issue(
        actor=actor,
        type_key="business_licence",
        holder=operator or freight_operator(),
        **kwargs,
    )


def issue_transport_certificate(
    vehicle: Vehicle | None = None, *, actor: Any = None, **kwargs: Any
) -> Licence:
    if vehicle is None:
        vehicle = make_vehicle(freight_operator())
    kwargs.setdefault("data", {"dimensions": "9600×2550×3950"})
    return licence_issue(actor=actor, type_key="transport_certificate", holder=vehicle, **kwargs)


def issue_qualification(
    practitioner: Practitioner | None = None, *, actor: Any = None, **kwargs: Any
) -> Licence:
    return licence_issue(
        actor=actor,
        type_key="qualification_certificate",
        holder=practitioner or make_practitioner(name="王建华"),
        **kwargs,
    )
