"""The dashboard's date filter."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from .selectors import MAX_PERIOD_DAYS, Period, default_period


class PeriodForm(forms.Form):
    start = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if isinstance(start, dt.date) and isinstance(end, dt.date):
            if end < start:
                raise forms.ValidationError(_("The end date is before the start date."))
            if (end - start).days > MAX_PERIOD_DAYS:
                raise forms.ValidationError(_("Choose a period of at most five years."))
        return cleaned

    def period(self, today: dt.date) -> Period:
        """The chosen period (the default's ends where a date is missing or invalid)."""
        fallback = default_period(today)
        if not self.is_bound or not self.is_valid():
            return fallback
        start = self.cleaned_data.get("start") or fallback.start
        end = self.cleaned_data.get("end") or fallback.end
        if end < start:
            return fallback
        return Period(start, end)
