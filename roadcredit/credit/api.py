"""The credit data-pool JSON API, mounted at /api/credit.

Handlers only parse, let the auth admit the caller, call one selector or service and render;
every failure is an ``ApplicationError`` rendered by config.api as ``{"message", "extra"}``.

``POST /api/credit/intake`` is not used by people but by registered source systems: it
authenticates with the source's own bearer token (``SourceTokenAuth``); a wrong or revoked
token gets 401 in the same error shape.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field as SchemaField
from ninja import Query, Router, Schema, Status

from roadcredit.accounts.api_auth import PublicAccess, policy_auth
from roadcredit.core.api_schemas import READ_ERRORS as _READ_ERRORS
from roadcredit.core.api_schemas import WRITE_ERRORS as _WRITE_ERRORS
from roadcredit.core.errors import NotFound, ValidationFailed
from roadcredit.credit import selectors
from roadcredit.credit.api_common import actor, graded_subject_for, subject_for
from roadcredit.credit.jobs import regrade_submit
from roadcredit.credit.models import IntakeChannel, IntakeStatus, Source
from roadcredit.credit.schemas import (
    BatchOut,
    ExplanationOut,
    GradeChangeOut,
    GradeShiftOut,
    IntakePushIn,
    JobOut,
    LinkDiscardIn,
    LinkItemOut,
    LinkPageOut,
    LinkResolveIn,
    PreviewOut,
    RecordCreateIn,
    RecordDecideIn,
    RecordOut,
    RecordPageOut,
    RecordStatusIn,
    RegradeIn,
    RulesetLoadIn,
    RulesetOut,
    SnapshotOut,
)
from roadcredit.credit.services import intake, linking, records, rulesets
from roadcredit.credit.services.grading import (
    grade_current,
    grade_explain,
    grade_history,
    ruleset_of,
)
from roadcredit.subjects.schemas import ErrorOut

router = Router()


class SourceTokenAuth(PublicAccess):
    """Admits a registered, active source by its push token (``Authorization: Bearer …``).

    The declared policy is public as far as user roles go (no user is involved); the token is
    the credential. Returns the ``Source`` (``request.auth``); None → 401.
    """

    openapi_type = "http"
    openapi_scheme = "bearer"

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _sep, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return intake.source_authenticate(token.strip())


def _body(payload: Schema) -> dict[str, Any]:
    return {k: v for k, v in payload.dict().items() if v is not None}


# --- Records ---------------------------------------------------------------------------------


class RecordQuery(Schema):
    subject_kind: str = SchemaField("", description="operator / vehicle / practitioner")
    subject_id: str = SchemaField("", description="主体 public id")
    status: str = SchemaField("", description="记录状态")
    source: str = SchemaField("", description="来源代码")
    batch: int | None = SchemaField(None, description="归集批次编号")
    offset: int = SchemaField(0, ge=0)
    limit: int = SchemaField(50, ge=1, le=200)


@router.get(
    "/records",
    response={200: RecordPageOut, **_READ_ERRORS},
    auth=policy_auth("api:credit_records_list"),
    operation_id="credit_records_list",
    summary="信用记录列表",
)
def credit_records_list(request: HttpRequest, params: Query[RecordQuery]) -> RecordPageOut:
    subject = None
    if params.subject_kind or params.subject_id:
        subject = subject_for(request, params.subject_kind, params.subject_id)
    total, items = selectors.records_list(
        viewer=request.user,
        subject=subject,
        status=params.status,
        source_code=params.source,
        batch_id=params.batch,
        offset=params.offset,
        limit=params.limit,
    )
    return RecordPageOut(total=total, items=[RecordOut.of(r) for r in items])


@router.get(
    "/records/{public_id}",
    response={200: RecordOut, **_READ_ERRORS},
    auth=policy_auth("api:credit_record_get"),
    operation_id="credit_record_get",
    summary="读取信用记录",
)
def credit_record_get(request: HttpRequest, public_id: str) -> RecordOut:
    return RecordOut.of(selectors.record_get_for(viewer=request.user, public_id=public_id))


@router.post(
    "/records",
    response={201: RecordOut, **_WRITE_ERRORS},
    auth=policy_auth("api:credit_record_create"),
    operation_id="credit_record_create",
    summary="录入信用记录",
    description="由本局录入；填写决定文书号和决定日期即生效，否则为“待决定”，不计入评级。",
)
def credit_record_create(request: HttpRequest, payload: RecordCreateIn) -> Status[RecordOut]:
    subject = subject_for(request, payload.subject_kind, payload.subject_id)
    data = _body(payload)
    record = records.credit_record_create(actor=actor(request), subject=subject, data=data)
    return Status(201, RecordOut.of(record))


@router.post(
    "/records/{public_id}/decide",
    response={200: RecordOut, **_WRITE_ERRORS},
    auth=policy_auth("api:credit_record_decide"),
    operation_id="credit_record_decide",
    summary="录入处理决定（待决定 → 有效）",
)
def credit_record_decide(
    request: HttpRequest, public_id: str, payload: RecordDecideIn
) -> RecordOut:
    record = selectors.record_get_for(viewer=request.user, public_id=public_id)
    decided = records.credit_record_decide(
        actor=actor(request),
        record=record,
        decision_number=payload.decision_number,
        decided_on=payload.decided_on,
        points=payload.points,
    )
    return RecordOut.of(decided)


@router.post(
    "/records/{public_id}/status",
    response={200: RecordOut, **_WRITE_ERRORS},
    auth=policy_auth("api:credit_record_status"),
    operation_id="credit_record_status",
    summary="变更信用记录状态",
)
def credit_record_status(
    request: HttpRequest, public_id: str, payload: RecordStatusIn
) -> RecordOut:
    record = selectors.record_get_for(viewer=request.user, public_id=public_id)
    moved = records.credit_record_set_status(
        actor=actor(request),
        record=record,
        status=payload.status,
        reason=payload.reason,
    )
    return RecordOut.of(moved)


# --- Intake ----------------------------------------------------------------------------------


@router.post(
    "/intake",
    response={200: BatchOut, 400: ErrorOut, 401: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    auth=[SourceTokenAuth("api:credit_intake_push")],
    operation_id="credit_intake_push",
    summary="来源系统推送信用记录（批次）",
    description=(
        "以来源系统自己的令牌认证（Authorization: Bearer …）。整批要么全部接收，要么全部退回："
        "有错误时返回 400，extra.rows 列出每条错误（行号、来源记录编号、字段、说明）。"
        "同一批次号或相同内容重复推送返回首次结果，不会重复入库；同一来源记录编号再次推送即更新。"
        "主体标识有效但未找到对应主体的记录进入“待关联”队列（to_link 计数）。"
    ),
)
def credit_intake_push(request: HttpRequest, payload: IntakePushIn) -> BatchOut:
    source: Source = request.auth  # type: ignore[attr-defined]
    if len(payload.records) > intake.MAX_BATCH_RECORDS:
        raise ValidationFailed.for_fields(
            _("At most 5,000 records per batch; split the batch."),
            {"records": [_("At most 5,000 records per batch; split the batch.")]},
        )
    batch = intake.intake_submit(
        source=source,
        records=payload.records,
        channel=IntakeChannel.API,
        batch_key=payload.batch_id,
    )
    if batch.status == IntakeStatus.REJECTED:
        raise intake.IntakeRejected.for_batch(batch)
    return BatchOut.of(batch)


# --- To-link queue ----------------------------------------------------------------------------


class LinkQuery(Schema):
    status: str = SchemaField("open", description="open 待关联 / linked 已关联 / discarded 已放弃")
    q: str = SchemaField("", description="来源记录编号、脱敏标识或名称")
    offset: int = SchemaField(0, ge=0)
    limit: int = SchemaField(50, ge=1, le=200)


@router.get(
    "/link-queue",
    response={200: LinkPageOut, **_READ_ERRORS},
    auth=policy_auth("api:credit_link_queue_list"),
    operation_id="credit_link_queue_list",
    summary="待关联记录列表",
)
def credit_link_queue_list(request: HttpRequest, params: Query[LinkQuery]) -> LinkPageOut:
    total, items = selectors.link_queue_list(
        status=params.status, query=params.q, offset=params.offset, limit=params.limit
    )
    return LinkPageOut(total=total, items=[LinkItemOut.of(i) for i in items])


_KIND_OF_IDENTIFIER = {"uscc": "operator", "id_number": "practitioner", "plate": "vehicle"}


@router.post(
    "/link-queue/{public_id}/resolve",
    response={200: RecordOut, **_WRITE_ERRORS},
    auth=policy_auth("api:credit_link_queue_resolve"),
    operation_id="credit_link_queue_resolve",
    summary="关联待关联记录到主体",
)
def credit_link_queue_resolve(
    request: HttpRequest, public_id: str, payload: LinkResolveIn
) -> RecordOut:
    item = selectors.link_item_get(public_id)
    subject = subject_for(request, _KIND_OF_IDENTIFIER[item.identifier_kind], payload.subject_id)
    record = linking.link_queue_resolve(actor=actor(request), item=item, subject=subject)
    return RecordOut.of(record)


@router.post(
    "/link-queue/{public_id}/discard",
    response={200: LinkItemOut, **_WRITE_ERRORS},
    auth=policy_auth("api:credit_link_queue_discard"),
    operation_id="credit_link_queue_discard",
    summary="放弃待关联记录",
)
def credit_link_queue_discard(
    request: HttpRequest, public_id: str, payload: LinkDiscardIn
) -> LinkItemOut:
    item = selectors.link_item_get(public_id)
    done = linking.link_queue_discard(actor=actor(request), item=item, reason=payload.reason)
    return LinkItemOut.of(done)


# --- Grades ----------------------------------------------------------------------------------


@router.get(
    "/subjects/{kind}/{public_id}/grade",
    response={200: SnapshotOut, **_READ_ERRORS},
    auth=policy_auth("api:credit_grade_current"),
    operation_id="credit_grade_current",
    summary="主体当前信用等级",
    description="kind：operator 经营业户 / practitioner 从业人员。",
)
def credit_grade_current(request: HttpRequest, kind: str, public_id: str) -> SnapshotOut:
    subject = graded_subject_for(request, kind, public_id)
    snapshot = grade_current(subject)
    if snapshot is None:
        raise NotFound(_("This subject has not been graded yet."))
    return SnapshotOut.of(snapshot, ruleset_of(snapshot.ruleset).grade_name_zh(snapshot.grade))


@router.get(
    "/subjects/{kind}/{public_id}/grade/history",
    response={200: list[SnapshotOut], **_READ_ERRORS},
    auth=policy_auth("api:credit_grade_history"),
    operation_id="credit_grade_history",
    summary="主体信用等级历史（每次等级变化一条，从早到晚）",
)
def credit_grade_history(request: HttpRequest, kind: str, public_id: str) -> list[SnapshotOut]:
    subject = graded_subject_for(request, kind, public_id)
    return [
        SnapshotOut.of(s, ruleset_of(s.ruleset).grade_name_zh(s.grade))
        for s in grade_history(subject)
    ]


class ExplainQuery(Schema):
    as_of: str = SchemaField("", description="评级基准日（YYYY-MM-DD），缺省今天")


@router.get(
    "/subjects/{kind}/{public_id}/grade/explain",
    response={200: ExplanationOut, **_READ_ERRORS, 422: ErrorOut},
    auth=policy_auth("api:credit_grade_explain"),
    operation_id="credit_grade_explain",
    summary="信用等级说明（每条计分记录及所依据的规则）",
)
def credit_grade_explain(
    request: HttpRequest, kind: str, public_id: str, params: Query[ExplainQuery]
) -> ExplanationOut:
    subject = graded_subject_for(request, kind, public_id)
    as_of = None
    if params.as_of:
        try:
            as_of = dt.date.fromisoformat(params.as_of)
        except ValueError:
            raise ValidationFailed.for_fields(
                _("The date is not valid."), {"as_of": [_("Use the format YYYY-MM-DD.")]}
            ) from None
    return ExplanationOut.of(grade_explain(subject, as_of=as_of))


# --- Rule sets ---------------------------------------------------------------------------------


@router.get(
    "/rulesets",
    response={200: list[RulesetOut], **_READ_ERRORS},
    auth=policy_auth("api:credit_rulesets_list"),
    operation_id="credit_rulesets_list",
    summary="评级规则集版本列表",
)
def credit_rulesets_list(request: HttpRequest) -> list[RulesetOut]:
    return [RulesetOut.of(r) for r in selectors.rulesets_list()]


@router.post(
    "/rulesets",
    response={201: RulesetOut, **_WRITE_ERRORS},
    auth=policy_auth("api:credit_ruleset_load"),
    operation_id="credit_ruleset_load",
    summary="载入评级规则集（草稿）",
)
def credit_ruleset_load(request: HttpRequest, payload: RulesetLoadIn) -> Status[RulesetOut]:
    row = rulesets.ruleset_load(
        actor=actor(request),
        text=payload.text,
        source_name=payload.file_name,
    )
    return Status(201, RulesetOut.of(row))


@router.post(
    "/rulesets/{ruleset_pk}/activate",
    response={200: RulesetOut, **_WRITE_ERRORS},
    auth=policy_auth("api:credit_ruleset_activate"),
    operation_id="credit_ruleset_activate",
    summary="启用评级规则集（并提交全量重新评级）",
)
def credit_ruleset_activate(request: HttpRequest, ruleset_pk: int) -> RulesetOut:
    row = rulesets.ruleset_activate_and_regrade(
        actor=actor(request),
        version=selectors.ruleset_get(ruleset_pk),
    )
    return RulesetOut.of(row)


@router.get(
    "/rulesets/{ruleset_pk}/preview",
    response={200: PreviewOut, **_READ_ERRORS, 400: ErrorOut},
    auth=policy_auth("api:credit_ruleset_preview"),
    operation_id="credit_ruleset_preview",
    summary="规则集影响预览（等级分布变化和等级将变化的主体）",
)
def credit_ruleset_preview(request: HttpRequest, ruleset_pk: int) -> PreviewOut:
    preview = selectors.ruleset_preview(version=selectors.ruleset_get(ruleset_pk))
    return PreviewOut(
        candidate=RulesetOut.of(preview.candidate),
        active=RulesetOut.of(preview.active),
        as_of=preview.as_of,
        subjects=preview.subjects,
        changed_count=preview.changed_count,
        shift=[
            GradeShiftOut(grade=g, before=b, after=a, delta=d) for g, b, a, d in preview.shift()
        ],
        changes=[GradeChangeOut(**vars(c)) for c in preview.changes],
    )


@router.post(
    "/regrade",
    response={202: JobOut, **_WRITE_ERRORS},
    auth=policy_auth("api:credit_regrade"),
    operation_id="credit_regrade",
    summary="提交全量重新评级（后台任务）",
)
def credit_regrade(request: HttpRequest, payload: RegradeIn) -> Status[JobOut]:
    job = regrade_submit(actor=actor(request), reason=payload.reason, as_of=payload.as_of)
    return Status(202, JobOut(job=job.public_id, status=job.status))
