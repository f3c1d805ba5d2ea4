from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Reports of events, spaces and the network (top floor: reads events, the programme,
    credits and network; nothing imports it)."""

    name = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        # Registering the exporters and the dashboard link is what importing them does.
        from . import dashboard, exporters  # noqa: F401
