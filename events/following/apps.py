from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowingConfig(AppConfig):
    """Following spaces, topics and formats, the weekly digest and its calendar feed: a
    sub-app on the floor above `events` (events never imports it; the pages show its
    buttons through `{% load following_tags %}`)."""

    name = "events.following"
    label = "following"
    verbose_name = _("Following")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from network.unsubscribe import mailing_list_register

        from .services import DIGEST_LIST

        # The weekly digest is a list: its e-mails carry a one-click unsubscribe link.
        mailing_list_register(DIGEST_LIST)
