"""Pages of the credit data pool for credit officers: file intake and its batches (with the
error report), the to-link queue, rule-set versions with their impact preview and activation.

Access is declared in ``accounts.policy`` and enforced by the policy middleware. Views only
parse, call one service or selector, and render; service errors are shown on the form.
"""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from roadcredit.accounts.access import user_role
from roadcredit.accounts.policy import policy_for
from roadcredit.core.error_display import add_to_form
from roadcredit.core.errors import ApplicationError, NotFound
from roadcredit.credit import selectors
from roadcredit.credit.models import IntakeChannel, LinkStatus, RuleSetStatus
from roadcredit.credit.record_input import FIELD_LABELS
from roadcredit.credit.services import intake, linking, rulesets
from roadcredit.exchange import reports

View = Callable[..., HttpResponse]
INTAKE_SUFFIXES = (".csv", ".xlsx", ".json")
PAGE_INTAKE_MAX_BYTES = 50 * 1024 * 1024


def may_use(user: Any, key: str) -> bool:
    """Whether the declared policy of page ``key`` admits the user (to show a button)."""
    policy = policy_for(key)
    return policy is not None and policy.allows(user_role(user))


def _not_found_as_404(view: View) -> View:
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc

    return wrapper


# --- Forms -------------------------------------------------------------------------------------


class IntakeUploadForm(forms.Form):
    source = forms.ChoiceField(label=gettext_lazy("Source"))
    file = forms.FileField(
        label=gettext_lazy("File (.csv, .xlsx or .json)"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(INTAKE_SUFFIXES)}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["source"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (s.code, f"{s.name}（{s.code}）") for s in selectors.sources_list() if s.active
        ]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        suffix = Path(upload.name or "").suffix.lower()
        if suffix not in INTAKE_SUFFIXES:
            raise forms.ValidationError(_("Only .csv, .xlsx or .json files are accepted."))
        if upload.size is not None and upload.size > PAGE_INTAKE_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than 50 MB; take it in with the credit_intake command.")
            )
        return upload


class RulesetUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Rule set file (.toml)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".toml"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if Path(upload.name or "").suffix.lower() != ".toml":
            raise forms.ValidationError(_("Only .toml files are accepted."))
        if upload.size is not None and upload.size > rulesets.MAX_RULESET_BYTES:
            raise forms.ValidationError(_("The file is larger than 256 KB."))
        return upload


class LinkResolveForm(forms.Form):
    subject_id = forms.CharField(label=gettext_lazy("Public id of the subject"), max_length=16)


class LinkDiscardForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason for discarding"), max_length=300)


# --- Intake -----------------------------------------------------------------------------------


def intake_page(request: HttpRequest) -> HttpResponse:
    """Upload a file of credit records from a source (one batch), and the recent batches."""
    form = IntakeUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        suffix = Path(upload.name or "").suffix.lower()
        try:
            source = selectors.source_get(form.cleaned_data["source"])
            with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
                for chunk in upload.chunks():
                    handle.write(chunk)
                handle.flush()
                batch = intake.intake_file(
                    source=source,
                    path=Path(handle.name),
                    file_name=upload.name or f"upload{suffix}",
                    actor=request.user,  # type: ignore[arg-type]
                    channel=IntakeChannel.FILE,
                )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("credit:intake_batch", pk=batch.pk)
    context = {
        "form": form,
        "batches": selectors.batches_recent(),
        "columns": list(FIELD_LABELS.items()),
    }
    return render(request, "credit/intake.html", context)


