from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammeConfig(AppConfig):
    """The unconference programme: a sub-app on the floor above `events` (events never
    imports it; it joins the event's calendar and feed through `events.extensions`)."""

    name = "events.programme"
    label = "programme"
    verbose_name = _("Unconference programme")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from events import extensions

        from .calendar import ProgrammeExtension

        extensions.register(ProgrammeExtension())
