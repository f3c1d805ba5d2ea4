"""Hooks through which an app on a higher floor adds to what `events` publishes about an
event, without `events` importing it (the unconference programme adds its sessions).

An extension registers itself from its AppConfig.ready() with `register(extension)`. Events'
calendar and feed code then asks every registered extension:

- `event_ical_components(event, url)`: extra calendar components (VEVENT bytes) that belong
  in the event's own .ics file (e.g. one VEVENT per session, RELATED-TO the event's UID);
- `feed_items_extra(events)`: {event id: {extra key: JSON value}} added to the JSON feed's
  items (one call per page of events, so an extension can load everything in one query);
- `version_aggregates()`: {name: aggregate over EventPage rows} whose values change whenever
  the extension's output changes; they join the feeds' one ETag query, so a 304 is never
  stale and a cached feed still costs one query. Each must follow a one-to-one (or
  many-to-one) relation: a join that multiplies rows would distort the other aggregates.

The extension's keys are documented in docs/format/ like the rest of the format.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from django.db.models import Aggregate


class EventExtension(Protocol):
    def event_ical_components(self, event, url: str) -> list[bytes]: ...

    def feed_items_extra(self, events: list) -> dict[int, dict]: ...

    def version_aggregates(self) -> dict[str, Aggregate]: ...


_extensions: list[EventExtension] = []


def register(extension: EventExtension) -> None:
    """Add an extension (idempotent: registering the same object twice adds it once)."""
    if extension not in _extensions:
        _extensions.append(extension)


def registered() -> tuple[EventExtension, ...]:
    return tuple(_extensions)


def event_ical_components(event, url: str = "") -> list[bytes]:
    return [chunk for ext in _extensions for chunk in ext.event_ical_components(event, url)]


def feed_items_extend(events: list, items: Iterable[dict]) -> None:
    """Update each feed item (in the order of `events`) with the extensions' keys."""
    extras = [ext.feed_items_extra(events) for ext in _extensions]
    for event, item in zip(events, items, strict=True):
        for extra in extras:
            item.update(extra.get(event.pk, {}))


def version_aggregates() -> dict[str, Aggregate]:
    return {name: aggregate for ext in _extensions
            for name, aggregate in ext.version_aggregates().items()}
