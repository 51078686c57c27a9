from django.urls import path

from . import views
from .views_seal_keys import urlpatterns as seal_key_urlpatterns
from .views_stock import urlpatterns as stock_urlpatterns

app_name = "elicences"

urlpatterns = [
    path("issue/", views.licence_issue, name="licence_issue"),
    path("verify/", views.verify, name="verify"),
    path("verify/pdf/", views.verify_pdf, name="verify_pdf"),
    path("status-list", views.status_list, name="status_list"),
    path("status-list/<str:list_id>", views.status_list, name="status_list_by_id"),
    path("trust-list", views.trust_list, name="trust_list"),
    path("<str:public_id>/", views.licence_detail, name="licence_detail"),
    path("<str:public_id>/qr.svg", views.licence_qr, name="licence_qr"),
    path("<str:public_id>/pdf", views.licence_pdf, name="licence_pdf"),
    path("<str:public_id>/print", views.licence_print, name="licence_print"),
    path("<str:public_id>/actions/<str:action>/", views.licence_action, name="licence_action"),
]

# Paper stock, stock conversion, issuance rate, exchange package, seal keys (first: the
# catch-alls above).
urlpatterns = [*stock_urlpatterns, *seal_key_urlpatterns, *urlpatterns]
