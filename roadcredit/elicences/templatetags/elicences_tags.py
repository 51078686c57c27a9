"""``{% subject_licences subject %}``: the licence tab of a subject page (registry detail pages)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse

from roadcredit.accounts.access import user_role
from roadcredit.accounts.roles import Role
from roadcredit.elicences import selectors
from roadcredit.subjects.models import Operator, Practitioner, Vehicle

register = template.Library()
ISSUERS = frozenset({Role.CLERK, Role.APPROVER})


@register.inclusion_tag("elicences/_subject_licences.html", takes_context=True)
def subject_licences(context: template.Context, subject: Any = None) -> dict[str, Any]:
    """The subject's licences as the viewer may see them; ``subject`` defaults to the page's
    ``practitioner``, ``vehicle`` or ``operator``."""
    if subject is None:
        subject = next(
            (
                context.get(name)
                for name in ("practitioner", "vehicle", "operator")
                if isinstance(context.get(name), Operator | Vehicle | Practitioner)
            ),
            None,
        )
    request = context.get("request")
    viewer = getattr(request, "user", None)
    if subject is None or viewer is None:
        return {"licences": [], "issue_url": None}
    licences = selectors.licences_of_subject(viewer=viewer, subject=subject)
    for licence in licences:
        licence.type_name = selectors.licence_type_name(licence.type_key)  # type: ignore[attr-defined]
    kind = (
        "operator"
        if isinstance(subject, Operator)
        else "vehicle"
        if isinstance(subject, Vehicle)
        else "practitioner"
    )
    issue_url = None
    if user_role(viewer) in ISSUERS:
        issue_url = (
            reverse("elicences:licence_issue")
            + "?"
            + urlencode({"kind": kind, "holder": subject.public_id})
        )
    return {"licences": licences, "issue_url": issue_url}
