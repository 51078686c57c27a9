"""The inspector on a phone: the position goes with the scan, a typed code shows the verdict and
the holder's credit, and an on-road finding is recorded with a photo. Strict CSP on."""

from __future__ import annotations

from typing import Any

import pytest

from roadcredit.accounts.roles import Role
from roadcredit.credit.models import CreditEvidence, RecordStatus
from roadcredit.elicences.services import licence_issue
from roadcredit.portal.models import Finding, ScanEvent
from roadcredit.portal.presentation import presentation_code
from roadcredit.portal.tests.support import JPEG  # a real photo: Pillow opens every upload
from roadcredit.subjects.tests.factories import make_vehicle

from .conftest import PHONE, Session, _session

pytestmark = pytest.mark.browser

MUPING = {"latitude": 37.3886, "longitude": 121.6025}


@pytest.fixture
def inspector_phone(chromium: Any, live_server: Any) -> Any:
    session: Session = _session(
        chromium,
        live_server,
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        geolocation=MUPING,
        permissions=["geolocation"],
    )
    yield session
    session.context.close()


@pytest.fixture
def truck_certificate(personas: dict[Role, Any]) -> Any:
    vehicle = make_vehicle(personas[Role.OPERATOR].operator, plate="鲁F3A826")
    return licence_issue(
        actor=None,
        type_key="transport_certificate",
        holder=vehicle,
        data={"dimensions": "9600×2550×3950"},
    )


def test_an_inspector_verifies_a_live_code_and_records_a_finding(
    inspector_phone, truck_certificate
):
    phone = inspector_phone
    page = phone.sign_in("inspector", next_path="/m/inspect/")
    page.wait_for_selector("#scan-position:has-text('位置')")
    page.fill("textarea[name=code]", presentation_code(licence=truck_certificate).url)
    page.click("#scan-submit")
    page.wait_for_selector("#verdict")
    assert page.get_attribute("#verdict", "data-verdict") == "valid"
    assert "亮证" in page.inner_text("#verdict-kind")
    assert "鲁F3A826" in page.inner_text("body")
    assert "持证主体信用" in page.inner_text("body")
    phone.screenshot("inspector-verdict.png")
    scan = ScanEvent.objects.get()
    assert (round(scan.latitude or 0, 4), round(scan.longitude or 0, 4)) == (37.3886, 121.6025)

    page.click("#record-finding")
    page.wait_for_selector("#finding-form")
    page.select_option("select[name=behaviour_code]", index=1)
    page.fill("input[name=place]", "G18荣乌高速牟平收费站")
    page.fill("textarea[name=description]", "车辆未随车携带道路运输证")
    page.set_input_files(
        "input[name=photo]", files=[{"name": "现场.jpg", "mimeType": "image/jpeg", "buffer": JPEG}]
    )
    page.click("#finding-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.wait_for_selector("#finding-status")
    assert "路检发现已记录" in page.inner_text("body")
    finding = Finding.objects.get()
    assert finding.record.status == RecordStatus.PENDING
    assert CreditEvidence.objects.filter(record=finding.record).exists()
    phone.screenshot("inspector-finding.png")
    assert not phone.console.csp_violations, phone.console.errors
    assert not phone.console.page_errors, phone.console.errors
