"""The leadership dashboard: figures, charts (drawn by the vendored Chart.js from JSON data
blocks), a date filter, and every table as an Excel download."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header

from roadcredit.core import clock
from roadcredit.core.errors import NotFound

from . import selectors
from .excel import XLSX_CONTENT_TYPE, table_workbook
from .forms import PeriodForm


def _period_form(request: HttpRequest) -> PeriodForm:
    return PeriodForm(request.GET if ("start" in request.GET or "end" in request.GET) else None)


def dashboard(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    form = _period_form(request)
    period = form.period(today)
    if not form.is_bound:
        form = PeriodForm(initial={"start": period.start, "end": period.end})
    data = selectors.dashboard(period=period, today=today)
    return render(
        request,
        "statistics/dashboard.html",
        {
            "form": form,
            "dashboard": data,
            "charts": [chart.as_json() for chart in data.charts],
            "query": request.GET.urlencode(),
        },
    )


def export(request: HttpRequest, key: str) -> HttpResponse:
    today = clock.today()
    period = _period_form(request).period(today)
    try:
        table = selectors.dashboard_table(key=key, period=period, today=today)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    content = table_workbook(table, subtitle=period.label)
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{table.title}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.xlsx"
    )
    return response
