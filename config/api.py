"""The JSON API (django-ninja). OpenAPI document at /api/openapi.json, docs at /api/docs.

One error shape for every failure: ``{"message": str, "extra": {...}}``; field-level problems are
in ``extra["fields"]``.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

from roadcredit.core.errors import ApplicationError

ERROR_SCHEMA: dict[str, Any] = {
    "title": "ErrorOut",
    "type": "object",
    "properties": {
        "message": {"type": "string", "description": "错误说明（中文）"},
        "extra": {
            "type": "object",
            "description": "详细信息；字段错误在 fields 中：{字段名: [错误说明]}",
            "additionalProperties": True,
        },
    },
    "required": ["message", "extra"],
}
STANDARD_ERRORS: dict[int, str] = {
    400: "业务规则不允许（见 message）",
    401: "未登录或令牌无效",
    403: "无权限",
    404: "对象不存在或无权查看",
    409: "状态冲突（对象已被他人修改）",
    422: "请求数据格式不正确（字段错误见 extra.fields）",
}


class RoadcreditAPI(NinjaAPI):
    """NinjaAPI that documents the one error shape on every operation, so the OpenAPI document
    matches what the exception handlers below actually return."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {})["ErrorOut"] = ERROR_SCHEMA
        ref = {"$ref": "#/components/schemas/ErrorOut"}
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                responses = operation.setdefault("responses", {})
                for code, description in STANDARD_ERRORS.items():
                    responses.setdefault(
                        str(code),
                        {
                            "description": description,
                            "content": {"application/json": {"schema": ref}},
                        },
                    )
        return schema


UNSTORABLE_TEXT = "请求数据含有无法保存的字符"
BODY_UNREADABLE = "请求体无法解析：须为 UTF-8 编码的 JSON"
CONTROL_CHARACTER = "含有不可见的控制字符"
INVALID_UNICODE = "含有无效的 Unicode 字符"


class UnstorableText(ValueError):
    """Text no database column can hold, by field (``{"items.0.plate": ["…"]}``)."""

    def __init__(self, fields: dict[str, list[str]]) -> None:
        super().__init__(UNSTORABLE_TEXT)
        self.fields = fields


def unstorable_text(value: Any, path: str = "") -> dict[str, list[str]]:
    """Where the request data holds text no database column can hold — NUL (PostgreSQL refuses
    it) or lone UTF-16 surrogates (not Unicode; JSON's ``\\ud800`` escapes produce them) — as
    field errors, keys included; empty when there is none."""
    found: dict[str, list[str]] = {}

    def add(more: dict[str, list[str]]) -> None:
        for field, messages in more.items():
            found.setdefault(field, []).extend(messages)

    if isinstance(value, str):
        if "\x00" in value:
            found.setdefault(path or "__all__", []).append(CONTROL_CHARACTER)
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            found.setdefault(path or "__all__", []).append(INVALID_UNICODE)
    elif isinstance(value, dict):
        for key, item in value.items():
            bad_key = unstorable_text(key, path)  # reported where the key stands
            add(bad_key)
            name = "?" if bad_key else str(key)  # never echo unstorable text back
            add(unstorable_text(item, f"{path}.{name}" if path else name))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            add(unstorable_text(item, f"{path}.{index}" if path else str(index)))
    return found


class StrictParser(Parser):
    """The JSON body, refused whole (400, by field) when it holds text that cannot be stored
    (see ``unstorable_text``), before any handler can send it to a query."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = json.loads(request.body)
        fields = unstorable_text(data)
        if fields:
            raise UnstorableText(fields)
        return data  # type: ignore[no-any-return]


api = RoadcreditAPI(
    parser=StrictParser(),
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
        loc = [
            str(part)
            for part in err.get("loc", [])
            if part not in ("body", "query", "path", "payload")
        ]
        fields.setdefault(".".join(loc) or "__all__", []).append(str(err.get("msg", "")))
    return _error(request, 422, "请求数据格式不正确", {"fields": fields})


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "请先登录或提供有效的访问令牌", {})


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    message = str(exc)
    if message.startswith("Cannot parse request body"):  # django-ninja's wording for any failure
        cause = exc.__cause__
        if isinstance(cause, UnstorableText):
            return _error(request, 400, UNSTORABLE_TEXT, {"fields": cause.fields})
        message = BODY_UNREADABLE
    return _error(request, exc.status_code, message, {})


def register_routers() -> None:
    from roadcredit.accounts.api import router as accounts_router
    from roadcredit.credit.api import router as credit_router
    from roadcredit.credit.api_cases import router as credit_cases_router
    from roadcredit.elicences.api import router as elicences_router
    from roadcredit.elicences.api_conversion import router as elicences_conversion_router
    from roadcredit.licensing.api import router as licensing_router
    from roadcredit.subjects.api import router as subjects_router

    api.add_router("/accounts", accounts_router, tags=["账户"])
    api.add_router("/subjects", subjects_router, tags=["主体登记"])
    api.add_router("/credit", credit_router, tags=["信用"])
    api.add_router("/credit-cases", credit_cases_router, tags=["信用修复、异议、名单与双公示"])
    api.add_router("/elicences", elicences_router, tags=["电子证照"])
    api.add_router("/elicences", elicences_conversion_router, tags=["电子证照"])
    api.add_router("/licensing", licensing_router, tags=["行政许可办理"])


register_routers()
