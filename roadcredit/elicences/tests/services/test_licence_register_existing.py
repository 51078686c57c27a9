"""Paper licences from the ledger: registered paper-only or converted at once, and converted
later; each keeps its paper number and, once electronic, verifies like an issued one."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from roadcredit.core.errors import Conflict, ValidationFailed
from roadcredit.elicences.models import LicenceEvent, LicenceOrigin, LicenceStatus
from roadcredit.elicences.services import licence_convert, licence_register_existing
from roadcredit.elicences.tests.services.support import at, freight_operator
from roadcredit.elicences.verification import verify_scanned
from roadcredit.subjects.tests.factories import make_practitioner

pytestmark = pytest.mark.django_db
NUMBER = "鲁交运管许可烟字370612000321号"


def _register(electronic: bool, **overrides):
    values: dict[str, Any] = {
        "actor": None,
        "type_key": "business_licence",
        "holder": freight_operator(),
        "number": NUMBER,
        "issued_on": dt.date(2023, 4, 10),
        "valid_from": dt.date(2023, 4, 10),
        "valid_until": dt.date(2027, 4, 9),
        "electronic": electronic,
        "at": at(2026, 3, 1),
    }
    values.update(overrides)
    return licence_register_existing(**values)


def test_a_paper_only_licence_waits_for_conversion():
    licence = _register(electronic=False)
    assert licence.origin == LicenceOrigin.LEGACY_PAPER
    assert not licence.has_electronic
    assert licence.identifier is None and licence.qr_text == ""
    assert licence.paper_number == NUMBER


def test_conversion_gives_it_an_identifier_and_a_verifiable_token():
    licence = licence_convert(actor=None, licence=_register(electronic=False))
    assert licence.origin == LicenceOrigin.CONVERTED
    assert licence.has_electronic and licence.identifier
    assert licence.paper_number == NUMBER
    assert verify_scanned(text=licence.qr_text).verdict == "valid"
    kinds = list(LicenceEvent.objects.filter(licence=licence).values_list("kind", flat=True))
    assert kinds == ["issue", "convert"]
    with pytest.raises(Conflict):
        licence_convert(actor=None, licence=licence)


def test_a_ledger_row_can_be_converted_at_once():
    licence = _register(electronic=True)
    assert licence.origin == LicenceOrigin.CONVERTED
    assert verify_scanned(text=licence.qr_text).verdict == "valid"


def test_a_licence_ended_before_registration_is_recorded_as_expired():
    licence = _register(
        electronic=True, valid_until=dt.date(2025, 1, 1), valid_from=dt.date(2021, 1, 2)
    )
    assert licence.status == LicenceStatus.EXPIRED
    assert verify_scanned(text=licence.qr_text).verdict == "expired"


def test_the_same_number_cannot_be_registered_twice_while_live():
    _register(electronic=False)
    with pytest.raises(Conflict):
        _register(electronic=False)


def test_a_number_outside_the_catalogue_format_is_refused():
    with pytest.raises(ValidationFailed) as caught:
        _register(electronic=False, number="烟交字第123号")
    assert "number" in caught.value.extra["fields"]


def test_a_type_not_issued_here_can_still_be_registered():
    licence = _register(
        electronic=True, type_key="dangerous_goods_permit", number="鲁交运管许可烟字370600000456号"
    )
    assert licence.type_key == "dangerous_goods_permit"
    assert verify_scanned(text=licence.qr_text).verdict == "valid"


def test_a_qualification_number_must_be_the_holders_id_number():
    practitioner = make_practitioner(name="王建华", id_number="370612197803125610")
    with pytest.raises(ValidationFailed):
        _register(
            electronic=False,
            type_key="qualification_certificate",
            holder=practitioner,
            number="37061219900708452X",
            valid_until=None,
        )
    licence = _register(
        electronic=True,
        type_key="qualification_certificate",
        holder=practitioner,
        number="370612197803125610",
        valid_until=None,
    )
    assert licence.paper_number == "370612********5610"
