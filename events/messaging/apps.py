from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    """Organisers' messages to participants: a sub-app above `events` (events never imports
    it; it joins the organiser dashboard through `events.dashboard`)."""

    name = "events.messaging"
    label = "messaging"
    verbose_name = _("Messages to participants")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import dashboard  # noqa: F401 — registers the dashboard link
