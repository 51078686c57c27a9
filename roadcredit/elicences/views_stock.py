"""Pages of the paper stock, the stock conversion, the issuance rate and the exchange package.

Access is declared in ``accounts.policy`` (section “E-licence stock, conversion, rates”) and
enforced by the policy middleware; views parse a form, call one service or selector and render.
The URL patterns at the bottom are prepended to ``elicences.urls``.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from roadcredit.accounts.access import acting_user as _actor
from roadcredit.core import clock
from roadcredit.core.error_display import add_to_form, error_line
from roadcredit.core.errors import ApplicationError, NotFound, PermissionDenied
from roadcredit.core.jobs.selectors import job_get_for
from roadcredit.core.models import Job, JobStatus
from roadcredit.exchange import reports
from roadcredit.exchange.columns import ColumnSpec
from roadcredit.exchange.registry_import import error_text
from roadcredit.exchange.tabular import SUFFIXES

from .issuance_rates import PERIOD_KINDS, Period, PeriodError, period_of
from .jobs.stock import conversion_summary_lines
from .ledger import ledger_columns
from .models import LicenceStatus
from .selectors import licence_catalogue, licence_get_for
from .selectors_rates import rate_report
from .services.conversion import (
    JOB_KIND,
    ConversionSummary,
    conversion_report_bytes,
    conversion_report_file_name,
    conversion_report_path,
    conversion_submit,
    ledger_template_workbook,
    licence_convert_on_demand,
    paper_only_ledger_workbook,
)
from .services.export import (
    export_count,
    export_file_name,
    export_selection,
    licence_export_zip_stream,
)
from .services.rates import rates_file_name, rates_workbook
from .services.stock import stock_receive, stock_reconcile, stock_spoil, stock_use, stock_void
from .stock_selectors import licence_for_print, stock_batches, stock_levels, stock_types

if TYPE_CHECKING:
    pass

View = Callable[..., HttpResponseBase]


def _errors_as_pages(view: View) -> View:
    """Render the selectors' NotFound / PermissionDenied as Django's 404 / 403 pages."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except PermissionDenied as exc:
            raise DjangoPermissionDenied(exc.message) from exc

    return wrapper


def _xlsx(content: bytes, file_name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=reports.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, file_name)
    response["Cache-Control"] = "no-store"
    return response


def _type_choices() -> list[tuple[str, str]]:
    return [(t.key, t.name_zh) for t in stock_types()]


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"})


# --- Paper stock ------------------------------------------------------------------------------


class ReceiveForm(forms.Form):
    type_key = forms.ChoiceField(label=gettext_lazy("Licence paper"))
    serial_from = forms.CharField(label=gettext_lazy("First serial"), max_length=32)
    serial_to = forms.CharField(label=gettext_lazy("Last serial"), max_length=32)
    received_on = forms.DateField(label=gettext_lazy("Received on"), widget=_date_input())
    supplier = forms.CharField(label=gettext_lazy("Supplier"), max_length=200)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["type_key"]).choices = _type_choices()


SHEET_ACTIONS = ("use", "spoil", "void")


class SheetForm(forms.Form):
    action = forms.ChoiceField(
        label=gettext_lazy("What happened to the sheet"),
        choices=[
            ("use", gettext_lazy("Printed a licence on it")),
            ("spoil", gettext_lazy("Spoiled (misprint, torn, jammed)")),
            ("void", gettext_lazy("Voided (lost, withdrawn)")),
        ],
    )
    type_key = forms.ChoiceField(label=gettext_lazy("Licence paper"))
    serial = forms.CharField(label=gettext_lazy("Sheet serial"), max_length=32)
    number = forms.CharField(
        label=gettext_lazy("Licence number printed (for a print or a misprint)"),
        max_length=100,
        required=False,
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason (for a spoiled or voided sheet)"), max_length=300, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["type_key"]).choices = _type_choices()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "use" and not data.get("number"):
            self.add_error("number", _("Enter the number of the licence printed on the sheet."))
        return data


class ReconcileForm(forms.Form):
    type_key = forms.ChoiceField(label=gettext_lazy("Licence paper"))
    period_start = forms.DateField(label=gettext_lazy("Period from"), widget=_date_input())
    period_end = forms.DateField(label=gettext_lazy("Period to"), widget=_date_input())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["type_key"]).choices = _type_choices()


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _stock_context(
    *,
    receive_form: ReceiveForm | None = None,
    sheet_form: SheetForm | None = None,
    reconcile_form: ReconcileForm | None = None,
) -> dict[str, Any]:
    today = clock.today()
    return {
        "levels": stock_levels(),
        "batches": stock_batches(),
        "type_names": {t.key: t.name_zh for t in stock_types()},
        "receive_form": receive_form or ReceiveForm(initial={"received_on": today}),
        "sheet_form": sheet_form or SheetForm(),
        "reconcile_form": reconcile_form
        or ReconcileForm(initial={"period_start": _month_start(today), "period_end": today}),
    }


