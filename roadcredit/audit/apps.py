from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "roadcredit.audit"
    label = "audit"
    verbose_name = "审计"
