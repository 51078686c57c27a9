"""Pages of the credit cases: repair applications, objections, the red and serious-dishonesty
lists (with the public page and its Excel export), double publicity, and the subject-facing
explanation of a grade. The 信用 tab of the subject pages is ``credit_tab_context``.

Access is declared in ``accounts.policy`` (keyed by URL name) and enforced by the policy
middleware; the selectors add the per-object scope (a holder sees only its own subject). Views
only parse, call one service or selector, and render; a service error shows on the form.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from roadcredit.accounts.access import user_role
from roadcredit.accounts.policy import policy_for
from roadcredit.core import clock
from roadcredit.core.error_display import add_to_form
from roadcredit.core.errors import ApplicationError, NotFound, PermissionDenied
from roadcredit.credit import exports
from roadcredit.credit import selectors_cases as cases
from roadcredit.credit.forms_cases import (
    DecisionForm,
    ListingActionForm,
    ObjectionDecideForm,
    ObjectionSubmitForm,
    PublicityFilterForm,
    RepairApplyForm,
    StatementForm,
)
from roadcredit.credit.models import ListKind, ObjectionStatus, RepairStatus
from roadcredit.credit.selectors import subject_get_for
from roadcredit.credit.services import lists, objections, publicity, repair
from roadcredit.credit.services.notices import case_rules
from roadcredit.subjects.models import Operator, Practitioner, Vehicle

View = Callable[..., HttpResponse]
PAGE_SIZE = 200
LIST_NAMES: dict[str, str] = {ListKind.RED: "守信激励名单", ListKind.SERIOUS: "严重失信主体名单"}
PUBLICITY_KINDS = {"licensing": "行政许可", "penalty": "行政处罚"}


def may_use(user: Any, key: str) -> bool:
    """Whether the declared policy of page ``key`` admits the user (to show a form or button)."""
    policy = policy_for(key)
    return policy is not None and policy.allows(user_role(user))


def _case_errors(view: View) -> View:
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


def _xlsx(content: bytes, file_name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=exports.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, file_name)
    return response


# --- the 信用 tab of the subject pages ----------------------------------------------------------


def credit_tab_context(request: HttpRequest, subject: Operator | Vehicle | Practitioner) -> Any:
    """What ``credit/subject_credit_tab.html`` needs (the subject pages put it in ``credit``)."""
    return cases.credit_tab_for(viewer=request.user, subject=subject)


@_case_errors
def explanation(request: HttpRequest, kind: str, public_id: str) -> HttpResponse:
    """The subject-facing explanation of a grade (also what the phone portal will show)."""
    subject = subject_get_for(viewer=request.user, kind=kind, public_id=public_id)
    found = cases.credit_explanation_for(viewer=request.user, subject=subject)
    return render(
        request,
        "credit/subject_credit_explanation.html",
        {"subject": subject, "kind": kind, "explanation": found},
    )


# --- repair -------------------------------------------------------------------------------------


@_case_errors
def repair_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in RepairStatus.values:
        status = ""
    items = list(cases.repairs_for(viewer=request.user, status=status or None)[:PAGE_SIZE])
    return render(
        request,
        "credit/repair_list.html",
        {"items": items, "status": status, "statuses": RepairStatus.choices},
    )


@_case_errors
def repair_apply(request: HttpRequest, record_id: str) -> HttpResponse:
    record = cases.case_record_get_for(viewer=request.user, public_id=record_id)
    form = RepairApplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            application = repair.repair_apply(
                actor=request.user,  # type: ignore[arg-type]
                record=record,
                obligations_fulfilled=form.cleaned_data["obligations_fulfilled"],
                obligations_evidence=form.cleaned_data["obligations_evidence"],
                commitment_accepted=form.cleaned_data["commitment"],
            )
        except ApplicationError as exc:
            add_to_form(form, exc)
        else:
            if application.status == RepairStatus.REFUSED:
                messages.error(request, _("The application was not accepted; see the reasons."))
            else:
                messages.success(request, _("The repair application was submitted."))
            return redirect("credit:repair_detail", public_id=application.public_id)
    return render(
        request,
        "credit/repair_apply.html",
        {"record": record, "form": form, "commitment_text": case_rules().commitment_text_zh},
    )


@_case_errors
def repair_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    application = cases.repair_get_for(viewer=request.user, public_id=public_id)
    decide = application.is_open and may_use(request.user, "credit:repair_decide")
    return render(
        request,
        "credit/repair_detail.html",
        {"application": application, "form": DecisionForm() if decide else None},
    )


@require_POST
@_case_errors
def repair_decide(request: HttpRequest, public_id: str) -> HttpResponse:
    application = cases.repair_get_for(viewer=request.user, public_id=public_id)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            repair.repair_decide(
                actor=request.user,  # type: ignore[arg-type]
                application=application,
                approve=request.POST.get("decision") == "approve",
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as exc:
            add_to_form(form, exc)
            reasons = exc.extra.get("reasons") or []
            for reason in reasons:
                form.add_error(None, str(reason))
        else:
            messages.success(request, _("The decision was recorded and the subject notified."))
            return redirect("credit:repair_detail", public_id=application.public_id)
    return render(
        request,
        "credit/repair_detail.html",
        {"application": application, "form": form},
        status=400,
    )


# --- objections -----------------------------------------------------------------------------------


@_case_errors
def objection_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in ObjectionStatus.values:
        status = ""
    overdue = request.GET.get("overdue") == "1"
    today = clock.today()
    items = list(
        cases.objections_for(
            viewer=request.user, status=status or None, overdue_on=today if overdue else None
        )[:PAGE_SIZE]
    )
    return render(
        request,
        "credit/objection_list.html",
        {
            "items": items,
            "status": status,
            "overdue": overdue,
            "today": today,
            "statuses": ObjectionStatus.choices,
        },
    )


@_case_errors
def objection_submit(request: HttpRequest, record_id: str) -> HttpResponse:
    record = cases.case_record_get_for(viewer=request.user, public_id=record_id)
    form = ObjectionSubmitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            objection = objections.objection_submit(
                actor=request.user,  # type: ignore[arg-type]
                record=record,
                grounds=form.cleaned_data["grounds"],
            )
        except ApplicationError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("The objection was received."))
            return redirect("credit:objection_detail", public_id=objection.public_id)
    return render(
        request,
        "credit/objection_submit.html",
        {
            "record": record,
            "form": form,
            "deadline_days": case_rules().objection_deadline_working_days,
        },
    )


def _objection_page(
    request: HttpRequest, objection: Any, form: Any, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "credit/objection_detail.html",
        {"objection": objection, "form": form, "today": clock.today()},
        status=status,
    )


@_case_errors
def objection_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    objection = cases.objection_get_for(viewer=request.user, public_id=public_id)
    decide = objection.is_open and may_use(request.user, "credit:objection_decide")
    return _objection_page(request, objection, ObjectionDecideForm() if decide else None)


@require_POST
@_case_errors
def objection_decide(request: HttpRequest, public_id: str) -> HttpResponse:
    objection = cases.objection_get_for(viewer=request.user, public_id=public_id)
    form = ObjectionDecideForm(request.POST)
    if form.is_valid():
        try:
            objections.objection_decide(
                actor=request.user,  # type: ignore[arg-type]
                objection=objection,
                outcome=form.cleaned_data["outcome"],
                reason=form.cleaned_data["reason"],
                corrections=form.corrections(),
            )
        except ApplicationError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("The decision was recorded and the subject notified."))
            return redirect("credit:objection_detail", public_id=objection.public_id)
    return _objection_page(request, objection, form, status=400)


# --- lists ------------------------------------------------------------------------------------------


def _public_kind(request: HttpRequest) -> str | None:
    kind = request.GET.get("kind", "")
    return kind if kind in ListKind.values else None


def lists_public(request: HttpRequest) -> HttpResponse:
    """Both lists for everyone (no login): natural persons masked, enterprises with their USCC."""
    kind = _public_kind(request)
    rows = cases.public_list_rows(kind=kind)
    return render(
        request,
        "credit/lists_public.html",
        {
            "red": [r for r in rows if r.list_kind == ListKind.RED],
            "serious": [r for r in rows if r.list_kind == ListKind.SERIOUS],
            "kind": kind or "",
        },
    )


def lists_export(request: HttpRequest) -> HttpResponse:
    rows = cases.public_list_rows(kind=_public_kind(request))
    content = exports.table_workbook(
        "信用名单",
        exports.LIST_COLUMNS,
        (
            (
                LIST_NAMES.get(row.list_kind, row.list_kind),
                row.subject_name,
                row.subject_code_kind,
                row.subject_code,
                row.listed_from,
                row.listed_until,
                row.reason_zh,
            )
            for row in rows
        ),
    )
    return _xlsx(content, f"信用红黑名单-{clock.today().isoformat()}.xlsx")


@_case_errors
def lists_manage(request: HttpRequest) -> HttpResponse:
    kind = _public_kind(request)
    entries = list(cases.list_entries_for(viewer=request.user, kind=kind)[:PAGE_SIZE])
    return render(
        request,
        "credit/lists_manage.html",
        {
            "entries": entries,
            "kind": kind or "",
            "may_refresh": may_use(request.user, "credit:lists_refresh"),
        },
    )


@_case_errors
def lists_refresh(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return redirect("credit:lists_manage")
    summary = lists.lists_refresh(actor=request.user)  # type: ignore[arg-type]
    messages.success(
        request,
        _(
            "Lists refreshed: %(red_added)d added to and %(red_removed)d removed from the red list; "
            "%(proposed)d proposed for the serious-dishonesty list; %(expired)d listings expired."
        )
        % {
            "red_added": summary.red_added,
            "red_removed": summary.red_removed,
            "proposed": summary.serious_proposed,
            "expired": summary.serious_expired,
        },
    )
    return redirect("credit:lists_manage")


def _entry_page(
    request: HttpRequest,
    entry: Any,
    *,
    action_form: Any = None,
    statement_form: Any = None,
    status: int = 200,
) -> HttpResponse:
    officer = may_use(request.user, "credit:list_entry_action")
    statement_open = entry.status == "notified" and may_use(
        request.user, "credit:list_entry_statement"
    )
    return render(
        request,
        "credit/lists_entry.html",
        {
            "entry": entry,
            "basis": list(entry.basis_records.order_by("occurred_on", "pk")),
            "officer": officer,
            "action_form": action_form or (ListingActionForm() if officer else None),
            "statement_form": statement_form or (StatementForm() if statement_open else None),
            "list_name": LIST_NAMES.get(entry.list_kind, ""),
        },
        status=status,
    )


@_case_errors
def list_entry(request: HttpRequest, public_id: str) -> HttpResponse:
    entry = cases.list_entry_get_for(viewer=request.user, public_id=public_id)
    return _entry_page(request, entry)


@require_POST
@_case_errors
def list_entry_action(request: HttpRequest, public_id: str) -> HttpResponse:
    entry = cases.list_entry_get_for(viewer=request.user, public_id=public_id)
    form = ListingActionForm(request.POST)
    if form.is_valid():
        action = form.cleaned_data["action"]
        reason = form.cleaned_data["reason"]
        actor: Any = request.user
        try:
            if action == "notify":
                lists.listing_notify(actor=actor, entry=entry)
            elif action in ("list", "not_list"):
                lists.listing_decide(
                    actor=actor, entry=entry, listed=action == "list", reason=reason
                )
            elif action == "remove":
                lists.listing_remove(actor=actor, entry=entry, reason=reason)
            else:
                lists.listing_cancel(actor=actor, entry=entry, reason=reason)
        except ApplicationError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("Done; the subject has been notified."))
            return redirect("credit:list_entry", public_id=entry.public_id)
    return _entry_page(request, entry, action_form=form, status=400)


@require_POST
@_case_errors
def list_entry_statement(request: HttpRequest, public_id: str) -> HttpResponse:
    entry = cases.list_entry_get_for(viewer=request.user, public_id=public_id)
    form = StatementForm(request.POST)
    if form.is_valid():
        try:
            lists.listing_statement_record(
                actor=request.user,  # type: ignore[arg-type]
                entry=entry,
                text=form.cleaned_data["text"],
            )
        except ApplicationError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("The statement was recorded."))
            return redirect("credit:list_entry", public_id=entry.public_id)
    return _entry_page(request, entry, statement_form=form, status=400)


# --- double publicity ------------------------------------------------------------------------------


def _publicity_query(request: HttpRequest) -> tuple[PublicityFilterForm, Any]:
    form = PublicityFilterForm(request.GET or None)
    kind = state = ""
    if form.is_valid():
        kind, state = form.cleaned_data["kind"], form.cleaned_data["state"]
    today = clock.today()
    items = cases.publicity_items(
        kind=kind or None,
        pending_only=state == "pending",
        overdue_only=state == "overdue",
        include_withdrawn=state == "withdrawn",
        today=today,
    )
    return form, items


@_case_errors
def publicity_page(request: HttpRequest) -> HttpResponse:
    form, items = _publicity_query(request)
    today = clock.today()
    shown = list(items[:PAGE_SIZE])
    return render(
        request,
        "credit/publicity.html",
        {
            "form": form,
            "rows": [(item, cases.publicity_overdue(item, today)) for item in shown],
            "total": items.count(),
            "overdue_count": cases.publicity_items(overdue_only=True, today=today).count(),
            "may_act": may_use(request.user, "credit:publicity_action"),
            "kinds": PUBLICITY_KINDS,
        },
    )


@_case_errors
def publicity_export(request: HttpRequest) -> HttpResponse:
    _form, items = _publicity_query(request)
    today = clock.today()
    content = exports.table_workbook(
        "双公示",
        exports.PUBLICITY_COLUMNS,
        (
            (
                PUBLICITY_KINDS.get(item.kind, item.kind),
                item.subject_name,
                item.subject_code_kind,
                item.subject_code,
                item.decision_number,
                item.decided_on,
                item.content,
                item.legal_basis,
                item.authority,
                item.due_on,
                item.published_at,
                "是" if cases.publicity_overdue(item, today) else "否",
            )
            for item in items.iterator(chunk_size=500)
        ),
    )
    return _xlsx(content, f"双公示-{today.isoformat()}.xlsx")


@_case_errors
def publicity_action(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return redirect("credit:publicity")
    action = request.POST.get("action")
    if action == "sync":
        summary = publicity.publicity_sync_penalties(actor=request.user)  # type: ignore[arg-type]
        messages.success(
            request,
            _(
                "Penalty decisions synchronised: %(added)d added or updated, %(withdrawn)d taken down."
            )
            % {"added": summary.added_or_updated, "withdrawn": summary.withdrawn},
        )
    elif action == "publish":
        count = publicity.publicity_publish(actor=request.user)  # type: ignore[arg-type]
        messages.success(request, _("%(count)d items marked as published.") % {"count": count})
    else:
        messages.error(request, _("Unknown action."))
    return redirect("credit:publicity")