def stock(request: HttpRequest) -> HttpResponse:
    """The ledger: stock on hand per paper type, recent deliveries, and the forms."""
    return render(request, "elicences/stock.html", _stock_context())


def stock_receive_view(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return redirect(reverse("elicences:stock") + "#receive")
    form = ReceiveForm(request.POST)
    if form.is_valid():
        try:
            receipt = stock_receive(actor=_actor(request), **form.cleaned_data)
        except ApplicationError as exc:
            add_to_form(form, exc)
        else:
            batch = receipt.batch
            if receipt.created:
                messages.success(
                    request,
                    _("Received %(count)d sheets, %(first)s to %(last)s.")
                    % {"count": batch.count, "first": batch.serial_from, "last": batch.serial_to},
                )
            else:
                messages.info(
                    request,
                    _(
                        "This delivery (%(first)s to %(last)s) was already received; nothing changed."
                    )
                    % {"first": batch.serial_from, "last": batch.serial_to},
                )
            return redirect("elicences:stock")
    return render(request, "elicences/stock.html", _stock_context(receive_form=form), status=400)


def stock_sheet(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return redirect(reverse("elicences:stock") + "#sheet")
    form = SheetForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        actor = _actor(request)
        try:
            licence = (
                licence_for_print(type_key=data["type_key"], number=data["number"])
                if data["number"]
                else None
            )
            if data["action"] == "use":
                assert licence is not None
                sheet = stock_use(actor=actor, licence=licence, serial=data["serial"])
            elif data["action"] == "spoil":
                sheet = stock_spoil(
                    actor=actor,
                    type_key=data["type_key"],
                    serial=data["serial"],
                    reason=data["reason"],
                    licence=licence,
                )
            else:
                sheet = stock_void(
                    actor=actor,
                    type_key=data["type_key"],
                    serial=data["serial"],
                    reason=data["reason"],
                )
        except ApplicationError as exc:
            add_to_form(form, exc)
        else:
            messages.success(
                request,
                _("Sheet %(serial)s recorded: %(status)s.")
                % {"serial": sheet.serial, "status": sheet.get_status_display()},
            )
            return redirect("elicences:stock")
    return render(request, "elicences/stock.html", _stock_context(sheet_form=form), status=400)


def stock_reconcile_view(request: HttpRequest) -> HttpResponse:
    """GET: the form; POST: count the period (recorded in the audit trail) and show it."""
    if request.method != "POST":
        return redirect(reverse("elicences:stock") + "#reconcile")
    form = ReconcileForm(request.POST)
    result = None
    if form.is_valid():
        try:
            result = stock_reconcile(actor=_actor(request), **form.cleaned_data)
        except ApplicationError as exc:
            add_to_form(form, exc)
    if result is None:
        return render(
            request, "elicences/stock.html", _stock_context(reconcile_form=form), status=400
        )
    return render(request, "elicences/stock_reconcile.html", {"result": result, "form": form})


# --- Stock conversion -------------------------------------------------------------------------


class ConversionForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Paper licence ledger (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(SUFFIXES)}),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Dry run: check the ledger only, convert nothing"), required=False
    )


def _conversion_job(viewer: Any, public_id: str) -> Job:
    job = job_get_for(viewer=viewer, public_id=public_id)
    if job.kind != JOB_KIND:
        raise NotFound(_("The background job was not found."))
    return job


