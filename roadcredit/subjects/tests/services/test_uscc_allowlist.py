"""uscc_allowlist_add / uscc_allowlist_remove: audited, and only for codes that need it."""

from __future__ import annotations

import pytest

from roadcredit.accounts.roles import Role
from roadcredit.audit.models import AuditEntry
from roadcredit.core.errors import NotFound, ValidationFailed
from roadcredit.subjects import services
from roadcredit.subjects.models import UsccAllowListEntry
from roadcredit.subjects.selectors import uscc_allowlisted
from roadcredit.subjects.tests.factories import PILOT_USCC, valid_uscc

pytestmark = pytest.mark.django_db


def test_it_lists_a_pilot_code_and_audits_who_did_it(personas):
    secadmin = personas[Role.SECADMIN]

    entry = services.uscc_allowlist_add(
        actor=secadmin, uscc=PILOT_USCC.lower(), reason="福建省早期试点赋码，经市场监管部门确认"
    )

    assert entry.uscc == PILOT_USCC
    assert entry.added_by == secadmin
    assert uscc_allowlisted(PILOT_USCC)
    audit = AuditEntry.objects.get(action="subjects.uscc_allowlist.add")
    assert audit.actor == secadmin
    assert audit.target_id == PILOT_USCC
    assert audit.after == {"uscc": PILOT_USCC, "reason": "福建省早期试点赋码，经市场监管部门确认"}


def test_it_refuses_a_code_whose_check_character_is_right(personas):
    with pytest.raises(ValidationFailed) as caught:
        services.uscc_allowlist_add(actor=personas[Role.SECADMIN], uscc=valid_uscc(), reason="误加")
    assert "无需" in caught.value.extra["fields"]["uscc"][0]


def test_it_refuses_a_malformed_code_and_a_missing_reason_together(personas):
    with pytest.raises(ValidationFailed) as caught:
        services.uscc_allowlist_add(actor=personas[Role.SECADMIN], uscc="9135O1", reason="  ")
    assert set(caught.value.extra["fields"]) == {"uscc", "reason"}


def test_it_refuses_a_code_listed_twice(personas):
    services.uscc_allowlist_add(actor=personas[Role.SECADMIN], uscc=PILOT_USCC, reason="试点赋码")
    with pytest.raises(ValidationFailed) as caught:
        services.uscc_allowlist_add(actor=personas[Role.SECADMIN], uscc=PILOT_USCC, reason="再次")
    assert "已在例外名单" in caught.value.extra["fields"]["uscc"][0]


def test_removing_a_code_is_audited_with_what_was_removed(personas):
    services.uscc_allowlist_add(actor=personas[Role.SECADMIN], uscc=PILOT_USCC, reason="试点赋码")

    services.uscc_allowlist_remove(actor=personas[Role.SECADMIN], uscc=PILOT_USCC)

    assert not UsccAllowListEntry.objects.exists()
    audit = AuditEntry.objects.get(action="subjects.uscc_allowlist.remove")
    assert audit.before == {"uscc": PILOT_USCC, "reason": "试点赋码"}


def test_removing_an_unlisted_code_is_not_found(personas):
    with pytest.raises(NotFound):
        services.uscc_allowlist_remove(actor=personas[Role.SECADMIN], uscc=PILOT_USCC)
    assert not AuditEntry.objects.exists()
