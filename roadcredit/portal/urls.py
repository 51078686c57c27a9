from django.urls import path

from .views import guidance, holder, inspect

app_name = "portal"

urlpatterns = [
    # The holder (operator and practitioner accounts).
    path("", holder.home, name="home"),
    path("licences/", holder.licences, name="licences"),
    path("licences/<str:public_id>/", holder.licence_detail, name="licence_detail"),
    path("licences/<str:public_id>/pdf", holder.licence_pdf, name="licence_pdf"),
    path("licences/<str:public_id>/show/", holder.licence_show, name="licence_show"),
    path("licences/<str:public_id>/code.json", holder.licence_code, name="licence_code"),
    path("credit/", holder.credit, name="credit"),
    path("applications/", holder.applications, name="applications"),
    path("notices/", holder.notices, name="notices"),
    path("notices/<str:public_id>/", holder.notice_detail, name="notice_detail"),
    # The inspector on the road.
    path("inspect/", inspect.inspect, name="inspect"),
    path("inspect/scans/<str:scan_id>/finding/", inspect.finding_new, name="finding_new"),
    path("inspect/findings/", inspect.findings, name="findings"),
    path("inspect/findings/<str:public_id>/", inspect.finding_detail, name="finding_detail"),
    # Credit guidance: public page, the window, the printed notice.
    path("guidance/", guidance.guidance, name="guidance"),
    path("guidance/print/", guidance.guidance_print, name="guidance_print"),
    path("window/", guidance.window, name="window"),
    path("window/<str:kind>/<str:public_id>/", guidance.window_notice, name="window_notice"),
]
