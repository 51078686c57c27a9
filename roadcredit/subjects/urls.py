from django.urls import path

from . import views

app_name = "subjects"

urlpatterns = [
    path("", views.search, name="search"),
    path("operators/<str:public_id>/", views.operator_detail, name="operator_detail"),
    path("vehicles/<str:public_id>/", views.vehicle_detail, name="vehicle_detail"),
    path("practitioners/<str:public_id>/", views.practitioner_detail, name="practitioner_detail"),
    path("uscc-allowlist/", views.uscc_allowlist, name="uscc_allowlist"),
]
