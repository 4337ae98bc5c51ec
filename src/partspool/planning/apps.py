from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    name = "partspool.planning"
    label = "planning"
    verbose_name = _("Forecasting and stock policy")

    def ready(self) -> None:
        from partspool.planning import signals  # noqa: F401  (connects the receivers)
