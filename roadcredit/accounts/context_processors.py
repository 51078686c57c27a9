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
        ("licensing:applications", "行政许可申请"),
        ("licensing:queue", "窗口受理"),
        ("licensing:workbench", "审批工作台"),
        ("licensing:verification_tasks", "承诺核查"),
        ("exchange:import_upload", "数据导入"),
        ("subjects:uscc_allowlist", "信用代码例外名单"),
        ("elicences:seal_keys", "签章密钥"),
        ("elicences:rates", "制证率"),
        ("elicences:stock", "空白证书库存"),
        ("elicences:conversion", "存量证照转换"),
        ("portal:home", "我的证照与信用"),
        ("portal:inspect", "路检核验"),
        ("portal:findings", "路检发现"),
        ("portal:window", "窗口信用告知"),
        ("statistics:dashboard", "领导驾驶舱"),
        ("audit:entries", "审计日志"),
        ("audit:heads", "审计防篡改证明"),
        ("admin:index", "后台管理"),
    ]
    allowed = []
    for key, label in entries:
        policy = policy_for(key)
        if policy is not None and role is not None and policy.allows(role):
            allowed.append({"url_name": key, "label": label})
    return {"nav_entries": allowed, "current_role": role}
