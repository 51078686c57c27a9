"""The issuance-rate report as an Excel workbook (the figures come from ``selectors_rates``).

Every text cell goes through ``issuance_rates.safe_text`` and is written as a string, so nothing
in the file can become a formula. Rates are written as numbers with a percentage format (Excel
can sum and chart them); a period without licences gets “—”.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from roadcredit.core import clock
from roadcredit.elicences.issuance_rates import NO_RATE, RateRow, safe_text
from roadcredit.elicences.selectors import licence_catalogue
from roadcredit.elicences.selectors_rates import RateReport

_BOLD = Font(bold=True)


def _text(sheet: Worksheet, row: int, column: int, value: str, *, bold: bool = False) -> None:
    cell = sheet.cell(row=row, column=column, value=safe_text(value))
    cell.data_type = "s"
    if bold:
        cell.font = _BOLD


def _table(sheet: Worksheet, top: int, title: str, rows: Sequence[RateRow], rate_label: str) -> int:
    _text(sheet, top, 1, title, bold=True)
    headers = (
        _("Licence type"),
        _("With e-licence"),
        _("Without e-licence"),
        _("All"),
        rate_label,
    )
    for column, header in enumerate(headers, start=1):
        _text(sheet, top + 1, column, header, bold=True)
        sheet.cell(row=top + 1, column=column).alignment = Alignment(horizontal="center")
    line = top + 2
    for item in rows:
        _text(sheet, line, 1, item.label, bold=not item.key)
        sheet.cell(row=line, column=2, value=item.with_electronic)
        sheet.cell(row=line, column=3, value=item.without_electronic)
        sheet.cell(row=line, column=4, value=item.total)
        if item.rate is None:
            _text(sheet, line, 5, NO_RATE)
        else:
            cell = sheet.cell(row=line, column=5, value=float(item.rate) / 100)
            cell.number_format = "0.00%"
        line += 1
    return line + 1


def rates_workbook(report: RateReport) -> bytes:
    """Sheet 1: the issuance rate of the period and the stock rate on the date, per type."""
    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    sheet.title = _("E-licence issuance rate")
    issuer = licence_catalogue().issuer
    _text(sheet, 1, 1, f"{issuer.name} {_('E-licence issuance rate')}", bold=True)
    _text(
        sheet,
        2,
        1,
        _("Period: %(period)s; stock on %(day)s; produced %(now)s")
        % {
            "period": report.period.label,
            "day": report.stock_on.isoformat(),
            "now": timezone.localtime(clock.now()).strftime("%Y-%m-%d %H:%M"),
        },
    )
    line = _table(
        sheet,
        4,
        _("Issuance rate: licences issued, renewed or changed in %(period)s")
        % {"period": report.period.label},
        report.issuance,
        _("Issuance rate"),
    )
    _table(
        sheet,
        line,
        _("Stock rate: licences valid on %(day)s") % {"day": report.stock_on.isoformat()},
        report.stock,
        _("Stock rate"),
    )
    sheet.column_dimensions["A"].width = 34
    for letter in "BCDE":
        sheet.column_dimensions[letter].width = 14
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rates_file_name(report: RateReport) -> str:
    return f"电子证照制证率-{report.period.label}.xlsx"
