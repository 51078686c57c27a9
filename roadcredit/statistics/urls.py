from django.urls import path

from . import views

app_name = "statistics"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export/<str:key>.xlsx", views.export, name="export"),
]
