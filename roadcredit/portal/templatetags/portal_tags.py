"""Template filters of the portal (display only, from rows already loaded)."""

from __future__ import annotations

from django import template
from django.urls import NoReverseMatch, reverse

from roadcredit.elicences.models import Licence, LicenceStatus
from roadcredit.elicences.selectors import licence_type_name

from ..selectors import application_status_label, holder_display_name

register = template.Library()


@register.filter
def type_name(licence: Licence) -> str:
    return licence_type_name(licence.type_key)


@register.filter
def holder_label(licence: Licence) -> str:
    return holder_display_name(licence)


@register.filter
def status_label(licence: Licence) -> str:
    return (
        str(LicenceStatus(licence.status).label)
        if licence.status in LicenceStatus.values
        else licence.status
    )


@register.filter
def presentable(licence: Licence) -> bool:
    return licence.has_electronic and licence.status in (
        LicenceStatus.VALID,
        LicenceStatus.SUSPENDED,
    )


@register.filter
def application_status(status: str) -> str:
    return application_status_label(status)


@register.simple_tag
def url_if_exists(name: str, *args: object) -> str:
    """The URL of a page another app may not have yet (``""`` when it has none)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""
