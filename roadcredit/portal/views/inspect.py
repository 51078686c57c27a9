"""The inspector's pages: scan or type a code → the verdict with the full face data, the
holder's credit and the warnings; record an on-road finding with its photo; enter the penalty
decision of a pending finding."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from roadcredit.core.error_display import add_to_form
from roadcredit.core.errors import ApplicationError
from roadcredit.credit.models import RecordStatus

from .. import selectors, services
from ..forms import DecisionForm, FindingForm, ScanForm
from .common import portal_errors


@portal_errors
def inspect(request: HttpRequest) -> HttpResponse:
    form = ScanForm(request.POST or None)
    result = None
    credit = None
    if request.method == "POST" and form.is_valid():
        try:
            result = services.scan_record(
                actor=request.user,  # type: ignore[arg-type]
                text=form.cleaned_data["code"],
                latitude=form.cleaned_data.get("latitude"),
                longitude=form.cleaned_data.get("longitude"),
            )
        except ApplicationError as exc:
            add_to_form(form, exc)
        else:
            if result.outcome.licence is not None:
                credit = selectors.holder_credit(result.outcome.licence)
            form = ScanForm()
    return render(
        request, "portal/inspect.html", {"form": form, "result": result, "credit": credit}
    )


@portal_errors
def finding_new(request: HttpRequest, scan_id: str) -> HttpResponse:
    scan = selectors.scan_get_for(viewer=request.user, public_id=scan_id)
    if scan.licence is None:
        raise ApplicationError(
            _("This code named no licence on record; no finding can be recorded.")
        )
    form = FindingForm(
        request.POST or None,
        request.FILES or None,
        behaviours=selectors.finding_behaviours(scan.licence),
    )
    if request.method == "POST" and form.is_valid():
        photo = form.cleaned_data["photo"]
        try:
            finding = services.finding_record(
                actor=request.user,  # type: ignore[arg-type]
                scan=scan,
                behaviour_code=form.cleaned_data["behaviour_code"],
                occurred_on=form.cleaned_data["occurred_on"],
                place=form.cleaned_data["place"],
                description=form.cleaned_data["description"],
                photo_name=photo.name or "",
                photo=photo.read(),
            )
        except ApplicationError as exc:
            add_to_form(form, exc)
        else:
            messages.success(
                request,
                _("The finding was recorded; it counts once its penalty decision is entered."),
            )
            return redirect("portal:finding_detail", public_id=finding.public_id)
    return render(
        request,
        "portal/finding_new.html",
        {
            "form": form,
            "scan": scan,
            "licence": scan.licence,
            "holder_name": selectors.holder_display_name(scan.licence),
        },
    )


@portal_errors
def findings(request: HttpRequest) -> HttpResponse:
    pending_only = request.GET.get("all") != "1"
    rows = list(selectors.findings_for(viewer=request.user, pending_only=pending_only)[:100])
    return render(request, "portal/findings.html", {"findings": rows, "pending_only": pending_only})


@portal_errors
def finding_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    finding = selectors.finding_get_for(viewer=request.user, public_id=public_id)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.finding_decide(
                actor=request.user,  # type: ignore[arg-type]
                finding=finding,
                decision_number=form.cleaned_data["decision_number"],
                decided_on=form.cleaned_data["decided_on"],
            )
        except ApplicationError as exc:
            add_to_form(form, exc)
        else:
            messages.success(
                request,
                _("The decision was entered: the record now counts and the grade was updated."),
            )
            return redirect("portal:finding_detail", public_id=finding.public_id)
    record = finding.record
    return render(
        request,
        "portal/finding_detail.html",
        {
            "finding": finding,
            "record": record,
            "pending": record.status == RecordStatus.PENDING,
            "form": form,
            "grade": selectors.current_grade(selectors.graded_subject_of(record.subject)),
        },
    )
