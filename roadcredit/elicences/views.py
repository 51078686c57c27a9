"""E-licence pages: the public verification pages (scan, PDF upload), the public status and trust
lists, and the staff pages (licence detail with QR, PDF, print layout, lifecycle actions; the
issuance form).

Access is declared in ``accounts.policy`` (keyed by URL name) and enforced by the policy
middleware before these run; the selectors add the per-object scope. Views parse, call one
selector or service, and render.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import segno
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from roadcredit.accounts.access import acting_user as _actor
from roadcredit.accounts.access import sees_full_personal_data, user_role
from roadcredit.accounts.roles import Role
from roadcredit.core.error_display import add_to_form, error_line
from roadcredit.core.errors import ApplicationError, NotFound, PermissionDenied
from roadcredit.core.ratelimit import RateLimited, rate_limited_page, throttle_verification

from . import selectors, services
from .lean import lean_answer
from .pdfcheck import MAX_BYTES
from .services.statuslist_publish import default_status_list_id
from .transitions import ACTIONS, allowed_actions
from .verification import (
    licence_face_for_viewer,
    trust_list_document,
    verify_pdf_upload,
    verify_scanned,
)

if TYPE_CHECKING:
    pass

View = Callable[..., HttpResponse]
ISSUERS = frozenset({Role.CLERK, Role.APPROVER})
# The stock-conversion work contributes a "convert to e-licence" button for paper-only licences.
CONVERSION_BUTTON = "elicences/conversion_button.html"
PAGE_ACTIONS = ("change", "renew", "replace", "suspend", "resume", "revoke", "cancel")


def _errors_as_pages(view: View) -> View:
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


@functools.cache
def _optional_template(name: str) -> str | None:
    try:
        get_template(name)
    except TemplateDoesNotExist:
        return None
    return name


# --- Public verification ----------------------------------------------------------------------


class PdfUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Licence PDF file"))


@rate_limited_page
def verify(request: HttpRequest, token: str | None = None) -> HttpResponse:
    """The page the licence QR code opens: /v/?t=<token> (or /v/<token>). A POST with
    ``full=1`` asks for the full face data (granted to entitled staff only, and logged)."""
    source = request.POST if request.method == "POST" else request.GET
    text = (token or source.get("t") or source.get("text") or "").strip()
    full = request.method == "POST" and source.get("full") == "1"
    outcome = verify_scanned(text=text, viewer=request.user, full=full) if text else None
    return render(
        request,
        "elicences/verify.html",
        {
            "outcome": outcome,
            "text": text,
            "may_see_full": sees_full_personal_data(request.user),
        },
    )


@require_http_methods(["GET", "HEAD"])
def verify_lean(request: HttpRequest) -> HttpResponse:
    """``/v/check?t=…``: the verdict as JSON (the ASGI deployment answers this path from
    ``elicences.lean`` without going through Django; this view serves it under WSGI)."""
    try:
        throttle_verification(request)
    except RateLimited as exc:
        limited = JsonResponse(
            {"message": exc.message, "extra": exc.extra},
            status=429,
            json_dumps_params={"ensure_ascii": False},
        )
        limited["Retry-After"] = str(exc.retry_after)
        limited["Cache-Control"] = "no-store"
        return limited
    response = JsonResponse(
        lean_answer(request.GET.get("t", "")), json_dumps_params={"ensure_ascii": False}
    )
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@rate_limited_page
def verify_pdf(request: HttpRequest) -> HttpResponse:
    """Upload a licence PDF: seal, integrity, record match and current status."""
    form = PdfUploadForm(request.POST or None, request.FILES or None)
    outcome = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        outcome = verify_pdf_upload(pdf_bytes=upload.read(MAX_BYTES + 1), viewer=request.user)
    return render(request, "elicences/verify_pdf.html", {"form": form, "outcome": outcome})


@_errors_as_pages
def status_list(request: HttpRequest, list_id: str | None = None) -> HttpResponse:
    """The signed status list (COSE_Sign1, ``application/cose``), always current."""
    published = services.status_list_published(list_id or default_status_list_id())
    response = HttpResponse(published.signed, content_type="application/cose")
    response["Cache-Control"] = "no-cache"
    response["X-Status-List-Id"] = published.list_id
    response["X-Status-List-Issued-At"] = published.issued_at.isoformat()
    return response


def trust_list(request: HttpRequest) -> HttpResponse:
    """The trust list of the keys that sign licence tokens and status lists (JSON)."""
    response = JsonResponse(trust_list_document(), json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "max-age=300"
    return response


# --- Staff and holder pages -------------------------------------------------------------------


class ActionForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300, required=False)
    credit_record_ref = forms.CharField(
        label=gettext_lazy("Credit record"), max_length=64, required=False
    )
    valid_from = forms.DateField(label=gettext_lazy("New term from"), required=False)


@_errors_as_pages
def licence_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    licence = selectors.licence_get_for(viewer=request.user, public_id=public_id)
    role = user_role(request.user)
    actions = (
        [
            (name, ACTIONS[name].name_zh)
            for name in allowed_actions(licence.status)
            if name in PAGE_ACTIONS
        ]
        if role == Role.APPROVER
        else []
    )
    return render(
        request,
        "elicences/licence_detail.html",
        {
            "licence": licence,
            "type_name": selectors.licence_type_name(licence.type_key),
            "holder_name": selectors.holder_public_name(licence),
            "face": licence_face_for_viewer(viewer=request.user, licence=licence, channel="page"),
            "events": selectors.licence_events(licence),
            "chain": selectors.licence_chain(licence),
            "successor": selectors.licence_successor(licence),
            "actions": actions,
            "action_form": ActionForm(),
            "may_print": role in ISSUERS,
            "conversion_template": _optional_template(CONVERSION_BUTTON),
        },
    )


@_errors_as_pages
def licence_qr(request: HttpRequest, public_id: str) -> HttpResponse:
    """The licence's QR code as SVG (for the page; the PDF draws its own)."""
    licence = selectors.licence_get_for(viewer=request.user, public_id=public_id)
    if not licence.qr_text:
        raise Http404(_("This licence has no QR code."))
    buffer = io.BytesIO()
    segno.make(licence.qr_text, error="m", micro=False).save(
        buffer, kind="svg", scale=3, border=2, xmldecl=False
    )
    return HttpResponse(buffer.getvalue(), content_type="image/svg+xml")


