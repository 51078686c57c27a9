"""The upload form of the registry import. It shapes the input; the import checks the rows."""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from .columns import KIND_LABELS, KINDS
from .tabular import SUFFIXES


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What the file holds"),
        choices=[(kind, KIND_LABELS[kind]) for kind in KINDS],
    )
    file = forms.FileField(
        label=_("File (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(SUFFIXES)}),
    )
    dry_run = forms.BooleanField(
        label=_("Dry run: check the file only, write nothing"),
        required=False,
    )

    def clean_file(self) -> UploadedFile[bytes]:
        upload: UploadedFile[bytes] = self.cleaned_data["file"]
        suffix = Path(upload.name or "").suffix.lower()
        if suffix not in SUFFIXES:
            raise forms.ValidationError(
                _("Only .xlsx and .csv files can be imported (this file is %(suffix)s)."),
                params={"suffix": suffix or "?"},
            )
        limit = settings.IMPORT_MAX_BYTES
        if upload.size is not None and upload.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(limit)d MB; split it and import the parts."),
                params={"limit": limit // (1024 * 1024)},
            )
        return upload
