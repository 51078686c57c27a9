"""The demo persona accounts: one fixed account per role, password "roadcredit-demo".

The usernames and names here are the same fixed personas the tests use, so a demo database and
the test suite speak of the same people (clerk 王窗口, approver 李审批, … driver 张伟). The
"operator" account is linked to the demo district's showcase operator (烟台鑫达物流有限公司) and
the "driver" account to a practitioner that operator employs (张伟).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction

from roadcredit.accounts.models import User
from roadcredit.accounts.roles import ROLE_LABELS_ZH, Role
from roadcredit.audit.services import audit_record
from roadcredit.subjects.models import Operator, Practitioner

DEMO_PASSWORD = "roadcredit-demo"  # noqa: S105 - published demo password, never production

PERSONA_USERNAMES: dict[Role, tuple[str, str, str]] = {
    # role: (username, family name, given name)
    Role.CLERK: ("clerk", "王", "窗口"),
    Role.APPROVER: ("approver", "李", "审批"),
    Role.CREDIT_OFFICER: ("credit", "赵", "信用"),
    Role.INSPECTOR: ("inspector", "陈", "执法"),
    Role.LEADER: ("leader", "刘", "局长"),
    Role.SYSADMIN: ("sysadmin", "孙", "系统"),
    Role.SECADMIN: ("secadmin", "周", "安全"),
    Role.AUDITADMIN: ("auditadmin", "吴", "审计"),
    Role.OPERATOR: ("operator", "烟台鑫达", "物流"),
    Role.PRACTITIONER: ("driver", "张", "伟"),
}


@dataclass(frozen=True)
class PersonaAccount:
    username: str
    role: Role
    role_label: str  # Chinese
    password: str
    created: bool  # False when the account already existed (left as it was)


def demo_personas_ensure(
    *, actor: User | None, operator: Operator, practitioner: Practitioner
) -> list[PersonaAccount]:
    """Create the missing persona accounts (existing ones are left untouched) and record one
    audit row naming the accounts created."""
    accounts: list[PersonaAccount] = []
    created: list[str] = []
    with transaction.atomic():
        existing = set(
            User.objects.filter(
                username__in=[username for username, _, _ in PERSONA_USERNAMES.values()]
            ).values_list("username", flat=True)
        )
        password_hash = (
            make_password(DEMO_PASSWORD) if len(existing) < len(PERSONA_USERNAMES) else ""
        )
        for role, (username, family, given) in PERSONA_USERNAMES.items():
            is_new = username not in existing
            if is_new:
                User.objects.create(
                    username=username,
                    password=password_hash,
                    last_name=family,
                    first_name=given,
                    role=role.value,
                    is_staff=role == Role.SYSADMIN,
                    operator=operator if role == Role.OPERATOR else None,
                    practitioner=practitioner if role == Role.PRACTITIONER else None,
                )
                created.append(username)
            accounts.append(
                PersonaAccount(username, role, ROLE_LABELS_ZH[role], DEMO_PASSWORD, is_new)
            )
        if created:
            audit_record(
                actor=actor,
                action="demo.personas",
                target_type="accounts.user",
                after={
                    "created": created,
                    "operator": operator.uscc,
                    "practitioner": practitioner.id_number_masked,
                },
                actor_label="" if actor is not None else "load_demo",
            )
    return accounts
