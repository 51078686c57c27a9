"""Lifecycle services: new versions, status moves, refusals, automatic expiry."""

from __future__ import annotations

import datetime as dt

import pytest

from roadcredit.accounts.roles import Role
from roadcredit.audit.models import AuditEntry
from roadcredit.core.errors import Conflict, ValidationFailed
from roadcredit.elicences.identifiers import check_predecessor, parse_licence_identifier
from roadcredit.elicences.models import Licence, LicenceEvent, LicenceStatus
from roadcredit.elicences.selectors import licence_chain, licence_events
from roadcredit.elicences.services import (
    licence_cancel,
    licence_change,
    licence_expire_due,
    licence_renew,
    licence_replace,
    licence_resume,
    licence_revoke,
    licence_suspend,
)
from roadcredit.elicences.tests.services.support import (
    at,
    freight_operator,
    issue_business_licence,
    issue_qualification,
)
from roadcredit.subjects.services import operator_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def approver(personas):
    return personas[Role.APPROVER]


def test_a_change_makes_a_new_version_with_the_same_number(approver):
    operator = freight_operator()
    old = issue_business_licence(operator, at=at(2026, 1, 5))
    operator_update(
        actor=None, operator=operator, data={"address": "山东省烟台市牟平区文化街道通海路66号"}
    )
    new = licence_change(actor=approver, licence=old, reason="经营地址变更", at=at(2026, 2, 1))
    old.refresh_from_db()
    assert old.status == LicenceStatus.CHANGED
    assert new.status == LicenceStatus.VALID
    assert new.paper_number == old.paper_number
    assert new.version == 2
    assert new.predecessor == old and new.root_id == old.pk
    assert (new.valid_from, new.valid_until) == (old.valid_from, old.valid_until)
    assert new.face["address"] == "山东省烟台市牟平区文化街道通海路66号"
    old_id = parse_licence_identifier(old.identifier or "")
    new_id = parse_licence_identifier(new.identifier or "")
    assert new_id == old_id.next_version()
    check_predecessor(new_id, old_id)
    assert new.status_index != old.status_index
    assert [v.version for v in licence_chain(new)] == [1, 2]
    assert [e.kind for e in licence_events(new)] == ["issue", "change", "issue"]
    assert AuditEntry.objects.filter(action="elicences.licence_change", actor=approver).exists()


def test_a_renewal_starts_a_new_term_today(approver):
    old = issue_business_licence(at=at(2022, 3, 1))
    new = licence_renew(actor=approver, licence=old, at=at(2026, 2, 20))
    assert new.valid_from == dt.date(2026, 2, 20)
    assert new.valid_until == dt.date(2030, 2, 19)
    assert new.version == 2


def test_an_expired_licence_may_still_be_renewed(approver):
    old = issue_business_licence(at=at(2020, 1, 2))
    assert licence_expire_due(at=at(2026, 1, 1)) == 1
    old.refresh_from_db()
    assert old.status == LicenceStatus.EXPIRED
    new = licence_renew(actor=approver, licence=old, at=at(2026, 1, 3))
    assert new.status == LicenceStatus.VALID


def test_a_replacement_keeps_face_and_validity_and_supersedes_the_lost_one(approver):
    old = issue_qualification(at=at(2025, 6, 1))
    new = licence_replace(actor=approver, licence=old, reason="证件遗失", at=at(2026, 1, 9))
    old.refresh_from_db()
    assert old.status == LicenceStatus.CHANGED
    assert old.status_reason == "证件遗失"
    assert new.face["name"] == old.face["name"]
    assert (new.valid_from, new.valid_until) == (old.valid_from, old.valid_until)
    assert new.number_key == old.number_key


def test_suspend_and_resume_move_the_status_and_log_events(approver):
    licence = issue_business_licence()
    licence_suspend(actor=approver, licence=licence, reason="暂扣：安全检查不合格")
    licence.refresh_from_db()
    assert licence.status == LicenceStatus.SUSPENDED
    licence_resume(actor=approver, licence=licence, reason="整改完成")
    licence.refresh_from_db()
    assert licence.status == LicenceStatus.VALID
    kinds = list(LicenceEvent.objects.filter(licence=licence).values_list("kind", flat=True))
    assert kinds == ["issue", "suspend", "resume"]


def test_a_revocation_records_the_credit_record_behind_it(approver):
    licence = issue_business_licence()
    revoked = licence_revoke(
        actor=approver,
        licence=licence,
        reason="以欺骗手段取得许可",
        credit_record_ref="cr-2026-0042",
    )
    assert revoked.status == LicenceStatus.REVOKED
    assert revoked.credit_record_ref == "cr-2026-0042"
    entry = AuditEntry.objects.get(action="elicences.licence_revoke")
    assert isinstance(entry.after, dict)
    assert entry.after["credit_record_ref"] == "cr-2026-0042"


def test_a_cancelled_licence_cannot_be_resumed_or_changed(approver):
    licence = issue_business_licence()
    licence_cancel(actor=approver, licence=licence, reason="业户申请注销")
    with pytest.raises(Conflict, match="已注销"):
        licence_resume(actor=approver, licence=licence)
    with pytest.raises(Conflict):
        licence_change(actor=approver, licence=licence)
    licence.refresh_from_db()
    assert licence.status == LicenceStatus.CANCELLED


def test_a_changed_version_cannot_be_changed_again(approver):
    old = issue_business_licence()
    licence_change(actor=approver, licence=old)
    with pytest.raises(Conflict):
        licence_change(actor=approver, licence=old)
    assert Licence.objects.filter(paper_number=old.paper_number).count() == 2


@pytest.mark.parametrize("action", [licence_suspend, licence_revoke, licence_cancel])
def test_it_requires_a_reason_for_a_suspension_revocation_or_cancellation(approver, action):
    licence = issue_business_licence()
    with pytest.raises(ValidationFailed) as caught:
        action(actor=approver, licence=licence, reason="  ")
    assert "reason" in caught.value.extra["fields"]


def test_it_expires_only_licences_past_their_validity():
    due = issue_business_licence(at=at(2021, 5, 1))  # until 2025-04-30
    suspended = issue_business_licence(at=at(2021, 6, 1))
    licence_suspend(actor=None, licence=suspended, reason="暂扣")
    fresh = issue_business_licence(at=at(2025, 1, 1))
    assert licence_expire_due(at=at(2025, 8, 1)) == 2
    assert licence_expire_due(at=at(2025, 8, 1)) == 0
    statuses = dict(Licence.objects.values_list("pk", "status"))
    assert statuses[due.pk] == statuses[suspended.pk] == LicenceStatus.EXPIRED
    assert statuses[fresh.pk] == LicenceStatus.VALID
    assert LicenceEvent.objects.filter(kind="expire").count() == 2
    assert AuditEntry.objects.filter(action="elicences.licence_expire").count() == 2
