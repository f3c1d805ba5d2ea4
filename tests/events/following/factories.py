"""Helpers for the following tests: events with topics."""

from events.models import EventPage
from tests.events.registration_factories import publish_event


def publish_event_with_topics(space, topics: list[str], **fields) -> EventPage:
    """A published event under `space` tagged with `topics`."""
    event = publish_event(space, **fields)
    page = event.get_latest_revision_as_object()
    page.topics.add(*topics)
    page.save_revision().publish()
    return EventPage.objects.get(pk=event.pk)
