"""Factories for the discovery tests (listing, feeds, calendars): published events in spaces."""

import datetime as dt
import itertools

from django.utils import timezone

from events.models import EventPage, Registration, RegistrationState
from network.models import SpacePage

_counter = itertools.count(1)


def make_event(space: SpacePage, title: str | None = None, *, starts_in_days: float = 7,
               hours: float = 2, topics: list[str] | None = None, **fields) -> EventPage:
    """A live EventPage under `space`, starting `starts_in_days` from now (negative = past)."""
    n = next(_counter)
    start = fields.pop("starts_at", None) or (
        timezone.now().replace(microsecond=0, second=0) + dt.timedelta(days=starts_in_days))
    fields.setdefault("ends_at", start + dt.timedelta(hours=hours))
    published = fields.pop("published_at", None) or timezone.now().replace(microsecond=0)
    event = EventPage(title=title or f"Event {n}", slug=f"event-{n}", starts_at=start,
                      live=True, first_published_at=published, last_published_at=published,
                      **fields)
    space.add_child(instance=event)
    if topics:
        event.topics.add(*topics)
        event.save()
    return event


def fill_event(event: EventPage, confirmed: int = 0, waitlisted: int = 0) -> None:
    """Guest registrations written directly (the seat logic is tested by the services' tests)."""
    rows = [Registration(event=event, guest_name=f"Guest {i}", guest_email=f"g{i}@example.org",
                         state=RegistrationState.CONFIRMED) for i in range(confirmed)]
    rows += [Registration(event=event, guest_name=f"Wait {i}", guest_email=f"w{i}@example.org",
                          state=RegistrationState.WAITLISTED, waitlist_position=i + 1)
             for i in range(waitlisted)]
    Registration.objects.bulk_create(rows)
