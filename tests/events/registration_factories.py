"""Factories for the registration tests: published events, organisers, members."""

import datetime as dt
import itertools

from django.utils import timezone

from events.models import EventPage
from network.models import SpacePage
from tests.network.factories import (  # noqa: F401 — re-exported for the events tests
    UserFactory,
    make_coordinator,
    make_organiser,
    make_space,
)

_counter = itertools.count(1)


def publish_event(space: SpacePage, *, starts_in_days: float = 7, hours: float = 2,
                  **fields) -> EventPage:
    """An EventPage under `space`, published through a Wagtail revision (as the admin does)."""
    n = next(_counter)
    start = fields.pop("starts_at", None) or (
        timezone.now().replace(microsecond=0) + dt.timedelta(days=starts_in_days))
    fields.setdefault("ends_at", start + dt.timedelta(hours=hours))
    fields.setdefault("language", "en")
    event = EventPage(title=fields.pop("title", f"Workshop {n}"), slug=f"workshop-{n}",
                      starts_at=start, live=False, **fields)
    space.add_child(instance=event)
    event.save_revision().publish()
    event.refresh_from_db()
    return event


def republish(event: EventPage, **changes) -> EventPage:
    """Edit a live event and publish the new revision; returns the fresh page."""
    page = EventPage.objects.get(pk=event.pk).get_latest_revision_as_object()
    for name, value in changes.items():
        setattr(page, name, value)
    page.save_revision().publish()
    return EventPage.objects.get(pk=event.pk)


def space_in(site_tree, title: str = "Cowo Test", **fields) -> SpacePage:
    return make_space(site_tree.spaces, title=title, **fields)
