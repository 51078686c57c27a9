from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("<str:public_id>/", views.job_detail, name="job_detail"),
    path("<str:public_id>/progress", views.job_progress, name="job_progress"),
]
