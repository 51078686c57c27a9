"""Dual-track issuance: paper number and e-licence together, from the catalogue."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from roadcredit.audit.models import AuditEntry
from roadcredit.core.errors import Conflict, ValidationFailed
from roadcredit.elicences import signing
from roadcredit.elicences.identifiers import parse_licence_identifier
from roadcredit.elicences.models import Licence, LicenceEvent, LicenceOrigin, LicenceStatus
from roadcredit.elicences.selectors import licence_catalogue
from roadcredit.elicences.services import licence_issue
from roadcredit.elicences.tests.services.support import (
    at,
    freight_operator,
    issue_business_licence,
    issue_qualification,
    issue_transport_certificate,
)
from roadcredit.elicences.tokens import verify_token
from roadcredit.elicences.verification import trust_store
from roadcredit.subjects.tests.factories import make_practitioner, make_vehicle

pytestmark = pytest.mark.django_db
FULL_ID = re.compile(r"[0-9]{17}[0-9X]")


def _verified(licence: Licence):
    result = verify_token(licence.qr_text, trust=trust_store(), now=dt.datetime.now(dt.UTC))
    assert result.ok, result.message
    assert result.claims is not None
    return result.claims


def test_it_issues_a_business_licence_with_a_catalogue_number_and_a_checked_identifier(personas):
    from roadcredit.accounts.roles import Role

    clerk = personas[Role.CLERK]
    licence = issue_business_licence(actor=clerk, at=at(2026, 3, 2))
    licence_type = licence_catalogue()["business_licence"]
    assert licence_type.number_matches(licence.paper_number)
    assert licence.paper_number == "鲁交运管许可烟字370612000001号"
    parsed = parse_licence_identifier(licence.identifier or "")
    assert parsed.type_code == licence_type.type_code
    assert parsed.issuer_code == licence_catalogue().issuer.uscc
    assert parsed.serial == "2026000001"
    assert parsed.version == 1
    assert licence.valid_from == dt.date(2026, 3, 2)
    assert licence.valid_until == dt.date(2030, 3, 1)
    assert licence.status == LicenceStatus.VALID
    assert licence.origin == LicenceOrigin.ISSUED
    assert licence.has_electronic
    assert licence.face["holder_name"] == "烟台顺通物流有限公司"
    assert licence.face["business_scope"] == "道路普通货物运输；道路货物专用运输（集装箱）"
    assert licence.face["issuer_name"] == "烟台市牟平区交通运输局"
    assert licence.issued_by == clerk
    claims = _verified(licence)
    assert claims.identifier == licence.identifier
    assert claims.number == licence.paper_number
    assert claims.status_index == licence.status_index
    assert [e.kind for e in LicenceEvent.objects.filter(licence=licence)] == ["issue"]
    entry = AuditEntry.objects.get(action="elicences.licence_issue")
    assert entry.actor == clerk
    assert entry.target_id == licence.public_id


def test_it_issues_a_transport_certificate_to_a_vehicle():
    vehicle = make_vehicle(freight_operator(), plate="鲁F5K327", plate_colour="2")
    licence = issue_transport_certificate(vehicle)
    assert licence_catalogue()["transport_certificate"].number_matches(licence.paper_number)
    assert licence.paper_number == "370612000001"
    assert licence.valid_until is None
    assert licence.face["plate"] == "鲁F5K327"
    assert licence.face["plate_colour"] == "黄色"
    assert licence.face["tonnage_seats"] == "18吨"
    assert licence.face["dimensions"] == "9600×2550×3950"
    claims = _verified(licence)
    assert claims.valid_until is None
    assert claims.holder.startswith("鲁F5K327")


def test_a_practitioner_certificate_carries_no_unmasked_id_number_anywhere():
    practitioner = make_practitioner(name="王建华", id_number="370612198507153216")
    licence = issue_qualification(practitioner)
    licence_type = licence_catalogue()["qualification_certificate"]
    assert licence.paper_number == "370612********3216"
    assert licence.number_key == practitioner.id_number_index
    assert licence.face["number"] == "370612********3216"
    assert licence.face["name"] == "王建华"
    assert licence.valid_until == licence.valid_from.replace(
        year=licence.valid_from.year + 6
    ) - dt.timedelta(days=1)
    claims = _verified(licence)
    assert claims.number == "370612********3216"
    assert claims.holder == "王*华"
    for text in (licence.qr_text, str(licence.face), licence.identifier or ""):
        assert "370612198507153216" not in text
    assert licence_type.number_is_id_number


def test_numbers_run_on_without_gaps_per_type():
    numbers = [issue_business_licence().paper_number for _ in range(3)]
    assert numbers == [
        "鲁交运管许可烟字370612000001号",
        "鲁交运管许可烟字370612000002号",
        "鲁交运管许可烟字370612000003号",
    ]
    serials = [
        parse_licence_identifier(n or "").serial
        for n in Licence.objects.order_by("pk").values_list("identifier", flat=True)
    ]
    assert serials[-3:] == sorted(serials[-3:])


def test_a_failed_issuance_gives_its_number_back():
    operator = freight_operator()
    issue_business_licence(operator)
    with pytest.raises(Conflict):
        issue_business_licence(operator)  # a second live licence: refused after allocating
    assert issue_business_licence().paper_number.endswith("000002号")


def test_it_refuses_a_second_valid_certificate_for_the_same_practitioner():
    practitioner = make_practitioner(name="李秀英")
    issue_qualification(practitioner)
    with pytest.raises(Conflict) as caught:
        issue_qualification(practitioner)
    assert "变更" in caught.value.message or caught.value.extra["licence"]


def test_it_refuses_a_type_this_bureau_does_not_issue():
    with pytest.raises(ValidationFailed) as caught:
        licence_issue(actor=None, type_key="dangerous_goods_permit", holder=freight_operator())
    assert "type_key" in caught.value.extra["fields"]


def test_it_refuses_a_holder_of_the_wrong_kind():
    with pytest.raises(ValidationFailed) as caught:
        licence_issue(actor=None, type_key="transport_certificate", holder=freight_operator())
    assert "holder" in caught.value.extra["fields"]


def test_it_refuses_an_unknown_type():
    with pytest.raises(ValidationFailed):
        licence_issue(actor=None, type_key="fishing_licence", holder=freight_operator())


def test_it_uses_the_active_seal_key_for_the_token():
    licence = issue_business_licence()
    result = verify_token(licence.qr_text, trust=trust_store(), now=dt.datetime.now(dt.UTC))
    assert result.kid == signing.active_seal().kid
