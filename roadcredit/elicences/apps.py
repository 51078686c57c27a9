from django.apps import AppConfig


class ElicencesConfig(AppConfig):
    name = "roadcredit.elicences"
    label = "elicences"
    verbose_name = "电子证照"
