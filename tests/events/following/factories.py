"""Helpers for the following tests: events with topics."""

import datetime as dt

from django.utils import timezone

from events.following.digest import digest_schedule, member_time_zone
from events.following.models import Weekday
from events.models import EventPage
from tests.events.registration_factories import publish_event


def publish_event_with_topics(space, topics: list[str], **fields) -> EventPage:
    """A published event under `space` tagged with `topics`."""
    event = publish_event(space, **fields)
    page = event.get_latest_revision_as_object()
    page.topics.add(*topics)
    page.save_revision().publish()
    return EventPage.objects.get(pk=event.pk)


def due_soon(now: dt.datetime | None = None) -> dt.datetime:
    """The first moment from `now` (default: now) at which a digest on the default day
    (Monday, from 08:00 in the site's zone) is due: `now` itself, except early on a Monday.
    Tests that are not about the day pass it, so they do not depend on the day they run."""
    now = now or timezone.now()
    return max(now, digest_schedule(Weekday.MONDAY, member_time_zone(""), now).due_at)
