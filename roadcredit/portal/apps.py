from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "roadcredit.portal"
    label = "portal"
    verbose_name = "移动端（持证人与执法检查）"
