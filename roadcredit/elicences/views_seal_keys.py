"""The security administrator's seal-key page: the root and seal certificates with their
state and days left, and the form that rotates the seal (the same service the
``seal_keys rotate`` command calls).

Access is declared in ``accounts.policy`` (``elicences:seal_keys``,
``elicences:seal_key_rotate``: the security administrator only, 三员分立) and enforced by the
policy middleware. The URL patterns at the bottom are prepended to ``elicences.urls``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from roadcredit.accounts.access import acting_user
from roadcredit.core.error_display import add_to_form
from roadcredit.core.errors import ApplicationError

from .selectors_seals import seal_key_overview
from .services.seal_keys import REASON_MAX_LENGTH, seal_key_rotate


def confirmation_word() -> str:
    """The word the administrator types to confirm (轮换 in Chinese)."""
    return _("rotate")


class SealRotateForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for the rotation"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # Not "required": an empty field gets the same message as a wrong word.
    confirmation = forms.CharField(
        label=gettext_lazy("Type the word to confirm"), max_length=20, required=False
    )
    expected_kid = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def clean_confirmation(self) -> str:
        typed = str(self.cleaned_data.get("confirmation", "")).strip()
        if typed != confirmation_word():
            raise forms.ValidationError(
                _("Type %(word)s to confirm the rotation.") % {"word": confirmation_word()}
            )
        return typed


def _page(
    request: HttpRequest, form: SealRotateForm | None = None, status: int = 200
) -> HttpResponse:
    overview = seal_key_overview()
    active = overview.active_seal
    current_kid = active.kid if active else ""
    if form is None:
        form = SealRotateForm(initial={"expected_kid": current_kid})
    else:
        # Shown again with its errors: the administrator now sees the current list, so the
        # form confirms against the seal active now, and the word must be typed again.
        data: dict[str, Any] = {key: form.data.get(key) for key in form.data}
        data["expected_kid"] = current_kid
        data["confirmation"] = ""
        form.data = data
    context: dict[str, Any] = {
        "overview": overview,
        "form": form,
        "word": confirmation_word(),
    }
    return render(request, "elicences/seal_keys.html", context, status=status)


def seal_keys(request: HttpRequest) -> HttpResponse:
    """Every root and seal certificate, the expiry warnings, and the rotation form."""
    return _page(request)


def seal_key_rotate_view(request: HttpRequest) -> HttpResponse:
    """POST: rotate the seal (confirmed, with a reason); GET only leads back to the page."""
    if request.method != "POST":
        return redirect("elicences:seal_keys")
    form = SealRotateForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            seal = seal_key_rotate(
                actor=acting_user(request),
                reason=data["reason"],
                expected_kid=data["expected_kid"],
            )
        except ApplicationError as exc:
            add_to_form(form, exc)
        else:
            messages.success(
                request,
                _("New seal %(kid)s, valid until %(date)s. Restart the web and worker processes.")
                % {"kid": seal.kid.hex(), "date": timezone.localdate(seal.not_after).isoformat()},
            )
            return redirect("elicences:seal_keys")
    return _page(request, form, status=400)


urlpatterns = [
    path("seal-keys/", seal_keys, name="seal_keys"),
    path("seal-keys/rotate/", seal_key_rotate_view, name="seal_key_rotate"),
]
