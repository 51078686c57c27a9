"""Forms of the phone portal: they parse input only; the rules live in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from roadcredit.core import clock
from roadcredit.credit.grading.ruleset import Behaviour
from roadcredit.elicences.tokens import MAX_SCAN_CHARS

from .uploads import PHOTO_MAX_BYTES, PhotoRejected, check_photo_size


class ScanForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=MAX_SCAN_CHARS,
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "autocomplete": "off",
                "autocapitalize": "off",
                "spellcheck": "false",
                "placeholder": _("Scan the QR code, or paste or type the code or its link"),
            }
        ),
    )
    latitude = forms.FloatField(required=False, widget=forms.HiddenInput)
    longitude = forms.FloatField(required=False, widget=forms.HiddenInput)


class FindingForm(forms.Form):
    behaviour_code = forms.ChoiceField(label=_("Behaviour"))
    occurred_on = forms.DateField(
        label=_("Date of the finding"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    place = forms.CharField(label=_("Place of the check"), max_length=200)
    description = forms.CharField(
        label=_("What was found"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    photo = forms.FileField(
        label=_("Photo evidence (JPG or PNG, at most 10 MB)"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )

    def __init__(self, *args: Any, behaviours: tuple[Behaviour, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["behaviour_code"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Choose the behaviour"))] + [
            (b.code, f"{b.code} {b.name_zh}") for b in behaviours
        ]
        if not self.is_bound:
            self.initial.setdefault("occurred_on", clock.today())

    def clean_photo(self) -> UploadedFile[bytes]:
        photo: UploadedFile[bytes] = self.cleaned_data["photo"]
        try:
            check_photo_size(photo.size or 0, max_bytes=PHOTO_MAX_BYTES)
        except PhotoRejected as exc:
            raise forms.ValidationError(exc.message) from exc
        return photo


class DecisionForm(forms.Form):
    decision_number = forms.CharField(label=_("Decision document number"), max_length=100)
    decided_on = forms.DateField(
        label=_("Decided on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class SubjectSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name, unified social credit code, plate or ID number"),
        max_length=100,
        required=False,
    )
