"""``services.seal_keys.seal_key_rotate``: the one rotation the command and the security
administrator's page share (audit with actor and reason, stale-page guard, old PDFs verify)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import translation

from roadcredit.accounts.roles import Role
from roadcredit.audit.models import AuditEntry
from roadcredit.core.errors import Conflict, ValidationFailed
from roadcredit.core.keystore import get_keystore
from roadcredit.elicences import signing
from roadcredit.elicences.pdfcheck import check_pdf
from roadcredit.elicences.selectors_seals import seal_key_overview
from roadcredit.elicences.services import licence_pdf
from roadcredit.elicences.services.seal_keys import (
    ROTATE_ACTION,
    SealKeysUnavailable,
    seal_key_rotate,
    seal_keys_set_up,
)
from roadcredit.elicences.signing.keys import SEAL_NAME
from roadcredit.elicences.tests.services.support import issue_business_licence
from roadcredit.elicences.verification import verify_pdf_upload
from roadcredit.subjects.tests.factories import make_operator

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_keystore")]

REASON = "签章证书将于两个月内到期，按计划轮换"


def test_it_makes_a_new_active_seal_and_keeps_the_old_one_in_the_trust_list(
    personas: dict[Role, Any],
) -> None:
    old = signing.active_seal()

    new = seal_key_rotate(actor=personas[Role.SECADMIN], reason=REASON)

    assert new.kid != old.kid
    assert signing.active_seal().kid == new.kid
    assert new.root_version == old.root_version
    statuses = {entry["kid"]: entry["status"] for entry in signing.trust_entries()}
    assert statuses == {old.kid: "retired", new.kid: "active"}


def test_it_audits_the_actor_the_reason_and_both_seals(personas: dict[Role, Any]) -> None:
    admin = personas[Role.SECADMIN]
    old = signing.active_seal()

    new = seal_key_rotate(actor=admin, reason=f"  {REASON}  ")

    entry = AuditEntry.objects.get(action=ROTATE_ACTION)
    assert entry.before is not None and entry.after is not None
    assert entry.actor == admin
    assert entry.actor_label == admin.get_username()
    assert entry.target_type == "elicences.seal"
    assert entry.target_id == new.kid.hex()
    assert entry.before["kid"] == old.kid.hex()
    assert entry.after["kid"] == new.kid.hex()
    assert entry.after["reason"] == REASON
    assert entry.after["serial"] == format(new.certificate.serial_number, "X")
    assert entry.after["not_after"] == new.not_after.isoformat()


def test_pdfs_sealed_before_still_verify_and_new_ones_carry_the_new_seal(
    personas: dict[Role, Any],
) -> None:
    before_licence = issue_business_licence(make_operator(name="烟台鑫达物流有限公司"))
    sealed_before = licence_pdf(licence=before_licence)
    old_kid = signing.active_seal().kid

    new = seal_key_rotate(actor=personas[Role.SECADMIN], reason=REASON)

    after_licence = issue_business_licence(make_operator(name="烟台牟平顺达运输有限公司"))
    sealed_after = licence_pdf(licence=after_licence)
    roots = signing.trust_roots()
    checked_before = check_pdf(sealed_before, trust_roots=roots)
    checked_after = check_pdf(sealed_after, trust_roots=roots)
    assert checked_before.ok and checked_before.kid == old_kid
    assert checked_after.ok and checked_after.kid == new.kid != old_kid
    assert checked_before.identifier == before_licence.identifier
    assert checked_after.identifier == after_licence.identifier
    # The full upload check (seal, record, status) accepts both.
    for pdf, licence in ((sealed_before, before_licence), (sealed_after, after_licence)):
        outcome = verify_pdf_upload(pdf_bytes=pdf)
        assert outcome.seal_ok and outcome.verdict == "valid"
        assert outcome.licence == licence and outcome.match == "file"


def test_it_requires_a_reason(personas: dict[Role, Any]) -> None:
    old = signing.active_seal()

    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as caught:
        seal_key_rotate(actor=personas[Role.SECADMIN], reason="   ")

    assert caught.value.extra["fields"]["reason"] == ["请填写轮换理由。"]
    assert signing.active_seal().kid == old.kid
    assert not AuditEntry.objects.filter(action=ROTATE_ACTION).exists()


def test_it_refuses_a_page_that_shows_an_earlier_active_seal(personas: dict[Role, Any]) -> None:
    """A second administrator (or a form sent twice) confirming the seal that was active when the
    page opened: no second rotation."""
    seen = signing.active_seal().kid.hex()
    first = seal_key_rotate(actor=personas[Role.SECADMIN], reason=REASON, expected_kid=seen)

    with pytest.raises(Conflict) as caught:
        seal_key_rotate(actor=personas[Role.SECADMIN], reason=REASON, expected_kid=seen)

    assert caught.value.extra == {"active_kid": first.kid.hex()}
    assert signing.active_seal().kid == first.kid
    assert AuditEntry.objects.filter(action=ROTATE_ACTION).count() == 1


def test_without_keys_in_production_it_names_the_set_up_command(
    settings: Any, personas: dict[Role, Any]
) -> None:
    get_keystore()
    settings.KEYSTORE_AUTO_CREATE = False

    with pytest.raises(SealKeysUnavailable, match="seal_keys init"):
        seal_key_rotate(actor=personas[Role.SECADMIN], reason=REASON)

    assert get_keystore().current_version(SEAL_NAME) is None


def test_the_set_up_is_audited_as_the_system_when_run_from_the_command() -> None:
    seal = seal_keys_set_up(actor=None)

    entry = AuditEntry.objects.get(action="elicences.seal_keys.init")
    assert entry.actor is None and entry.actor_label == "system"
    assert entry.target_id == seal.kid.hex()


def test_the_overview_lists_each_certificate_with_its_state_and_days_left(
    personas: dict[Role, Any],
) -> None:
    old = signing.active_seal()
    new = seal_key_rotate(actor=personas[Role.SECADMIN], reason=REASON)
    moment = new.not_after - dt.timedelta(days=30)

    overview = seal_key_overview(at=moment)

    assert [row.kid for row in overview.seals] == [new.kid.hex(), old.kid.hex()]
    active, retired = overview.seals
    assert active.status == "active" and active.expiring_soon
    assert active.days_left in (29, 30, 31)  # UTC date of the end against the bureau's date
    assert active.common_name == "烟台市牟平区交通运输局 电子证照专用章"
    assert active.organisation == "烟台市牟平区交通运输局"
    assert active.serial == format(new.certificate.serial_number, "X")
    assert retired.status == "retired" and not retired.expiring_soon
    assert [row.status for row in overview.roots] == ["active"]
    assert overview.roots[0].common_name == "烟台市牟平区交通运输局 电子证照根证书"
    assert any(new.kid.hex() in warning for warning in overview.warnings)


def test_the_overview_marks_an_expired_seal() -> None:
    signing.active_seal()
    seal = signing.all_seals()[-1]

    overview = seal_key_overview(at=seal.not_after + dt.timedelta(days=1))

    assert overview.seals[0].status == "expired"
    assert overview.active_seal is None
