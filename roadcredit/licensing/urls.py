from django.urls import path

from . import views

app_name = "licensing"

urlpatterns = [
    path("", views.guides, name="guides"),
    path("items/<str:key>/", views.guide_detail, name="guide_detail"),
    path("apply/", views.apply, name="apply"),
    path("applications/", views.applications, name="applications"),
    path("applications/<str:public_id>/", views.application_detail, name="application_detail"),
    path(
        "applications/<str:public_id>/action/",
        views.application_action,
        name="application_action",
    ),
    path(
        "applications/<str:public_id>/materials/",
        views.material_upload,
        name="material_upload",
    ),
    path(
        "applications/<str:public_id>/materials/<str:material_id>/",
        views.material_download,
        name="material_download",
    ),
    path(
        "applications/<str:public_id>/commitment/",
        views.commitment_sign,
        name="commitment_sign",
    ),
    path(
        "applications/<str:public_id>/notices/<str:notice_id>.pdf",
        views.notice_pdf,
        name="notice_pdf",
    ),
    path("queue/", views.queue, name="queue"),
    path("workbench/", views.workbench, name="workbench"),
    path("verification/", views.verification_tasks, name="verification_tasks"),
    path(
        "verification/<str:public_id>/",
        views.commitment_verify,
        name="commitment_verify",
    ),
    path(
        "revocations/<str:public_id>/decide/",
        views.revocation_decide,
        name="revocation_decide",
    ),
    path("statistics/", views.statistics, name="statistics"),
]
