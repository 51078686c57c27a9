"""Fixed personas for tests and the demo: one account per role."""

from __future__ import annotations

import datetime as dt
from typing import Any

from roadcredit.accounts.models import User
from roadcredit.accounts.roles import Role
from roadcredit.demo.personas import DEMO_PASSWORD, PERSONA_USERNAMES

# One table of personas for the demo and the tests.


def persona_operator() -> Any:
    from roadcredit.subjects.models import Operator, OperatorKind

    operator, _ = Operator.objects.get_or_create(
        uscc="91370612MA3C4X5Y63",
        defaults={
            "name": "烟台鑫达物流有限公司",
            "kind": OperatorKind.ENTERPRISE,
            "legal_representative": "刘建国",
            "address": "山东省烟台市牟平区大窑街道工业园路18号",
            "division_code": "370612",
        },
    )
    return operator


def persona_practitioner() -> Any:
    from roadcredit.core import pii
    from roadcredit.core.masking import mask_id_number
    from roadcredit.subjects.models import Practitioner, Sex

    id_number = "370612198503150018"
    found = Practitioner.objects.filter(
        id_number_index=pii.blind_index(id_number, purpose="id_number")
    ).first()
    if found is not None:
        return found
    return Practitioner.objects.create(
        name="张伟",
        id_number_encrypted=pii.encrypt(id_number, purpose="id_number"),
        id_number_index=pii.blind_index(id_number, purpose="id_number"),
        id_number_masked=mask_id_number(id_number),
        birth_date=dt.date(1985, 3, 15),
        sex=Sex.MALE,
        employer=persona_operator(),
    )


def make_persona(role: Role) -> User:
    username, family, given = PERSONA_USERNAMES[role]
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user
    extra: dict[str, Any] = {}
    if role == Role.OPERATOR:
        extra["operator"] = persona_operator()
    if role == Role.PRACTITIONER:
        extra["practitioner"] = persona_practitioner()
    return User.objects.create_user(
        username=username,
        password=DEMO_PASSWORD,
        last_name=family,
        first_name=given,
        role=role.value,
        is_staff=role == Role.SYSADMIN,
        **extra,
    )


def make_user(role: Role, username: str, **extra: Any) -> User:
    return User.objects.create_user(
        username=username, password=DEMO_PASSWORD, role=role.value, **extra
    )
