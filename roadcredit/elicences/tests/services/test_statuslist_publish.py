"""The published status list follows every status change at once, signed and versioned."""

from __future__ import annotations

import dataclasses

import pytest

from roadcredit.elicences.services import (
    licence_change,
    licence_resume,
    licence_revoke,
    licence_suspend,
    status_list_published,
)
from roadcredit.elicences.services.statuslist_publish import default_status_list_id
from roadcredit.elicences.statuslist import (
    EntryStatus,
    apply_status,
    prefer_newest,
    verify_status_list,
)
from roadcredit.elicences.tests.services.support import issue_business_licence
from roadcredit.elicences.tokens import verify_token
from roadcredit.elicences.verification import trust_store

pytestmark = pytest.mark.django_db


def _entry(licence) -> EntryStatus:
    published = status_list_published(licence.status_list)
    signed = verify_status_list(published.signed, trust=trust_store())
    return signed.status_list.get(licence.status_index)


def test_a_new_licence_is_valid_on_its_list():
    licence = issue_business_licence()
    assert licence.status_list == default_status_list_id() == "370612-1"
    assert _entry(licence) == EntryStatus.VALID


def test_suspension_resumption_and_revocation_reach_the_list_at_once():
    licence = issue_business_licence()
    licence_suspend(actor=None, licence=licence, reason="暂扣")
    assert _entry(licence) == EntryStatus.SUSPENDED
    licence_resume(actor=None, licence=licence)
    assert _entry(licence) == EntryStatus.VALID
    licence_revoke(actor=None, licence=licence, reason="吊销")
    assert _entry(licence) == EntryStatus.REVOKED


def test_a_superseded_version_is_cancelled_on_the_list_and_its_successor_valid():
    old = issue_business_licence()
    new = licence_change(actor=None, licence=old)
    assert _entry(old) == EntryStatus.CANCELLED
    assert _entry(new) == EntryStatus.VALID


def test_each_change_publishes_a_strictly_newer_list():
    licence = issue_business_licence()
    first = verify_status_list(
        status_list_published(licence.status_list).signed, trust=trust_store()
    )
    licence_suspend(actor=None, licence=licence, reason="暂扣")
    second = verify_status_list(
        status_list_published(licence.status_list).signed, trust=trust_store()
    )
    licence_resume(actor=None, licence=licence)
    third = verify_status_list(
        status_list_published(licence.status_list).signed, trust=trust_store()
    )
    assert first.issued_at < second.issued_at < third.issued_at
    assert prefer_newest(second, first) is second
    assert prefer_newest(second, third) is third


def test_an_offline_verifier_rejects_a_revoked_licence_with_the_list():
    licence = issue_business_licence()
    licence_revoke(actor=None, licence=licence, reason="吊销")
    import datetime as dt

    result = verify_token(licence.qr_text, trust=trust_store(), now=dt.datetime.now(dt.UTC))
    signed = verify_status_list(
        status_list_published(licence.status_list).signed, trust=trust_store()
    )
    checked = apply_status(result, {signed.list_id: signed})
    assert checked.reason == "licence_revoked"
    assert checked.licence_status == int(EntryStatus.REVOKED)


def test_an_unchanged_list_is_served_from_the_cache():
    licence = issue_business_licence()
    first = status_list_published(licence.status_list)
    assert status_list_published(licence.status_list) is first
    assert dataclasses.asdict(first)["version"] == 0
