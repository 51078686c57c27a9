"""The on-demand conversion operation of the e-licence API (mounted at /api/elicences beside the
licence operations): a paper-only licence gets its e-licence when its holder does business."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.http import HttpRequest
from ninja import Router

from roadcredit.accounts.api_auth import policy_auth

from .schemas import ErrorOut, LicenceOut
from .selectors import licence_get_for
from .services import conversion
from .verification import licence_face_for_viewer

if TYPE_CHECKING:
    from roadcredit.accounts.models import User

router = Router()


@router.post(
    "/licences/{public_id}/convert",
    response={
        200: LicenceOut,
        400: ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
    },
    auth=policy_auth("api:licence_convert_on_demand"),
    operation_id="licence_convert_on_demand",
    summary="纸质证照按需换发电子证照",
    description=(
        "持证主体来办理业务时，为仍只有纸质证照的有效证照生成电子证照（保留纸质证照编号，"
        "分配电子证照标识和签名二维码）。已有电子证照的返回 409。"
    ),
)
def licence_convert_on_demand(request: HttpRequest, public_id: str) -> LicenceOut:
    licence = licence_get_for(viewer=request.user, public_id=public_id)
    converted = conversion.licence_convert_on_demand(
        actor=cast("User", request.user), licence=licence
    )
    face = licence_face_for_viewer(viewer=request.user, licence=converted, channel="api")
    return LicenceOut.of(converted, face)
