from django.urls import path

from . import views_pool
from .urls_cases import urlpatterns as cases_urlpatterns

app_name = "credit"

urlpatterns = [
    # --- Credit data pool (views_pool) ---
    path("intake/", views_pool.intake_page, name="intake"),
    path("intake/<int:pk>/", views_pool.intake_batch, name="intake_batch"),
    path("intake/<int:pk>/report.xlsx", views_pool.intake_report, name="intake_report"),
    path("link-queue/", views_pool.link_queue, name="link_queue"),
    path("link-queue/<str:public_id>/", views_pool.link_item, name="link_item"),
    path("rulesets/", views_pool.rulesets_page, name="rulesets"),
    path("rulesets/<int:pk>/", views_pool.ruleset_detail, name="ruleset_detail"),
    path("rulesets/<int:pk>/activate", views_pool.ruleset_activate, name="ruleset_activate"),
]

# --- Credit cases and publicity (views.py; patterns in urls_cases.py) ---
urlpatterns += cases_urlpatterns
