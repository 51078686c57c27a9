"""Test data of the portal: the persona holders' licences issued through the real services, and
another holder's licence (for the scope tests)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from roadcredit.elicences.models import Licence
from roadcredit.elicences.services import licence_issue
from roadcredit.subjects.models import Operator, Practitioner, Vehicle
from roadcredit.subjects.tests.factories import make_operator, make_vehicle

CHINA = dt.timezone(dt.timedelta(hours=8))


def _image(kind: str) -> bytes:
    """A real small photo: uploads are opened with Pillow, not only sniffed."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 90, 160)).save(buffer, kind)
    return buffer.getvalue()


JPEG = _image("JPEG")
PNG = _image("PNG")


def business_licence(operator: Operator, **kwargs: Any) -> Licence:
    return licence_issue(actor=None, type_key="business_licence", holder=operator, **kwargs)


def transport_certificate(vehicle: Vehicle, **kwargs: Any) -> Licence:
    kwargs.setdefault("data", {"dimensions": "9600×2550×3950"})
    return licence_issue(actor=None, type_key="transport_certificate", holder=vehicle, **kwargs)


def qualification(practitioner: Practitioner, **kwargs: Any) -> Licence:
    return licence_issue(
        actor=None, type_key="qualification_certificate", holder=practitioner, **kwargs
    )


def fleet(operator: Operator, count: int) -> list[Licence]:
    """``count`` vehicles of ``operator``, each with its road transport certificate."""
    return [transport_certificate(make_vehicle(operator)) for _ in range(count)]


def other_operator_licence() -> Licence:
    """A business licence of another operator (牟平区宏达运输有限公司)."""
    return business_licence(make_operator(name="牟平区宏达运输有限公司"))
