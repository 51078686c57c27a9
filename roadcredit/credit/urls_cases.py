"""URL patterns of the credit-case pages (included into ``roadcredit/credit/urls.py``, namespace
"credit"). Every name has its policy in ``accounts.policy`` ("Credit cases and publicity")."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("repairs/", views.repair_list, name="repair_list"),
    path("repairs/apply/<str:record_id>/", views.repair_apply, name="repair_apply"),
    path("repairs/<str:public_id>/", views.repair_detail, name="repair_detail"),
    path("repairs/<str:public_id>/decide", views.repair_decide, name="repair_decide"),
    path("objections/", views.objection_list, name="objection_list"),
    path("objections/new/<str:record_id>/", views.objection_submit, name="objection_submit"),
    path("objections/<str:public_id>/", views.objection_detail, name="objection_detail"),
    path("objections/<str:public_id>/decide", views.objection_decide, name="objection_decide"),
    path("lists/public/", views.lists_public, name="lists_public"),
    path("lists/public.xlsx", views.lists_export, name="lists_export"),
    path("lists/", views.lists_manage, name="lists_manage"),
    path("lists/refresh", views.lists_refresh, name="lists_refresh"),
    path("lists/entries/<str:public_id>/", views.list_entry, name="list_entry"),
    path("lists/entries/<str:public_id>/action", views.list_entry_action, name="list_entry_action"),
    path(
        "lists/entries/<str:public_id>/statement",
        views.list_entry_statement,
        name="list_entry_statement",
    ),
    path("publicity/", views.publicity_page, name="publicity"),
    path("publicity/export.xlsx", views.publicity_export, name="publicity_export"),
    path("publicity/action", views.publicity_action, name="publicity_action"),
    path("explanation/<str:kind>/<str:public_id>/", views.explanation, name="explanation"),
]
