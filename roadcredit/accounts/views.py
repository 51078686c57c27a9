from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from .access import user_role
from .roles import HOLDERS


def home(request: HttpRequest) -> HttpResponse:
    """Landing page: holders go to their phone portal; staff and administrators get the workbench."""
    role = user_role(request.user)
    if role in HOLDERS:
        return redirect("portal:home")
    return render(request, "home.html", {"role": role})
