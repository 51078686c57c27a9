"""The licensing JSON API, mounted at /api/licensing.

Handlers only parse, let the policy auth admit the caller (``policy_auth("api:<operation_id>")``),
call one selector or service and render. The per-object scope (a holder sees only its own
applications) is the selectors'; who may take which step is the workflow's, checked by the
services. Every failure is an ``ApplicationError`` rendered as ``{"message", "extra"}``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from roadcredit.accounts.access import acting_user as _actor
from roadcredit.accounts.api_auth import policy_auth
from roadcredit.core.api_schemas import READ_ERRORS as _READ_ERRORS
from roadcredit.core.api_schemas import WRITE_ERRORS as _WRITE_ERRORS
from roadcredit.core.errors import NotFound

from . import selectors, services
from .catalogue import default_catalogue
from .schemas import (
    AcceptIn,
    ApplicationIn,
    ApplicationOut,
    ApproveIn,
    BundleOut,
    CloseIn,
    CommitmentIn,
    CommitmentOut,
    CreditEntryOut,
    CreditPanelOut,
    ErrorOut,
    MaterialFileOut,
    OpinionIn,
    ProceedingOut,
    QueueEntryOut,
    ReasonIn,
    ReturnIn,
    RevocationDecideIn,
    ServiceItemOut,
    StatisticsOut,
    TaskOut,
    TierOut,
    VerifyCommitmentIn,
    VersionIn,
    VisitIn,
)

if TYPE_CHECKING:
    pass

router = Router()

_PUBLIC_ERRORS: dict[int, Any] = {404: ErrorOut}


def _application(request: HttpRequest, public_id: str) -> Any:
    return selectors.application_get_for(viewer=request.user, public_id=public_id)


def _out(request: HttpRequest, application: Any) -> ApplicationOut:
    fresh = selectors.application_get_for(viewer=request.user, public_id=application.public_id)
    return ApplicationOut.of(fresh, viewer=request.user, rows=selectors.materials_status(fresh))


# --- Guides (public) ----------------------------------------------------------------------------


@router.get(
    "/items",
    response={200: list[ServiceItemOut]},
    auth=policy_auth("api:service_items_list"),
    operation_id="service_items_list",
    summary="办事事项及办事指南（公开）",
)
def service_items_list(request: HttpRequest) -> list[ServiceItemOut]:
    return [ServiceItemOut.of(item) for item in default_catalogue().items.values()]


@router.get(
    "/items/{key}",
    response={200: ServiceItemOut, **_PUBLIC_ERRORS},
    auth=policy_auth("api:service_item_get"),
    operation_id="service_item_get",
    summary="办事指南（公开）",
)
def service_item_get(request: HttpRequest, key: str) -> ServiceItemOut:
    try:
        return ServiceItemOut.of(default_catalogue().item(key))
    except KeyError:
        raise NotFound("没有这个办事事项") from None


@router.get(
    "/bundles",
    response={200: list[BundleOut]},
    auth=policy_auth("api:service_bundles_list"),
    operation_id="service_bundles_list",
    summary="“一件事”套餐（公开）",
)
def service_bundles_list(request: HttpRequest) -> list[BundleOut]:
    return [BundleOut.of(bundle) for bundle in default_catalogue().bundles.values()]


@router.get(
    "/my-tier",
    response={200: TierOut, **_READ_ERRORS},
    auth=policy_auth("api:my_tier"),
    operation_id="my_tier",
    summary="本人（本单位）当前信用分级及理由",
)
def my_tier(request: HttpRequest) -> TierOut:
    decision = selectors.my_tier(viewer=request.user)
    p = decision.privileges
    return TierOut(
        tier=decision.tier,
        tier_name=decision.name_zh,
        reasons=list(decision.reasons_zh),
        one_form=p.one_form,
        commitment=p.commitment,
        rongque=p.rongque,
        enhanced=p.enhanced,
    )


# --- Applications --------------------------------------------------------------------------------


@router.post(
    "/applications",
    response={201: ApplicationOut, **_WRITE_ERRORS},
    auth=policy_auth("api:application_create"),
    operation_id="application_create",
    summary="新建申请（一表申请；窗口可代办）",
)
def application_create(request: HttpRequest, payload: ApplicationIn) -> Status[ApplicationOut]:
    data = payload.model_dump(exclude_none=True)
    application = services.application_create(actor=_actor(request), data=data)
    return Status(201, _out(request, application))


@router.get(
    "/applications",
    response={200: list[QueueEntryOut], **_READ_ERRORS},
    auth=policy_auth("api:applications_list"),
    operation_id="applications_list",
    summary="申请列表（申请人：本人的；工作人员：全部）",
)
def applications_list(request: HttpRequest, status: str | None = None) -> list[QueueEntryOut]:
    found = selectors.applications_of_viewer(viewer=request.user, status=status)
    return [QueueEntryOut.of(a) for a in found]


@router.get(
    "/applications/{public_id}",
    response={200: ApplicationOut, **_READ_ERRORS},
    auth=policy_auth("api:application_get"),
    operation_id="application_get",
    summary="读取申请（含信用分级及理由、材料、文书）",
)
def application_get(request: HttpRequest, public_id: str) -> ApplicationOut:
    return _out(request, _application(request, public_id))


@router.post(
    "/applications/{public_id}/materials",
    response={201: MaterialFileOut, **_WRITE_ERRORS},
    auth=policy_auth("api:material_upload"),
    operation_id="material_upload",
    summary="上传申请材料（PDF、JPG、PNG）",
)
def material_upload(
    request: HttpRequest,
    public_id: str,
    item: Form[int],
    key: Form[str],
    file: File[UploadedFile],
) -> Status[MaterialFileOut]:
    application = _application(request, public_id)
    material = services.material_upload(
        actor=_actor(request),
        application=application,
        item_position=item,
        material_key=key,
        file=file,
    )
    return Status(
        201,
        MaterialFileOut(
            public_id=material.public_id,
            item=item,
            key=material.material_key,
            name=material.original_name,
            content_type=material.content_type,
            size=material.size,
            supplement=material.supplement,
            uploaded_at=material.created_at,
        ),
    )


def _download(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    response["Cache-Control"] = "private, no-store"
    return response


@router.get(
    "/applications/{public_id}/materials/{material_id}",
    response={200: None, **_READ_ERRORS},
    auth=policy_auth("api:material_download"),
    operation_id="material_download",
    summary="下载申请材料（仅申请人本人和工作人员）",
)
def material_download(request: HttpRequest, public_id: str, material_id: str) -> HttpResponse:
    application = _application(request, public_id)
    material = selectors.material_get_for(
        viewer=request.user, application=application, public_id=material_id
    )
    with material.file.open("rb") as handle:
        content = handle.read()
    return _download(content, material.content_type, material.original_name)


@router.get(
    "/applications/{public_id}/notices/{notice_id}/pdf",
    response={200: None, **_READ_ERRORS},
    auth=policy_auth("api:notice_pdf"),
    operation_id="notice_pdf",
    summary="下载文书（加盖电子印章的 PDF）",
)
def notice_pdf(request: HttpRequest, public_id: str, notice_id: str) -> HttpResponse:
    application = _application(request, public_id)
    notice = selectors.notice_get_for(
        viewer=request.user, application=application, public_id=notice_id
    )
    return _download(
        services.notice_pdf(notice=notice), "application/pdf", f"{notice.title}{notice.number}.pdf"
    )


@router.post(
    "/applications/{public_id}/commitment",
    response={201: CommitmentOut, **_WRITE_ERRORS},
    auth=policy_auth("api:commitment_sign"),
    operation_id="commitment_sign",
    summary="签署信用承诺（以承诺替代部分证明材料）",
)
def commitment_sign(
    request: HttpRequest, public_id: str, payload: CommitmentIn
) -> Status[CommitmentOut]:
    application = _application(request, public_id)
    commitment = services.commitment_sign(
        actor=_actor(request), application=application, confirmed=payload.confirmed
    )
    return Status(201, CommitmentOut.of(commitment))


Handler = Callable[..., ApplicationOut]


def _action(
    operation_id: str, path: str, summary: str, description: str = ""
) -> Callable[[Handler], Handler]:
    """One workflow step: POST /applications/{public_id}/<path> with its own policy."""
    decorator: Callable[[Handler], Handler] = router.post(
        f"/applications/{{public_id}}/{path}",
        response={200: ApplicationOut, **_WRITE_ERRORS},
        auth=policy_auth(f"api:{operation_id}"),
        operation_id=operation_id,
        summary=summary,
        description=description,
    )
    return decorator


@_action("application_submit", "submit", "提交申请（按当前信用等级确定分级）")
def application_submit(request: HttpRequest, public_id: str, payload: VersionIn) -> ApplicationOut:
    application = services.application_submit(
        actor=_actor(request),
        application=_application(request, public_id),
        expected_version=payload.version,
    )
    return _out(request, application)


@_action("application_resubmit", "resubmit", "补正后重新提交")
def application_resubmit(
    request: HttpRequest, public_id: str, payload: VersionIn
) -> ApplicationOut:
    application = services.application_resubmit(
        actor=_actor(request),
        application=_application(request, public_id),
        expected_version=payload.version,
    )
    return _out(request, application)


@_action("application_withdraw", "withdraw", "撤回申请")
def application_withdraw(request: HttpRequest, public_id: str, payload: ReasonIn) -> ApplicationOut:
    application = services.application_withdraw(
        actor=_actor(request),
        application=_application(request, public_id),
        reason=payload.reason or "",
        expected_version=payload.version,
    )
    return _out(request, application)


@_action(
    "application_accept",
    "accept",
    "受理（可容缺受理）",
    "次要材料缺失时，信用分级允许的可容缺受理：确认申请人已签署容缺受理承诺书并确定补正期限（工作日，不超过承诺办结期限）。",
)
def application_accept(request: HttpRequest, public_id: str, payload: AcceptIn) -> ApplicationOut:
    application = services.application_accept(
        actor=_actor(request),
        application=_application(request, public_id),
        rongque=payload.rongque,
        rongque_deadline=payload.rongque_deadline,
        expected_version=payload.version,
    )
    return _out(request, application)


@_action("application_not_accept", "not-accept", "不予受理")
def application_not_accept(
    request: HttpRequest, public_id: str, payload: ReasonIn
) -> ApplicationOut:
    application = services.application_not_accept(
        actor=_actor(request),
        application=_application(request, public_id),
        reason=payload.reason or "",
        expected_version=payload.version,
    )
    return _out(request, application)


@_action(
    "application_return",
    "return",
    "退回补正（一次性告知）",
    "提交之日起5个工作日内，一次性告知需要补正的全部材料；逾期未告知的视为受理。",
)
def application_return(request: HttpRequest, public_id: str, payload: ReturnIn) -> ApplicationOut:
    items = [i.model_dump() for i in payload.items] if payload.items else None
    application = services.application_return_for_correction(
        actor=_actor(request),
        application=_application(request, public_id),
        items=items,
        note=payload.note or "",
        expected_version=payload.version,
    )
    return _out(request, application)


@_action("application_start_review", "start-review", "开始审查")
def application_start_review(
    request: HttpRequest, public_id: str, payload: VersionIn
) -> ApplicationOut:
    application = services.application_start_review(
        actor=_actor(request),
        application=_application(request, public_id),
        expected_version=payload.version,
    )
    return _out(request, application)


@_action("application_first_review", "first-review", "初审意见（强化审查）")
def application_first_review(
    request: HttpRequest, public_id: str, payload: OpinionIn
) -> ApplicationOut:
    application = services.application_first_review(
        actor=_actor(request),
        application=_application(request, public_id),
        opinion=payload.opinion or "",
        expected_version=payload.version,
    )
    return _out(request, application)


@_action("application_approve", "approve", "准予许可")
def application_approve(request: HttpRequest, public_id: str, payload: ApproveIn) -> ApplicationOut:
    application = services.application_approve(
        actor=_actor(request),
        application=_application(request, public_id),
        reason=payload.reason or "",
        officer=selectors.officer_by_public_id(payload.officer),
        expected_version=payload.version,
    )
    return _out(request, application)


@_action("application_refuse", "refuse", "不予许可")
def application_refuse(request: HttpRequest, public_id: str, payload: ReasonIn) -> ApplicationOut:
    application = services.application_refuse(
        actor=_actor(request),
        application=_application(request, public_id),
        reason=payload.reason or "",
        expected_version=payload.version,
    )
    return _out(request, application)


@_action("application_issue", "issue", "发证（纸质证件与电子证照同步）")
def application_issue(request: HttpRequest, public_id: str, payload: VersionIn) -> ApplicationOut:
    application = services.application_issue(
        actor=_actor(request),
        application=_application(request, public_id),
        expected_version=payload.version,
    )
    return _out(request, application)


@_action("application_close", "close", "办结（送达）")
def application_close(request: HttpRequest, public_id: str, payload: CloseIn) -> ApplicationOut:
    application = services.application_close(
        actor=_actor(request),
        application=_application(request, public_id),
        delivery=payload.delivery,
        expected_version=payload.version,
    )
    return _out(request, application)


@router.post(
    "/applications/{public_id}/visits",
    response={200: ApplicationOut, **_WRITE_ERRORS},
    auth=policy_auth("api:application_record_visit"),
    operation_id="application_record_visit",
    summary="登记申请人到场（跑动次数）",
)
def application_record_visit(
    request: HttpRequest, public_id: str, payload: VisitIn
) -> ApplicationOut:
    application = services.application_record_visit(
        actor=_actor(request),
        application=_application(request, public_id),
        purpose=payload.purpose or "",
    )
    return _out(request, application)


@router.get(
    "/applications/{public_id}/credit",
    response={200: CreditPanelOut, **_READ_ERRORS},
    auth=policy_auth("api:application_credit_panel"),
    operation_id="application_credit_panel",
    summary="信用面板：各方信用等级、说明及名单标记",
)
def application_credit_panel(request: HttpRequest, public_id: str) -> CreditPanelOut:
    application = _application(request, public_id)
    panel = selectors.credit_panel_for(viewer=request.user, application=application)
    return CreditPanelOut(
        entries=[
            CreditEntryOut(
                role=entry["role"],
                name=entry["subject"].name,
                grade=entry["explanation"].grade,
                grade_name=entry["explanation"].grade_name_zh,
                tier_name=entry["explanation"].tier_name_zh,
                headline=entry["explanation"].headline_zh,
                computation=list(entry["explanation"].computation_zh),
                records=[line.text_zh for line in entry["explanation"].records],
                on_serious_list=entry["serious_list"],
                on_red_list=entry["red_list"],
                false_commitment=entry["false_commitment"],
            )
            for entry in panel.entries
        ]
    )


# --- Queues, tasks, statistics -------------------------------------------------------------------


@router.get(
    "/queue",
    response={200: list[QueueEntryOut], **_READ_ERRORS},
    auth=policy_auth("api:window_queue"),
    operation_id="window_queue",
    summary="窗口受理队列（按优先级、再按提交时间）",
)
def window_queue(request: HttpRequest) -> list[QueueEntryOut]:
    return [QueueEntryOut.of(a) for a in selectors.window_queue(viewer=request.user)]


@router.get(
    "/workbench",
    response={200: list[QueueEntryOut], **_READ_ERRORS},
    auth=policy_auth("api:review_workbench"),
    operation_id="review_workbench",
    summary="审批工作台",
)
def review_workbench(request: HttpRequest) -> list[QueueEntryOut]:
    return [QueueEntryOut.of(a) for a in selectors.review_workbench(viewer=request.user)]


@router.get(
    "/verification-tasks",
    response={200: list[TaskOut], **_READ_ERRORS},
    auth=policy_auth("api:verification_tasks"),
    operation_id="verification_tasks",
    summary="信用承诺事后核查任务",
)
def verification_tasks(request: HttpRequest, include_done: bool = False) -> list[TaskOut]:
    return [
        TaskOut.of(c)
        for c in selectors.verification_tasks(viewer=request.user, include_done=include_done)
    ]


@router.post(
    "/commitments/{public_id}/verify",
    response={200: TaskOut, **_WRITE_ERRORS},
    auth=policy_auth("api:commitment_verify"),
    operation_id="commitment_verify",
    summary="登记承诺核查结论（不实的：自动记入失信记录、重新评级、启动撤销程序）",
)
def commitment_verify(request: HttpRequest, public_id: str, payload: VerifyCommitmentIn) -> TaskOut:
    commitment = selectors.commitment_get_for(viewer=request.user, public_id=public_id)
    updated = services.commitment_verify(
        actor=_actor(request),
        commitment=commitment,
        truthful=payload.truthful,
        finding=payload.finding or "",
    )
    return TaskOut.of(updated)


@router.get(
    "/revocations",
    response={200: list[ProceedingOut], **_READ_ERRORS},
    auth=policy_auth("api:revocations_list"),
    operation_id="revocations_list",
    summary="进行中的撤销程序",
)
def revocations_list(request: HttpRequest) -> list[ProceedingOut]:
    return [ProceedingOut.of(p) for p in selectors.open_proceedings(viewer=request.user)]


@router.post(
    "/revocations/{public_id}/decide",
    response={200: ProceedingOut, **_WRITE_ERRORS},
    auth=policy_auth("api:revocation_decide"),
    operation_id="revocation_decide",
    summary="撤销程序决定：吊销证照或终止程序",
)
def revocation_decide(
    request: HttpRequest, public_id: str, payload: RevocationDecideIn
) -> ProceedingOut:
    proceeding = selectors.proceeding_get_for(viewer=request.user, public_id=public_id)
    decided = services.revocation_decide(
        actor=_actor(request),
        proceeding=proceeding,
        revoke=payload.revoke,
        reason=payload.reason or "",
    )
    return ProceedingOut.of(decided)


@router.get(
    "/statistics",
    response={200: StatisticsOut, **_READ_ERRORS},
    auth=policy_auth("api:licensing_statistics"),
    operation_id="licensing_statistics",
    summary="跑动次数和办理用时统计（与传统模式对比）",
)
def licensing_statistics(request: HttpRequest) -> StatisticsOut:
    return StatisticsOut.of(selectors.trip_statistics(viewer=request.user))
