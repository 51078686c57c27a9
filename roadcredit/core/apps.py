from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "roadcredit.core"
    label = "core"
    verbose_name = "核心"
