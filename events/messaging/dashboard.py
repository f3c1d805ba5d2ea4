"""The "messages" section of an event's organiser dashboard (events.dashboard)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from events.dashboard import DashboardLink, dashboard_link_provider
from events.models import EventPage


@dashboard_link_provider("messages")
def event_messages_link(event: EventPage, user) -> DashboardLink:
    return DashboardLink(_("Write to participants"), reverse("messaging:compose", args=[event.pk]),
                         _("Everyone, the confirmed, the waiting list, those checked in, or "
                           "one role."))


@dashboard_link_provider("messages")
def event_message_history_link(event: EventPage, user) -> DashboardLink:
    return DashboardLink(_("Messages sent"), reverse("messaging:list", args=[event.pk]),
                         _("Who sent what to how many."))
