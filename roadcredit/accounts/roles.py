"""The roles of the platform (pure data, no Django)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    CLERK = "clerk"  # 窗口受理人员
    APPROVER = "approver"  # 审批人员
    CREDIT_OFFICER = "credit_officer"  # 信用管理人员
    INSPECTOR = "inspector"  # 执法检查人员
    LEADER = "leader"  # 局领导
    SYSADMIN = "sysadmin"  # 系统管理员
    SECADMIN = "secadmin"  # 安全管理员
    AUDITADMIN = "auditadmin"  # 审计管理员
    OPERATOR = "operator"  # 经营业户账户
    PRACTITIONER = "practitioner"  # 从业人员账户


ROLE_LABELS_ZH: dict[Role, str] = {
    Role.CLERK: "窗口受理人员",
    Role.APPROVER: "审批人员",
    Role.CREDIT_OFFICER: "信用管理人员",
    Role.INSPECTOR: "执法检查人员",
    Role.LEADER: "局领导",
    Role.SYSADMIN: "系统管理员",
    Role.SECADMIN: "安全管理员",
    Role.AUDITADMIN: "审计管理员",
    Role.OPERATOR: "经营业户",
    Role.PRACTITIONER: "从业人员",
}

# Bureau staff doing business work (not the three administrators, not holders).
BUSINESS_STAFF = frozenset(
    {Role.CLERK, Role.APPROVER, Role.CREDIT_OFFICER, Role.INSPECTOR, Role.LEADER}
)
# 三员分立: system, security and audit administrators; none may do another's work.
ADMINISTRATORS = frozenset({Role.SYSADMIN, Role.SECADMIN, Role.AUDITADMIN})
HOLDERS = frozenset({Role.OPERATOR, Role.PRACTITIONER})
# Roles whose work needs full personal data (ID numbers, phones) of subjects.
FULL_PERSONAL_DATA = frozenset({Role.CLERK, Role.APPROVER, Role.CREDIT_OFFICER, Role.INSPECTOR})
