from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from .access import user_role
from .roles import HOLDERS, Role


def home(request: HttpRequest) -> HttpResponse:
    """Landing page: staff get their workbench, holders their own subject, admins their tools."""
    role = user_role(request.user)
    if role in HOLDERS:
        user = request.user
        if role == Role.OPERATOR and user.operator is not None:  # type: ignore[union-attr]
            return redirect("subjects:operator_detail", public_id=user.operator.public_id)  # type: ignore[union-attr]
        if role == Role.PRACTITIONER and user.practitioner is not None:  # type: ignore[union-attr]
            return redirect("subjects:practitioner_detail", public_id=user.practitioner.public_id)  # type: ignore[union-attr]
    return render(request, "home.html", {"role": role})
