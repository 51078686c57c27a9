"""The registry's JSON API, mounted at /api/subjects.

Handlers only parse, let the policy auth admit the caller, call one selector or service and
render; every failure is an ``ApplicationError`` rendered by config.api as
``{"message", "extra": {"fields": {...}}}``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field as SchemaField
from ninja import Query, Router, Schema, Status

from roadcredit.accounts.api_auth import policy_auth
from roadcredit.core.api_schemas import READ_ERRORS as _READ_ERRORS
from roadcredit.core.api_schemas import WRITE_ERRORS as _WRITE_ERRORS

from . import selectors, services
from .schemas import (
    ErrorOut,
    OperatorIn,
    OperatorOut,
    PractitionerIn,
    PractitionerOut,
    SubjectHitOut,
    VehicleIn,
    VehicleOut,
    payload_data,
)

router = Router()


class SearchQuery(Schema):
    q: str = SchemaField(
        "", description="名称、统一社会信用代码、车牌号码、车辆识别代号或身份证号码"
    )
    limit: int = SchemaField(50, ge=1, le=200, description="最多返回条数")


def _practitioner_out(request: HttpRequest, practitioner: Any) -> PractitionerOut:
    personal = selectors.practitioner_personal_data(viewer=request.user, practitioner=practitioner)
    return PractitionerOut.of(practitioner, personal)


# --- Search -----------------------------------------------------------------------------------


@router.get(
    "/search",
    response={200: list[SubjectHitOut], **_READ_ERRORS},
    auth=policy_auth("api:subjects_search"),
    operation_id="subjects_search",
    summary="主体查询",
    description="按名称、统一社会信用代码、车牌号码、车辆识别代号或身份证号码查询业户、车辆和从业人员。",
)
def subjects_search(request: HttpRequest, params: Query[SearchQuery]) -> list[SubjectHitOut]:
    hits = selectors.subjects_search(viewer=request.user, query=params.q, limit=params.limit)
    return [
        SubjectHitOut(kind=h.kind, public_id=h.public_id, title=h.title, subtitle=h.subtitle)
        for h in hits
    ]


# --- Operators --------------------------------------------------------------------------------


@router.get(
    "/operators/{public_id}",
    response={200: OperatorOut, **_READ_ERRORS},
    auth=policy_auth("api:operator_get"),
    operation_id="operator_get",
    summary="读取经营业户",
)
def operator_get(request: HttpRequest, public_id: str) -> OperatorOut:
    return OperatorOut.of(selectors.operator_get_for(viewer=request.user, public_id=public_id))


@router.post(
    "/operators",
    response={201: OperatorOut, **_WRITE_ERRORS},
    auth=policy_auth("api:operator_create"),
    operation_id="operator_create",
    summary="新增经营业户",
)
def operator_create(request: HttpRequest, payload: OperatorIn) -> Status[OperatorOut]:
    operator = services.operator_create(actor=request.user, data=payload_data(payload))  # type: ignore[arg-type]
    return Status(201, OperatorOut.of(operator))


@router.patch(
    "/operators/{public_id}",
    response={200: OperatorOut, 404: ErrorOut, **_WRITE_ERRORS},
    auth=policy_auth("api:operator_update"),
    operation_id="operator_update",
    summary="修改经营业户（只需提交要修改的字段）",
)
def operator_update(request: HttpRequest, public_id: str, payload: OperatorIn) -> OperatorOut:
    operator = selectors.operator_get_for(viewer=request.user, public_id=public_id)
    updated = services.operator_update(
        actor=request.user,  # type: ignore[arg-type]
        operator=operator,
        data=payload_data(payload),
    )
    return OperatorOut.of(updated)


# --- Vehicles ---------------------------------------------------------------------------------


@router.get(
    "/vehicles/{public_id}",
    response={200: VehicleOut, **_READ_ERRORS},
    auth=policy_auth("api:vehicle_get"),
    operation_id="vehicle_get",
    summary="读取车辆",
)
def vehicle_get(request: HttpRequest, public_id: str) -> VehicleOut:
    return VehicleOut.of(selectors.vehicle_get_for(viewer=request.user, public_id=public_id))


@router.post(
    "/vehicles",
    response={201: VehicleOut, **_WRITE_ERRORS},
    auth=policy_auth("api:vehicle_create"),
    operation_id="vehicle_create",
    summary="新增车辆",
)
def vehicle_create(request: HttpRequest, payload: VehicleIn) -> Status[VehicleOut]:
    vehicle = services.vehicle_create(actor=request.user, data=payload_data(payload))  # type: ignore[arg-type]
    return Status(201, VehicleOut.of(vehicle))


@router.patch(
    "/vehicles/{public_id}",
    response={200: VehicleOut, 404: ErrorOut, **_WRITE_ERRORS},
    auth=policy_auth("api:vehicle_update"),
    operation_id="vehicle_update",
    summary="修改车辆（只需提交要修改的字段）",
)
def vehicle_update(request: HttpRequest, public_id: str, payload: VehicleIn) -> VehicleOut:
    vehicle = selectors.vehicle_get_for(viewer=request.user, public_id=public_id)
    updated = services.vehicle_update(
        actor=request.user,  # type: ignore[arg-type]
        vehicle=vehicle,
        data=payload_data(payload),
    )
    return VehicleOut.of(updated)


# --- Practitioners ----------------------------------------------------------------------------


@router.get(
    "/practitioners/{public_id}",
    response={200: PractitionerOut, **_READ_ERRORS},
    auth=policy_auth("api:practitioner_get"),
    operation_id="practitioner_get",
    summary="读取从业人员（身份证号码、手机号码按角色脱敏）",
)
def practitioner_get(request: HttpRequest, public_id: str) -> PractitionerOut:
    practitioner = selectors.practitioner_get_for(viewer=request.user, public_id=public_id)
    return _practitioner_out(request, practitioner)


@router.post(
    "/practitioners",
    response={201: PractitionerOut, **_WRITE_ERRORS},
    auth=policy_auth("api:practitioner_create"),
    operation_id="practitioner_create",
    summary="新增从业人员",
)
def practitioner_create(request: HttpRequest, payload: PractitionerIn) -> Status[PractitionerOut]:
    practitioner = services.practitioner_create(actor=request.user, data=payload_data(payload))  # type: ignore[arg-type]
    return Status(201, _practitioner_out(request, practitioner))


@router.patch(
    "/practitioners/{public_id}",
    response={200: PractitionerOut, 404: ErrorOut, **_WRITE_ERRORS},
    auth=policy_auth("api:practitioner_update"),
    operation_id="practitioner_update",
    summary="修改从业人员（只需提交要修改的字段；从业资格整体替换）",
)
def practitioner_update(
    request: HttpRequest, public_id: str, payload: PractitionerIn
) -> PractitionerOut:
    practitioner = selectors.practitioner_get_for(viewer=request.user, public_id=public_id)
    updated = services.practitioner_update(
        actor=request.user,  # type: ignore[arg-type]
        practitioner=practitioner,
        data=payload_data(payload),
    )
    return _practitioner_out(request, updated)
