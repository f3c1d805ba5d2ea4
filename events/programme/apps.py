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
        from network.pagecache.versions import register_next_change

        from .calendar import ProgrammeExtension
        from .selectors import programme_next_change

        extensions.register(ProgrammeExtension())
        # Cached pages showing "now" and "next" sessions expire when a slot starts or ends.
        register_next_change(programme_next_change)