@_not_found_as_404
def intake_batch(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.batch_get(pk)
    return render(request, "credit/intake_batch.html", {"batch": batch, "errors": batch.errors})


@_not_found_as_404
def intake_report(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.batch_get(pk)
    if not batch.errors:
        raise Http404(str(pk))
    lines = [
        reports.ReportLine(
            row=e.get("row"),
            column_label=str(e.get("label") or e.get("field") or ""),
            message=(f"[{e['source_ref']}] " if e.get("source_ref") else "")
            + str(e.get("message")),
        )
        for e in batch.errors
    ]
    facts = [
        (_("Source"), batch.source.name),
        (_("File"), batch.file_name),
        (_("Errors"), str(batch.error_count)),
    ]
    name = reports.report_file_name(batch.file_name or f"batch-{batch.pk}")
    response = HttpResponse(
        reports.error_report_workbook(lines, facts=facts), content_type=reports.XLSX_CONTENT_TYPE
    )
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["Cache-Control"] = "no-store"
    return response


# --- To-link queue -----------------------------------------------------------------------------


def link_queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", LinkStatus.OPEN)
    if status not in LinkStatus.values:
        status = LinkStatus.OPEN
    query = request.GET.get("q", "")[:100]
    total, items = selectors.link_queue_list(status=status, query=query, limit=100)
    return render(
        request,
        "credit/link_queue.html",
        {
            "items": items,
            "total": total,
            "status": status,
            "q": query,
            "statuses": LinkStatus.choices,
        },
    )


_SUBJECT_KIND = {"uscc": "operator", "id_number": "practitioner", "plate": "vehicle"}


@_not_found_as_404
def link_item(request: HttpRequest, public_id: str) -> HttpResponse:
    item = selectors.link_item_get(public_id)
    resolve_form = LinkResolveForm(
        request.POST if request.POST.get("action") == "resolve" else None
    )
    discard_form = LinkDiscardForm(
        request.POST if request.POST.get("action") == "discard" else None
    )
    if request.method == "POST":
        try:
            if resolve_form.is_bound and resolve_form.is_valid():
                subject = selectors.subject_get_for(
                    viewer=request.user,
                    kind=_SUBJECT_KIND[item.identifier_kind],
                    public_id=resolve_form.cleaned_data["subject_id"].strip(),
                )
                linking.link_queue_resolve(actor=request.user, item=item, subject=subject)  # type: ignore[arg-type]
                return redirect("credit:link_queue")
            if discard_form.is_bound and discard_form.is_valid():
                linking.link_queue_discard(
                    actor=request.user,  # type: ignore[arg-type]
                    item=item,
                    reason=discard_form.cleaned_data["reason"],
                )
                return redirect("credit:link_queue")
        except ApplicationError as exc:
            target = resolve_form if resolve_form.is_bound else discard_form
            target.add_error(None, exc.message)
    return render(
        request,
        "credit/link_item.html",
        {
            "item": item,
            "resolve_form": resolve_form,
            "discard_form": discard_form,
            "subject_kind": _SUBJECT_KIND[item.identifier_kind],
            "open": item.status == LinkStatus.OPEN,
        },
    )


# --- Rule sets ---------------------------------------------------------------------------------


def rulesets_page(request: HttpRequest) -> HttpResponse:
    form = RulesetUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            text = upload.read().decode("utf-8-sig")
            row = rulesets.ruleset_load(
                actor=request.user,  # type: ignore[arg-type]
                text=text,
                source_name=upload.name or "ruleset.toml",
            )
        except UnicodeDecodeError:
            form.add_error("file", _("The file is not UTF-8 text."))
        except ApplicationError as exc:
            add_to_form(form, exc, by_field=False)
        else:
            return redirect("credit:ruleset_detail", pk=row.pk)
    return render(
        request, "credit/rulesets.html", {"form": form, "versions": selectors.rulesets_list()}
    )


@_not_found_as_404
def ruleset_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A rule-set version; for a draft, the impact preview (``?preview=1``) and activation."""
    version = selectors.ruleset_get(pk)
    preview = None
    if version.status == RuleSetStatus.DRAFT and request.GET.get("preview") == "1":
        preview = selectors.ruleset_preview(version=version, limit=200)
    return render(
        request,
        "credit/rulesets_detail.html",
        {
            "version": version,
            "preview": preview,
            "error": request.GET.get("error") == "1",
            "is_draft": version.status == RuleSetStatus.DRAFT,
            "may_activate": may_use(request.user, "credit:ruleset_activate"),
        },
    )


@require_POST
@_not_found_as_404
def ruleset_activate(request: HttpRequest, pk: int) -> HttpResponse:
    version = selectors.ruleset_get(pk)
    try:
        rulesets.ruleset_activate_and_regrade(actor=request.user, version=version)  # type: ignore[arg-type]
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The rule set is active; the batch regrade has been started."))
    return redirect(reverse("credit:ruleset_detail", kwargs={"pk": pk}))
