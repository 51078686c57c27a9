"""The access policy registry: one hand-written declaration per page and API operation.

This is data, not derived from the views. Pages are keyed by their URL name
(``namespace:name``), API operations by ``api:<operation_id>``. The middleware denies any page
whose key is missing here, the API auth classes deny any operation whose key is missing, and a
test walks every URL pattern and API operation to prove each one is declared.

``scope`` says on whose data the role acts: ``"all"`` for bureau staff, ``"own"`` for holder
accounts, who see only their own operator or practitioner (and what belongs to it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .roles import BUSINESS_STAFF, HOLDERS, Role

Scope = Literal["none", "own", "all"]
Audience = Literal["public", "authenticated", "roles"]


@dataclass(frozen=True)
class Policy:
    key: str
    description: str
    audience: Audience = "roles"
    roles: frozenset[Role] = field(default_factory=frozenset)
    scope: Scope = "all"

    def allows(self, role: Role | None) -> bool:
        if self.audience == "public":
            return True
        if role is None:
            return False
        if self.audience == "authenticated":
            return True
        return role in self.roles


STAFF_READERS = BUSINESS_STAFF
REGISTRY_EDITORS = frozenset({Role.CLERK, Role.APPROVER})
ALL_ROLES = frozenset(Role)

_DECLARED: list[Policy] = [
    # --- Shell ---
    Policy("home", "首页（按角色跳转）", audience="authenticated", scope="none"),
    Policy("accounts:login", "登录", audience="public", scope="none"),
    Policy("accounts:logout", "退出", audience="authenticated", scope="none"),
    Policy("set_language", "切换语言", audience="public", scope="none"),
    Policy("javascript-catalog", "前端翻译", audience="public", scope="none"),
    Policy("healthz", "健康检查", audience="public", scope="none"),
    Policy("api-1.0:openapi-json", "接口文档（OpenAPI）", audience="public", scope="none"),
    Policy("api-1.0:openapi-view", "接口文档页面", audience="public", scope="none"),
    # The admin site is the system administrator's tool (accounts, catalogues); the security
    # and audit administrators have their own pages, so 三员分立 holds.
    Policy("admin:*", "后台管理（系统管理员）", roles=frozenset({Role.SYSADMIN})),
    # --- Subjects (registry) ---
    Policy("subjects:search", "主体查询", roles=STAFF_READERS),
    Policy("subjects:operator_detail", "经营业户详情", roles=STAFF_READERS | HOLDERS, scope="own"),
    Policy("subjects:vehicle_detail", "车辆详情", roles=STAFF_READERS | HOLDERS, scope="own"),
    Policy(
        "subjects:practitioner_detail", "从业人员详情", roles=STAFF_READERS | HOLDERS, scope="own"
    ),
    Policy(
        "subjects:uscc_allowlist", "统一社会信用代码校验例外名单", roles=frozenset({Role.SECADMIN})
    ),
    Policy("exchange:import_upload", "主体数据导入", roles=REGISTRY_EDITORS),
    Policy("exchange:import_template", "导入模板下载", roles=REGISTRY_EDITORS),
    Policy("exchange:import_report", "导入错误报告下载", roles=REGISTRY_EDITORS),
    Policy("core:job_detail", "后台任务进度", roles=BUSINESS_STAFF | {Role.SYSADMIN}),
    Policy("core:job_progress", "后台任务进度（数据）", roles=BUSINESS_STAFF | {Role.SYSADMIN}),
    Policy("audit:entries", "审计日志查阅", roles=frozenset({Role.AUDITADMIN})),
    # --- API ---
    Policy("api:subjects_search", "接口：主体查询", roles=STAFF_READERS),
    Policy("api:operator_get", "接口：读取经营业户", roles=STAFF_READERS | HOLDERS, scope="own"),
    Policy("api:operator_create", "接口：新增经营业户", roles=REGISTRY_EDITORS),
    Policy("api:operator_update", "接口：修改经营业户", roles=REGISTRY_EDITORS),
    Policy("api:vehicle_get", "接口：读取车辆", roles=STAFF_READERS | HOLDERS, scope="own"),
    Policy("api:vehicle_create", "接口：新增车辆", roles=REGISTRY_EDITORS),
    Policy("api:vehicle_update", "接口：修改车辆", roles=REGISTRY_EDITORS),
    Policy(
        "api:practitioner_get", "接口：读取从业人员", roles=STAFF_READERS | HOLDERS, scope="own"
    ),
    Policy("api:practitioner_create", "接口：新增从业人员", roles=REGISTRY_EDITORS),
    Policy("api:practitioner_update", "接口：修改从业人员", roles=REGISTRY_EDITORS),
    Policy("api:me", "接口：当前用户", audience="authenticated", scope="none"),
]

POLICIES: dict[str, Policy] = {}
for _policy in _DECLARED:
    if _policy.key in POLICIES:
        raise RuntimeError(f"policy {_policy.key} declared twice")
    POLICIES[_policy.key] = _policy


def policy_for(key: str) -> Policy | None:
    """The declared policy for a page or operation key; admin pages share ``admin:*``."""
    found = POLICIES.get(key)
    if found is None and key.startswith("admin:"):
        found = POLICIES.get("admin:*")
    return found
