"""What the two credit JSON APIs (``api`` at /api/credit, ``api_cases`` at /api/credit-cases)
share: the acting user, the subject lookups within the caller's scope, and paging.

Handlers stay adapters: these only read ``request.user`` and call the selectors, so a lookup
means the same (the same scope, the same "not found") in both APIs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from ninja import Field, Schema

from roadcredit.accounts.access import acting_user
from roadcredit.credit import selectors

if TYPE_CHECKING:
    from roadcredit.subjects.models import Operator, Practitioner, Vehicle


actor = acting_user  # the signed-in user the policy auth admitted


def subject_for(
    request: HttpRequest, kind: str, public_id: str
) -> Operator | Vehicle | Practitioner:
    """An operator, vehicle or practitioner within the caller's scope (else "not found")."""
    return selectors.subject_get_for(viewer=request.user, kind=kind, public_id=public_id)


def graded_subject_for(request: HttpRequest, kind: str, public_id: str) -> Operator | Practitioner:
    """An operator or practitioner (the graded subjects) within the caller's scope."""
    return selectors.graded_subject_get_for(viewer=request.user, kind=kind, public_id=public_id)


class PageQuery(Schema):
    offset: int = Field(0, ge=0, le=1_000_000)
    limit: int = Field(50, ge=1, le=200)


def page(queryset: Any, params: PageQuery) -> tuple[int, list[Any]]:
    """(total, the requested slice) of ``queryset``."""
    return queryset.count(), list(queryset[params.offset : params.offset + params.limit])
