"""The audit trail: a hash chain that verifies, writes only inside a transaction, and the audit
administrator's page (the only place the trail is read)."""

from __future__ import annotations

import pytest
from django.db import transaction

from roadcredit.accounts.roles import Role
from roadcredit.audit.chain import GENESIS_HASH, entry_hash
from roadcredit.audit.models import AuditEntry
from roadcredit.audit.selectors import audit_entries_recent
from roadcredit.audit.services import audit_record, entry_payload
from roadcredit.subjects import services
from roadcredit.subjects.tests.factories import (
    audit_after,
    make_operator,
    make_practitioner,
    make_vehicle,
)


@pytest.mark.django_db
def test_entries_form_a_chain_that_recomputes(personas):
    operator = make_operator()
    make_vehicle(operator)
    make_practitioner(operator)
    services.operator_update(
        actor=personas[Role.CLERK], operator=operator, data={"status": "suspended"}
    )

    entries = list(AuditEntry.objects.order_by("seq"))
    assert len(entries) == 4
    previous = GENESIS_HASH
    for expected_seq, entry in enumerate(entries, start=1):
        assert entry.seq == expected_seq
        assert entry.prev_hash == previous
        assert entry_hash(entry_payload(entry), entry.prev_hash) == entry.entry_hash
        previous = entry.entry_hash


@pytest.mark.django_db
def test_a_tampered_entry_no_longer_matches_its_hash():
    make_operator(name="烟台顺通物流有限公司")
    entry = AuditEntry.objects.get()
    AuditEntry.objects.filter(pk=entry.pk).update(
        after={**audit_after(entry), "name": "篡改后的名称"}
    )
    entry.refresh_from_db()
    assert entry_hash(entry_payload(entry), entry.prev_hash) != entry.entry_hash


@pytest.mark.django_db(transaction=True)
def test_recording_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        audit_record(actor=None, action="subjects.test.outside", target_type="x", target_id="1")
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_entry_rolls_back_with_its_transaction():
    with pytest.raises(ValueError), transaction.atomic():
        audit_record(actor=None, action="subjects.test.rollback", target_type="x", target_id="1")
        raise ValueError("the business change failed")
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_the_selector_filters_by_action_prefix_and_pages_back():
    operator = make_operator()
    make_vehicle(operator)
    make_vehicle(operator)
    vehicles = audit_entries_recent(action="subjects.vehicle")
    assert [e.action for e in vehicles] == ["subjects.vehicle.create"] * 2
    assert vehicles[0].seq > vehicles[1].seq
    older = audit_entries_recent(before_seq=vehicles[0].seq)
    assert all(e.seq < vehicles[0].seq for e in older)


@pytest.mark.django_db
def test_the_audit_administrator_sees_recent_entries(client_as):
    operator = make_operator(name="烟台顺通物流有限公司")
    response = client_as(Role.AUDITADMIN).get("/audit/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "审计日志" in html
    assert "<code>subjects.operator.create</code>" in html
    assert operator.public_id in html


@pytest.mark.django_db
def test_the_page_filters_by_action_and_target(client_as):
    operator = make_operator()
    vehicle = make_vehicle(operator)
    client = client_as(Role.AUDITADMIN)
    by_action = client.get("/audit/", {"action": "subjects.vehicle"}).content.decode()
    assert vehicle.public_id in by_action
    assert "<code>subjects.operator.create</code>" not in by_action
    by_target = client.get("/audit/", {"target": operator.public_id}).content.decode()
    assert operator.public_id in by_target
    assert vehicle.public_id not in by_target


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.SYSADMIN, Role.SECADMIN, Role.CLERK, Role.LEADER])
def test_the_page_is_refused_to_every_other_role(client_as, role):
    assert client_as(role).get("/audit/").status_code == 403
