from django.apps import AppConfig


class JobsDemoConfig(AppConfig):
    name = "roadcredit.core.tests.jobs_demo"
    label = "jobs_demo"
    verbose_name = "后台任务测试"
    default_auto_field = "django.db.models.BigAutoField"
