from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .access import user_role
from .policy import policy_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Menu entries the current user may open (the policy registry decides)."""
    role = user_role(getattr(request, "user", None))
    entries = [
        ("subjects:search", "主体查询"),
        ("exchange:import_upload", "数据导入"),
        ("subjects:uscc_allowlist", "信用代码例外名单"),
        ("audit:entries", "审计日志"),
        ("admin:index", "后台管理"),
    ]
    allowed = []
    for key, label in entries:
        policy = policy_for(key)
        if policy is not None and role is not None and policy.allows(role):
            allowed.append({"url_name": key, "label": label})
    return {"nav_entries": allowed, "current_role": role}
