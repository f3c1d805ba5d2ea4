"""What the organiser dashboard of an event links to beyond registrations and the door.

Event-day tools that live in other modules (badges, the event report) register a provider
here, so the dashboard shows their section only once they exist and only with links that
work: no placeholder ever points nowhere. A provider is called with the event and the user
and returns a `DashboardLink`, or None when it has nothing to offer for that event
(e.g. no registrations to badge yet).

    from events.dashboard import DashboardLink, dashboard_link_provider

    @dashboard_link_provider("badges")
    def badges_link(event, user):
        return DashboardLink(_("Print badges"), reverse("events:badges", args=[event.pk]))
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise

from .models import EventPage

#: the sections of the dashboard that other modules fill, in the order shown
SLOTS = ("messages", "badges", "report")


@dataclass(frozen=True)
class DashboardLink:
    label: str | Promise
    url: str
    description: str | Promise = ""


Provider = Callable[[EventPage, object], DashboardLink | None]
_providers: dict[str, list[Provider]] = {slot: [] for slot in SLOTS}


def dashboard_link_provider(slot: str) -> Callable[[Provider], Provider]:
    """Register a provider of links for `slot` (one of SLOTS). Raises ValueError
    for another slot, at import time."""
    if slot not in _providers:
        raise ValueError(f"unknown dashboard slot {slot!r}; expected one of {SLOTS}")

    def register(provider: Provider) -> Provider:
        if provider not in _providers[slot]:
            _providers[slot].append(provider)
        return provider

    return register


def dashboard_link_provider_remove(slot: str, provider: Provider) -> None:
    """Unregister a provider (tests)."""
    if provider in _providers.get(slot, []):
        _providers[slot].remove(provider)


def dashboard_links(event: EventPage, user) -> dict[str, list[DashboardLink]]:
    """The links each slot offers for `event` to `user`; slots with none are left out."""
    links: dict[str, list[DashboardLink]] = {}
    for slot in SLOTS:
        found = [link for provider in _providers[slot]
                 if (link := provider(event, user)) is not None]
        if found:
            links[slot] = found
    return links
