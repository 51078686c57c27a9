from django.urls import path

from . import views

app_name = "exchange"

urlpatterns = [
    path("import/", views.import_upload, name="import_upload"),
    path("import/templates/<str:kind>.xlsx", views.import_template, name="import_template"),
    path("import/<str:public_id>/report.xlsx", views.import_report, name="import_report"),
]
