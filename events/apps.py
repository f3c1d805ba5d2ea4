from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Events")

    def ready(self) -> None:
        # badges: its link on the organiser dashboard; signals: page_published → services
        from . import badges, signals  # noqa: F401