def _conversion_result(job: Job) -> dict[str, Any]:
    summary = ConversionSummary.from_dict(job.result) if job.result else None
    return {
        "job": job,
        "finished": job.is_finished,
        "failed": job.status == JobStatus.FAILED,
        "summary_lines": conversion_summary_lines(summary) if summary else [],
        "error_count": (job.result or {}).get("error_count", 0),
        "errors": [
            {"row": e.row, "column": e.column_label, "message": e.message, "text": error_text(e)}
            for e in (summary.errors if summary else [])
        ],
    }


@_errors_as_pages
def conversion(request: HttpRequest) -> HttpResponse:
    """Upload a ledger to convert (POST), or show a conversion's progress and result."""
    if request.method == "POST":
        form = ConversionForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = conversion_submit(
                    actor=_actor(request),
                    chunks=upload.chunks(),
                    file_name=upload.name or "",
                    dry_run=form.cleaned_data["dry_run"],
                )
            except ApplicationError as exc:
                add_to_form(form, exc)
            else:
                return redirect(reverse("elicences:conversion") + f"?job={job.public_id}")
    else:
        form = ConversionForm()
    context: dict[str, Any] = {"form": form, "columns": _ledger_columns()}
    public_id = request.GET.get("job", "").strip()
    if public_id and request.method != "POST":
        context.update(_conversion_result(_conversion_job(request.user, public_id)))
    return render(request, "elicences/conversion.html", context)


def _ledger_columns() -> list[ColumnSpec]:
    return list(ledger_columns(licence_catalogue()))


def conversion_template(request: HttpRequest) -> HttpResponse:
    return _xlsx(ledger_template_workbook(), _("paper licence ledger template") + ".xlsx")


def conversion_paper_only(request: HttpRequest) -> HttpResponse:
    """The register's live paper-only licences as a ledger, ready to convert (audited)."""
    content = paper_only_ledger_workbook(actor=_actor(request))
    return _xlsx(content, _("paper-only licences ledger") + ".xlsx")


@_errors_as_pages
def conversion_report(request: HttpRequest, public_id: str) -> HttpResponse:
    job = _conversion_job(request.user, public_id)
    if not job.result or not job.result.get("errors"):
        raise Http404(public_id)
    summary = ConversionSummary.from_dict(job.result)
    report = conversion_report_path(job.public_id)
    content = report.read_bytes() if report.exists() else conversion_report_bytes(summary)
    return _xlsx(content, conversion_report_file_name(summary))


@require_POST
@_errors_as_pages
def licence_convert(request: HttpRequest, public_id: str) -> HttpResponse:
    """The button on a paper-only licence: its holder is here, give it the e-licence now."""
    licence = licence_get_for(viewer=request.user, public_id=public_id)
    try:
        converted = licence_convert_on_demand(actor=_actor(request), licence=licence)
    except ApplicationError as exc:
        messages.error(request, error_line(exc))
    else:
        messages.success(
            request,
            _("The e-licence was issued: %(identifier)s.") % {"identifier": converted.identifier},
        )
    return redirect("elicences:licence_detail", public_id=licence.public_id)


# --- Issuance rate ----------------------------------------------------------------------------


class RatesForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Period"),
        choices=[
            ("year", gettext_lazy("Year")),
            ("half", gettext_lazy("Half-year")),
            ("month", gettext_lazy("Month")),
            ("custom", gettext_lazy("Custom dates")),
        ],
        required=False,
    )
    year = forms.IntegerField(
        label=gettext_lazy("Year"), min_value=1990, max_value=2100, required=False
    )
    half = forms.TypedChoiceField(
        label=gettext_lazy("Half-year"),
        choices=[(1, gettext_lazy("First half")), (2, gettext_lazy("Second half"))],
        coerce=int,
        required=False,
    )
    month = forms.IntegerField(
        label=gettext_lazy("Month"), min_value=1, max_value=12, required=False
    )
    start = forms.DateField(label=gettext_lazy("From"), required=False, widget=_date_input())
    end = forms.DateField(label=gettext_lazy("To"), required=False, widget=_date_input())
    stock_on = forms.DateField(label=gettext_lazy("Stock on"), required=False, widget=_date_input())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        today = clock.today()
        kind = data.get("kind") or "year"
        if kind not in PERIOD_KINDS:
            kind = "year"
        try:
            data["period"] = period_of(
                kind,
                year=data.get("year") or today.year,
                half=data.get("half") or None,
                month=data.get("month") or None,
                start=data.get("start"),
                end=data.get("end"),
            )
        except PeriodError as exc:
            raise forms.ValidationError(exc.message) from None
        data["stock_on"] = data.get("stock_on") or today
        return data


