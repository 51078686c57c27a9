"""The JSON API (django-ninja). OpenAPI document at /api/openapi.json, docs at /api/docs.

One error shape for every failure: ``{"message": str, "extra": {...}}``; field-level problems are
in ``extra["fields"]``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from roadcredit.core.errors import ApplicationError

api = NinjaAPI(
    title="roadcredit 道路运输信用与电子证照平台 API",
    version="1.0",
    description="烟台市牟平区交通运输局 道路运输信用与电子证照平台接口。所有错误均返回 {message, extra}。",
    urls_namespace="api-1.0",
)


def _error(request: HttpRequest, status: int, message: str, extra: dict[str, Any]) -> HttpResponse:
    return api.create_response(request, {"message": message, "extra": extra}, status=status)


@api.exception_handler(ApplicationError)
def _application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return _error(request, exc.status_code, exc.message, exc.extra)


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for err in exc.errors:
        loc = [str(part) for part in err.get("loc", []) if part not in ("body", "query", "path", "payload")]
        fields.setdefault(".".join(loc) or "__all__", []).append(str(err.get("msg", "")))
    return _error(request, 422, "请求数据格式不正确", {"fields": fields})


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "请先登录或提供有效的访问令牌", {})


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, str(exc), {})


def register_routers() -> None:
    from roadcredit.accounts.api import router as accounts_router
    from roadcredit.subjects.api import router as subjects_router

    api.add_router("/accounts", accounts_router, tags=["账户"])
    api.add_router("/subjects", subjects_router, tags=["主体登记"])


register_routers()
