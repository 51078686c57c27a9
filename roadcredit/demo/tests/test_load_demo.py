"""``manage.py load_demo``: bulk load of the demo district, idempotence, persona accounts."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from roadcredit.accounts.models import User
from roadcredit.accounts.roles import Role
from roadcredit.audit.models import AuditEntry
from roadcredit.core import pii
from roadcredit.demo.generator import DemoDistrict, counts_for
from roadcredit.demo.loader import demo_load
from roadcredit.demo.personas import DEMO_PASSWORD, PERSONA_USERNAMES
from roadcredit.subjects.models import Operator, Practitioner, Qualification, Vehicle

pytestmark = pytest.mark.django_db

SCALE = 0.02  # 30 operators, 71 vehicles, 158 practitioners


def _load(*extra: str) -> str:
    out = StringIO()
    call_command("load_demo", "--scale", str(SCALE), *extra, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_it_loads_the_scaled_district_counts():
    output = _load()
    counts = counts_for(SCALE)
    assert Operator.objects.count() == counts.operators == 30
    assert Vehicle.objects.count() == counts.vehicles == 71
    assert Practitioner.objects.count() == counts.practitioners == 158
    assert Qualification.objects.count() >= counts.practitioners
    assert "经营业户：新增 30 条" in output


def test_a_second_run_at_the_same_scale_creates_nothing():
    _load()
    demo_entries = AuditEntry.objects.filter(action__startswith="demo.")
    entries = demo_entries.count()
    output = _load()
    assert "合计新增：0 条" in output
    assert Operator.objects.count() == 30
    assert Practitioner.objects.count() == 158
    assert demo_entries.count() == entries


def test_a_run_interrupted_after_the_operators_resumes_with_the_rest():
    district = DemoDistrict(scale=SCALE)
    first = demo_load(actor=None, scale=SCALE, personas=False)
    Practitioner.objects.filter(name__startswith="王").delete()
    again = demo_load(actor=None, scale=SCALE, personas=False)
    assert first.kind("practitioner").created == district.counts.practitioners
    assert again.kind("operator").created == 0
    assert 0 < again.kind("practitioner").created < district.counts.practitioners
    assert Practitioner.objects.count() == district.counts.practitioners


def test_each_chunk_is_audited_in_its_own_transaction():
    demo_load(actor=None, scale=SCALE, chunk_size=50, personas=False)
    entries = AuditEntry.objects.filter(action="demo.load").order_by("seq")
    by_kind = {
        kind: [(e.after or {})["created"] for e in entries if (e.after or {})["kind"] == kind]
        for kind in ("operator", "vehicle", "practitioner")
    }
    assert by_kind == {"operator": [30], "vehicle": [50, 21], "practitioner": [50, 50, 50, 8]}
    assert {e.actor_label for e in entries} == {"load_demo"}


def test_it_stores_personal_data_encrypted_with_masked_copies():
    _load()
    row = DemoDistrict(scale=SCALE).persona_practitioner()
    stored = Practitioner.objects.get(
        id_number_index=pii.blind_index(row.id_number, purpose="id_number")
    )
    assert row.id_number.encode() not in bytes(stored.id_number_encrypted)
    assert pii.decrypt(stored.id_number_encrypted, purpose="id_number") == row.id_number
    assert stored.id_number_masked == row.id_number[:6] + "********" + row.id_number[-4:]
    assert stored.phone_masked == row.phone[:3] + "****" + row.phone[-4:]
    assert [q.category for q in stored.qualifications.all()] == ["freight"]


def test_it_links_vehicles_practitioners_and_business_scopes_to_operators():
    _load()
    district = DemoDistrict(scale=SCALE)
    showcase = Operator.objects.get(uscc=district.persona_operator().uscc)
    assert showcase.name == "烟台鑫达物流有限公司"
    assert list(showcase.business_scopes.values_list("code", flat=True)) == ["2010"]
    assert showcase.vehicles.count() == district.fleet_sizes()[0]
    assert Vehicle.objects.filter(operator__isnull=True).count() == 0
    employed = sum(1 for p in district.practitioners() if p.employer_uscc)
    assert Practitioner.objects.filter(employer__isnull=False).count() == employed


def test_it_creates_the_persona_accounts_linked_to_the_showcase_subjects():
    output = _load()
    district = DemoDistrict(scale=SCALE)
    users = {u.username: u for u in User.objects.all()}
    assert set(users) == {username for username, _, _ in PERSONA_USERNAMES.values()}
    operator_user, driver = users["operator"], users["driver"]
    assert operator_user.role == Role.OPERATOR
    assert operator_user.operator is not None
    assert operator_user.operator.uscc == district.persona_operator().uscc
    assert driver.practitioner is not None
    assert driver.practitioner.name == "张伟"
    assert driver.practitioner.employer == operator_user.operator
    assert all(u.check_password(DEMO_PASSWORD) for u in users.values())
    assert "审计管理员" in output and DEMO_PASSWORD in output


def test_it_leaves_existing_accounts_alone():
    _load()
    clerk = User.objects.get(username="clerk")
    clerk.set_password("changed-by-the-clerk")
    clerk.save()
    _load()
    clerk.refresh_from_db()
    assert clerk.check_password("changed-by-the-clerk")
    assert AuditEntry.objects.filter(action="demo.personas").count() == 1


def test_it_rejects_a_scale_beyond_the_identifier_ranges():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("load_demo", "--scale", "100000", stdout=StringIO(), stderr=StringIO())
