"""Credit guidance: what good credit earns and what dishonesty costs, at the moments it matters —
in the portal (public page), at the window (the clerk's page for one subject) and on paper for
on-site visits (a printable notice)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from roadcredit.core import clock
from roadcredit.credit import selectors_cases
from roadcredit.subjects.selectors import subjects_search

from .. import selectors
from ..forms import SubjectSearchForm
from .common import portal_errors


def guidance(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/guidance.html", {"guidance": selectors.credit_guidance()})


def guidance_print(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/guidance_print.html",
        {"guidance": selectors.credit_guidance(), "today": clock.today()},
    )


def window(request: HttpRequest) -> HttpResponse:
    form = SubjectSearchForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    hits = subjects_search(viewer=request.user, query=query, limit=20) if query else []
    return render(
        request, "portal/window.html", {"form": form, "hits": hits, "searched": bool(query)}
    )


@portal_errors
def window_notice(request: HttpRequest, kind: str, public_id: str) -> HttpResponse:
    subject = selectors.window_subject(viewer=request.user, kind=kind, public_id=public_id)
    explanation = selectors_cases.credit_explanation_for(viewer=request.user, subject=subject)
    return render(
        request,
        "portal/window_notice.html",
        {
            "subject": subject,
            "explanation": explanation,
            "guidance": selectors.credit_guidance(),
            "today": clock.today(),
        },
    )
