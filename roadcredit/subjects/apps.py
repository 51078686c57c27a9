from django.apps import AppConfig


class SubjectsConfig(AppConfig):
    name = "roadcredit.subjects"
    label = "subjects"
    verbose_name = "主体登记"
