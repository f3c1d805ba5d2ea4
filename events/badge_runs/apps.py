from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BadgeRunsConfig(AppConfig):
    """Big badge runs in the background: a sub-app on the floor above `events` (it uses
    `events.badges`; events never imports it)."""

    name = "events.badge_runs"
    label = "badge_runs"
    verbose_name = _("Badge runs")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import dashboard  # noqa: F401 — registers the dashboard link
