"""practitioner_create / practitioner_update: encrypted personal data, blind-index clashes,
qualifications replaced as a set, audit rows that carry masked values only."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from roadcredit.accounts.roles import Role
from roadcredit.audit.models import AuditEntry
from roadcredit.core import pii
from roadcredit.core.errors import ValidationFailed
from roadcredit.subjects import services
from roadcredit.subjects.tests.factories import (
    audit_after,
    audit_before,
    make_operator,
    make_practitioner,
    practitioner_data,
    valid_id_number,
)

pytestmark = pytest.mark.django_db


def _audit_text(entry: AuditEntry) -> str:
    return json.dumps([entry.before, entry.after], ensure_ascii=False)


def test_it_registers_a_practitioner_with_encrypted_personal_data(personas):
    employer = make_operator()
    id_number = valid_id_number(dt.date(1979, 11, 2), sex="F")
    clerk = personas[Role.CLERK]

    person = services.practitioner_create(
        actor=clerk,
        data=practitioner_data(
            name="李秀英", id_number=id_number, phone="139 0535 1234", employer_uscc=employer.uscc
        ),
    )

    assert person.birth_date == dt.date(1979, 11, 2)
    assert person.sex == "F"
    assert person.employer == employer
    assert pii.decrypt(person.id_number_encrypted, purpose="id_number") == id_number
    assert person.id_number_index == pii.blind_index(id_number, purpose="id_number")
    assert person.id_number_masked == id_number[:6] + "********" + id_number[-4:]
    assert pii.decrypt(person.phone_encrypted or b"", purpose="phone") == "13905351234"
    assert person.phone_masked == "139****1234"
    assert [q.category for q in person.qualifications.all()] == ["freight"]


def test_its_audit_row_holds_masked_values_only(personas):
    id_number = valid_id_number(dt.date(1983, 4, 9))
    person = services.practitioner_create(
        actor=personas[Role.CLERK],
        data=practitioner_data(id_number=id_number, phone="13905351234"),
    )
    entry = AuditEntry.objects.get(
        action="subjects.practitioner.create", target_id=person.public_id
    )
    text = _audit_text(entry)
    assert id_number not in text
    assert "13905351234" not in text
    assert "19830409" not in text
    assert audit_after(entry)["id_number_masked"] == person.id_number_masked
    assert audit_after(entry)["phone_masked"] == "139****1234"


def test_it_rejects_an_id_number_already_registered(personas):
    id_number = valid_id_number(dt.date(1990, 1, 15))
    make_practitioner(id_number=id_number)
    with pytest.raises(ValidationFailed) as caught:
        services.practitioner_create(
            actor=personas[Role.CLERK], data=practitioner_data(id_number=id_number.lower())
        )
    assert "已登记" in caught.value.extra["fields"]["id_number"][0]


def test_a_legacy_15_digit_number_clashes_with_its_18_digit_form(personas):
    body18 = valid_id_number(dt.date(1968, 3, 5), serial=7)
    legacy15 = body18[:6] + body18[8:17]
    make_practitioner(id_number=legacy15)
    with pytest.raises(ValidationFailed) as caught:
        services.practitioner_create(
            actor=personas[Role.CLERK], data=practitioner_data(id_number=body18)
        )
    assert "id_number" in caught.value.extra["fields"]


def test_it_reports_broken_qualifications_by_position(personas):
    with pytest.raises(ValidationFailed) as caught:
        services.practitioner_create(
            actor=personas[Role.CLERK],
            data=practitioner_data(
                qualifications=[
                    {"category": "freight", "first_issue_date": "2012-05-08"},
                    {"category": "pilot", "first_issue_date": "2012-13-40"},
                ]
            ),
        )
    fields = caught.value.extra["fields"]
    assert "qualifications[1].category" in fields
    assert "qualifications[1].first_issue_date" in fields


def test_a_phone_change_keeps_the_id_number_ciphertext(personas):
    person = make_practitioner(phone="13905351234")
    ciphertext = bytes(person.id_number_encrypted)

    updated = services.practitioner_update(
        actor=personas[Role.CLERK], practitioner=person, data={"phone": "15866661111"}
    )

    assert bytes(updated.id_number_encrypted) == ciphertext
    assert pii.decrypt(updated.phone_encrypted or b"", purpose="phone") == "15866661111"
    entry = AuditEntry.objects.get(action="subjects.practitioner.update")
    assert audit_before(entry)["phone_masked"] == "139****1234"
    assert audit_after(entry)["phone_masked"] == "158****1111"
    assert "15866661111" not in _audit_text(entry)


def test_a_partial_update_keeps_name_employer_and_qualifications(personas):
    employer = make_operator()
    person = make_practitioner(employer, name="张志强")
    updated = services.practitioner_update(
        actor=personas[Role.CLERK], practitioner=person, data={"status": "suspended"}
    )
    assert updated.name == "张志强"
    assert updated.employer == employer
    assert [q.category for q in updated.qualifications.all()] == ["freight"]
    assert updated.status == "suspended"


def test_qualifications_are_replaced_as_a_set(personas):
    person = make_practitioner()
    updated = services.practitioner_update(
        actor=personas[Role.APPROVER],
        practitioner=person,
        data={
            "qualifications": [
                {"category": "dg_driver", "first_issue_date": "2019-06-01"},
                {
                    "category": "passenger",
                    "first_issue_date": "2015-03-20",
                    "valid_until": "2027-03-19",
                },
            ]
        },
    )
    assert sorted(q.category for q in updated.qualifications.all()) == ["dg_driver", "passenger"]
    entry = AuditEntry.objects.get(action="subjects.practitioner.update")
    assert [q["category"] for q in audit_before(entry)["qualifications"]] == ["freight"]
    assert [q["category"] for q in audit_after(entry)["qualifications"]] == [
        "dg_driver",
        "passenger",
    ]


def test_a_corrected_id_number_is_flagged_in_the_audit_row(personas):
    person = make_practitioner(id_number=valid_id_number(dt.date(1988, 8, 8), serial=3))
    corrected = valid_id_number(dt.date(1988, 8, 18), serial=3)

    updated = services.practitioner_update(
        actor=personas[Role.CLERK], practitioner=person, data={"id_number": corrected}
    )

    assert updated.birth_date == dt.date(1988, 8, 18)
    assert updated.id_number_index == pii.blind_index(corrected, purpose="id_number")
    entry = AuditEntry.objects.get(action="subjects.practitioner.update")
    assert audit_after(entry)["id_number_changed"] is True
    assert corrected not in _audit_text(entry)


def test_an_update_may_not_take_another_practitioners_id_number(personas):
    first = make_practitioner()
    second = make_practitioner()
    first_number = pii.decrypt(first.id_number_encrypted, purpose="id_number")
    with pytest.raises(ValidationFailed) as caught:
        services.practitioner_update(
            actor=personas[Role.CLERK], practitioner=second, data={"id_number": first_number}
        )
    assert "id_number" in caught.value.extra["fields"]


def test_storage_fields_hold_no_phone_when_none_is_given():
    fields = services.practitioner_fields_for_storage("370612198607210011", "")
    assert fields["phone_encrypted"] is None
    assert fields["phone_index"] == ""
    assert fields["phone_masked"] == ""
    assert fields["id_number_masked"] == "370612********0011"
    assert set(fields) == {
        "id_number_encrypted",
        "id_number_index",
        "id_number_masked",
        "phone_encrypted",
        "phone_index",
        "phone_masked",
    }
