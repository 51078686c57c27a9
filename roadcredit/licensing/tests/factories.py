"""Test data of the licensing app: graded subjects (grades always from credit records through
the engine), uploads, and applications driven through the real services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from roadcredit.credit.services.grading import subject_regrade
from roadcredit.credit.tests.factories import backdate, make_record, rated_practitioner
from roadcredit.licensing.models import Application
from roadcredit.licensing.selectors import materials_status
from roadcredit.licensing.services import (
    application_create,
    application_submit,
    material_upload,
)
from roadcredit.subjects.models import Operator, Practitioner, Vehicle
from roadcredit.subjects.tests.factories import ensure_scopes, make_operator, make_vehicle


def _png() -> bytes:
    """A real 8 x 8 PNG (uploads are opened with Pillow, not only sniffed)."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 40, 40)).save(buffer, "PNG")
    return buffer.getvalue()


PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = _png()

# Records that give each enterprise grade on the 100-point scale (occurred last month).
ENTERPRISE_RECORDS: dict[str, list[str]] = {
    "AA": [],
    "A": ["RT-N-007"],  # 85 points
    "B": ["RT-N-007", "RT-N-007"],  # 70 points
    "C": ["RT-N-001", "RT-N-007"],  # 45 points, 55 bad-conduct points
    "D": ["RT-N-001", "RT-N-004"],  # 30 points, 70 bad-conduct points
}


def today() -> dt.date:
    return timezone.localdate()


def grade_operator(operator: Operator, grade: str) -> Operator:
    """Give ``operator`` the enterprise ``grade`` through records and the grading engine."""
    backdate(operator)
    for code in ENTERPRISE_RECORDS[grade]:
        make_record(
            operator,
            behaviour_code=code,
            occurred_on=today() - dt.timedelta(days=40),
            decided_on=today() - dt.timedelta(days=30),
        )
    snapshot = subject_regrade(subject=operator, reason="测试：评级")
    assert snapshot.grade == grade, (snapshot.grade, grade)
    return operator


def last_completed_cycle_day(first_issue: dt.date) -> dt.date:
    """A day inside the driver's last completed 12-month cycle."""
    anniversary = first_issue.replace(year=today().year)
    if anniversary > today():
        anniversary = anniversary.replace(year=today().year - 1)
    return anniversary - dt.timedelta(days=60)


DRIVER_POINTS = {
    "AAA": [],
    "AA": [("RT-N-024", 3)],
    "A": [("RT-N-024", 15)],
    "B": [("RT-N-024", 20)],
}


def grade_driver(practitioner: Practitioner, grade: str, *, first_issue: dt.date) -> Practitioner:
    """Give a driver the integrity ``grade`` through records in the last completed cycle."""
    for code, points in DRIVER_POINTS[grade]:
        day = last_completed_cycle_day(first_issue)
        make_record(
            practitioner, behaviour_code=code, points=points, occurred_on=day, decided_on=day
        )
    snapshot = subject_regrade(subject=practitioner, reason="测试：评级")
    assert snapshot.grade == grade, (snapshot.grade, grade)
    return practitioner


def freight_operator(grade: str = "AA", **overrides: Any) -> Operator:
    scopes = ensure_scopes()
    overrides.setdefault("business_scope_codes", [scopes[0].code])
    return grade_operator(make_operator(**overrides), grade)


def driver(grade: str = "AAA", **overrides: Any) -> Practitioner:
    first_issue = dt.date(2019, 5, 20)
    practitioner = rated_practitioner(first_issue=first_issue.isoformat(), **overrides)
    return grade_driver(practitioner, grade, first_issue=first_issue)


def fleet(operator: Operator, count: int = 3) -> list[Vehicle]:
    return [make_vehicle(operator) for _ in range(count)]


def upload(name: str = "材料.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def bundle_data(vehicles: list[Vehicle], **overrides: Any) -> dict[str, Any]:
    ensure_scopes()
    data: dict[str, Any] = {
        "bundle": "freight_startup",
        "contact_name": "刘建国",
        "contact_phone": "13905351234",
        "business_scope_codes": ["2010"],
        "items": [{"item": "freight_business_new"}]
        + [
            {
                "item": "transport_certificate_new",
                "plate": v.plate,
                "plate_colour": v.plate_colour,
                "dimensions": "9600×2550×3950",
            }
            for v in vehicles
        ],
    }
    data.update(overrides)
    return data


def single_data(item: str, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "contact_name": "刘建国",
        "contact_phone": "13905351234",
        "items": [{"item": item}],
    }
    data.update(overrides)
    return data


def upload_all(actor: Any, application: Application, *, skip: tuple[str, ...] = ()) -> None:
    """Upload every material the items still lack, except the keys in ``skip``."""
    for row in materials_status(application):
        for key, _name, _key_material, _rongque, _commitment in row.required:
            if key in skip or key in row.uploaded or key == "application_form":
                continue
            if _commitment and row.covered and _name in row.covered:
                continue
            material_upload(
                actor=actor,
                application=application,
                item_position=row.item.position,
                material_key=key,
                file=upload(f"{key}.pdf"),
            )


def submitted(actor: Any, data: dict[str, Any], *, skip: tuple[str, ...] = ()) -> Application:
    application = application_create(actor=actor, data=data)
    upload_all(actor, application, skip=skip)
    return application_submit(actor=actor, application=application)
