"""Forms of the registry pages. They only shape the input; the rules live in the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name, credit code, plate, VIN or ID number"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autofocus": True}),
    )


class AllowListAddForm(forms.Form):
    uscc = forms.CharField(label=_("Unified social credit code"), max_length=30)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        help_text=_("E.g. the registration document that confirms this early pilot code."),
    )


class AllowListRemoveForm(forms.Form):
    uscc = forms.CharField(max_length=30, widget=forms.HiddenInput)
