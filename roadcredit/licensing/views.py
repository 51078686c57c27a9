"""Pages of the licensing app: public guides, the one-form application, the application page
(tier and why, materials, commitment, notices, the next steps), the window queue, the review
workbench with the credit panel, verification tasks and the trip statistics.

Access is declared in ``accounts.policy`` (by URL name) and enforced by the policy middleware;
the selectors add the per-object scope and the services decide who may take which step. Views
only parse, call one service or selector and render.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from roadcredit.accounts.access import user_role
from roadcredit.accounts.roles import Role
from roadcredit.core.error_display import error_line
from roadcredit.core.errors import ApplicationError, NotFound, PermissionDenied
from roadcredit.elicences.selectors import licence_type_name
from roadcredit.subjects.identifiers import PLATE_COLOURS
from roadcredit.subjects.models import BusinessScope

from . import selectors, services
from .catalogue import default_catalogue
from .forms import VerifyForm, apply_data, parse_date, parse_int
from .models import Application, Delivery
from .tiers import default_policy
from .workflow import ACTION_LABELS_ZH, STATE_LABELS_ZH, Action, State

View = Callable[..., HttpResponse]


def _errors(view: View) -> View:
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


def _user(request: HttpRequest) -> Any:
    return request.user


def _show_error(request: HttpRequest, exc: ApplicationError) -> None:
    messages.error(request, error_line(exc, lead=True))


# --- Guides -----------------------------------------------------------------------------------


def guides(request: HttpRequest) -> HttpResponse:
    catalogue = default_catalogue()
    groups: dict[str, list[Any]] = {}
    for item in catalogue.items.values():
        groups.setdefault(licence_type_name(item.licence_type), []).append(item)
    return render(
        request,
        "licensing/guides.html",
        {"groups": groups, "bundles": list(catalogue.bundles.values())},
    )


def guide_detail(request: HttpRequest, key: str) -> HttpResponse:
    catalogue = default_catalogue()
    try:
        item = catalogue.item(key)
    except KeyError:
        raise Http404(_("No such service item.")) from None
    tiers = [default_policy().privileges(t) for t in default_policy().order]
    return render(
        request,
        "licensing/guide_detail.html",
        {
            "item": item,
            "licence_type_name": licence_type_name(item.licence_type),
            "tiers": tiers,
            "bundles": [b for b in catalogue.bundles.values() if key in b.items],
        },
    )


# --- Applying ---------------------------------------------------------------------------------


@_errors
def apply(request: HttpRequest) -> HttpResponse:
    """The one form: a single item, or the freight start-up bundle (business licence and one
    certificate per vehicle, the shared fields entered once)."""
    user = _user(request)
    role = user_role(user)
    catalogue = default_catalogue()
    tier = None
    if role in (Role.OPERATOR, Role.PRACTITIONER):
        tier = selectors.my_tier(viewer=user)
        kind = "operator" if role == Role.OPERATOR else "practitioner"
        items = catalogue.items_for(kind)
    else:
        items = list(catalogue.items.values())
    posted = request.POST if request.method == "POST" else None
    if posted is not None:
        try:
            application = services.application_create(actor=user, data=apply_data(posted))
        except ApplicationError as exc:
            _show_error(request, exc)
        else:
            messages.success(
                request,
                _("Application %(number)s was created. Upload the materials, then submit it.")
                % {"number": application.number},
            )
            return redirect("licensing:application_detail", application.public_id)
    rows = max(3, len(posted.getlist("vehicle_plate")) if posted is not None else 3)
    return render(
        request,
        "licensing/apply.html",
        {
            "items": items,
            "bundles": list(catalogue.bundles.values()),
            "tier": tier,
            "is_clerk": role == Role.CLERK,
            "scopes": list(BusinessScope.objects.filter(active=True)),
            "colours": sorted(PLATE_COLOURS.items()),
            "vehicle_rows": range(rows),
            "posted": posted,
            "chosen_scopes": posted.getlist("business_scope_codes") if posted is not None else [],
        },
    )


@_errors
def applications(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or None
    if status is not None and status not in {s.value for s in State}:
        status = None
    found = selectors.applications_of_viewer(viewer=_user(request), status=status)
    return render(
        request,
        "licensing/applications.html",
        {
            "applications": found,
            "status": status,
            "states": [(s.value, STATE_LABELS_ZH[s]) for s in State],
            "tier_names": {
                t: default_policy().privileges(t).name_zh for t in default_policy().order
            },
        },
    )


def _detail_context(request: HttpRequest, application: Application) -> dict[str, Any]:
    user = _user(request)
    role = user_role(user)
    actor = selectors.viewer_actor(user, application)
    actions = selectors.actions_for(user, application)
    notice = getattr(application, "missing", None)
    staff = role in {Role.CLERK, Role.APPROVER, Role.CREDIT_OFFICER, Role.INSPECTOR, Role.LEADER}
    panel = selectors.credit_panel_for(viewer=user, application=application) if staff else None
    can_upload = (
        actor is not None
        and actor.value in ("applicant", "clerk")
        and (
            application.state in (State.DRAFT, State.SUBMITTED, State.RETURNED)
            or (
                notice is not None
                and notice.is_open
                and application.state in (State.ACCEPTED, State.UNDER_REVIEW)
            )
        )
    )
    privileges = default_policy().privileges(application.tier) if application.tier else None
    return {
        "application": application,
        "status_label": STATE_LABELS_ZH[application.state],
        "rows": selectors.materials_status(application),
        "commitment": selectors.active_commitment(application),
        "commitment_text": default_catalogue().notify_commit_text_zh,
        "missing_notice": notice,
        "notices": list(application.notices.order_by("issued_at", "pk")),
        "transitions": [
            {
                "at": t.at,
                "action": ACTION_LABELS_ZH.get(Action(t.action), t.action),
                "status": STATE_LABELS_ZH.get(State(t.to_status), t.to_status),
                "actor": t.actor.get_full_name() or t.actor.username if t.actor else "",
                "note": t.note,
            }
            for t in application.transitions.select_related("actor")
        ],
        "actions": [(a, ACTION_LABELS_ZH[Action(a)]) for a in actions],
        "can_upload": can_upload,
        "can_sign": actor is not None
        and actor.value in ("applicant", "clerk")
        and application.state in (State.DRAFT, State.RETURNED),
        "privileges": privileges,
        "tier_reasons": [line for line in application.tier_reason.split("\n") if line],
        "panel": panel,
        "overdue": selectors.is_overdue(application),
        "deliveries": Delivery.choices,
        "proceedings": selectors.proceedings_of(application),
    }


@_errors
def application_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    application = selectors.application_get_for(viewer=_user(request), public_id=public_id)
    return render(
        request, "licensing/application_detail.html", _detail_context(request, application)
    )


def _run_action(request: HttpRequest, application: Application, action: str) -> Application:
    user = _user(request)
    version = parse_int(request.POST.get("version"))
    reason = request.POST.get("reason", "")
    common = {"actor": user, "application": application, "expected_version": version}
    if action == Action.SUBMIT:
        return services.application_submit(**common)
    if action == Action.RESUBMIT:
        return services.application_resubmit(**common)
    if action == Action.WITHDRAW:
        return services.application_withdraw(**common, reason=reason)
    if action == Action.ACCEPT:
        return services.application_accept(
            **common,
            rongque=request.POST.get("rongque") == "1",
            rongque_deadline=parse_date(request.POST.get("rongque_deadline")),
        )
    if action == Action.NOT_ACCEPT:
        return services.application_not_accept(**common, reason=reason)
    if action == Action.RETURN:
        return services.application_return_for_correction(**common, note=reason)
    if action == Action.START_REVIEW:
        return services.application_start_review(**common)
    if action == Action.FIRST_REVIEW:
        return services.application_first_review(**common, opinion=reason)
    if action == Action.APPROVE:
        return services.application_approve(**common, reason=reason)
    if action == Action.REFUSE:
        return services.application_refuse(**common, reason=reason)
    if action == Action.ISSUE:
        return services.application_issue(**common)
    if action == Action.CLOSE:
        return services.application_close(
            **common, delivery=request.POST.get("delivery", "electronic")
        )
    if action == "visit":
        return services.application_record_visit(
            actor=user, application=application, purpose=reason
        )
    raise ApplicationError(_("Unknown action."))


@require_POST
@_errors
def application_action(request: HttpRequest, public_id: str) -> HttpResponse:
    application = selectors.application_get_for(viewer=_user(request), public_id=public_id)
    action = request.POST.get("action", "")
    try:
        updated = _run_action(request, application, action)
    except ApplicationError as exc:
        _show_error(request, exc)
    else:
        label = (
            ACTION_LABELS_ZH.get(Action(action), "")
            if action in {a.value for a in Action}
            else _("Visit recorded")
        )
        messages.success(
            request,
            _("%(action)s: done. The application is now %(status)s.")
            % {"action": label, "status": STATE_LABELS_ZH[updated.state]},
        )
    return redirect("licensing:application_detail", public_id)


@require_POST
@_errors
def material_upload(request: HttpRequest, public_id: str) -> HttpResponse:
    application = selectors.application_get_for(viewer=_user(request), public_id=public_id)
    file = request.FILES.get("file")
    position = parse_int(request.POST.get("item"))
    if file is None or position is None:
        messages.error(request, _("Choose a file to upload."))
        return redirect("licensing:application_detail", public_id)
    try:
        material = services.material_upload(
            actor=_user(request),
            application=application,
            item_position=position,
            material_key=request.POST.get("key", ""),
            file=file,
        )
    except ApplicationError as exc:
        _show_error(request, exc)
    else:
        messages.success(request, _("%(name)s was uploaded.") % {"name": material.original_name})
    return redirect("licensing:application_detail", public_id)


def _attachment(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    response["Cache-Control"] = "private, no-store"
    return response


@_errors
def material_download(request: HttpRequest, public_id: str, material_id: str) -> HttpResponse:
    application = selectors.application_get_for(viewer=_user(request), public_id=public_id)
    material = selectors.material_get_for(
        viewer=_user(request), application=application, public_id=material_id
    )
    with material.file.open("rb") as handle:
        return _attachment(handle.read(), material.content_type, material.original_name)


@_errors
def notice_pdf(request: HttpRequest, public_id: str, notice_id: str) -> HttpResponse:
    application = selectors.application_get_for(viewer=_user(request), public_id=public_id)
    notice = selectors.notice_get_for(
        viewer=_user(request), application=application, public_id=notice_id
    )
    return _attachment(
        services.notice_pdf(notice=notice), "application/pdf", f"{notice.title}{notice.number}.pdf"
    )


@require_POST
@_errors
def commitment_sign(request: HttpRequest, public_id: str) -> HttpResponse:
    application = selectors.application_get_for(viewer=_user(request), public_id=public_id)
    try:
        services.commitment_sign(
            actor=_user(request),
            application=application,
            confirmed=request.POST.get("confirmed") == "1",
        )
    except ApplicationError as exc:
        _show_error(request, exc)
    else:
        messages.success(request, _("The credit commitment was signed."))
    return redirect("licensing:application_detail", public_id)


# --- Staff pages --------------------------------------------------------------------------------


def _tier_names() -> dict[str, str]:
    return {t: default_policy().privileges(t).name_zh for t in default_policy().order}


@_errors
def queue(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "licensing/queue.html",
        {
            "applications": selectors.window_queue(viewer=_user(request)),
            "tier_names": _tier_names(),
            "status_labels": {s.value: label for s, label in STATE_LABELS_ZH.items()},
        },
    )


@_errors
def workbench(request: HttpRequest) -> HttpResponse:
    found = selectors.review_workbench(viewer=_user(request))
    return render(
        request,
        "licensing/workbench.html",
        {
            "applications": found,
            "tier_names": _tier_names(),
            "status_labels": {s.value: label for s, label in STATE_LABELS_ZH.items()},
            "proceedings": selectors.open_proceedings(viewer=_user(request)),
        },
    )


@_errors
def verification_tasks(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "licensing/verification_tasks.html",
        {
            "tasks": selectors.verification_tasks(viewer=_user(request), include_done=True),
            "form": VerifyForm(),
            "can_verify": user_role(_user(request)) in {Role.CREDIT_OFFICER, Role.INSPECTOR},
        },
    )


@require_POST
@_errors
def commitment_verify(request: HttpRequest, public_id: str) -> HttpResponse:
    commitment = selectors.commitment_get_for(viewer=_user(request), public_id=public_id)
    form = VerifyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the outcome and describe the finding."))
        return redirect("licensing:verification_tasks")
    try:
        services.commitment_verify(
            actor=_user(request),
            commitment=commitment,
            truthful=form.cleaned_data["truthful"],
            finding=form.cleaned_data["finding"],
        )
    except ApplicationError as exc:
        _show_error(request, exc)
    else:
        messages.success(request, _("The verification outcome was recorded."))
    return redirect("licensing:verification_tasks")


@require_POST
@_errors
def revocation_decide(request: HttpRequest, public_id: str) -> HttpResponse:
    proceeding = selectors.proceeding_get_for(viewer=_user(request), public_id=public_id)
    try:
        services.revocation_decide(
            actor=_user(request),
            proceeding=proceeding,
            revoke=request.POST.get("revoke") == "1",
            reason=request.POST.get("reason", ""),
        )
    except ApplicationError as exc:
        _show_error(request, exc)
    else:
        messages.success(request, _("The revocation proceeding was decided."))
    return redirect("licensing:workbench")


@_errors
def statistics(request: HttpRequest) -> HttpResponse:
    stats = selectors.trip_statistics(viewer=_user(request))
    return render(
        request,
        "licensing/statistics.html",
        {
            "stats": stats,
            "zero_percent": None
            if stats.zero_trip_share is None
            else round(stats.zero_trip_share * 100),
            "tier_names": {**_tier_names(), "-": _("not tiered")},
        },
    )
