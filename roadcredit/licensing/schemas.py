"""Request and response schemas of the licensing API (django-ninja / pydantic).

Input fields are optional on purpose where the services validate them: the services report
every missing or malformed field at once in Chinese (``extra.fields``). Responses carry the
contact phone masked unless the viewer's role needs it in full.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from roadcredit.core.api_schemas import ErrorOut as ErrorOut  # re-exported: one error shape
from roadcredit.elicences.selectors import licence_type_name

from .catalogue import Bundle, ServiceItem
from .models import Application, Commitment, Notice, RevocationProceeding
from .selectors import (
    ItemMaterials,
    TripStatistics,
    active_commitment,
    application_contact_phone,
    is_overdue,
    item_label,
)
from .tiers import default_policy
from .workflow import STATE_LABELS_ZH, State

# --- Guides -----------------------------------------------------------------------------------


class MaterialOut(Schema):
    key: str = Field(..., description="材料代码")
    name: str = Field(..., description="材料名称")
    note: str = Field("", description="说明")
    key_material: bool = Field(..., description="是否为主要材料（不适用容缺）")
    rongque: bool = Field(..., description="是否可容缺后补")
    commitment: bool = Field(..., description="是否可以信用承诺替代")


class ServiceItemOut(Schema):
    key: str = Field(..., description="事项标识")
    code: str = Field(..., description="事项编码")
    code_verified: bool = Field(..., description="事项编码是否已与省级目录核对")
    name: str = Field(..., description="事项名称")
    licence_type: str = Field(..., description="证照类型")
    licence_type_name: str = Field(..., description="证照名称")
    action: str = Field(..., description="办理类型代码")
    action_label: str = Field(..., description="办理类型")
    target: str = Field(..., description="证照持有对象：operator / vehicle / practitioner")
    applicant: str = Field(..., description="申请人类型：operator / practitioner")
    statutory_days: int = Field(..., description="法定办结时限（工作日）")
    promised_days: int = Field(..., description="承诺办结时限（工作日）")
    fee: int = Field(..., description="收费（元）")
    fee_label: str = Field(..., description="收费说明")
    legal_basis: list[str] = Field(..., description="设定依据")
    conditions: list[str] = Field(..., description="申请条件")
    steps: list[str] = Field(..., description="办理流程")
    materials: list[MaterialOut] = Field(..., description="申请材料")
    enhanced_materials: list[MaterialOut] = Field(..., description="强化审查时须加交的材料")

    @classmethod
    def of(cls, item: ServiceItem) -> ServiceItemOut:
        def material(m: Any) -> MaterialOut:
            return MaterialOut(
                key=m.key,
                name=m.name_zh,
                note=m.spec.note_zh,
                key_material=m.key_material,
                rongque=m.rongque,
                commitment=m.commitment,
            )

        return cls(
            key=item.key,
            code=item.code,
            code_verified=item.code_verified,
            name=item.name_zh,
            licence_type=item.licence_type,
            licence_type_name=licence_type_name(item.licence_type),
            action=item.action,
            action_label=item.action_label_zh,
            target=item.target,
            applicant=item.applicant,
            statutory_days=item.statutory_days,
            promised_days=item.promised_days,
            fee=item.fee,
            fee_label=item.fee_zh,
            legal_basis=list(item.legal_basis),
            conditions=list(item.conditions),
            steps=list(item.steps),
            materials=[material(m) for m in item.materials],
            enhanced_materials=[material(m) for m in item.enhanced_materials],
        )


class BundleOut(Schema):
    key: str = Field(..., description="“一件事”标识")
    name: str = Field(..., description="名称")
    description: str = Field(..., description="说明")
    items: list[str] = Field(..., description="包含的事项")
    repeatable: list[str] = Field(..., description="可多次申请的事项（如每辆车一项）")
    max_repeat: int = Field(..., description="可重复事项的最多项数")

    @classmethod
    def of(cls, bundle: Bundle) -> BundleOut:
        return cls(
            key=bundle.key,
            name=bundle.name_zh,
            description=bundle.description_zh,
            items=list(bundle.items),
            repeatable=sorted(bundle.repeatable),
            max_repeat=bundle.max_repeat,
        )


# --- Input ------------------------------------------------------------------------------------


class ApplicationItemIn(Schema):
    item: str | None = Field(None, description="事项标识，如 freight_business_new")
    plate: str | None = Field(None, description="车辆事项：车牌号码")
    plate_colour: str | None = Field(None, description="车辆事项：车牌颜色代码")
    dimensions: str | None = Field(
        None, description="车辆事项：外廓尺寸（毫米），如 9600×2550×3950"
    )


class ApplicationIn(Schema):
    applicant_uscc: str | None = Field(None, description="窗口代办：申请人统一社会信用代码")
    applicant_id_number: str | None = Field(None, description="窗口代办：申请人身份证号码")
    bundle: str | None = Field(None, description="“一件事”标识，如 freight_startup")
    contact_name: str | None = Field(None, description="联系人（共用字段，只填一次）")
    contact_phone: str | None = Field(None, description="联系电话（手机号码）")
    business_scope_codes: list[str] | None = Field(None, description="经营范围代码（共用字段）")
    items: list[ApplicationItemIn] | None = Field(None, description="办理事项")


class VersionIn(Schema):
    version: int | None = Field(None, description="页面读取时的版本号（防止并发覆盖）")


class AcceptIn(VersionIn):
    rongque: bool = Field(False, description="容缺受理（申请人已签署容缺受理承诺书）")
    rongque_deadline: dt.date | None = Field(None, description="容缺材料补正期限（工作日）")


class ReasonIn(VersionIn):
    reason: str | None = Field(None, description="理由")


class CorrectionItemIn(Schema):
    item: int = Field(..., description="事项序号")
    key: str = Field(..., description="材料代码")
    note: str | None = Field(None, description="补正要求")


class ReturnIn(VersionIn):
    items: list[CorrectionItemIn] | None = Field(
        None, description="需补正的材料；缺省为全部所缺材料"
    )
    note: str | None = Field(None, description="说明")


class OpinionIn(VersionIn):
    opinion: str | None = Field(None, description="初审意见")


class ApproveIn(VersionIn):
    reason: str | None = Field(None, description="决定理由（可选）")
    officer: str | None = Field(None, description="承诺核查人员的用户标识（缺省自动分派）")


class CloseIn(VersionIn):
    delivery: str = Field("electronic", description="送达方式：electronic / window / mail")


class VisitIn(Schema):
    purpose: str | None = Field(None, description="到场事由")


class CommitmentIn(Schema):
    confirmed: bool = Field(False, description="已阅读并确认承诺内容")


class VerifyCommitmentIn(Schema):
    truthful: bool = Field(..., description="核查结论：承诺属实为 true，不实为 false")
    finding: str | None = Field(None, description="核查情况")


class RevocationDecideIn(Schema):
    revoke: bool = Field(..., description="true 吊销证照；false 终止程序并恢复证照")
    reason: str | None = Field(None, description="理由")


# --- Output -----------------------------------------------------------------------------------


class ItemOut(Schema):
    position: int
    item: str
    code: str
    name: str
    label: str
    licence_type: str
    action: str
    target_kind: str
    target_public_id: str
    result_licence: str | None = Field(None, description="办理结果证照标识")
    result_number: str | None = Field(None, description="证照编号")
    result_note: str = ""


class MaterialFileOut(Schema):
    public_id: str
    item: int
    key: str
    name: str
    content_type: str
    size: int
    supplement: bool
    uploaded_at: dt.datetime


class MissingOut(Schema):
    item: int
    label: str
    missing_key: list[str]
    missing_rongque: list[str]
    missing_other: list[str]
    covered_by_commitment: list[str]


class CommitmentOut(Schema):
    public_id: str
    kind: str
    text: str
    replaced_materials: list[dict[str, Any]]
    signed_at: dt.datetime
    on_behalf: bool
    outcome: str
    verification_due_on: dt.date | None
    officer: str | None

    @classmethod
    def of(cls, c: Commitment) -> CommitmentOut:
        return cls(
            public_id=c.public_id,
            kind=c.kind,
            text=c.text,
            replaced_materials=list(c.replaced_materials),
            signed_at=c.signed_at,
            on_behalf=c.on_behalf,
            outcome=c.outcome,
            verification_due_on=c.verification_due_on,
            officer=c.officer.get_full_name() if c.officer else None,
        )


class NoticeOut(Schema):
    public_id: str
    kind: str
    title: str
    number: str
    issued_at: dt.datetime
    adverse: bool
    body: str
    reasons: str
    remedies: str

    @classmethod
    def of(cls, n: Notice) -> NoticeOut:
        return cls(
            public_id=n.public_id,
            kind=n.kind,
            title=n.title,
            number=n.number,
            issued_at=n.issued_at,
            adverse=n.adverse,
            body=n.body,
            reasons=n.reasons,
            remedies=n.remedies,
        )


class MissingNoticeOut(Schema):
    items: list[dict[str, Any]]
    deadline: dt.date
    reminders_sent: int
    supplemented_at: dt.datetime | None
    terminated_at: dt.datetime | None


class ApplicationOut(Schema):
    public_id: str = Field(..., description="申请标识")
    number: str = Field(..., description="申请编号")
    status: str = Field(..., description="状态代码")
    status_label: str = Field(..., description="状态")
    version: int = Field(..., description="版本号（操作时回传）")
    channel: str = Field(..., description="渠道：online 网上 / window 窗口")
    bundle: str = Field("", description="“一件事”标识")
    applicant_kind: str
    applicant_public_id: str
    applicant_name: str
    contact_name: str
    contact_phone: str = Field(..., description="联系电话（按角色脱敏）")
    tier: str = Field("", description="信用分级：excellent / good / normal / doubtful")
    tier_name: str = Field("", description="信用分级名称")
    tier_reason: str = Field("", description="分级理由（依据信用评价说明）")
    tier_detail: dict[str, Any] = Field(default_factory=dict)
    priority: int
    enhanced: bool = Field(..., description="是否强化审查（须第二名审批人员复核）")
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    accepted_at: dt.datetime | None
    deemed_accepted: bool
    correction_due_on: dt.date | None
    due_on: dt.date | None = Field(None, description="承诺办结日期")
    statutory_due_on: dt.date | None = Field(None, description="法定办结日期")
    overdue: bool
    decided_at: dt.datetime | None
    closed_at: dt.datetime | None
    decision_reason: str
    first_review_opinion: str
    trips: int = Field(..., description="到场次数")
    processing_working_days: int | None = Field(None, description="办理用时（工作日）")
    delivery: str
    items: list[ItemOut]
    materials: list[MaterialFileOut]
    missing: list[MissingOut]
    commitment: CommitmentOut | None
    missing_notice: MissingNoticeOut | None
    notices: list[NoticeOut]

    @classmethod
    def of(
        cls, application: Application, *, viewer: Any, rows: list[ItemMaterials]
    ) -> ApplicationOut:
        phone = application_contact_phone(viewer=viewer, application=application)
        tier_name = (
            default_policy().privileges(application.tier).name_zh if application.tier else ""
        )
        commitment = active_commitment(application)
        notice = getattr(application, "missing", None)
        return cls(
            public_id=application.public_id,
            number=application.number,
            status=application.status,
            status_label=STATE_LABELS_ZH[State(application.status)],
            version=application.version,
            channel=application.channel,
            bundle=application.bundle_key,
            applicant_kind=application.applicant_kind,
            applicant_public_id=application.applicant.public_id,  # type: ignore[attr-defined]
            applicant_name=application.applicant_name,
            contact_name=application.contact_name,
            contact_phone=phone,
            tier=application.tier,
            tier_name=tier_name,
            tier_reason=application.tier_reason,
            tier_detail=application.tier_detail,
            priority=application.priority,
            enhanced=application.enhanced,
            created_at=application.created_at,
            submitted_at=application.submitted_at,
            accepted_at=application.accepted_at,
            deemed_accepted=application.deemed_accepted,
            correction_due_on=application.correction_due_on,
            due_on=application.due_on,
            statutory_due_on=application.statutory_due_on,
            overdue=is_overdue(application),
            decided_at=application.decided_at,
            closed_at=application.closed_at,
            decision_reason=application.decision_reason,
            first_review_opinion=application.first_review_opinion,
            trips=application.trips,
            processing_working_days=application.processing_working_days,
            delivery=application.delivery,
            items=[
                ItemOut(
                    position=row.item.position,
                    item=row.item.item_key,
                    code=row.item.item_code,
                    name=row.item.name_zh,
                    label=item_label(row.item),
                    licence_type=row.item.licence_type,
                    action=row.item.action,
                    target_kind=row.spec.target,
                    target_public_id=row.item.target.public_id,  # type: ignore[attr-defined]
                    result_licence=row.item.result_licence.public_id
                    if row.item.result_licence
                    else None,
                    result_number=row.item.result_licence.paper_number
                    if row.item.result_licence
                    else None,
                    result_note=row.item.result_note,
                )
                for row in rows
            ],
            materials=[
                MaterialFileOut(
                    public_id=m.public_id,
                    item=row.item.position,
                    key=m.material_key,
                    name=m.original_name,
                    content_type=m.content_type,
                    size=m.size,
                    supplement=m.supplement,
                    uploaded_at=m.created_at,
                )
                for row in rows
                for files in row.uploaded.values()
                for m in files
            ],
            missing=[
                MissingOut(
                    item=row.item.position,
                    label=item_label(row.item),
                    missing_key=list(row.missing_key),
                    missing_rongque=list(row.missing_rongque),
                    missing_other=list(row.missing_other),
                    covered_by_commitment=list(row.covered),
                )
                for row in rows
            ],
            commitment=CommitmentOut.of(commitment) if commitment else None,
            missing_notice=(
                MissingNoticeOut(
                    items=list(notice.items),
                    deadline=notice.deadline,
                    reminders_sent=notice.reminders_sent,
                    supplemented_at=notice.supplemented_at,
                    terminated_at=notice.terminated_at,
                )
                if notice is not None
                else None
            ),
            notices=[NoticeOut.of(n) for n in application.notices.order_by("issued_at", "pk")],
        )


class QueueEntryOut(Schema):
    public_id: str
    number: str
    applicant_name: str
    status: str
    status_label: str
    tier: str
    tier_name: str
    priority: int
    enhanced: bool
    submitted_at: dt.datetime | None
    accepted_at: dt.datetime | None
    due_on: dt.date | None
    overdue: bool
    version: int

    @classmethod
    def of(cls, application: Application) -> QueueEntryOut:
        return cls(
            public_id=application.public_id,
            number=application.number,
            applicant_name=application.applicant_name,
            status=application.status,
            status_label=STATE_LABELS_ZH[State(application.status)],
            tier=application.tier,
            tier_name=default_policy().privileges(application.tier).name_zh
            if application.tier
            else "",
            priority=application.priority,
            enhanced=application.enhanced,
            submitted_at=application.submitted_at,
            accepted_at=application.accepted_at,
            due_on=application.due_on,
            overdue=is_overdue(application),
            version=application.version,
        )


class CreditEntryOut(Schema):
    role: str
    name: str
    grade: str
    grade_name: str
    tier_name: str
    headline: str
    computation: list[str]
    records: list[str]
    on_serious_list: bool
    on_red_list: bool
    false_commitment: str | None


class CreditPanelOut(Schema):
    entries: list[CreditEntryOut]


class TierOut(Schema):
    tier: str
    tier_name: str
    reasons: list[str]
    one_form: bool
    commitment: bool
    rongque: bool
    enhanced: bool


class TaskOut(Schema):
    public_id: str
    application_public_id: str
    application_number: str
    applicant_name: str
    officer: str | None
    due_on: dt.date | None
    outcome: str
    replaced_materials: list[dict[str, Any]]
    breach_record: str

    @classmethod
    def of(cls, c: Commitment) -> TaskOut:
        return cls(
            public_id=c.public_id,
            application_public_id=c.application.public_id,
            application_number=c.application.number,
            applicant_name=c.application.applicant_name,
            officer=c.officer.get_full_name() if c.officer else None,
            due_on=c.verification_due_on,
            outcome=c.outcome,
            replaced_materials=list(c.replaced_materials),
            breach_record=c.breach_record_ref,
        )


class ProceedingOut(Schema):
    public_id: str
    status: str
    licence: str
    licence_number: str
    licence_status: str
    credit_record: str
    opened_at: dt.datetime
    decided_at: dt.datetime | None
    reason: str

    @classmethod
    def of(cls, p: RevocationProceeding) -> ProceedingOut:
        return cls(
            public_id=p.public_id,
            status=p.status,
            licence=p.licence.public_id,
            licence_number=p.licence.paper_number,
            licence_status=p.licence.status,
            credit_record=p.credit_record_ref,
            opened_at=p.opened_at,
            decided_at=p.decided_at,
            reason=p.reason,
        )


class StatisticsOut(Schema):
    closed: int = Field(..., description="已办结件数")
    average_trips: float | None = Field(None, description="平均到场次数")
    zero_trip_share: float | None = Field(None, description="零跑动占比（0–1）")
    traditional_trips: int = Field(..., description="传统模式到场次数")
    trips_saved: int = Field(..., description="较传统模式少跑的次数")
    average_working_days: float | None = Field(None, description="平均办理用时（工作日）")
    by_tier: dict[str, dict[str, Any]]
    by_status: dict[str, int]
    overdue_open: int
    verification_pending: int
    verification_false: int

    @classmethod
    def of(cls, s: TripStatistics) -> StatisticsOut:
        return cls(**s.__dict__)
