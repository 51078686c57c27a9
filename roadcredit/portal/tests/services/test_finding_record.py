"""An on-road finding: a pending credit record with its photo that counts (and regrades the
subject) only once its penalty decision is entered."""

from __future__ import annotations

import pytest

from roadcredit.accounts.roles import Role
from roadcredit.accounts.tests.factories import make_user
from roadcredit.audit.models import AuditEntry
from roadcredit.core import clock
from roadcredit.core.errors import Conflict, NotFound, ValidationFailed
from roadcredit.credit.models import CreditEvidence, RecordStatus
from roadcredit.credit.services.grading import grade_current, subject_regrade
from roadcredit.credit.tests.factories import backdate
from roadcredit.portal.services import finding_decide, finding_record, scan_record
from roadcredit.portal.tests.support import JPEG, PNG

pytestmark = pytest.mark.django_db
OVERLOAD = "RT-N-013"


@pytest.fixture
def inspector(personas):
    return personas[Role.INSPECTOR]


@pytest.fixture
def truck_scan(inspector, xinda_truck_certificate):
    return scan_record(actor=inspector, text=xinda_truck_certificate.qr_text).scan


def _behaviour(scan) -> str:
    from roadcredit.portal.selectors import finding_behaviours

    codes = [b.code for b in finding_behaviours(scan.licence)]
    return OVERLOAD if OVERLOAD in codes else codes[0]


def _record(inspector, scan, **overrides):
    data = {
        "actor": inspector,
        "scan": scan,
        "behaviour_code": overrides.pop("behaviour_code", None) or _behaviour(scan),
        "occurred_on": clock.today(),
        "place": "G18荣乌高速牟平收费站",
        "description": "车辆未随车携带道路运输证",
        "photo_name": "现场照片.jpg",
        "photo": JPEG,
    }
    data.update(overrides)
    return finding_record(**data)


def test_a_finding_is_a_pending_record_with_its_photo_that_does_not_count_yet(
    inspector, truck_scan, xinda
):
    before = grade_current(xinda)
    finding = _record(inspector, truck_scan)
    record = finding.record
    assert record.status == RecordStatus.PENDING
    assert record.decided_on is None
    assert record.vehicle == truck_scan.licence.vehicle
    assert record.operator == xinda
    assert record.recorded_by == inspector
    assert "G18荣乌高速牟平收费站" in record.description
    evidence = CreditEvidence.objects.get(record=record)
    assert evidence.content_type == "image/jpeg"
    after = grade_current(xinda)
    assert before is None or (
        after is not None and (after.grade, after.score) == (before.grade, before.score)
    )
    assert AuditEntry.objects.filter(action="portal.finding_recorded").count() == 1


def test_entering_the_decision_makes_the_record_count_and_regrades(inspector, truck_scan, xinda):
    backdate(xinda)  # three years of history: the operator is rated
    subject_regrade(subject=xinda, reason="测试：建立评级基线")
    before = grade_current(xinda)
    assert before is not None and before.rated
    finding = _record(inspector, truck_scan)
    pending = grade_current(xinda)
    assert pending is not None and pending.score == before.score
    record = finding_decide(
        actor=inspector,
        finding=finding,
        decision_number="牟交罚决字〔2026〕第0317号",
        decided_on=clock.today(),
    )
    assert record.status == RecordStatus.ACTIVE
    assert record.decision_number == "牟交罚决字〔2026〕第0317号"
    assert AuditEntry.objects.filter(action="credit.record_decided").exists()
    current = grade_current(xinda)
    assert current is not None and current.reason == "录入处理决定"
    assert current.score is not None and before.score is not None
    assert current.score < before.score


def test_a_decision_cannot_be_entered_twice(inspector, truck_scan):
    finding = _record(inspector, truck_scan)
    finding_decide(
        actor=inspector,
        finding=finding,
        decision_number="牟交罚决字〔2026〕第0318号",
        decided_on=clock.today(),
    )
    with pytest.raises(Conflict):
        finding_decide(
            actor=inspector,
            finding=finding,
            decision_number="牟交罚决字〔2026〕第0319号",
            decided_on=clock.today(),
        )


def test_a_png_photo_is_accepted(inspector, truck_scan):
    finding = _record(inspector, truck_scan, photo=PNG, photo_name="IMG_0031.png")
    assert CreditEvidence.objects.get(record=finding.record).content_type == "image/png"


def test_an_oversized_photo_is_refused_with_a_chinese_message(inspector, truck_scan):
    with pytest.raises(ValidationFailed) as caught:
        _record(inspector, truck_scan, photo=JPEG + b"\x00" * (10 * 1024 * 1024))
    assert "超过 10 MB" in caught.value.extra["fields"]["photo"][0]


def test_a_pdf_renamed_to_jpg_is_refused(inspector, truck_scan):
    with pytest.raises(ValidationFailed) as caught:
        _record(inspector, truck_scan, photo=b"%PDF-1.7\n" + b"\x00" * 100)
    assert "JPG 或 PNG" in caught.value.extra["fields"]["photo"][0]


def test_a_missing_place_is_refused(inspector, truck_scan):
    with pytest.raises(ValidationFailed) as caught:
        _record(inspector, truck_scan, place="  ")
    assert "place" in caught.value.extra["fields"]


def test_an_unknown_behaviour_is_refused_and_nothing_is_kept(inspector, truck_scan):
    with pytest.raises(ValidationFailed):
        _record(inspector, truck_scan, behaviour_code="RT-X-999")
    assert not CreditEvidence.objects.exists()


def test_another_inspectors_scan_cannot_be_used(truck_scan):
    other = make_user(Role.INSPECTOR, "inspector2")
    with pytest.raises(NotFound):
        _record(other, truck_scan)


def test_a_scan_without_a_licence_takes_no_finding(inspector):
    scan = scan_record(actor=inspector, text="不是二维码").scan
    with pytest.raises(Conflict):
        _record(inspector, scan, behaviour_code=OVERLOAD)
