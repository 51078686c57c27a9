"""Verification of scanned codes: every verdict, the masked summary, the logged full face."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import zlib

import pytest

from roadcredit.accounts.roles import Role
from roadcredit.audit.models import AuditEntry
from roadcredit.elicences import signing
from roadcredit.elicences.models import Licence
from roadcredit.elicences.services import (
    licence_cancel,
    licence_change,
    licence_expire_due,
    licence_revoke,
    licence_suspend,
)
from roadcredit.elicences.tests.services.support import (
    at,
    issue_business_licence,
    issue_qualification,
)
from roadcredit.elicences.tests.unit.support import InMemorySigner
from roadcredit.elicences.tokens import (
    PREFIX,
    CborTag,
    LicenceClaims,
    b45decode,
    b45encode,
    cbor_decode,
    cbor_encode,
    encode_licence_token,
    encode_presentation_token,
    token_from_scan,
    verify_token,
)
from roadcredit.elicences.verification import trust_store, verify_scanned
from roadcredit.subjects.tests.factories import make_practitioner

pytestmark = pytest.mark.django_db
NOW = dt.datetime.now(dt.UTC)


def _claims(licence: Licence) -> LicenceClaims:
    result = verify_token(licence.qr_text, trust=trust_store(), now=NOW)
    assert result.claims is not None
    return result.claims


def test_a_fresh_licence_verifies_as_valid_with_a_masked_summary():
    practitioner = make_practitioner(name="张志强", id_number="370612197803125610")
    licence = issue_qualification(practitioner)
    outcome = verify_scanned(text=licence.qr_text)
    assert outcome.verdict == "valid" and outcome.ok
    assert outcome.label == "有效"
    assert outcome.token_kind == "licence"
    assert outcome.token_kind_label == "证照二维码"
    assert outcome.summary is not None
    assert outcome.summary.holder == "张*强"
    assert outcome.summary.number == "370612********5610"
    assert outcome.summary.type_name == "道路运输从业人员从业资格证"
    assert outcome.face is None


def test_the_bare_token_verifies_like_the_url():
    licence = issue_business_licence()
    token = token_from_scan(licence.qr_text)
    assert token is not None
    assert verify_scanned(text=token).verdict == "valid"


@pytest.mark.parametrize(
    ("act", "verdict", "label"),
    [
        (
            lambda lic: licence_suspend(actor=None, licence=lic, reason="暂扣"),
            "suspended",
            "已暂停",
        ),
        (lambda lic: licence_revoke(actor=None, licence=lic, reason="吊销"), "revoked", "已吊销"),
        (lambda lic: licence_cancel(actor=None, licence=lic, reason="注销"), "cancelled", "已注销"),
        (lambda lic: licence_change(actor=None, licence=lic), "changed", "已变更"),
    ],
)
def test_a_status_change_is_visible_to_verification_at_once(act, verdict, label):
    licence = issue_business_licence()
    assert verify_scanned(text=licence.qr_text).verdict == "valid"
    act(licence)
    outcome = verify_scanned(text=licence.qr_text)
    assert (outcome.verdict, outcome.label) == (verdict, label)
    assert not outcome.ok


def test_a_superseded_version_names_its_successor():
    licence = issue_business_licence()
    new = licence_change(actor=None, licence=licence)
    outcome = verify_scanned(text=licence.qr_text)
    assert outcome.summary is not None
    assert outcome.summary.successor_identifier == new.identifier
    assert verify_scanned(text=new.qr_text).verdict == "valid"


def test_an_expired_licence_verifies_as_expired():
    licence = issue_business_licence(at=at(2020, 3, 1))
    assert verify_scanned(text=licence.qr_text).verdict == "expired"
    licence_expire_due()
    assert verify_scanned(text=licence.qr_text).verdict == "expired"


@pytest.mark.parametrize(
    "text", ["", "hello", "https://example.com/?t=abc", "RC1:%%%", "HC1:6BFOXN"]
)
def test_garbage_is_not_recognised(text):
    outcome = verify_scanned(text=text)
    assert outcome.verdict == "unknown"
    assert outcome.label == "无法识别"
    assert outcome.summary is None


def test_a_damaged_token_is_not_recognised():
    licence = issue_business_licence()
    token = token_from_scan(licence.qr_text) or ""
    for position in (20, 60, 120, len(token) - 5):
        swapped = "A" if token[position] != "A" else "B"
        damaged = token[:position] + swapped + token[position + 1 :]
        assert verify_scanned(text=damaged).verdict in {"unknown", "tampered"}
    assert verify_scanned(text=token[: len(token) // 2]).verdict == "unknown"


def test_a_token_whose_signed_claims_were_altered_is_a_suspected_forgery():
    licence = issue_business_licence()
    token = token_from_scan(licence.qr_text) or ""
    envelope = cbor_decode(zlib.decompress(b45decode(token[len(PREFIX) :])))
    assert isinstance(envelope, CborTag)
    assert isinstance(envelope.value, list)
    protected, unprotected, payload, signature = envelope.value
    assert isinstance(payload, bytes)
    claims = cbor_decode(payload)
    assert isinstance(claims, dict)
    claims[7] = 20991231  # extend the validity
    forged_cose = cbor_encode(CborTag(18, [protected, unprotected, cbor_encode(claims), signature]))
    forged = PREFIX + b45encode(zlib.compress(forged_cose))
    outcome = verify_scanned(text=forged)
    assert (outcome.verdict, outcome.reason, outcome.label) == (
        "tampered",
        "bad_signature",
        "疑似伪造",
    )


def test_a_token_signed_by_a_foreign_key_is_a_suspected_forgery():
    licence = issue_business_licence()
    forged = encode_licence_token(_claims(licence), InMemorySigner())
    outcome = verify_scanned(text=forged)
    assert (outcome.verdict, outcome.label) == ("tampered", "疑似伪造")
    assert outcome.reason == "unknown_kid"


def test_a_genuinely_signed_token_that_disagrees_with_the_record_is_a_suspected_forgery():
    licence = issue_business_licence()
    altered = dataclasses.replace(_claims(licence), valid_until=dt.date(2099, 12, 31))
    outcome = verify_scanned(text=encode_licence_token(altered, signing.active_signer()))
    assert (outcome.verdict, outcome.reason) == ("tampered", "record_mismatch")


def test_a_signed_token_for_no_licence_on_record_is_unknown():
    licence = issue_business_licence()
    claims = _claims(licence)
    Licence.objects.filter(pk=licence.pk).update(identifier=None, has_electronic=False)
    outcome = verify_scanned(text=encode_licence_token(claims, signing.active_signer()))
    assert (outcome.verdict, outcome.reason) == ("unknown", "not_on_record")


def test_a_live_presentation_code_is_valid_while_fresh_and_then_expires():
    licence = issue_business_licence()
    now = dt.datetime.now(dt.UTC)
    live = encode_presentation_token(
        _claims(licence), signing.active_signer(), now=now, nonce=os.urandom(8)
    )
    fresh = verify_scanned(text=live, now=now + dt.timedelta(seconds=20))
    assert (fresh.verdict, fresh.token_kind_label) == ("valid", "亮证动态码")
    stale = verify_scanned(text=live, now=now + dt.timedelta(minutes=5))
    assert (stale.verdict, stale.label) == ("code_expired", "亮证码已过期")


def test_full_face_is_given_to_an_inspector_and_logged(personas):
    practitioner = make_practitioner(name="陈静", id_number="37061219900708452X")
    licence = issue_qualification(practitioner)
    inspector = personas[Role.INSPECTOR]
    outcome = verify_scanned(text=licence.qr_text, viewer=inspector, full=True)
    assert outcome.face is not None
    rows = {row.key: row.value for row in outcome.face}
    assert rows["number"] == "37061219900708452X"
    assert rows["name"] == "陈静"
    entry = AuditEntry.objects.get(action="elicences.full_view")
    assert entry.actor == inspector
    assert entry.target_id == licence.public_id


@pytest.mark.parametrize("role", [None, Role.LEADER, Role.OPERATOR, Role.SYSADMIN])
def test_full_face_is_withheld_from_the_public_and_other_roles(personas, role):
    licence = issue_qualification()
    viewer = personas[role] if role else None
    outcome = verify_scanned(text=licence.qr_text, viewer=viewer, full=True)
    assert outcome.face is None
    assert not AuditEntry.objects.filter(action="elicences.full_view").exists()
