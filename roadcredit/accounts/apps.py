from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "roadcredit.accounts"
    label = "accounts"
    verbose_name = "账户与权限"
