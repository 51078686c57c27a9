"""What the portal's views share: selector and service errors rendered as clear Chinese pages
that say nothing about anyone else's data."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse

from roadcredit.core.errors import ApplicationError, NotFound, PermissionDenied

View = Callable[..., HttpResponse]


def portal_errors(view: View) -> View:
    """NotFound → 404, PermissionDenied → 403, other service errors → 400, each with its
    Chinese message on the portal's error page."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except (NotFound, PermissionDenied, ApplicationError) as exc:
            return TemplateResponse(
                request,
                "portal/error.html",
                {"message": exc.message, "status": exc.status_code},
                status=exc.status_code,
            )

    return wrapper


def json_errors(view: View) -> View:
    """The same for JSON endpoints: ``{"message", "extra"}`` with the error's status."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except ApplicationError as exc:
            response = JsonResponse({"message": exc.message, "extra": {}}, status=exc.status_code)
            response["Cache-Control"] = "no-store"
            return response

    return wrapper
