from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog, set_language

from config.api import api
from roadcredit.accounts import views as account_views
from roadcredit.core import views as core_views
from roadcredit.elicences import views as elicence_views

admin.site.site_header = "道路运输信用与电子证照平台 · 后台管理"
admin.site.site_title = "roadcredit 后台"
admin.site.index_title = "系统管理"

urlpatterns = [
    path("", account_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/", include("roadcredit.accounts.urls")),
    path("subjects/", include("roadcredit.subjects.urls")),
    path("exchange/", include("roadcredit.exchange.urls")),
    path("jobs/", include("roadcredit.core.urls")),
    path("audit/", include("roadcredit.audit.urls")),
    path("m/", include("roadcredit.portal.urls")),
    path("stats/", include("roadcredit.statistics.urls")),
    path("licences/", include("roadcredit.elicences.urls")),
    path("credit/", include("roadcredit.credit.urls")),
    path("services/", include("roadcredit.licensing.urls")),
    # The short public verification address printed in every licence QR code: /v/?t=<token>
    path("v/", elicence_views.verify, name="verify_short"),
    path("v/check", elicence_views.verify_lean, name="verify_lean"),
    path("v/<path:token>", elicence_views.verify, name="verify_short_token"),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
]
