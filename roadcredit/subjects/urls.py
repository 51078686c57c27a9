from django.urls import path  # noqa: F401

app_name = "subjects"

urlpatterns: list = []  # type: ignore[type-arg]
