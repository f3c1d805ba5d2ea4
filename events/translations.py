"""Translated events: one event, several pages.

With Wagtail's locales, the Italian and the English version of an event are two EventPage
rows that share a `translation_key`. The event itself (its registrations, seats, waiting
list, credits held and paid, rewards, check-in, calendar identity) belongs to ONE of them:
the original, the oldest page of the key (a translation is always made from a page that
already exists, so it gets a larger id). Every read and write that counts goes through
the original: `event_original()` for one event, `events_originals()` for a list.

Guarantees: `event_original(e)` is `e` itself for an event without translations (no
query beyond one indexed look-up) and the same page for every translation of one key;
`events_originals(qs)` keeps exactly one page per translation key (the original), in the
queryset's order, in the same single SQL query (a NOT EXISTS subquery).
"""

from __future__ import annotations

from django.db.models import QuerySet

from network.translations import originals

from .models import EventPage


def event_original(event: EventPage) -> EventPage:
    """The page that holds `event`'s registrations: the oldest of its translations."""
    original = (EventPage.objects.filter(translation_key=event.translation_key, pk__lt=event.pk)
                .select_related("space").order_by("pk").first())
    return original if original is not None else event


def events_originals(queryset: QuerySet[EventPage]) -> QuerySet[EventPage]:
    """`queryset` without translations (each translated event appears once, as its
    original): what every list of events (listings, feeds, search, dashboard, the API)
    is built on."""
    return originals(queryset)


def event_translation_pks(event: EventPage) -> list[int]:
    """The ids of every page of the event (the original and its translations)."""
    return list(EventPage.objects.filter(translation_key=event.translation_key)
                .order_by("pk").values_list("pk", flat=True))


#: What an event IS, as opposed to how it is described: the same on every translation,
#: copied from the original whenever one of them is published (`event_facts_sync`).
FACT_FIELDS = (
    "format", "language", "starts_at", "ends_at", "time_zone", "room", "address_override",
    "online_url", "capacity", "registration_opens_at", "registration_closes_at",
    "waitlist_enabled", "price_credits", "cancellation_deadline_hours", "reward_host",
    "reward_speaker", "reward_volunteer", "guests_allowed", "checkin_opens_hours_before",
    "status", "status_reason", "space",
)


def event_facts_sync(event: EventPage) -> int:
    """Copy the original's facts (FACT_FIELDS) onto every translation of `event` (given
    either the original or a translation): a translation changes only texts. Returns how
    many translations were updated (0 for an event without translations)."""
    original = event_original(event)
    values = {field: getattr(original, field if field != "space" else "space_id")
              for field in FACT_FIELDS}
    values["space_id"] = values.pop("space")
    return (EventPage.objects.filter(translation_key=original.translation_key)
            .exclude(pk=original.pk).update(**values))
