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
CREDIT_OFFICERS = frozenset({Role.CREDIT_OFFICER})
# Who files a repair application or an objection: the holder itself or a clerk on its behalf.
CASE_APPLICANTS = HOLDERS | {Role.CLERK}
# Who records a statement (陈述申辩) before a serious-dishonesty listing: the subject itself, or
# the clerk / credit officer who receives it in writing.
STATEMENT_TAKERS = HOLDERS | {Role.CLERK, Role.CREDIT_OFFICER}

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
    # --- Audit proof ---
    Policy(
        "audit:heads",
        "审计日志防篡改证明（签名链头与校验结果）",
        roles=frozenset({Role.LEADER, Role.AUDITADMIN}),
    ),
    # --- E-licences ---
    Policy("elicences:licence_detail", "证照详情", roles=STAFF_READERS | HOLDERS, scope="own"),
    Policy("elicences:licence_pdf", "电子证照文件下载", roles=STAFF_READERS | HOLDERS, scope="own"),
    Policy("elicences:licence_qr", "证照二维码图片", roles=STAFF_READERS | HOLDERS, scope="own"),
    Policy("elicences:licence_print", "纸质证照套打", roles=REGISTRY_EDITORS),
    Policy("elicences:licence_issue", "签发证照", roles=REGISTRY_EDITORS),
    Policy(
        "elicences:licence_action",
        "证照变更、延续、补证、暂停、恢复、吊销、注销",
        roles=frozenset({Role.APPROVER}),
    ),
    Policy("elicences:status_list", "证照状态列表（公开）", audience="public", scope="none"),
    Policy("elicences:status_list_by_id", "证照状态列表（公开）", audience="public", scope="none"),
    Policy("elicences:trust_list", "电子证照信任列表（公开）", audience="public", scope="none"),
    # Seal keys (root CA and seal certificates in the key store): key management is the security
    # administrator's duty under 三员分立 (the key store's passphrase is theirs too,
    # docs/operations.md); the page lists the certificates and rotates the seal.
    Policy("elicences:seal_keys", "电子证照签章密钥与证书", roles=frozenset({Role.SECADMIN})),
    Policy("elicences:seal_key_rotate", "轮换电子证照签章密钥", roles=frozenset({Role.SECADMIN})),
    Policy("elicences:verify", "证照核验（公开）", audience="public", scope="none"),
    Policy("elicences:verify_pdf", "电子证照文件核验（公开）", audience="public", scope="none"),
    Policy("verify_short", "扫码核验（公开短地址）", audience="public", scope="none"),
    Policy("verify_short_token", "扫码核验（公开短地址）", audience="public", scope="none"),
    Policy("verify_lean", "扫码核验（精简接口，公开）", audience="public", scope="none"),
    Policy("api:licence_issue", "接口：签发证照", roles=REGISTRY_EDITORS),
    Policy("api:licence_get", "接口：读取证照", roles=STAFF_READERS | HOLDERS, scope="own"),
    Policy(
        "api:licences_of_subject", "接口：主体的证照", roles=STAFF_READERS | HOLDERS, scope="own"
    ),
    Policy("api:licence_pdf", "接口：下载电子证照文件", roles=STAFF_READERS | HOLDERS, scope="own"),
    Policy("api:licence_change", "接口：证照变更", roles=frozenset({Role.APPROVER})),
    Policy("api:licence_renew", "接口：证照延续（换证）", roles=frozenset({Role.APPROVER})),
    Policy("api:licence_replace", "接口：证照补证", roles=frozenset({Role.APPROVER})),
    Policy("api:licence_suspend", "接口：证照暂停", roles=frozenset({Role.APPROVER})),
    Policy("api:licence_resume", "接口：证照恢复", roles=frozenset({Role.APPROVER})),
    Policy("api:licence_revoke", "接口：证照吊销", roles=frozenset({Role.APPROVER})),
    Policy("api:licence_cancel", "接口：证照注销", roles=frozenset({Role.APPROVER})),
    Policy("api:verify_token", "接口：扫码核验（公开）", audience="public", scope="none"),
    Policy("api:verify_pdf", "接口：电子证照文件核验（公开）", audience="public", scope="none"),
    Policy("api:status_list", "接口：证照状态列表（公开）", audience="public", scope="none"),
    Policy("api:trust_list", "接口：信任列表（公开）", audience="public", scope="none"),
    # --- E-licence stock, conversion, rates ---
    Policy("elicences:stock", "空白证书库存台账", roles=REGISTRY_EDITORS | {Role.LEADER}),
    Policy("elicences:stock_receive", "空白证书入库登记", roles=REGISTRY_EDITORS),
    Policy("elicences:stock_sheet", "空白证书使用、损毁、作废登记", roles=REGISTRY_EDITORS),
    Policy("elicences:stock_reconcile", "空白证书期间核对", roles=REGISTRY_EDITORS | {Role.LEADER}),
    Policy("elicences:conversion", "存量纸质证照批量转换", roles=REGISTRY_EDITORS),
    Policy("elicences:conversion_template", "纸质证照台账模板下载", roles=REGISTRY_EDITORS),
    Policy("elicences:conversion_paper_only", "仅有纸质证照的证照台账下载", roles=REGISTRY_EDITORS),
    Policy("elicences:conversion_report", "证照转换错误报告下载", roles=REGISTRY_EDITORS),
    Policy("elicences:licence_convert", "纸质证照按需换发电子证照", roles=REGISTRY_EDITORS),
    Policy("elicences:rates", "电子证照制证率", roles=STAFF_READERS),
    Policy("elicences:rates_export", "电子证照制证率导出（Excel）", roles=STAFF_READERS),
    # The package holds every selected licence's sealed PDF (full personal data): the staff who
    # run the provincial exchange only, and each download is audited.
    Policy("elicences:export", "电子证照交换包", roles=REGISTRY_EDITORS),
    Policy("elicences:export_package", "电子证照交换包下载", roles=REGISTRY_EDITORS),
    Policy(
        "api:licence_convert_on_demand", "接口：纸质证照按需换发电子证照", roles=REGISTRY_EDITORS
    ),
    # --- Credit data pool ---
    Policy("credit:intake", "信用记录归集（文件导入）", roles=CREDIT_OFFICERS),
    Policy("credit:intake_batch", "归集批次详情", roles=CREDIT_OFFICERS),
    Policy("credit:intake_report", "归集错误报告下载", roles=CREDIT_OFFICERS),
    Policy("credit:link_queue", "待关联信用记录", roles=CREDIT_OFFICERS),
    Policy("credit:link_item", "关联待关联记录", roles=CREDIT_OFFICERS),
    Policy("credit:rulesets", "评级规则集", roles=CREDIT_OFFICERS | {Role.LEADER}),
    Policy("credit:ruleset_detail", "评级规则集影响预览", roles=CREDIT_OFFICERS | {Role.LEADER}),
    Policy("credit:ruleset_activate", "启用评级规则集", roles=CREDIT_OFFICERS),
    Policy("api:credit_records_list", "接口：信用记录列表", roles=STAFF_READERS),
    Policy("api:credit_record_get", "接口：读取信用记录", roles=STAFF_READERS),
    Policy(
        "api:credit_record_create",
        "接口：录入信用记录",
        roles=CREDIT_OFFICERS | {Role.INSPECTOR},
    ),
    Policy("api:credit_record_decide", "接口：录入处理决定", roles=CREDIT_OFFICERS),
    Policy("api:credit_record_status", "接口：变更信用记录状态", roles=CREDIT_OFFICERS),
    # No user role: the pushing source system authenticates with its own token
    # (roadcredit.credit.api.SourceTokenAuth).
    Policy(
        "api:credit_intake_push",
        "接口：来源系统推送信用记录（来源令牌认证）",
        audience="public",
        scope="none",
    ),
    Policy("api:credit_link_queue_list", "接口：待关联记录列表", roles=CREDIT_OFFICERS),
    Policy("api:credit_link_queue_resolve", "接口：关联待关联记录", roles=CREDIT_OFFICERS),
    Policy("api:credit_link_queue_discard", "接口：放弃待关联记录", roles=CREDIT_OFFICERS),
    Policy(
        "api:credit_grade_current", "接口：当前信用等级", roles=STAFF_READERS | HOLDERS, scope="own"
    ),
    Policy(
        "api:credit_grade_history", "接口：信用等级历史", roles=STAFF_READERS | HOLDERS, scope="own"
    ),
    Policy(
        "api:credit_grade_explain", "接口：信用等级说明", roles=STAFF_READERS | HOLDERS, scope="own"
    ),
    Policy(
        "api:credit_rulesets_list", "接口：评级规则集列表", roles=CREDIT_OFFICERS | {Role.LEADER}
    ),
    Policy("api:credit_ruleset_load", "接口：载入评级规则集", roles=CREDIT_OFFICERS),
    Policy("api:credit_ruleset_activate", "接口：启用评级规则集", roles=CREDIT_OFFICERS),
    Policy(
        "api:credit_ruleset_preview", "接口：规则集影响预览", roles=CREDIT_OFFICERS | {Role.LEADER}
    ),
    Policy("api:credit_regrade", "接口：全量重新评级", roles=CREDIT_OFFICERS),
    # --- Credit cases and publicity ---
    # Pages: repair (信用修复), objections (异议), lists (红黑名单), double publicity (双公示),
    # the subject-facing explanation. A holder acts only on its own subject (scope "own");
    # a clerk files repair applications and objections on a subject's behalf.
    Policy("credit:repair_list", "信用修复申请", roles=STAFF_READERS | HOLDERS, scope="own"),
    Policy("credit:repair_apply", "申请信用修复", roles=CASE_APPLICANTS, scope="own"),
    Policy("credit:repair_detail", "信用修复申请详情", roles=STAFF_READERS | HOLDERS, scope="own"),
    Policy("credit:repair_decide", "信用修复决定", roles=CREDIT_OFFICERS),
    Policy("credit:objection_list", "异议申请", roles=STAFF_READERS | HOLDERS, scope="own"),
    Policy("credit:objection_submit", "提出异议", roles=CASE_APPLICANTS, scope="own"),
    Policy("credit:objection_detail", "异议申请详情", roles=STAFF_READERS | HOLDERS, scope="own"),
    Policy("credit:objection_decide", "异议处理决定", roles=CREDIT_OFFICERS),
    Policy("credit:lists_public", "信用红黑名单（公开）", audience="public", scope="none"),
    Policy("credit:lists_export", "信用红黑名单导出（公开）", audience="public", scope="none"),
    Policy("credit:lists_manage", "名单管理", roles=CREDIT_OFFICERS | {Role.LEADER}),
    Policy("credit:lists_refresh", "按评价规则更新名单", roles=CREDIT_OFFICERS),
    Policy("credit:list_entry", "名单事项详情", roles=STAFF_READERS | HOLDERS, scope="own"),
    Policy("credit:list_entry_action", "名单事项告知、决定、移出", roles=CREDIT_OFFICERS),
    Policy("credit:list_entry_statement", "陈述申辩", roles=STATEMENT_TAKERS, scope="own"),
    Policy("credit:publicity", "双公示", roles=CREDIT_OFFICERS | {Role.LEADER}),
    Policy("credit:publicity_export", "双公示数据导出", roles=CREDIT_OFFICERS),
    Policy("credit:publicity_action", "双公示同步与标记公示", roles=CREDIT_OFFICERS),
    Policy("credit:explanation", "信用等级说明", roles=STAFF_READERS | HOLDERS, scope="own"),
    Policy(
        "api:credit_repair_list",
        "接口：信用修复申请列表",
        roles=STAFF_READERS | HOLDERS,
        scope="own",
    ),
    Policy("api:credit_repair_apply", "接口：申请信用修复", roles=CASE_APPLICANTS, scope="own"),
    Policy("api:credit_repair_decide", "接口：信用修复决定", roles=CREDIT_OFFICERS),
    Policy(
        "api:credit_objection_list",
        "接口：异议申请列表",
        roles=STAFF_READERS | HOLDERS,
        scope="own",
    ),
    Policy("api:credit_objection_submit", "接口：提出异议", roles=CASE_APPLICANTS, scope="own"),
    Policy("api:credit_objection_decide", "接口：异议处理决定", roles=CREDIT_OFFICERS),
    Policy(
        "api:credit_lists_public", "接口：信用红黑名单（公开）", audience="public", scope="none"
    ),
    Policy("api:credit_list_entries", "接口：名单事项", roles=STAFF_READERS | HOLDERS, scope="own"),
    Policy("api:credit_lists_refresh", "接口：按评价规则更新名单", roles=CREDIT_OFFICERS),
    Policy("api:credit_listing_notify", "接口：拟列入严重失信名单告知", roles=CREDIT_OFFICERS),
    Policy("api:credit_listing_statement", "接口：陈述申辩", roles=STATEMENT_TAKERS, scope="own"),
    Policy("api:credit_listing_decide", "接口：列入严重失信名单决定", roles=CREDIT_OFFICERS),
    Policy("api:credit_listing_remove", "接口：移出名单", roles=CREDIT_OFFICERS),
    Policy("api:credit_listing_cancel", "接口：撤销拟列入", roles=CREDIT_OFFICERS),
    Policy("api:credit_publicity_feed", "接口：双公示数据", roles=STAFF_READERS),
    Policy("api:credit_publicity_publish", "接口：标记双公示事项已公示", roles=CREDIT_OFFICERS),
    Policy(
        "api:credit_subject_explanation",
        "接口：信用等级说明（面向主体）",
        roles=STAFF_READERS | HOLDERS,
        scope="own",
    ),
    Policy("api:credit_notices", "接口：我的信用通知", roles=HOLDERS, scope="own"),
    Policy("api:credit_notice_read", "接口：标记通知已读", roles=HOLDERS, scope="own"),
    # --- Phone portal: holders, inspectors, credit guidance (roadcredit/portal) ---
    Policy("portal:home", "移动端首页（持证人）", roles=HOLDERS, scope="own"),
    Policy("portal:licences", "我的证照", roles=HOLDERS, scope="own"),
    Policy("portal:licence_detail", "我的证照详情", roles=HOLDERS, scope="own"),
    Policy("portal:licence_pdf", "下载我的电子证照文件", roles=HOLDERS, scope="own"),
    Policy("portal:licence_show", "亮证（动态码）", roles=HOLDERS, scope="own"),
    Policy("portal:licence_code", "亮证动态码刷新（数据）", roles=HOLDERS, scope="own"),
    Policy("portal:credit", "我的信用", roles=HOLDERS, scope="own"),
    Policy("portal:applications", "我的办事进度", roles=HOLDERS, scope="own"),
    Policy("portal:notices", "我的通知", roles=HOLDERS, scope="own"),
    Policy("portal:notice_detail", "我的通知详情", roles=HOLDERS, scope="own"),
    Policy("portal:inspect", "路检扫码核验", roles=frozenset({Role.INSPECTOR})),
    Policy("portal:finding_new", "记录路检发现", roles=frozenset({Role.INSPECTOR})),
    Policy(
        "portal:findings",
        "路检发现列表（待录入处罚决定）",
        roles=frozenset({Role.INSPECTOR, Role.CREDIT_OFFICER}),
    ),
    Policy(
        "portal:finding_detail",
        "路检发现详情与录入处罚决定",
        roles=frozenset({Role.INSPECTOR, Role.CREDIT_OFFICER}),
    ),
    Policy("portal:guidance", "信用告知（守信激励与失信惩戒）", audience="public", scope="none"),
    Policy("portal:guidance_print", "信用告知书（打印，现场检查用）", roles=STAFF_READERS),
    Policy("portal:window", "窗口信用告知：查找主体", roles=REGISTRY_EDITORS),
    Policy("portal:window_notice", "窗口信用告知：主体告知书", roles=REGISTRY_EDITORS),
    # --- Leadership dashboard (roadcredit/statistics) ---
    Policy(
        "statistics:dashboard",
        "领导驾驶舱（统计分析）",
        roles=frozenset({Role.LEADER, Role.CREDIT_OFFICER}),
    ),
    Policy(
        "statistics:export",
        "统计表导出 Excel",
        roles=frozenset({Role.LEADER, Role.CREDIT_OFFICER}),
    ),
    # --- Applications (roadcredit/licensing) ---
    Policy("licensing:guides", "办事指南（公开）", audience="public", scope="none"),
    Policy("licensing:guide_detail", "办事指南详情（公开）", audience="public", scope="none"),
    Policy("licensing:apply", "在线申请（一表申请）", roles=HOLDERS | {Role.CLERK}, scope="own"),
    Policy("licensing:applications", "申请列表", roles=STAFF_READERS | HOLDERS, scope="own"),
    Policy("licensing:application_detail", "申请详情", roles=STAFF_READERS | HOLDERS, scope="own"),
    Policy(
        "licensing:application_action",
        "申请办理操作（提交、受理、审批、发证等，按流程规则再核对角色）",
        roles=HOLDERS | REGISTRY_EDITORS,
        scope="own",
    ),
    Policy("licensing:material_upload", "上传申请材料", roles=HOLDERS | {Role.CLERK}, scope="own"),
    Policy(
        "licensing:material_download", "下载申请材料", roles=STAFF_READERS | HOLDERS, scope="own"
    ),
    Policy("licensing:commitment_sign", "签署信用承诺", roles=HOLDERS | {Role.CLERK}, scope="own"),
    Policy("licensing:notice_pdf", "下载许可文书", roles=STAFF_READERS | HOLDERS, scope="own"),
    Policy(
        "licensing:queue", "窗口受理队列", roles=frozenset({Role.CLERK, Role.APPROVER, Role.LEADER})
    ),
    Policy(
        "licensing:workbench",
        "审批工作台（含信用面板）",
        roles=frozenset({Role.APPROVER, Role.LEADER, Role.CLERK}),
    ),
    Policy(
        "licensing:verification_tasks",
        "信用承诺核查任务",
        roles=frozenset({Role.CREDIT_OFFICER, Role.INSPECTOR, Role.APPROVER, Role.LEADER}),
    ),
    Policy(
        "licensing:commitment_verify",
        "登记承诺核查结论",
        roles=frozenset({Role.CREDIT_OFFICER, Role.INSPECTOR}),
    ),
    Policy("licensing:revocation_decide", "撤销程序决定", roles=frozenset({Role.APPROVER})),
    Policy("licensing:statistics", "跑动次数与办理用时统计", roles=STAFF_READERS),
    Policy("api:service_items_list", "接口：办事指南（公开）", audience="public", scope="none"),
    Policy("api:service_item_get", "接口：办事指南详情（公开）", audience="public", scope="none"),
    Policy(
        "api:service_bundles_list", "接口：“一件事”套餐（公开）", audience="public", scope="none"
    ),
    Policy("api:my_tier", "接口：本人信用分级", roles=HOLDERS, scope="own"),
    Policy("api:application_create", "接口：新建申请", roles=HOLDERS | {Role.CLERK}, scope="own"),
    Policy("api:applications_list", "接口：申请列表", roles=STAFF_READERS | HOLDERS, scope="own"),
    Policy("api:application_get", "接口：读取申请", roles=STAFF_READERS | HOLDERS, scope="own"),
    Policy("api:material_upload", "接口：上传材料", roles=HOLDERS | {Role.CLERK}, scope="own"),
    Policy("api:material_download", "接口：下载材料", roles=STAFF_READERS | HOLDERS, scope="own"),
    Policy("api:notice_pdf", "接口：下载文书", roles=STAFF_READERS | HOLDERS, scope="own"),
    Policy("api:commitment_sign", "接口：签署信用承诺", roles=HOLDERS | {Role.CLERK}, scope="own"),
    Policy("api:application_submit", "接口：提交申请", roles=HOLDERS | {Role.CLERK}, scope="own"),
    Policy(
        "api:application_resubmit",
        "接口：补正后重新提交",
        roles=HOLDERS | {Role.CLERK},
        scope="own",
    ),
    Policy("api:application_withdraw", "接口：撤回申请", roles=HOLDERS | {Role.CLERK}, scope="own"),
    Policy("api:application_accept", "接口：受理", roles=frozenset({Role.CLERK})),
    Policy("api:application_not_accept", "接口：不予受理", roles=frozenset({Role.CLERK})),
    Policy("api:application_return", "接口：退回补正", roles=frozenset({Role.CLERK})),
    Policy("api:application_start_review", "接口：开始审查", roles=frozenset({Role.APPROVER})),
    Policy("api:application_first_review", "接口：初审意见", roles=frozenset({Role.APPROVER})),
    Policy("api:application_approve", "接口：准予许可", roles=frozenset({Role.APPROVER})),
    Policy("api:application_refuse", "接口：不予许可", roles=frozenset({Role.APPROVER})),
    Policy("api:application_issue", "接口：发证", roles=REGISTRY_EDITORS),
    Policy("api:application_close", "接口：办结", roles=REGISTRY_EDITORS),
    Policy("api:application_record_visit", "接口：登记到场", roles=frozenset({Role.CLERK})),
    Policy("api:application_credit_panel", "接口：信用面板", roles=STAFF_READERS),
    Policy(
        "api:window_queue",
        "接口：窗口受理队列",
        roles=frozenset({Role.CLERK, Role.APPROVER, Role.LEADER}),
    ),
    Policy(
        "api:review_workbench",
        "接口：审批工作台",
        roles=frozenset({Role.APPROVER, Role.LEADER, Role.CLERK}),
    ),
    Policy(
        "api:verification_tasks",
        "接口：承诺核查任务",
        roles=frozenset({Role.CREDIT_OFFICER, Role.INSPECTOR, Role.APPROVER, Role.LEADER}),
    ),
    Policy(
        "api:commitment_verify",
        "接口：登记承诺核查结论",
        roles=frozenset({Role.CREDIT_OFFICER, Role.INSPECTOR}),
    ),
    Policy("api:revocations_list", "接口：撤销程序列表", roles=STAFF_READERS),
    Policy("api:revocation_decide", "接口：撤销程序决定", roles=frozenset({Role.APPROVER})),
    Policy("api:licensing_statistics", "接口：跑动与用时统计", roles=STAFF_READERS),
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
