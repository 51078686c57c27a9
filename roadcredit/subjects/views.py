"""Registry pages: search, one page per subject, and the USCC allow-list.

Access is declared in ``accounts.policy`` (keyed by URL name) and enforced by the policy
middleware before these run; the selectors add the per-object scope (a holder sees only its own
subject, anything else is a plain 404).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from roadcredit.core.error_display import add_to_form
from roadcredit.core.errors import ApplicationError, NotFound, PermissionDenied
from roadcredit.credit.views import credit_tab_context

from . import selectors, services
from .forms import AllowListAddForm, AllowListRemoveForm, SearchForm

View = Callable[..., HttpResponse]


def _registry_errors(view: View) -> View:
    """Render the selectors' NotFound / PermissionDenied as Django's 404 / 403 pages."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except PermissionDenied as exc:
            raise DjangoPermissionDenied(exc.message) from exc

    return wrapper


def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    hits = selectors.subjects_search(viewer=request.user, query=query) if query else []
    return render(
        request,
        "subjects/search.html",
        {"form": form, "query": query, "hits": hits, "searched": bool(query)},
    )


@_registry_errors
def operator_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    operator = selectors.operator_get_for(viewer=request.user, public_id=public_id)
    return render(
        request,
        "subjects/operator_detail.html",
        {
            "operator": operator,
            "scopes": list(operator.business_scopes.all()),
            "vehicles": selectors.operator_vehicles_for(viewer=request.user, operator=operator),
            "practitioners": selectors.operator_practitioners_for(
                viewer=request.user, operator=operator
            ),
            "credit": credit_tab_context(request, operator),
        },
    )


@_registry_errors
def vehicle_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    vehicle = selectors.vehicle_get_for(viewer=request.user, public_id=public_id)
    return render(
        request,
        "subjects/vehicle_detail.html",
        {"vehicle": vehicle, "credit": credit_tab_context(request, vehicle)},
    )


@_registry_errors
def practitioner_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    practitioner = selectors.practitioner_get_for(viewer=request.user, public_id=public_id)
    personal = selectors.practitioner_personal_data(viewer=request.user, practitioner=practitioner)
    return render(
        request,
        "subjects/practitioner_detail.html",
        {
            "practitioner": practitioner,
            "personal": personal,
            "qualifications": sorted(practitioner.qualifications.all(), key=lambda q: q.category),
            "employer_visible": practitioner.employer_id is not None
            and selectors.operators_visible_to(request.user)
            .filter(pk=practitioner.employer_id)
            .exists(),
            "credit": credit_tab_context(request, practitioner),
        },
    )


def uscc_allowlist(request: HttpRequest) -> HttpResponse:
    """The security administrator's list of early pilot codes exempt from the check character."""
    add_form = AllowListAddForm()
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "remove":
            remove_form = AllowListRemoveForm(request.POST)
            if remove_form.is_valid():
                code = remove_form.cleaned_data["uscc"]
                try:
                    services.uscc_allowlist_remove(actor=request.user, uscc=code)  # type: ignore[arg-type]
                except ApplicationError as exc:
                    messages.error(request, exc.message)
                else:
                    messages.success(
                        request, _("%(uscc)s was removed from the exception list.") % {"uscc": code}
                    )
            return redirect("subjects:uscc_allowlist")
        add_form = AllowListAddForm(request.POST)
        if add_form.is_valid():
            try:
                entry = services.uscc_allowlist_add(
                    actor=request.user,  # type: ignore[arg-type]
                    uscc=add_form.cleaned_data["uscc"],
                    reason=add_form.cleaned_data["reason"],
                )
            except ApplicationError as exc:
                add_to_form(add_form, exc)
            else:
                messages.success(
                    request, _("%(uscc)s was added to the exception list.") % {"uscc": entry.uscc}
                )
                return redirect("subjects:uscc_allowlist")
    return render(
        request,
        "subjects/uscc_allowlist.html",
        {"entries": selectors.uscc_allowlist_entries(), "form": add_form},
    )
