from django.apps import AppConfig


class LicensingConfig(AppConfig):
    name = "roadcredit.licensing"
    label = "licensing"
    verbose_name = "行政许可办理"
    default_auto_field = "django.db.models.BigAutoField"
