"""Request and response schemas of the e-licence API (django-ninja / pydantic).

Responses never carry an unmasked ID number except in the face rows given to a viewer entitled
to them (``verification.licence_face_for_viewer``, logged) and the holder's own account.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from ninja import Field, Schema
from pydantic import StrictBool, StrictStr

from roadcredit.core.api_schemas import ErrorOut as ErrorOut  # re-exported: one error shape

from .models import Licence
from .selectors import FaceRow, holder_public_name, licence_type_name, status_label
from .services.statuslist_publish import PublishedStatusList
from .verification import LicenceSummary, VerificationOutcome

# --- Input ------------------------------------------------------------------------------------


class LicenceIssueIn(Schema):
    type_key: str = Field(..., description="证照类型（目录 key，如 business_licence）")
    holder_kind: str = Field(..., description="持证主体类型：operator / vehicle / practitioner")
    holder_public_id: str = Field(..., description="持证主体的公开标识")
    valid_from: dt.date | None = Field(None, description="有效期起，缺省为发证当日")
    data: dict[str, Any] = Field(
        default_factory=dict,
        description="照面信息补充（如 business_scope、dimensions）及 valid_until",
    )


class LicenceActionIn(Schema):
    reason: str = Field("", max_length=300, description="原因（暂停、吊销、注销、补证必填）")
    data: dict[str, Any] = Field(default_factory=dict, description="变更的照面信息（变更、延续）")
    valid_from: dt.date | None = Field(None, description="新有效期起（延续）")
    credit_record_ref: str | None = Field(
        None, max_length=64, description="吊销所依据的信用记录（吊销）"
    )


class VerifyIn(Schema):
    text: StrictStr = Field(
        ..., max_length=8192, description="扫描到的二维码内容（核验网址或令牌）"
    )
    full: StrictBool = Field(
        False, description="请求完整照面信息（仅执法检查等授权人员，且记录审计日志）"
    )


class StatusListQuery(Schema):
    list_id: str | None = Field(
        None, pattern=r"^[0-9]{6}-[1-9][0-9]{0,5}$", description="状态列表标识，缺省为第 1 个"
    )


# --- Output -----------------------------------------------------------------------------------


class FaceRowOut(Schema):
    key: str
    label: str
    value: str

    @classmethod
    def of(cls, row: FaceRow) -> FaceRowOut:
        return cls(key=row.key, label=row.label, value=row.value)


class LicenceOut(Schema):
    public_id: str
    identifier: str | None = Field(None, description="电子证照标识（GB/T 36904）")
    type_key: str
    type_name: str
    type_code: str
    holder_kind: str
    holder_public_id: str
    holder: str = Field(..., description="持证主体（自然人姓名已脱敏）")
    number: str = Field(..., description="证照编号（身份证号码作编号时已脱敏）")
    version: int
    predecessor_identifier: str | None = Field(None, description="关联证照标识（前一版本）")
    status: str
    status_label: str
    status_reason: str
    valid_from: dt.date
    valid_until: dt.date | None
    issued_on: dt.date
    has_electronic: bool
    origin: str
    qr_text: str = Field(..., description="二维码内容（核验网址，含签名令牌）")
    credit_record_ref: str
    face: list[FaceRowOut]

    @classmethod
    def of(cls, licence: Licence, face: list[FaceRow]) -> LicenceOut:
        predecessor = licence.predecessor
        return cls(
            public_id=licence.public_id,
            identifier=licence.identifier,
            type_key=licence.type_key,
            type_name=licence_type_name(licence.type_key),
            type_code=licence.type_code,
            holder_kind=licence.holder_kind,
            holder_public_id=licence.holder.public_id,  # type: ignore[attr-defined]
            holder=holder_public_name(licence),
            number=licence.paper_number,
            version=licence.version,
            predecessor_identifier=predecessor.identifier if predecessor is not None else None,
            status=licence.status,
            status_label=status_label(licence.status),
            status_reason=licence.status_reason,
            valid_from=licence.valid_from,
            valid_until=licence.valid_until,
            issued_on=licence.issued_on,
            has_electronic=licence.has_electronic,
            origin=licence.origin,
            qr_text=licence.qr_text,
            credit_record_ref=licence.credit_record_ref,
            face=[FaceRowOut.of(row) for row in face],
        )


class LicenceListItemOut(Schema):
    public_id: str
    identifier: str | None
    type_key: str
    type_name: str
    number: str
    version: int
    status: str
    status_label: str
    valid_from: dt.date
    valid_until: dt.date | None
    issued_on: dt.date
    has_electronic: bool

    @classmethod
    def of(cls, licence: Licence) -> LicenceListItemOut:
        return cls(
            public_id=licence.public_id,
            identifier=licence.identifier,
            type_key=licence.type_key,
            type_name=licence_type_name(licence.type_key),
            number=licence.paper_number,
            version=licence.version,
            status=licence.status,
            status_label=status_label(licence.status),
            valid_from=licence.valid_from,
            valid_until=licence.valid_until,
            issued_on=licence.issued_on,
            has_electronic=licence.has_electronic,
        )


class LicenceSummaryOut(Schema):
    identifier: str
    type_key: str
    type_name: str
    number: str
    holder: str
    issuer: str
    valid_from: dt.date
    valid_until: dt.date | None
    issued_on: dt.date
    status: str
    status_label: str
    version: int
    successor_identifier: str | None

    @classmethod
    def of(cls, summary: LicenceSummary) -> LicenceSummaryOut:
        return cls(
            identifier=summary.identifier,
            type_key=summary.type_key,
            type_name=summary.type_name,
            number=summary.number,
            holder=summary.holder,
            issuer=summary.issuer,
            valid_from=summary.valid_from,
            valid_until=summary.valid_until,
            issued_on=summary.issued_on,
            status=summary.status,
            status_label=summary.status_label,
            version=summary.version,
            successor_identifier=summary.successor_identifier,
        )


class VerificationOut(Schema):
    verdict: str = Field(
        ...,
        description="valid 有效 / expired 已过期 / suspended 已暂停 / revoked 已吊销 / cancelled 已注销"
        " / changed 已变更 / unknown 无法识别 / tampered 疑似伪造 / code_expired 亮证码已过期",
    )
    label: str
    message: str
    ok: bool
    token_kind: str | None = Field(None, description="licence 证照二维码 / presentation 亮证动态码")
    token_kind_label: str
    reason: str | None
    seal_ok: bool
    match: str | None = Field(
        None, description="文件核验：file 与存档文件一致 / identifier 标识一致"
    )
    licence: LicenceSummaryOut | None
    face: list[FaceRowOut] | None = Field(None, description="完整照面信息（仅授权人员）")

    @classmethod
    def of(cls, outcome: VerificationOutcome) -> VerificationOut:
        return cls(
            verdict=outcome.verdict,
            label=outcome.label,
            message=outcome.message,
            ok=outcome.ok,
            token_kind=outcome.token_kind,
            token_kind_label=outcome.token_kind_label,
            reason=outcome.reason,
            seal_ok=outcome.seal_ok,
            match=outcome.match,
            licence=LicenceSummaryOut.of(outcome.summary) if outcome.summary else None,
            face=[FaceRowOut.of(row) for row in outcome.face] if outcome.face else None,
        )


class StatusListOut(Schema):
    list_id: str
    issued_at: dt.datetime
    size: int
    bits: str = Field(..., description="base64url(zlib(2 位/条目)) 状态位串")
    signed: str = Field(..., description="签名的状态列表（COSE_Sign1，base64）")

    @classmethod
    def of(cls, published: PublishedStatusList) -> StatusListOut:
        return cls(
            list_id=published.list_id,
            issued_at=published.issued_at,
            size=published.status_list.size,
            bits=published.status_list.encode(),
            signed=base64.b64encode(published.signed).decode("ascii"),
        )
