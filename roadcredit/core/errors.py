"""One error family for the whole platform.

Services raise ``ApplicationError`` subclasses with constant (translatable) messages and an
``extra`` mapping with details; the API renders them as ``{"message", "extra"}`` and pages show
the message on the form. Field-level problems go into ``extra["fields"]`` as
``{field_name: [message, ...]}``; row-level import problems into ``extra["rows"]``.
"""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """Base class of every error a service raises on purpose. HTTP 400 unless overridden."""

    status_code = 400

    def __init__(self, message: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = str(message)
        self.extra: dict[str, Any] = extra or {}


class ValidationFailed(ApplicationError):
    """Input does not satisfy the rules; ``extra["fields"]`` names every failing field."""

    @classmethod
    def for_fields(cls, message: str, fields: dict[str, list[str]]) -> ValidationFailed:
        return cls(message, {"fields": {k: [str(m) for m in v] for k, v in fields.items()}})


class NotFound(ApplicationError):
    status_code = 404


class PermissionDenied(ApplicationError):
    status_code = 403


class Conflict(ApplicationError):
    """The object changed under the caller (state moved, unique value taken)."""

    status_code = 409
