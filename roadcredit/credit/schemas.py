"""Request and response schemas of the credit data-pool API (django-ninja / pydantic).

Input schemas accept the record fields as optional on purpose: ``record_input.parse_record``
reports every missing or malformed field at once in Chinese (in ``extra.fields``).
Responses never carry full ID numbers: practitioners appear with their masked ID number.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from roadcredit.credit.grading import GradeResult
from roadcredit.credit.models import (
    CreditRecord,
    GradeSnapshot,
    IntakeBatch,
    LinkQueueItem,
    RuleSetVersion,
)

_DATE = "日期（YYYY-MM-DD）"


class RecordFieldsIn(Schema):
    source_ref: str | None = Field(
        None, description="来源记录编号（同一来源内唯一；重复推送即更新）"
    )
    behaviour_code: str | None = Field(None, description="信用行为代码，如 RT-N-008")
    points: int | None = Field(None, description="分值；缺省取行为目录的默认分值")
    occurred_on: str | None = Field(None, description=f"行为发生日期，{_DATE}")
    decision_number: str | None = Field(None, description="处理决定文书号")
    decided_on: str | None = Field(None, description=f"决定日期，{_DATE}；未作出决定时留空")
    description: str | None = Field(None, description="情况说明")
    on_serious_list: bool | None = Field(None, description="是否已列入严重失信主体名单")


class RecordPushIn(RecordFieldsIn):
    uscc: str | None = Field(None, description="经营业户统一社会信用代码（三选一）")
    id_number: str | None = Field(None, description="从业人员身份证号码（三选一）")
    plate: str | None = Field(None, description="车牌号码（三选一，须同时给车牌颜色）")
    plate_colour: str | None = Field(
        None, description="车牌颜色代码：1 蓝 / 2 黄 / 5 绿 / 93 黄绿 …"
    )
    subject_name: str | None = Field(None, description="主体名称（用于待关联队列显示）")


class IntakePushIn(Schema):
    batch_id: str | None = Field(
        None, description="来源系统的批次号（幂等键）；缺省时以记录内容的 SHA-256 为幂等键"
    )
    records: list[dict[str, Any]] = Field(
        ..., description="记录列表（字段见 RecordPushIn），每批最多 5000 条"
    )


class RecordCreateIn(RecordFieldsIn):
    subject_kind: str = Field(..., description="主体类型：operator / vehicle / practitioner")
    subject_id: str = Field(..., description="主体的 public id")


class RecordDecideIn(Schema):
    decision_number: str = Field(..., description="处理决定文书号")
    decided_on: dt.date = Field(..., description=f"决定日期，{_DATE}")
    points: int | None = Field(None, description="决定的分值（缺省保持不变）")


class RecordStatusIn(Schema):
    status: str = Field(
        ..., description="新状态：under_objection / active / repaired / expired / withdrawn"
    )
    reason: str = Field(..., description="变更理由")


class LinkResolveIn(Schema):
    subject_id: str = Field(..., description="要关联的主体 public id（类型须与记录的标识一致）")


class LinkDiscardIn(Schema):
    reason: str = Field(..., description="放弃理由")


class RulesetLoadIn(Schema):
    file_name: str = Field(..., description="规则文件名，如 enterprise-shandong-2026.toml")
    text: str = Field(..., description="规则文件内容（TOML）")


class RegradeIn(Schema):
    reason: str = Field("手工触发全量重新评级", description="原因")
    as_of: dt.date | None = Field(None, description="评级基准日，缺省今天")


# --- Output ------------------------------------------------------------------------------------


class SubjectRefOut(Schema):
    kind: str
    public_id: str
    label: str = Field(..., description="名称；从业人员为姓名和脱敏身份证号码")


def subject_out(subject: Any, kind: str) -> SubjectRefOut | None:
    if subject is None:
        return None
    if kind == "practitioner":
        label = f"{subject.name}（{subject.id_number_masked}）"
    elif kind == "vehicle":
        label = str(subject)
    else:
        label = f"{subject.name}（{subject.uscc}）"
    return SubjectRefOut(kind=kind, public_id=subject.public_id, label=label)


class RecordOut(Schema):
    public_id: str
    subject: SubjectRefOut | None
    counts_toward: SubjectRefOut | None = Field(
        None, description="计入评级的主体（车辆记录计入所属业户）"
    )
    behaviour_code: str
    behaviour_name: str
    direction: str
    severity: str
    points: int
    occurred_on: dt.date
    decision_number: str
    decided_on: dt.date | None
    status: str
    status_label: str
    description: str
    earliest_repair_on: dt.date | None
    takedown_on: dt.date | None
    publication_rule_id: str
    published: bool
    on_serious_list: bool
    source: str
    source_ref: str
    batch: int | None
    source_row: int | None

    @classmethod
    def of(cls, record: CreditRecord) -> RecordOut:
        graded_kind = "practitioner" if record.subject_kind == "practitioner" else "operator"
        return cls(
            public_id=record.public_id,
            subject=subject_out(record.subject, record.subject_kind),
            counts_toward=subject_out(record.graded_subject, graded_kind),
            behaviour_code=record.behaviour_code,
            behaviour_name=record.behaviour_name,
            direction=record.direction,
            severity=record.severity,
            points=record.points,
            occurred_on=record.occurred_on,
            decision_number=record.decision_number,
            decided_on=record.decided_on,
            status=record.status,
            status_label=str(record.get_status_display()),
            description=record.description,
            earliest_repair_on=record.earliest_repair_on,
            takedown_on=record.takedown_on,
            publication_rule_id=record.publication_rule_id,
            published=record.published,
            on_serious_list=record.on_serious_list,
            source=record.source.code,
            source_ref=record.source_ref,
            batch=record.batch_id,
            source_row=record.source_row,
        )


class RecordPageOut(Schema):
    total: int
    items: list[RecordOut]


class RowErrorOut(Schema):
    row: int | None
    source_ref: str
    field: str
    label: str
    message: str


class BatchOut(Schema):
    id: int
    source: str
    channel: str
    batch_key: str | None
    status: str
    total_rows: int
    created: int
    updated: int
    unchanged: int
    to_link: int
    errors: int
    received_at: dt.datetime
    error_rows: list[RowErrorOut]

    @classmethod
    def of(cls, batch: IntakeBatch) -> BatchOut:
        return cls(
            id=batch.pk,
            source=batch.source.code,
            channel=batch.channel,
            batch_key=batch.batch_key,
            status=batch.status,
            total_rows=batch.total_rows,
            created=batch.created_count,
            updated=batch.updated_count,
            unchanged=batch.unchanged_count,
            to_link=batch.to_link_count,
            errors=batch.error_count,
            received_at=batch.received_at,
            error_rows=[RowErrorOut(**e) for e in batch.errors],
        )


class LinkItemOut(Schema):
    public_id: str
    source: str
    source_ref: str
    batch: int | None
    source_row: int | None
    identifier_kind: str
    identifier: str = Field(..., description="脱敏后的主体标识")
    summary: dict[str, Any]
    status: str
    record: str | None
    created_at: dt.datetime

    @classmethod
    def of(cls, item: LinkQueueItem) -> LinkItemOut:
        return cls(
            public_id=item.public_id,
            source=item.source.code,
            source_ref=item.source_ref,
            batch=item.batch_id,
            source_row=item.source_row,
            identifier_kind=item.identifier_kind,
            identifier=item.identifier_masked,
            summary=item.summary,
            status=item.status,
            record=None if item.record is None else item.record.public_id,
            created_at=item.created_at,
        )


class LinkPageOut(Schema):
    total: int
    items: list[LinkItemOut]


class RulesetOut(Schema):
    id: int
    scheme: str
    ruleset_id: str
    version: str
    title: str
    digest: str
    source_name: str
    status: str
    activated_at: dt.datetime | None
    created_at: dt.datetime

    @classmethod
    def of(cls, row: RuleSetVersion) -> RulesetOut:
        return cls(
            id=row.pk,
            scheme=row.scheme,
            ruleset_id=row.ruleset_id,
            version=row.version,
            title=row.title,
            digest=row.digest,
            source_name=row.source_name,
            status=row.status,
            activated_at=row.activated_at,
            created_at=row.created_at,
        )


class GradeShiftOut(Schema):
    grade: str
    before: int
    after: int
    delta: int


class GradeChangeOut(Schema):
    subject_kind: str
    public_id: str
    name: str
    before: str
    after: str
    score_before: int | None
    score_after: int | None


class PreviewOut(Schema):
    candidate: RulesetOut
    active: RulesetOut
    as_of: dt.date
    subjects: int
    changed_count: int
    shift: list[GradeShiftOut]
    changes: list[GradeChangeOut]


class SnapshotOut(Schema):
    as_of: dt.date
    grade: str
    grade_name: str
    score: int | None
    rated: bool
    tier: str
    ruleset: str
    input_fingerprint: str
    computed_at: dt.datetime
    reason: str

    @classmethod
    def of(cls, snapshot: GradeSnapshot, grade_name: str) -> SnapshotOut:
        return cls(
            as_of=snapshot.as_of,
            grade=snapshot.grade,
            grade_name=grade_name,
            score=snapshot.score,
            rated=snapshot.rated,
            tier=snapshot.tier,
            ruleset=str(snapshot.ruleset),
            input_fingerprint=snapshot.input_fingerprint,
            computed_at=snapshot.computed_at,
            reason=snapshot.reason,
        )


class ContributionOut(Schema):
    record_id: str
    behaviour_code: str
    behaviour_name: str
    rule_id: str
    direction: str
    points: int
    occurred_on: dt.date
    period: str
    note: str


class AdjustmentOut(Schema):
    kind: str
    rule_id: str
    note: str
    record_id: str | None


class ExplanationOut(Schema):
    as_of: dt.date
    grade: str
    grade_name: str
    tier: str
    rated: bool
    score: int | None
    period_start: dt.date | None
    period_end: dt.date | None
    points_deducted: int
    points_added: int
    bad_conduct_points: int
    ruleset_id: str
    ruleset_version: str
    ruleset_digest: str
    input_fingerprint: str
    contributions: list[ContributionOut]
    adjustments: list[AdjustmentOut]

    @classmethod
    def of(cls, result: GradeResult) -> ExplanationOut:
        return cls(
            as_of=result.as_of,
            grade=result.grade,
            grade_name=result.grade_name_zh,
            tier=result.tier,
            rated=result.rated,
            score=result.score,
            period_start=result.period_start,
            period_end=result.period_end,
            points_deducted=result.points_deducted,
            points_added=result.points_added,
            bad_conduct_points=result.bad_conduct_points,
            ruleset_id=result.ruleset_id,
            ruleset_version=result.ruleset_version,
            ruleset_digest=result.ruleset_digest,
            input_fingerprint=result.input_fingerprint,
            contributions=[
                ContributionOut(
                    record_id=c.record_id,
                    behaviour_code=c.behaviour_code,
                    behaviour_name=c.behaviour_name_zh,
                    rule_id=c.rule_id,
                    direction=c.direction,
                    points=c.points,
                    occurred_on=c.occurred_on,
                    period=c.period,
                    note=c.note_zh,
                )
                for c in result.contributions
            ],
            adjustments=[
                AdjustmentOut(kind=a.kind, rule_id=a.rule_id, note=a.note_zh, record_id=a.record_id)
                for a in result.adjustments
            ],
        )


class JobOut(Schema):
    job: str
    status: str
