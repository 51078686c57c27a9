from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from .api_auth import policy_auth

router = Router()


class MeOut(Schema):
    username: str
    role: str
    role_label: str


@router.get(
    "/me", response=MeOut, auth=policy_auth("api:me"), operation_id="me", summary="当前用户"
)
def me(request: HttpRequest) -> MeOut:
    user = request.user
    return MeOut(username=user.get_username(), role=user.role, role_label=user.role_label)  # type: ignore[union-attr]
