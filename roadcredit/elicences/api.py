"""The e-licence JSON API, mounted at /api/elicences.

Handlers only parse, let the policy auth admit the caller (``policy_auth("api:<operation_id>")``),
call one selector or service and render; every failure is an ``ApplicationError`` rendered by
config.api as ``{"message", "extra"}``. Verification, the status list and the trust list are
public.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile

from roadcredit.accounts.access import acting_user as _actor
from roadcredit.accounts.api_auth import policy_auth
from roadcredit.core.api_schemas import READ_ERRORS as _READ_ERRORS
from roadcredit.core.api_schemas import WRITE_ERRORS as _WRITE_ERRORS
from roadcredit.core.ratelimit import throttle_verification

from . import selectors, services
from .pdfcheck import MAX_BYTES
from .schemas import (
    ErrorOut,
    LicenceActionIn,
    LicenceIssueIn,
    LicenceListItemOut,
    LicenceOut,
    StatusListOut,
    StatusListQuery,
    VerificationOut,
    VerifyIn,
)
from .services.statuslist_publish import default_status_list_id
from .verification import (
    licence_face_for_viewer,
    trust_list_document,
    verify_pdf_upload,
    verify_scanned,
)

if TYPE_CHECKING:
    pass

router = Router()


def _out(request: HttpRequest, licence: Any) -> LicenceOut:
    face = licence_face_for_viewer(viewer=request.user, licence=licence, channel="api")
    return LicenceOut.of(licence, face)


# --- Licences ---------------------------------------------------------------------------------


@router.post(
    "/licences",
    response={201: LicenceOut, **_WRITE_ERRORS},
    auth=policy_auth("api:licence_issue"),
    operation_id="licence_issue",
    summary="签发证照（纸质与电子同步）",
    description="分配纸质证照编号和电子证照标识，生成照面信息和签名二维码。签章文件在首次下载时生成。",
)
def licence_issue(request: HttpRequest, payload: LicenceIssueIn) -> Status[LicenceOut]:
    holder = selectors.subject_get_for(
        viewer=request.user, kind=payload.holder_kind, public_id=payload.holder_public_id
    )
    licence = services.licence_issue(
        actor=_actor(request),
        type_key=payload.type_key,
        holder=holder,
        valid_from=payload.valid_from,
        data=payload.data,
    )
    return Status(201, _out(request, licence))


@router.get(
    "/licences/{public_id}",
    response={200: LicenceOut, **_READ_ERRORS},
    auth=policy_auth("api:licence_get"),
    operation_id="licence_get",
    summary="读取证照",
)
def licence_get(request: HttpRequest, public_id: str) -> LicenceOut:
    licence = selectors.licence_get_for(viewer=request.user, public_id=public_id)
    return _out(request, licence)


@router.get(
    "/subjects/{kind}/{public_id}/licences",
    response={200: list[LicenceListItemOut], **_READ_ERRORS},
    auth=policy_auth("api:licences_of_subject"),
    operation_id="licences_of_subject",
    summary="主体的证照（含历史版本）",
    description="kind：operator 经营业户 / vehicle 车辆 / practitioner 从业人员。",
)
def licences_of_subject(
    request: HttpRequest, kind: str, public_id: str
) -> list[LicenceListItemOut]:
    subject = selectors.subject_get_for(viewer=request.user, kind=kind, public_id=public_id)
    licences = selectors.licences_of_subject(viewer=request.user, subject=subject)
    return [LicenceListItemOut.of(licence) for licence in licences]


@router.get(
    "/licences/{public_id}/pdf",
    response={200: None, 409: ErrorOut, **_READ_ERRORS},
    auth=policy_auth("api:licence_pdf"),
    operation_id="licence_pdf",
    summary="下载电子证照文件（PDF，已签章）",
)
def licence_pdf(request: HttpRequest, public_id: str) -> HttpResponse:
    licence = selectors.licence_get_for(viewer=request.user, public_id=public_id)
    response = HttpResponse(services.licence_pdf(licence=licence), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="licence-{licence.public_id}.pdf"'
    return response


# --- Lifecycle --------------------------------------------------------------------------------


def _lifecycle(
    request: HttpRequest, public_id: str, action: str, payload: LicenceActionIn
) -> LicenceOut:
    licence = selectors.licence_get_for(viewer=request.user, public_id=public_id)
    actor = _actor(request)
    if action == "change":
        result = services.licence_change(
            actor=actor, licence=licence, data=payload.data, reason=payload.reason
        )
    elif action == "renew":
        result = services.licence_renew(
            actor=actor,
            licence=licence,
            valid_from=payload.valid_from,
            data=payload.data,
            reason=payload.reason,
        )
    elif action == "replace":
        result = services.licence_replace(actor=actor, licence=licence, reason=payload.reason)
    elif action == "suspend":
        result = services.licence_suspend(actor=actor, licence=licence, reason=payload.reason)
    elif action == "resume":
        result = services.licence_resume(actor=actor, licence=licence, reason=payload.reason)
    elif action == "revoke":
        result = services.licence_revoke(
            actor=actor,
            licence=licence,
            reason=payload.reason,
            credit_record_ref=payload.credit_record_ref,
        )
    else:
        result = services.licence_cancel(actor=actor, licence=licence, reason=payload.reason)
    return _out(request, result)


def _action_route(action: str, summary: str) -> None:
    operation_id = f"licence_{action}"

    def handler(request: HttpRequest, public_id: str, payload: LicenceActionIn) -> LicenceOut:
        return _lifecycle(request, public_id, action, payload)

    handler.__name__ = operation_id
    router.post(
        f"/licences/{{public_id}}/{action}",
        response={200: LicenceOut, **_WRITE_ERRORS},
        auth=policy_auth(f"api:{operation_id}"),
        operation_id=operation_id,
        summary=summary,
    )(handler)


for _action, _summary in (
    ("change", "证照变更（生成新版本）"),
    ("renew", "证照延续/换证（生成新版本）"),
    ("replace", "证照补证（生成新版本）"),
    ("suspend", "暂停证照"),
    ("resume", "恢复证照"),
    ("revoke", "吊销证照"),
    ("cancel", "注销证照"),
):
    _action_route(_action, _summary)


# --- Public: verification, status list, trust list ---------------------------------------------


@router.post(
    "/verify",
    response={200: VerificationOut, 422: ErrorOut, 429: ErrorOut},
    auth=policy_auth("api:verify_token"),
    operation_id="verify_token",
    summary="扫码核验（公开）",
    description="提交扫描到的二维码内容（核验网址或令牌），返回实时核验结果。"
    "执法检查等授权人员可请求完整照面信息（记录审计日志）。",
)
def verify_token(request: HttpRequest, payload: VerifyIn) -> VerificationOut:
    throttle_verification(request)
    outcome = verify_scanned(text=payload.text, viewer=request.user, full=payload.full)
    return VerificationOut.of(outcome)


@router.post(
    "/verify-pdf",
    response={200: VerificationOut, 422: ErrorOut, 429: ErrorOut},
    auth=policy_auth("api:verify_pdf"),
    operation_id="verify_pdf",
    summary="电子证照文件核验（公开）",
    description="上传 PDF 电子证照：核验签章完整、由本局签发、签章后未改动、与证照记录一致及当前状态。",
)
def verify_pdf(request: HttpRequest, file: File[UploadedFile]) -> VerificationOut:
    throttle_verification(request)
    content = file.read(MAX_BYTES + 1)
    outcome = verify_pdf_upload(pdf_bytes=content, viewer=request.user)
    return VerificationOut.of(outcome)


@router.get(
    "/status-list",
    response={200: StatusListOut},
    auth=policy_auth("api:status_list"),
    operation_id="status_list",
    summary="证照状态列表（公开，签名）",
    description="离线核验使用：令牌中的状态列表序号对应的 2 位状态（0 有效 1 暂停 2 吊销 3 注销/失效）。",
)
def status_list(request: HttpRequest, params: Query[StatusListQuery]) -> StatusListOut:
    published = services.status_list_published(params.list_id or default_status_list_id())
    return StatusListOut.of(published)


@router.get(
    "/trust-list",
    response={200: dict[str, Any]},
    auth=policy_auth("api:trust_list"),
    operation_id="trust_list",
    summary="信任列表（公开）",
    description="签发二维码令牌和状态列表的密钥（密钥标识、证书、签名期限、状态）。",
)
def trust_list(request: HttpRequest) -> dict[str, Any]:
    return trust_list_document()
