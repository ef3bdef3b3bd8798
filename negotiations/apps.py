from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NegotiationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "negotiations"
    verbose_name = _("Negotiations")

    def ready(self):
        from . import data_version

        data_version.connect_signals()
