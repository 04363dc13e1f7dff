from django.apps import AppConfig


class PhtConfig(AppConfig):
    name = "pht"
    verbose_name = "Clinics and users"
