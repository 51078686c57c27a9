"""operator_create / operator_update: validation, clashes, audit rows, rollback."""

from __future__ import annotations

import pytest

from roadcredit.accounts.roles import Role
from roadcredit.audit.models import AuditEntry
from roadcredit.core.errors import Conflict, ValidationFailed
from roadcredit.subjects import services
from roadcredit.subjects.models import Operator, UsccAllowListEntry
from roadcredit.subjects.tests.factories import (
    PILOT_USCC,
    audit_after,
    audit_before,
    ensure_scopes,
    make_operator,
    operator_data,
    valid_uscc,
    wrong_check_uscc,
)

pytestmark = pytest.mark.django_db


def test_it_registers_an_operator_and_writes_one_audit_row(personas):
    ensure_scopes()
    clerk = personas[Role.CLERK]
    data = operator_data(name="烟台顺通物流有限公司", business_scope_codes=["2010", "2020"])

    operator = services.operator_create(actor=clerk, data=data)

    assert operator.name == "烟台顺通物流有限公司"
    assert operator.kind == "enterprise"
    assert operator.division_code == "370612"
    assert sorted(s.code for s in operator.business_scopes.all()) == ["2010", "2020"]
    entry = AuditEntry.objects.get(action="subjects.operator.create")
    assert entry.actor == clerk
    assert entry.target_id == operator.public_id
    assert entry.before is None
    assert audit_after(entry)["uscc"] == operator.uscc
    assert audit_after(entry)["business_scope_codes"] == ["2010", "2020"]


def test_it_treats_a_92_code_as_an_individual_business(personas):
    operator = services.operator_create(
        actor=personas[Role.CLERK],
        data=operator_data(uscc=valid_uscc(category="92"), name="牟平区大窑街道李记货运部"),
    )
    assert operator.kind == "individual"


def test_it_normalises_the_code_to_upper_case(personas):
    code = valid_uscc()
    operator = services.operator_create(
        actor=personas[Role.CLERK], data=operator_data(uscc=f"  {code.lower()} ")
    )
    assert operator.uscc == code


def test_it_reports_every_broken_field_at_once(personas):
    before = Operator.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        services.operator_create(
            actor=personas[Role.CLERK],
            data={"uscc": "91370612MA3C4X5Y6", "name": "", "address": ""},
        )
    fields = caught.value.extra["fields"]
    assert {"uscc", "name", "legal_representative", "address"} <= set(fields)
    assert "长度" in fields["uscc"][0]
    assert Operator.objects.count() == before
    assert not AuditEntry.objects.exists()


def test_it_rejects_a_code_that_is_already_registered(personas):
    existing = make_operator()
    with pytest.raises(ValidationFailed) as caught:
        services.operator_create(actor=personas[Role.CLERK], data=operator_data(uscc=existing.uscc))
    assert "已登记" in caught.value.extra["fields"]["uscc"][0]


def test_it_rejects_an_unknown_business_scope(personas):
    ensure_scopes()
    with pytest.raises(ValidationFailed) as caught:
        services.operator_create(
            actor=personas[Role.CLERK], data=operator_data(business_scope_codes=["2010", "9999"])
        )
    assert "9999" in caught.value.extra["fields"]["business_scope_codes"][0]


def test_it_rejects_a_wrong_check_character_unless_the_code_is_allowlisted(personas):
    with pytest.raises(ValidationFailed) as caught:
        services.operator_create(actor=personas[Role.CLERK], data=operator_data(uscc=PILOT_USCC))
    assert "校验位" in caught.value.extra["fields"]["uscc"][0]

    UsccAllowListEntry.objects.create(
        uscc=PILOT_USCC, reason="福建早期试点赋码", added_by=personas[Role.SECADMIN]
    )
    operator = services.operator_create(
        actor=personas[Role.CLERK], data=operator_data(uscc=PILOT_USCC)
    )
    assert operator.uscc_check_overridden is True


def test_it_updates_only_the_given_fields_and_audits_before_and_after(personas):
    operator = make_operator(address="山东省烟台市牟平区宁海街道正阳路1号")
    approver = personas[Role.APPROVER]

    updated = services.operator_update(
        actor=approver, operator=operator, data={"address": "山东省烟台市牟平区文化街道通海路66号"}
    )

    assert updated.address == "山东省烟台市牟平区文化街道通海路66号"
    assert updated.name == operator.name
    entry = AuditEntry.objects.get(action="subjects.operator.update")
    assert entry.actor == approver
    assert audit_before(entry)["address"] == "山东省烟台市牟平区宁海街道正阳路1号"
    assert audit_after(entry)["address"] == "山东省烟台市牟平区文化街道通海路66号"


def test_an_update_that_changes_nothing_writes_no_audit_row(personas):
    operator = make_operator()
    services.operator_update(
        actor=personas[Role.CLERK], operator=operator, data={"name": operator.name}
    )
    assert not AuditEntry.objects.filter(action="subjects.operator.update").exists()


def test_an_update_may_not_take_another_operators_code(personas):
    first = make_operator()
    second = make_operator()
    with pytest.raises(ValidationFailed) as caught:
        services.operator_update(
            actor=personas[Role.CLERK], operator=second, data={"uscc": first.uscc}
        )
    assert "uscc" in caught.value.extra["fields"]


def test_an_overridden_code_stays_accepted_after_it_leaves_the_allowlist(personas):
    entry = UsccAllowListEntry.objects.create(
        uscc=PILOT_USCC, reason="福建早期试点赋码", added_by=personas[Role.SECADMIN]
    )
    operator = make_operator(uscc=PILOT_USCC)
    entry.delete()

    updated = services.operator_update(
        actor=personas[Role.CLERK], operator=operator, data={"status": "suspended"}
    )
    assert updated.status == "suspended"
    assert updated.uscc_check_overridden is True
    with pytest.raises(ValidationFailed):
        services.operator_create(
            actor=personas[Role.CLERK], data=operator_data(uscc=wrong_check_uscc(valid_uscc()))
        )


def test_a_failure_after_the_write_rolls_the_whole_change_back(personas, monkeypatch):
    def broken_audit(**kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(services, "audit_record", broken_audit)
    data = operator_data()
    with pytest.raises(RuntimeError):
        services.operator_create(actor=personas[Role.CLERK], data=data)
    assert not Operator.objects.filter(uscc=data["uscc"]).exists()


def test_a_writer_that_loses_a_race_gets_a_conflict(personas, monkeypatch):
    data = operator_data()
    real_resolve = services._resolve_scopes

    def other_writer_registers_first(codes, errors):
        # Another clerk's request commits the same code between our clash check and our insert.
        result = real_resolve(codes, errors)
        Operator.objects.create(
            uscc=data["uscc"],
            name="烟台另一家物流有限公司",
            kind="enterprise",
            legal_representative="王强",
            address="山东省烟台市牟平区",
            division_code="370612",
        )
        return result

    monkeypatch.setattr(Operator.objects, "filter", _clash_check_that_misses(Operator.objects))
    monkeypatch.setattr(services, "_resolve_scopes", other_writer_registers_first)
    with pytest.raises(Conflict):
        services.operator_create(actor=personas[Role.CLERK], data=data)
    assert not AuditEntry.objects.filter(action="subjects.operator.create").exists()


def _clash_check_that_misses(manager):
    real_filter = manager.filter

    def filter_(*args, **kwargs):
        if set(kwargs) == {"uscc"}:
            return real_filter(pk__in=[])  # the check ran before the other writer committed
        return real_filter(*args, **kwargs)

    return filter_
