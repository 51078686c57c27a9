"""The JSON API of the credit cases, mounted at /api/credit-cases: repair applications,
objections, the red and serious-dishonesty lists, double publicity, the subject-facing
explanation and the subject's notices.

Handlers only parse, let the policy auth admit the caller, call one selector or service and
render; every failure is an ``ApplicationError`` rendered by config.api as ``{"message",
"extra"}``. Holder accounts see and act on their own subject only (the selectors' scope).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from roadcredit.accounts.api_auth import policy_auth
from roadcredit.core import clock
from roadcredit.core.api_schemas import READ_ERRORS as _READ_ERRORS
from roadcredit.core.api_schemas import WRITE_ERRORS as _WRITE_ERRORS
from roadcredit.credit import selectors_cases as cases
from roadcredit.credit.api_common import PageQuery, actor, page, subject_for
from roadcredit.credit.models import (
    ListEntry,
    Notice,
    Objection,
    PublicityItem,
    RepairApplication,
)
from roadcredit.credit.services import lists, objections, publicity, repair
from roadcredit.credit.services.notices import notice_mark_read

router = Router()


PublicId = str


class SubjectRefOut(Schema):
    kind: str = Field(..., description="operator（经营业户）/ practitioner（从业人员）")
    public_id: str
    name: str


def _subject_ref(case: Any) -> SubjectRefOut:
    subject = case.subject
    return SubjectRefOut(kind=case.subject_kind, public_id=subject.public_id, name=subject.name)


class CaseRecordOut(Schema):
    public_id: str
    behaviour_code: str
    behaviour_name: str
    points: int
    occurred_on: dt.date
    decision_number: str
    decided_on: dt.date | None
    status: str


def _record_ref(record: Any) -> CaseRecordOut:
    return CaseRecordOut(
        public_id=record.public_id,
        behaviour_code=record.behaviour_code,
        behaviour_name=record.behaviour_name,
        points=record.points,
        occurred_on=record.occurred_on,
        decision_number=record.decision_number,
        decided_on=record.decided_on,
        status=record.status,
    )


# --- Repair ------------------------------------------------------------------------------------------


class RepairApplyIn(Schema):
    record: PublicId = Field(..., max_length=16, description="要修复的信用记录 public id")
    obligations_fulfilled: bool = Field(..., description="已纠正失信行为并履行完毕相关义务")
    obligations_evidence: str = Field(
        ..., max_length=repair.EVIDENCE_MAX, description="义务履行情况及证明材料说明"
    )
    commitment_accepted: bool = Field(..., description="签署公布的信用修复承诺书")


class RepairDecideIn(Schema):
    approve: bool = Field(..., description="true 准予修复，false 不予修复")
    reason: str = Field(..., max_length=repair.REASON_MAX, description="决定理由（告知申请人）")


class RepairOut(Schema):
    public_id: str
    record: CaseRecordOut
    subject: SubjectRefOut
    status: str = Field(..., description="submitted / refused / approved / rejected")
    status_label: str
    on_behalf: bool
    obligations_fulfilled: bool
    obligations_evidence: str
    commitment_text: str
    commitment_signed_at: dt.datetime
    commitment_signed_by: str
    refusal_reasons: list[str]
    due_on: dt.date | None
    decided_at: dt.datetime | None
    decision_reason: str
    created_at: dt.datetime

    @staticmethod
    def of(application: RepairApplication) -> RepairOut:
        return RepairOut(
            public_id=application.public_id,
            record=_record_ref(application.record),
            subject=_subject_ref(application),
            status=application.status,
            status_label=str(application.get_status_display()),
            on_behalf=application.on_behalf,
            obligations_fulfilled=application.obligations_fulfilled,
            obligations_evidence=application.obligations_evidence,
            commitment_text=application.commitment_text,
            commitment_signed_at=application.commitment_signed_at,
            commitment_signed_by=application.commitment_signed_by.get_username(),
            refusal_reasons=[str(r) for r in application.refusal_reasons],
            due_on=application.due_on,
            decided_at=application.decided_at,
            decision_reason=application.decision_reason,
            created_at=application.created_at,
        )


class RepairPageOut(Schema):
    total: int
    items: list[RepairOut]


class RepairQuery(PageQuery):
    status: Literal["", "submitted", "refused", "approved", "rejected"] = ""


@router.get(
    "/repairs",
    response={200: RepairPageOut, **_READ_ERRORS},
    auth=policy_auth("api:credit_repair_list"),
    operation_id="credit_repair_list",
    summary="信用修复申请列表",
    description="工作人员查看全部申请；经营业户、从业人员账户只看到本主体的申请。",
)
def credit_repair_list(request: HttpRequest, params: Query[RepairQuery]) -> RepairPageOut:
    total, items = page(
        cases.repairs_for(viewer=request.user, status=params.status or None).select_related(
            "commitment_signed_by"
        ),
        params,
    )
    return RepairPageOut(total=total, items=[RepairOut.of(a) for a in items])


@router.post(
    "/repairs",
    response={201: RepairOut, **_WRITE_ERRORS},
    auth=policy_auth("api:credit_repair_apply"),
    operation_id="credit_repair_apply",
    summary="申请信用修复",
    description=(
        "主体本人（或窗口人员代办）申请修复一条信用记录。未勾选履行义务、未说明证明材料或未签署承诺书的，"
        "返回 400 且不保存；记录不满足修复条件（最短公示期未满、屡犯、承诺不实等）的，"
        "申请以 refused 状态保存并说明原因。"
    ),
)
def credit_repair_apply(request: HttpRequest, payload: RepairApplyIn) -> Status[RepairOut]:
    record = cases.case_record_get_for(viewer=request.user, public_id=payload.record)
    application = repair.repair_apply(
        actor=actor(request),
        record=record,
        obligations_fulfilled=payload.obligations_fulfilled,
        obligations_evidence=payload.obligations_evidence,
        commitment_accepted=payload.commitment_accepted,
    )
    return Status(201, RepairOut.of(application))


@router.post(
    "/repairs/{public_id}/decision",
    response={200: RepairOut, **_WRITE_ERRORS},
    auth=policy_auth("api:credit_repair_decide"),
    operation_id="credit_repair_decide",
    summary="信用修复决定",
    description="信用管理人员准予或不予修复。准予修复的记录不再计入评价、停止公示，主体重新评级。",
)
def credit_repair_decide(
    request: HttpRequest, public_id: str, payload: RepairDecideIn
) -> RepairOut:
    application = cases.repair_get_for(viewer=request.user, public_id=public_id)
    decided = repair.repair_decide(
        actor=actor(request),
        application=application,
        approve=payload.approve,
        reason=payload.reason,
    )
    return RepairOut.of(decided)


# --- Objections ----------------------------------------------------------------------------------------


class ObjectionSubmitIn(Schema):
    record: PublicId = Field(..., max_length=16, description="有异议的信用记录 public id")
    grounds: str = Field(..., max_length=objections.GROUNDS_MAX, description="异议理由")


class CorrectionsIn(Schema):
    behaviour_code: str | None = Field(None, max_length=20)
    points: int | None = Field(None, ge=0, le=1000)
    occurred_on: dt.date | None = None
    decision_number: str | None = Field(None, max_length=100)
    decided_on: dt.date | None = None
    description: str | None = Field(None, max_length=2000)


class ObjectionDecideIn(Schema):
    outcome: Literal["corrected", "deleted", "kept"] = Field(
        ..., description="corrected 更正 / deleted 删除 / kept 维持"
    )
    reason: str = Field(..., max_length=2000, description="处理理由（告知主体）")
    corrections: CorrectionsIn | None = Field(None, description="更正内容（仅 corrected）")


class ObjectionOut(Schema):
    public_id: str
    record: CaseRecordOut
    subject: SubjectRefOut
    status: str = Field(..., description="open 处理中 / decided 已办结")
    outcome: str = Field(..., description="corrected / deleted / kept；未办结为空")
    grounds: str
    on_behalf: bool
    received_on: dt.date
    due_on: dt.date
    overdue: bool
    decided_at: dt.datetime | None
    decision_reason: str
    record_before: dict[str, Any] | None
    record_after: dict[str, Any] | None

    @staticmethod
    def of(objection: Objection, today: dt.date) -> ObjectionOut:
        return ObjectionOut(
            public_id=objection.public_id,
            record=_record_ref(objection.record),
            subject=_subject_ref(objection),
            status=objection.status,
            outcome=objection.outcome,
            grounds=objection.grounds,
            on_behalf=objection.on_behalf,
            received_on=objection.received_on,
            due_on=objection.due_on,
            overdue=objection.is_open and today > objection.due_on,
            decided_at=objection.decided_at,
            decision_reason=objection.decision_reason,
            record_before=objection.record_before,
            record_after=objection.record_after,
        )


class ObjectionPageOut(Schema):
    total: int
    items: list[ObjectionOut]


class ObjectionQuery(PageQuery):
    status: Literal["", "open", "decided"] = ""
    overdue: bool = Field(False, description="只看已超期未办结的")


@router.get(
    "/objections",
    response={200: ObjectionPageOut, **_READ_ERRORS},
    auth=policy_auth("api:credit_objection_list"),
    operation_id="credit_objection_list",
    summary="异议申请列表",
)
def credit_objection_list(request: HttpRequest, params: Query[ObjectionQuery]) -> ObjectionPageOut:
    today = clock.today()
    total, items = page(
        cases.objections_for(
            viewer=request.user,
            status=params.status or None,
            overdue_on=today if params.overdue else None,
        ),
        params,
    )
    return ObjectionPageOut(total=total, items=[ObjectionOut.of(o, today) for o in items])


@router.post(
    "/objections",
    response={201: ObjectionOut, **_WRITE_ERRORS},
    auth=policy_auth("api:credit_objection_submit"),
    operation_id="credit_objection_submit",
    summary="提出异议",
    description="主体本人（或窗口人员代办）对一条有效信用记录提出异议；记录标注为“异议处理中”，按工作日计算办结期限。",
)
def credit_objection_submit(
    request: HttpRequest, payload: ObjectionSubmitIn
) -> Status[ObjectionOut]:
    record = cases.case_record_get_for(viewer=request.user, public_id=payload.record)
    objection = objections.objection_submit(
        actor=actor(request),
        record=record,
        grounds=payload.grounds,
    )
    return Status(201, ObjectionOut.of(objection, clock.today()))


@router.post(
    "/objections/{public_id}/decision",
    response={200: ObjectionOut, **_WRITE_ERRORS},
    auth=policy_auth("api:credit_objection_decide"),
    operation_id="credit_objection_decide",
    summary="异议处理决定",
    description="信用管理人员更正、删除或维持记录，并告知主体。",
)
def credit_objection_decide(
    request: HttpRequest, public_id: str, payload: ObjectionDecideIn
) -> ObjectionOut:
    objection = cases.objection_get_for(viewer=request.user, public_id=public_id)
    corrections = (
        {k: v for k, v in payload.corrections.dict().items() if v is not None}
        if payload.corrections is not None
        else None
    )
    decided = objections.objection_decide(
        actor=actor(request),
        objection=objection,
        outcome=payload.outcome,
        reason=payload.reason,
        corrections=corrections,
    )
    return ObjectionOut.of(decided, clock.today())


# --- Lists ----------------------------------------------------------------------------------------------


class PublicListRowOut(Schema):
    list_kind: str = Field(..., description="red 守信激励名单 / serious 严重失信主体名单")
    subject_name: str = Field(..., description="主体名称（自然人已脱敏）")
    subject_code: str = Field(..., description="统一社会信用代码，或脱敏的身份证号码")
    subject_code_kind: str
    listed_from: dt.date | None
    listed_until: dt.date | None
    reason: str


class PublicListQuery(Schema):
    kind: Literal["", "red", "serious"] = ""


@router.get(
    "/lists",
    response={200: list[PublicListRowOut], **_READ_ERRORS},
    auth=policy_auth("api:credit_lists_public"),
    operation_id="credit_lists_public",
    summary="守信激励名单和严重失信主体名单（公开）",
    description="无需登录。自然人姓名和身份证号码已脱敏；企业显示统一社会信用代码。",
)
def credit_lists_public(
    request: HttpRequest, params: Query[PublicListQuery]
) -> list[PublicListRowOut]:
    return [
        PublicListRowOut(
            list_kind=row.list_kind,
            subject_name=row.subject_name,
            subject_code=row.subject_code,
            subject_code_kind=row.subject_code_kind,
            listed_from=row.listed_from,
            listed_until=row.listed_until,
            reason=row.reason_zh,
        )
        for row in cases.public_list_rows(kind=params.kind or None)
    ]


class ListEntryOut(Schema):
    public_id: str
    list_kind: str
    status: str = Field(
        ...,
        description="proposed / notified / statement_received / listed / not_listed / removed / cancelled",
    )
    status_label: str
    subject: SubjectRefOut
    criteria: list[dict[str, Any]]
    basis_records: list[CaseRecordOut]
    notified_at: dt.datetime | None
    statement_due_on: dt.date | None
    statement_text: str
    statement_received_at: dt.datetime | None
    decided_at: dt.datetime | None
    decision_reason: str
    listed_from: dt.date | None
    listed_until: dt.date | None
    removed_at: dt.datetime | None
    removal_reason: str

    @staticmethod
    def of(entry: ListEntry) -> ListEntryOut:
        return ListEntryOut(
            public_id=entry.public_id,
            list_kind=entry.list_kind,
            status=entry.status,
            status_label=str(entry.get_status_display()),
            subject=_subject_ref(entry),
            criteria=list(entry.criteria),
            basis_records=[
                _record_ref(r) for r in entry.basis_records.order_by("occurred_on", "pk")
            ],
            notified_at=entry.notified_at,
            statement_due_on=entry.statement_due_on,
            statement_text=entry.statement_text,
            statement_received_at=entry.statement_received_at,
            decided_at=entry.decided_at,
            decision_reason=entry.decision_reason,
            listed_from=entry.listed_from,
            listed_until=entry.listed_until,
            removed_at=entry.removed_at,
            removal_reason=entry.removal_reason,
        )


class ListEntryPageOut(Schema):
    total: int
    items: list[ListEntryOut]


class ListEntryQuery(PageQuery):
    kind: Literal["", "red", "serious"] = ""
    status: Literal[
        "",
        "proposed",
        "notified",
        "statement_received",
        "listed",
        "not_listed",
        "removed",
        "cancelled",
    ] = ""


@router.get(
    "/list-entries",
    response={200: ListEntryPageOut, **_READ_ERRORS},
    auth=policy_auth("api:credit_list_entries"),
    operation_id="credit_list_entries",
    summary="名单事项（含拟列入、告知、陈述申辩、决定）",
)
def credit_list_entries(request: HttpRequest, params: Query[ListEntryQuery]) -> ListEntryPageOut:
    total, items = page(
        cases.list_entries_for(
            viewer=request.user, kind=params.kind or None, status=params.status or None
        ),
        params,
    )
    return ListEntryPageOut(total=total, items=[ListEntryOut.of(e) for e in items])


class RefreshOut(Schema):
    red_added: int
    red_removed: int
    serious_proposed: int
    serious_cancelled: int
    serious_expired: int


@router.post(
    "/lists/refresh",
    response={200: RefreshOut, **_WRITE_ERRORS},
    auth=policy_auth("api:credit_lists_refresh"),
    operation_id="credit_lists_refresh",
    summary="按评价规则更新名单",
    description="守信激励名单直接更新；符合严重失信条件的主体仅列为“拟列入”，须经告知、陈述申辩和决定。",
)
def credit_lists_refresh(request: HttpRequest) -> RefreshOut:
    summary = lists.lists_refresh(actor=actor(request))
    return RefreshOut(
        red_added=summary.red_added,
        red_removed=summary.red_removed,
        serious_proposed=summary.serious_proposed,
        serious_cancelled=summary.serious_cancelled,
        serious_expired=summary.serious_expired,
    )


class ReasonIn(Schema):
    reason: str = Field(..., max_length=2000)


class StatementIn(Schema):
    text: str = Field(..., max_length=lists.STATEMENT_MAX, description="陈述申辩意见")


class ListingDecideIn(Schema):
    listed: bool = Field(..., description="true 列入，false 不予列入")
    reason: str = Field(..., max_length=2000, description="决定理由（须回应陈述申辩意见）")


@router.post(
    "/list-entries/{public_id}/notify",
    response={200: ListEntryOut, **_WRITE_ERRORS},
    auth=policy_auth("api:credit_listing_notify"),
    operation_id="credit_listing_notify",
    summary="拟列入严重失信名单告知",
)
def credit_listing_notify(request: HttpRequest, public_id: str) -> ListEntryOut:
    entry = cases.list_entry_get_for(viewer=request.user, public_id=public_id)
    return ListEntryOut.of(lists.listing_notify(actor=actor(request), entry=entry))


@router.post(
    "/list-entries/{public_id}/statement",
    response={200: ListEntryOut, **_WRITE_ERRORS},
    auth=policy_auth("api:credit_listing_statement"),
    operation_id="credit_listing_statement",
    summary="提交陈述申辩",
    description="主体本人在期限内提交，或工作人员录入书面陈述申辩。",
)
def credit_listing_statement(
    request: HttpRequest, public_id: str, payload: StatementIn
) -> ListEntryOut:
    entry = cases.list_entry_get_for(viewer=request.user, public_id=public_id)
    updated = lists.listing_statement_record(
        actor=actor(request),
        entry=entry,
        text=payload.text,
    )
    return ListEntryOut.of(updated)


@router.post(
    "/list-entries/{public_id}/decision",
    response={200: ListEntryOut, **_WRITE_ERRORS},
    auth=policy_auth("api:credit_listing_decide"),
    operation_id="credit_listing_decide",
    summary="列入严重失信名单决定",
)
def credit_listing_decide(
    request: HttpRequest, public_id: str, payload: ListingDecideIn
) -> ListEntryOut:
    entry = cases.list_entry_get_for(viewer=request.user, public_id=public_id)
    decided = lists.listing_decide(
        actor=actor(request),
        entry=entry,
        listed=payload.listed,
        reason=payload.reason,
    )
    return ListEntryOut.of(decided)


@router.post(
    "/list-entries/{public_id}/removal",
    response={200: ListEntryOut, **_WRITE_ERRORS},
    auth=policy_auth("api:credit_listing_remove"),
    operation_id="credit_listing_remove",
    summary="移出名单",
)
def credit_listing_remove(request: HttpRequest, public_id: str, payload: ReasonIn) -> ListEntryOut:
    entry = cases.list_entry_get_for(viewer=request.user, public_id=public_id)
    removed = lists.listing_remove(actor=actor(request), entry=entry, reason=payload.reason)
    return ListEntryOut.of(removed)


@router.post(
    "/list-entries/{public_id}/cancellation",
    response={200: ListEntryOut, **_WRITE_ERRORS},
    auth=policy_auth("api:credit_listing_cancel"),
    operation_id="credit_listing_cancel",
    summary="撤销拟列入",
)
def credit_listing_cancel(request: HttpRequest, public_id: str, payload: ReasonIn) -> ListEntryOut:
    entry = cases.list_entry_get_for(viewer=request.user, public_id=public_id)
    cancelled = lists.listing_cancel(actor=actor(request), entry=entry, reason=payload.reason)
    return ListEntryOut.of(cancelled)


# --- Double publicity ------------------------------------------------------------------------------------


class PublicityItemOut(Schema):
    public_id: str
    kind: str = Field(..., description="licensing 行政许可 / penalty 行政处罚")
    subject_name: str = Field(..., description="行政相对人名称（自然人已脱敏）")
    subject_code: str = Field(..., description="统一社会信用代码，或脱敏的证件号码")
    subject_code_kind: str
    decision_number: str
    decided_on: dt.date
    content: str
    legal_basis: str
    authority: str
    due_on: dt.date = Field(..., description="应公示日期（决定之日起7个工作日）")
    published_at: dt.datetime | None
    overdue: bool = Field(..., description="超过应公示日期仍未公示，或逾期公示")
    withdrawn_at: dt.datetime | None
    withdrawal_reason: str

    @staticmethod
    def of(item: PublicityItem, today: dt.date) -> PublicityItemOut:
        return PublicityItemOut(
            public_id=item.public_id,
            kind=item.kind,
            subject_name=item.subject_name,
            subject_code=item.subject_code,
            subject_code_kind=item.subject_code_kind,
            decision_number=item.decision_number,
            decided_on=item.decided_on,
            content=item.content,
            legal_basis=item.legal_basis,
            authority=item.authority,
            due_on=item.due_on,
            published_at=item.published_at,
            overdue=cases.publicity_overdue(item, today),
            withdrawn_at=item.withdrawn_at,
            withdrawal_reason=item.withdrawal_reason,
        )


class PublicityPageOut(Schema):
    total: int
    items: list[PublicityItemOut]


class PublicityQuery(PageQuery):
    kind: Literal["", "licensing", "penalty"] = ""
    since: dt.date | None = Field(None, description="决定日期不早于")
    pending_only: bool = Field(False, description="只看尚未公示的")
    overdue_only: bool = Field(False, description="只看超期未公示的")
    include_withdrawn: bool = Field(False, description="包括已撤下的（修复、删除、届满）")


@router.get(
    "/publicity",
    response={200: PublicityPageOut, **_READ_ERRORS},
    auth=policy_auth("api:credit_publicity_feed"),
    operation_id="credit_publicity_feed",
    summary="双公示数据（行政许可、行政处罚）",
    description="供信用中国（山东）归集：个人信息已按要求脱敏；overdue 标出超期未公示的事项。",
)
def credit_publicity_feed(request: HttpRequest, params: Query[PublicityQuery]) -> PublicityPageOut:
    today = clock.today()
    total, items = page(
        cases.publicity_items(
            kind=params.kind or None,
            since=params.since,
            pending_only=params.pending_only,
            overdue_only=params.overdue_only,
            include_withdrawn=params.include_withdrawn,
            today=today,
        ),
        params,
    )
    return PublicityPageOut(total=total, items=[PublicityItemOut.of(i, today) for i in items])


class PublishIn(Schema):
    items: list[PublicId] | None = Field(
        None, max_length=1000, description="要标记为已公示的事项 public id；不填则为全部未公示事项"
    )


class PublishOut(Schema):
    published: int


@router.post(
    "/publicity/published",
    response={200: PublishOut, **_WRITE_ERRORS},
    auth=policy_auth("api:credit_publicity_publish"),
    operation_id="credit_publicity_publish",
    summary="标记双公示事项已公示",
)
def credit_publicity_publish(request: HttpRequest, payload: PublishIn) -> PublishOut:
    chosen = None
    if payload.items is not None:
        chosen = list(PublicityItem.objects.filter(public_id__in=payload.items))
    count = publicity.publicity_publish(actor=actor(request), items=chosen)
    return PublishOut(published=count)


# --- Explanation and notices --------------------------------------------------------------------------


class ExplainedRecordOut(Schema):
    record_id: str
    text: str
    detail: str
    direction: str
    points: int
    occurred_on: dt.date
    period: str
    under_objection: bool


class SubjectExplanationOut(Schema):
    subject_name: str
    scheme: str
    as_of: dt.date
    grade: str
    grade_name: str
    rated: bool
    score: int | None
    tier: str = Field(..., description="excellent / good / normal / doubtful")
    tier_name: str
    tier_summary: str
    headline: str
    computation: list[str]
    records: list[ExplainedRecordOut]
    how_to_improve: list[str]
    benefits_now: list[str]
    measures_now: list[str]
    dishonesty_measures: list[str]
    on_red_list: bool
    on_serious_list: bool
    ruleset: str


@router.get(
    "/explanation/{kind}/{public_id}",
    response={200: SubjectExplanationOut, **_READ_ERRORS},
    auth=policy_auth("api:credit_subject_explanation"),
    operation_id="credit_subject_explanation",
    summary="信用等级说明（面向主体）",
    description=(
        "中文说明：当前等级及计算过程、计入的记录、如何提升、当前享受的激励措施和失信惩戒措施。"
        "kind 为 operator / vehicle / practitioner（车辆按所属业户说明）。"
    ),
)
def credit_subject_explanation(
    request: HttpRequest, kind: Literal["operator", "vehicle", "practitioner"], public_id: str
) -> SubjectExplanationOut:
    subject = subject_for(request, kind, public_id)
    e = cases.credit_explanation_for(viewer=request.user, subject=subject)
    return SubjectExplanationOut(
        subject_name=e.subject_name,
        scheme=e.scheme,
        as_of=e.as_of,
        grade=e.grade,
        grade_name=e.grade_name_zh,
        rated=e.rated,
        score=e.score,
        tier=e.tier,
        tier_name=e.tier_name_zh,
        tier_summary=e.tier_summary_zh,
        headline=e.headline_zh,
        computation=list(e.computation_zh),
        records=[
            ExplainedRecordOut(
                record_id=r.record_id,
                text=r.text_zh,
                detail=r.detail_zh,
                direction=r.direction,
                points=r.points,
                occurred_on=r.occurred_on,
                period=r.period,
                under_objection=r.under_objection,
            )
            for r in e.records
        ],
        how_to_improve=list(e.improve_zh),
        benefits_now=list(e.benefits_now_zh),
        measures_now=list(e.measures_now_zh),
        dishonesty_measures=list(e.dishonesty_measures_zh),
        on_red_list=e.on_red_list,
        on_serious_list=e.on_serious_list,
        ruleset=f"{e.ruleset_title_zh}（{e.ruleset_version}）",
    )


class NoticeOut(Schema):
    public_id: str
    kind: str
    title: str
    body: str
    case_ref: str
    created_at: dt.datetime
    read_at: dt.datetime | None

    @staticmethod
    def of(notice: Notice) -> NoticeOut:
        return NoticeOut(
            public_id=notice.public_id,
            kind=notice.kind,
            title=notice.title,
            body=notice.body,
            case_ref=notice.case_ref,
            created_at=notice.created_at,
            read_at=notice.read_at,
        )


class NoticePageOut(Schema):
    total: int
    unread: int
    items: list[NoticeOut]


@router.get(
    "/notices",
    response={200: NoticePageOut, **_READ_ERRORS},
    auth=policy_auth("api:credit_notices"),
    operation_id="credit_notices",
    summary="我的信用通知（经营业户、从业人员）",
)
def credit_notices(request: HttpRequest, params: Query[PageQuery]) -> NoticePageOut:
    notices = cases.notices_for(viewer=request.user).order_by("-created_at", "-pk")
    total, items = page(notices, params)
    return NoticePageOut(
        total=total,
        unread=notices.filter(read_at__isnull=True).count(),
        items=[NoticeOut.of(n) for n in items],
    )


@router.post(
    "/notices/{public_id}/read",
    response={200: NoticeOut, **_WRITE_ERRORS},
    auth=policy_auth("api:credit_notice_read"),
    operation_id="credit_notice_read",
    summary="标记通知已读",
)
def credit_notice_read(request: HttpRequest, public_id: str) -> NoticeOut:
    notice = cases.notice_get_for(viewer=request.user, public_id=public_id)
    return NoticeOut.of(notice_mark_read(actor=actor(request), notice=notice))
