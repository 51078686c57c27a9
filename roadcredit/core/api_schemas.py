"""The one error shape of the JSON API, shared by every router.

``config.api`` renders every ``ApplicationError`` as ``{"message", "extra"}``; operations declare
these response maps so the OpenAPI document names that shape.
"""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema


class ErrorOut(Schema):
    message: str = Field(..., description="错误说明")
    extra: dict[str, Any] = Field(
        default_factory=dict, description="详细信息；字段错误在 fields 中：{字段名: [错误说明]}"
    )


READ_ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
WRITE_ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
}
