from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Events")

    def ready(self) -> None:
        # badges: its link on the organiser dashboard; signals: page_published → services
        from network.pagecache.marks import register_public_page_types
        from network.pagecache.versions import register_next_change
        from network.unsubscribe import mailing_list_register

        from . import badges, signals  # noqa: F401
        from .models import EventIndexPage, EventPage
        from .reminders import REMINDERS_LIST
        from .selectors import event_next_change

        # Anonymous views of these pages are served from the page cache (network.pagecache),
        # until the next event boundary at the latest.
        register_public_page_types(EventIndexPage, EventPage)
        register_next_change(event_next_change)
        # Reminders are a list: each carries a one-click unsubscribe link (members).
        mailing_list_register(REMINDERS_LIST)
