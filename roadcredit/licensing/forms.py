"""Shaping the page forms into the services' input. The rules live in the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

MAX_VEHICLE_ROWS = 50


def apply_data(post: QueryDict) -> dict[str, Any]:
    """The one form as the service reads it. ``mode=bundle``: the freight start-up bundle
    (business licence + one certificate per filled vehicle row); otherwise one ``item``."""
    plates = post.getlist("vehicle_plate")[:MAX_VEHICLE_ROWS]
    colours = post.getlist("vehicle_colour")[:MAX_VEHICLE_ROWS]
    dimensions = post.getlist("vehicle_dimensions")[:MAX_VEHICLE_ROWS]
    vehicles = [
        {
            "plate": plate.strip(),
            "plate_colour": (colours[i] if i < len(colours) else "").strip(),
            "dimensions": (dimensions[i] if i < len(dimensions) else "").strip(),
        }
        for i, plate in enumerate(plates)
        if plate.strip()
    ]
    data: dict[str, Any] = {
        "contact_name": post.get("contact_name", ""),
        "contact_phone": post.get("contact_phone", ""),
        "business_scope_codes": post.getlist("business_scope_codes"),
        "applicant_uscc": post.get("applicant_uscc", ""),
        "applicant_id_number": post.get("applicant_id_number", ""),
    }
    if post.get("mode") == "bundle":
        data["bundle"] = post.get("bundle", "freight_startup")
        data["items"] = [{"item": "freight_business_new"}] + [
            {"item": "transport_certificate_new", **vehicle} for vehicle in vehicles
        ]
    else:
        item: dict[str, Any] = {"item": post.get("item", "")}
        if vehicles:
            item.update(vehicles[0])
        data["items"] = [item]
    return data


class UploadForm(forms.Form):
    item = forms.IntegerField(widget=forms.HiddenInput)
    key = forms.CharField(max_length=64, widget=forms.HiddenInput)
    file = forms.FileField(label=_("File (PDF, JPG or PNG)"))


class VerifyForm(forms.Form):
    truthful = forms.TypedChoiceField(
        label=_("Verification outcome"),
        choices=[("1", _("The commitment is true")), ("0", _("The commitment is false"))],
        coerce=lambda v: v == "1",
    )
    finding = forms.CharField(label=_("Finding"), widget=forms.Textarea(attrs={"rows": 3}))


def parse_date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        return None


def parse_int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None