def _rates_form(request: HttpRequest) -> RatesForm:
    return RatesForm(request.GET or {"kind": "year", "year": clock.today().year})


def rates(request: HttpRequest) -> HttpResponse:
    """制证率 of a period and the stock rate on a date, per licence type."""
    form = _rates_form(request)
    report = None
    if form.is_valid():
        period: Period = form.cleaned_data["period"]
        report = rate_report(period=period, stock_on=form.cleaned_data["stock_on"])
    return render(
        request,
        "elicences/rates.html",
        {"form": form, "report": report, "query": request.GET.urlencode()},
    )


def rates_export(request: HttpRequest) -> HttpResponse:
    form = _rates_form(request)
    if not form.is_valid():
        return render(request, "elicences/rates.html", {"form": form, "report": None}, status=400)
    report = rate_report(period=form.cleaned_data["period"], stock_on=form.cleaned_data["stock_on"])
    return _xlsx(rates_workbook(report), rates_file_name(report))


# --- Exchange package -------------------------------------------------------------------------


class ExportForm(forms.Form):
    type = forms.ChoiceField(label=gettext_lazy("Licence type"), required=False)
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("All statuses")), *LicenceStatus.choices],
    )
    limit = forms.IntegerField(label=gettext_lazy("At most"), min_value=1, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["type"]).choices = [
            ("", _("All types")),
            *((t.key, t.name_zh) for t in licence_catalogue()),
        ]


def export(request: HttpRequest) -> HttpResponse:
    """Choose what goes into the package; the count of licences it will hold."""
    form = ExportForm(request.GET or None)
    count = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            count = export_count(
                export_selection(type_key=data["type"], status=data["status"], limit=data["limit"])
            )
        except ApplicationError as exc:
            add_to_form(form, exc)
    return render(
        request,
        "elicences/export.html",
        {"form": form, "count": count, "query": request.GET.urlencode()},
    )


def export_package(request: HttpRequest) -> HttpResponseBase:
    """The package as a .zip, streamed (sealed PDFs, catalogue, trust list)."""
    form = ExportForm(request.GET)
    if not form.is_valid():
        return render(request, "elicences/export.html", {"form": form}, status=400)
    data = form.cleaned_data
    try:
        selection = export_selection(
            type_key=data["type"], status=data["status"], limit=data["limit"]
        )
    except ApplicationError as exc:
        add_to_form(form, exc)
        return render(request, "elicences/export.html", {"form": form}, status=400)
    response = StreamingHttpResponse(
        licence_export_zip_stream(actor=_actor(request), selection=selection),
        content_type="application/zip",
    )
    response["Content-Disposition"] = content_disposition_header(True, export_file_name(selection))
    response["Cache-Control"] = "no-store"
    return response


urlpatterns = [
    path("stock/", stock, name="stock"),
    path("stock/receive", stock_receive_view, name="stock_receive"),
    path("stock/sheets", stock_sheet, name="stock_sheet"),
    path("stock/reconcile", stock_reconcile_view, name="stock_reconcile"),
    path("conversion/", conversion, name="conversion"),
    path("conversion/template.xlsx", conversion_template, name="conversion_template"),
    path("conversion/paper-only.xlsx", conversion_paper_only, name="conversion_paper_only"),
    path("conversion/<str:public_id>/report.xlsx", conversion_report, name="conversion_report"),
    path("rates/", rates, name="rates"),
    path("rates/export.xlsx", rates_export, name="rates_export"),
    path("export/", export, name="export"),
    path("export/package.zip", export_package, name="export_package"),
    path("<str:public_id>/convert", licence_convert, name="licence_convert"),
]
