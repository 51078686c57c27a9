"""Forms of the credit-case pages: they only parse input; the rules live in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from roadcredit.credit.services.lists import STATEMENT_MAX
from roadcredit.credit.services.objections import GROUNDS_MAX
from roadcredit.credit.services.repair import EVIDENCE_MAX, REASON_MAX

_TEXTAREA = {"rows": 4}


class RepairApplyForm(forms.Form):
    obligations_fulfilled = forms.BooleanField(
        label=_(
            "The dishonest conduct is corrected and every obligation (fines etc.) is fulfilled"
        ),
        required=False,
    )
    obligations_evidence = forms.CharField(
        label=_("How the obligations were fulfilled, and the proof"),
        max_length=EVIDENCE_MAX,
        required=False,
        widget=forms.Textarea(attrs=_TEXTAREA),
        help_text=_(
            "For example the number of the fine payment receipt, the rectification report."
        ),
    )
    commitment = forms.BooleanField(
        label=_("I sign the credit commitment above"),
        required=False,
    )


class DecisionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reasons (told to the subject)"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs=_TEXTAREA),
    )


class ObjectionSubmitForm(forms.Form):
    grounds = forms.CharField(
        label=_("Why the record is wrong"),
        max_length=GROUNDS_MAX,
        widget=forms.Textarea(attrs=_TEXTAREA),
    )


class ObjectionDecideForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            ("kept", _("Keep the record")),
            ("corrected", _("Correct the record")),
            ("deleted", _("Delete the record")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reasons (told to the subject)"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs=_TEXTAREA),
    )
    behaviour_code = forms.CharField(
        label=_("Corrected behaviour code"), max_length=20, required=False
    )
    points = forms.IntegerField(
        label=_("Corrected points"), min_value=0, max_value=1000, required=False
    )
    occurred_on = forms.DateField(label=_("Corrected date of the conduct"), required=False)
    decision_number = forms.CharField(
        label=_("Corrected decision document number"), max_length=100, required=False
    )
    decided_on = forms.DateField(label=_("Corrected decision date"), required=False)

    CORRECTION_FIELDS = ("behaviour_code", "points", "occurred_on", "decision_number", "decided_on")

    def corrections(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data[name]
            for name in self.CORRECTION_FIELDS
            if self.cleaned_data.get(name) not in (None, "")
        }


class StatementForm(forms.Form):
    text = forms.CharField(
        label=_("Statement of the subject"),
        max_length=STATEMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


class ListingActionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            ("notify", "notify"),
            ("list", "list"),
            ("not_list", "not_list"),
            ("remove", "remove"),
            ("cancel", "cancel"),
        ]
    )
    reason = forms.CharField(
        max_length=REASON_MAX, required=False, widget=forms.Textarea(attrs=_TEXTAREA)
    )


class PublicityFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("All")), ("licensing", _("Licensing")), ("penalty", _("Penalty"))],
    )
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[
            ("", _("All")),
            ("pending", _("Not yet published")),
            ("overdue", _("Overdue")),
            ("withdrawn", _("Including taken down")),
        ],
    )