@_errors_as_pages
def licence_pdf(request: HttpRequest, public_id: str) -> HttpResponse:
    licence = selectors.licence_get_for(viewer=request.user, public_id=public_id)
    try:
        content = services.licence_pdf(licence=licence)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("elicences:licence_detail", public_id=licence.public_id)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="licence-{licence.public_id}.pdf"'
    return response


@_errors_as_pages
def licence_print(request: HttpRequest, public_id: str) -> HttpResponse:
    """The print layout for the pre-numbered paper stock (values only)."""
    licence = selectors.licence_get_for(viewer=request.user, public_id=public_id)
    response = HttpResponse(
        services.licence_print_layout(licence=licence), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="print-{licence.public_id}.pdf"'
    return response


@require_POST
@_errors_as_pages
def licence_action(request: HttpRequest, public_id: str, action: str) -> HttpResponse:
    licence = selectors.licence_get_for(viewer=request.user, public_id=public_id)
    if action not in PAGE_ACTIONS:
        raise Http404(_("No such action."))
    form = ActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the form."))
        return redirect("elicences:licence_detail", public_id=licence.public_id)
    reason = form.cleaned_data["reason"]
    actor = _actor(request)
    try:
        if action == "change":
            result = services.licence_change(actor=actor, licence=licence, reason=reason)
        elif action == "renew":
            result = services.licence_renew(
                actor=actor,
                licence=licence,
                valid_from=form.cleaned_data["valid_from"],
                reason=reason,
            )
        elif action == "replace":
            result = services.licence_replace(actor=actor, licence=licence, reason=reason)
        elif action == "suspend":
            result = services.licence_suspend(actor=actor, licence=licence, reason=reason)
        elif action == "resume":
            result = services.licence_resume(actor=actor, licence=licence, reason=reason)
        elif action == "revoke":
            result = services.licence_revoke(
                actor=actor,
                licence=licence,
                reason=reason,
                credit_record_ref=form.cleaned_data["credit_record_ref"],
            )
        else:
            result = services.licence_cancel(actor=actor, licence=licence, reason=reason)
    except ApplicationError as exc:
        messages.error(request, error_line(exc))
        return redirect("elicences:licence_detail", public_id=licence.public_id)
    messages.success(request, _("Done: %(action)s.") % {"action": ACTIONS[action].name_zh})
    return redirect("elicences:licence_detail", public_id=result.public_id)


class IssueForm(forms.Form):
    type_key = forms.ChoiceField(label=gettext_lazy("Licence type"))
    holder_kind = forms.CharField(widget=forms.HiddenInput)
    holder = forms.CharField(widget=forms.HiddenInput)
    valid_from = forms.DateField(
        label=gettext_lazy("Valid from"),
        required=False,
        help_text=gettext_lazy("Empty: the day of issue."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    business_scope = forms.CharField(
        label=gettext_lazy("Business scope (leave empty to take it from the registry)"),
        max_length=300,
        required=False,
    )
    dimensions = forms.CharField(
        label=gettext_lazy("Vehicle dimensions (mm)"), max_length=60, required=False
    )

    def __init__(self, *args: Any, holder_kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        type_field = cast(forms.ChoiceField, self.fields["type_key"])
        type_field.choices = [
            (licence_type.key, licence_type.name_zh)
            for licence_type in selectors.licence_catalogue().issued_here()
            if licence_type.holder_kind == holder_kind
        ]


@_errors_as_pages
def licence_issue(request: HttpRequest) -> HttpResponse:
    """Issue a licence to the subject named in the query (?kind=operator&holder=<public id>)."""
    source = request.POST if request.method == "POST" else request.GET
    kind = source.get("holder_kind") or source.get("kind") or ""
    public_id = source.get("holder", "")
    if not kind or not public_id:
        messages.info(request, _("Open the holder's page in the registry and issue from there."))
        return redirect("subjects:search")
    holder = selectors.subject_get_for(viewer=request.user, kind=kind, public_id=public_id)
    form = IssueForm(
        request.POST if request.method == "POST" else None,
        holder_kind=kind,
        initial={"holder_kind": kind, "holder": public_id},
    )
    if request.method == "POST" and form.is_valid():
        data = {
            key: form.cleaned_data[key]
            for key in ("business_scope", "dimensions")
            if form.cleaned_data[key]
        }
        try:
            licence = services.licence_issue(
                actor=_actor(request),
                type_key=form.cleaned_data["type_key"],
                holder=holder,
                valid_from=form.cleaned_data["valid_from"],
                data=data,
            )
        except ApplicationError as exc:
            add_to_form(form, exc)
        else:
            messages.success(
                request,
                _("Issued %(number)s on paper and electronically.")
                % {"number": licence.paper_number},
            )
            return redirect("elicences:licence_detail", public_id=licence.public_id)
    return render(
        request,
        "elicences/licence_issue.html",
        {"form": form, "holder": holder, "holder_kind": kind},
    )
