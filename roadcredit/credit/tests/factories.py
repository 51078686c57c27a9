"""Test data for the credit data pool: records for a subject, subjects old enough to be rated.

``make_record`` goes through the services (``credit_record_create`` then, for other statuses,
``credit_record_set_status``), so a record is exactly what production writes and the subject is
regraded as in production.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from roadcredit.credit.models import CreditRecord, RecordStatus, Source, SourceKind
from roadcredit.subjects.models import Operator, Practitioner, Vehicle
from roadcredit.subjects.tests.factories import make_operator, make_practitioner, make_vehicle

__all__ = [
    "DECISION_PREFIX",
    "backdate",
    "make_record",
    "make_source",
    "owned_vehicle",
    "rated_operator",
    "rated_practitioner",
]

_serial = itertools.count(1)
DECISION_PREFIX = "牟交罚决字〔2026〕"


def make_source(
    code: str = "sdcredit", *, kind: str = SourceKind.PROVINCIAL_SHARING, **extra: Any
) -> Source:
    """A registered source (default: the provincial sharing platform)."""
    source, _created = Source.objects.get_or_create(
        code=code,
        defaults={
            "name": extra.pop("name", "山东省公共信用信息共享交换平台"),
            "kind": kind,
            **extra,
        },
    )
    return source


def make_record(
    subject: Operator | Vehicle | Practitioner,
    *,
    behaviour_code: str,
    points: int | None = None,
    occurred_on: dt.date,
    decided_on: dt.date | None,
    status: str = "active",
    source: Source | None = None,
    on_serious_list: bool = False,
    description: str = "",
    actor: Any = None,
) -> CreditRecord:
    """A credit record of ``subject``. ``status="pending"`` needs ``decided_on=None``; every
    other status needs a decision date (the record is created active, then moved)."""
    from roadcredit.credit.services.records import credit_record_create, credit_record_set_status

    n = next(_serial)
    if status == RecordStatus.PENDING and decided_on is not None:
        raise ValueError("a pending record has no decision date")
    if status != RecordStatus.PENDING and decided_on is None:
        raise ValueError(f"a {status} record needs decided_on")
    data: dict[str, Any] = {
        "behaviour_code": behaviour_code,
        "occurred_on": occurred_on,
        "description": description or "牟平区宁海街道正阳路路面检查发现",
        "on_serious_list": on_serious_list,
    }
    if points is not None:
        data["points"] = points
    if decided_on is not None:
        data["decided_on"] = decided_on
        data["decision_number"] = f"{DECISION_PREFIX}{n:04d}号"
    if source is not None:
        data["source_ref"] = f"{source.code.upper()}-2026-{n:06d}"
    record = credit_record_create(actor=actor, subject=subject, data=data, source=source)
    if status not in (RecordStatus.PENDING, RecordStatus.ACTIVE):
        record = credit_record_set_status(
            actor=actor, record=record, status=status, reason="测试数据：状态设置"
        )
    return record


def backdate(subject: Operator | Vehicle | Practitioner, *, years: int = 3) -> Any:
    """Move ``created_at`` back ``years`` years (an operator's history anchor, for now)."""
    created = timezone.now() - dt.timedelta(days=366 * years)
    type(subject).objects.filter(pk=subject.pk).update(created_at=created)
    subject.created_at = created
    return subject


def rated_operator(**overrides: Any) -> Operator:
    """An operator registered three years ago (it has a full evaluation period)."""
    operator: Operator = backdate(make_operator(**overrides))
    return operator


def rated_practitioner(first_issue: str = "2019-05-20", **overrides: Any) -> Practitioner:
    """A freight driver whose qualification was first issued on ``first_issue`` (several
    completed 12-month cycles by 2026)."""
    overrides.setdefault(
        "qualifications", [{"category": "freight", "first_issue_date": first_issue}]
    )
    return make_practitioner(**overrides)


def owned_vehicle(operator: Operator, **overrides: Any) -> Vehicle:
    return make_vehicle(operator, **overrides)
