from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FederationConfig(AppConfig):
    """Importing other sites' calendars into a space: a sub-app on the floor above `events`
    (events never imports it; imported events are ordinary EventPages whose `origin` says
    where they come from)."""

    name = "events.federation"
    label = "federation"
    verbose_name = _("Imported calendars")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from events import extensions

        from .extension import FederationExtension

        extensions.register(FederationExtension())
