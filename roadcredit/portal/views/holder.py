"""The holder's pages (operator and practitioner accounts): my licences, 亮证, my credit, my
applications, notices. Every object comes through a scoped selector: another holder's id in the
URL is "not found", with nothing about it shown."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from roadcredit.credit.services.notices import notice_mark_read
from roadcredit.elicences.selectors import licence_face_for, licence_type_name
from roadcredit.elicences.services import licence_pdf as licence_pdf_bytes

from .. import selectors
from ..presentation import presentation_code_for
from .common import json_errors, portal_errors


@portal_errors
def home(request: HttpRequest) -> HttpResponse:
    data = selectors.portal_home(viewer=request.user)
    licences = list(selectors.my_licences(viewer=request.user)[:3])
    return render(request, "portal/home.html", {"home": data, "licences": licences})


@portal_errors
def licences(request: HttpRequest) -> HttpResponse:
    page = selectors.my_licences_page(viewer=request.user, page=request.GET.get("page"))
    return render(request, "portal/licences.html", {"page": page})


@portal_errors
def licence_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    licence = selectors.my_licence(viewer=request.user, public_id=public_id)
    return render(
        request,
        "portal/licence_detail.html",
        {
            "licence": licence,
            "type_name": licence_type_name(licence.type_key),
            "face": licence_face_for(viewer=request.user, licence=licence),
        },
    )


@portal_errors
def licence_pdf(request: HttpRequest, public_id: str) -> HttpResponse:
    licence = selectors.my_licence(viewer=request.user, public_id=public_id)
    content = licence_pdf_bytes(licence=licence)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True,
        filename=f"{licence_type_name(licence.type_key)}-{licence.public_id}.pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@portal_errors
def licence_show(request: HttpRequest, public_id: str) -> HttpResponse:
    licence, code = presentation_code_for(viewer=request.user, public_id=public_id)
    return render(
        request,
        "portal/licence_show.html",
        {
            "licence": licence,
            "type_name": licence_type_name(licence.type_key),
            "holder_name": selectors.holder_display_name(licence),
            "code": code,
        },
    )


@require_GET
@never_cache
@json_errors
def licence_code(request: HttpRequest, public_id: str) -> HttpResponse:
    _licence, code = presentation_code_for(viewer=request.user, public_id=public_id)
    response = JsonResponse(code.as_json())
    response["Cache-Control"] = "no-store"
    return response


@portal_errors
def credit(request: HttpRequest) -> HttpResponse:
    explanation = selectors.my_credit(viewer=request.user)
    return render(
        request,
        "portal/credit.html",
        {"explanation": explanation, "paths": selectors.repair_and_objection_paths()},
    )


@portal_errors
def applications(request: HttpRequest) -> HttpResponse:
    page = selectors.my_applications_page(viewer=request.user, page=request.GET.get("page"))
    return render(request, "portal/applications.html", {"page": page})


@portal_errors
def notices(request: HttpRequest) -> HttpResponse:
    page = selectors.my_notices_page(viewer=request.user, page=request.GET.get("page"))
    return render(request, "portal/notices.html", {"page": page})


@portal_errors
def notice_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    notice = selectors.my_notice(viewer=request.user, public_id=public_id)
    notice = notice_mark_read(actor=request.user, notice=notice)  # type: ignore[arg-type]
    return render(request, "portal/notice_detail.html", {"notice": notice})
