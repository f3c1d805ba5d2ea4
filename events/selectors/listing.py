"""Lists of events for pages and feeds. Every list goes through `events_for_listing()`, which
joins the space, prefetches the topics and annotates the number of taken seats, so a page
or a feed costs the same few queries whatever the number of events; `feed_version` is the
feeds' ETag.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.db.models import Count, Max, Min, Q, QuerySet, Sum
from django.http import QueryDict
from django.utils import timezone

from network.models import SpacePage

from .. import extensions
from ..filters import EventFilterSet
from ..models import (
    ACTIVE_STATES,
    EventPage,
    EventTopic,
    Registration,
)
from ..translations import events_originals

# Subscribed feeds (network, space) carry future events and those of the last year.
FEED_PAST_DAYS = 365


def events_for_listing() -> QuerySet[EventPage]:
    """Live events with their space, topics and `seats_taken_count` (a constant query count);
    a translated event once, as its original (events.translations)."""
    return (events_originals(EventPage.objects.live())
            .select_related("space")
            .prefetch_related("topics")
            .with_seats_taken())


# What feeds read of an event and its space (everything else stays deferred).
FEED_FIELDS = (
    "id", "title", "slug", "url_path", "path", "depth", "live", "locale_id", "content_type_id",
    "translation_key",
    "first_published_at", "last_published_at", "latest_revision_created_at",
    "format", "summary", "body", "starts_at", "ends_at", "time_zone", "room",
    "address_override", "online_url", "language", "capacity", "registration_opens_at",
    "registration_closes_at", "waitlist_enabled", "price_credits", "guests_allowed", "status",
    "status_reason", "ical_uid", "sequence", "space_id",
    "cancellation_deadline_hours", "reward_host", "reward_speaker", "reward_volunteer",
    "origin", "series_id", "recurrence_id", "series__id", "series__uid", "series__rrule",
    "series__exdates", "series__sequence", "series__first_starts_at", "series__rdates",
    "series__origin", "series__cancelled", "series__time_zone",
    "space__id", "space__title", "space__slug", "space__url_path", "space__path",
    "space__depth", "space__locale_id", "space__content_type_id", "space__live",
    "space__address", "space__city", "space__region", "space__country", "space__latitude",
    "space__longitude", "space__email", "space__time_zone", "space__last_published_at",
)


def event_topic_names(event: EventPage) -> list[str]:
    """Sorted topic names: attached by `events_for_feed_rows`, else from the prefetch."""
    names = event.__dict__.get("topic_names")
    if names is None:
        names = sorted(tag.name for tag in event.topics.all())
    return names


def feed_queryset(queryset: QuerySet[EventPage]) -> QuerySet[EventPage]:
    """Only the columns feeds use (model instances for thousands of rows are the slow part);
    topics come from `attach_topic_names` instead of a prefetch."""
    return queryset.prefetch_related(None).select_related("series").only(*FEED_FIELDS)


def attach_topic_names(events: list[EventPage]) -> list[EventPage]:
    """Set `topic_names` on each event with one flat query."""
    names: dict[int, list[str]] = {}
    rows = (EventTopic.objects.filter(content_object_id__in=[e.pk for e in events])
            .order_by("tag__name").values_list("content_object_id", "tag__name"))
    for event_id, name in rows:
        names.setdefault(event_id, []).append(name)
    for event in events:
        event.topic_names = names.get(event.pk, [])
    return events


#: The event's own columns and its space's, for `events_for_feed_rows` (which reads the
#: spaces apart: a few spaces, not one page instance per event).
FEED_EVENT_FIELDS = tuple(name for name in FEED_FIELDS if not name.startswith("space__"))
FEED_SPACE_FIELDS = tuple(name.removeprefix("space__") for name in FEED_FIELDS
                          if name.startswith("space__"))


def events_for_feed_rows(queryset: QuerySet[EventPage]) -> list[EventPage]:
    """Evaluate a listing queryset for a feed (three queries whatever the number of events).

    Each space is read and built once and shared by its events: joined to every event row,
    a network feed of 5,000 events built 5,000 space pages (Wagtail's page `__init__` is
    the slow part of a feed's rows)."""
    events = list(queryset.prefetch_related(None).select_related(None)
                  .select_related("series").only(*FEED_EVENT_FIELDS))
    space_ids = {event.space_id for event in events if event.space_id is not None}
    spaces = (SpacePage.objects.filter(pk__in=space_ids).only(*FEED_SPACE_FIELDS).in_bulk()
              if space_ids else {})
    for event in events:
        if (space := spaces.get(event.space_id)) is not None:
            event.space = space
    return attach_topic_names(events)


def event_next_change(now: dt.datetime) -> dt.datetime | None:
    """The next moment after `now` at which an event page, listing or feed changes by the
    clock alone: an event starts or ends, a registration window opens or closes, an event
    leaves the feeds' past year (one aggregate query). None when nothing is ahead."""
    past = dt.timedelta(days=FEED_PAST_DAYS)
    moments = EventPage.objects.live().aggregate(
        starts=Min("starts_at", filter=Q(starts_at__gt=now)),
        ends=Min("ends_at", filter=Q(ends_at__gt=now)),
        opens=Min("registration_opens_at", filter=Q(registration_opens_at__gt=now)),
        closes=Min("registration_closes_at", filter=Q(registration_closes_at__gt=now)),
        leaves_feeds=Min("ends_at", filter=Q(ends_at__gt=now - past)),
    )
    if moments["leaves_feeds"] is not None:
        moments["leaves_feeds"] += past
    ahead = [moment for moment in moments.values() if moment is not None]
    return min(ahead, default=None)


def event_list_upcoming(*, now: dt.datetime | None = None,
                        space: SpacePage | None = None) -> QuerySet[EventPage]:
    """Events not yet over, soonest first (cancelled ones included: they show their status)."""
    queryset = events_for_listing().filter(ends_at__gte=now or timezone.now())
    if space is not None:
        queryset = queryset.filter(space=space)
    return queryset.order_by("starts_at", "pk")


def event_list_past(*, now: dt.datetime | None = None) -> QuerySet[EventPage]:
    """Events already over, latest first."""
    return events_for_listing().filter(ends_at__lt=now or timezone.now()).order_by("-starts_at",
                                                                                     "-pk")


def event_list_filtered(params: QueryDict | dict, *, now: dt.datetime | None = None,
                        choices: dict | None = None,
                        ) -> tuple[EventFilterSet, QuerySet[EventPage]]:
    """The listing filtered by query parameters (see events.filters); bad values are ignored
    and reported in `filterset.errors`. `choices`: the filters' choices if known already
    (`events.filters.event_filter_choices`)."""
    if not isinstance(params, QueryDict):
        query = QueryDict(mutable=True)
        for key, value in params.items():
            query[key] = value
        params = query
    filterset = EventFilterSet(params, queryset=events_for_listing(), now=now, choices=choices)
    return filterset, filterset.qs


def event_list_for_feed(*, space: SpacePage | None = None,
                        now: dt.datetime | None = None) -> QuerySet[EventPage]:
    """What a subscribed calendar carries: the last year and everything to come."""
    since = (now or timezone.now()) - dt.timedelta(days=FEED_PAST_DAYS)
    queryset = events_for_listing().filter(ends_at__gte=since)
    if space is not None:
        queryset = queryset.filter(space=space)
    return queryset.order_by("starts_at", "pk")


def event_list_for_user(user) -> QuerySet[EventPage]:
    """Events the user holds an active registration for (confirmed, waitlisted, attended)."""
    registered = Registration.objects.filter(user=user, state__in=ACTIVE_STATES).values("event_id")
    return events_for_listing().filter(pk__in=registered).order_by("starts_at", "pk")


def registration_states_for_user(user, events) -> dict[int, str]:
    """{event id: registration state} for the user's active registrations among `events`."""
    return dict(Registration.objects.filter(user=user, state__in=ACTIVE_STATES,
                                            event__in=[e.pk for e in events])
                .values_list("event_id", "state"))


@dataclass(frozen=True)
class FeedVersion:
    """What a conditional GET compares (an ETag), and how many events the feed holds.

    There is no Last-Modified: no date in the data moves forward on every change of a feed
    (unpublishing an event, an event leaving the feed's window, a deleted registration), so
    none can be sent consistently (RFC 9110 §8.8.2.1); If-Modified-Since alone gets a 200.
    """

    etag: str
    count: int


def translations_version(queryset: QuerySet[EventPage]) -> tuple:
    """What the texts of a feed in the reader's language also depend on: the number and
    latest publication of the live translations of `queryset`'s events (publishing or
    unpublishing a translation changes neither the originals' rows nor `feed_version`).
    One query."""
    pks = queryset.order_by().values("pk")
    summary = (EventPage.objects.live()
               .filter(translation_key__in=queryset.order_by().values("translation_key"))
               .exclude(pk__in=pks).order_by()
               .aggregate(n=Count("pk"), ids=Sum("pk"), latest=Max("last_published_at")))
    return summary["n"], summary["ids"], summary["latest"]


def feed_version(queryset: QuerySet[EventPage], *extra: object,
                 seats: bool = False) -> FeedVersion:
    """An ETag that changes whenever the feed's body would: one aggregate query over the
    events (their number and ids, so unpublishing or leaving the window changes it; the
    latest publication and revision; their spaces' latest publication; their SEQUENCEs),
    plus, with `seats`, one over their registrations (number and latest change: the seats
    left). `extra` adds whatever else shapes the output (feed kind, parameters, language,
    a user's registrations, the format's revision, the public address).
    """
    extended = extensions.version_aggregates()  # e.g. the programme's last grid change
    summary = queryset.order_by().aggregate(
        latest=Max("last_published_at"), latest_revision=Max("latest_revision_created_at"),
        count=Count("pk"), top=Max("pk"), ids=Sum("pk"),
        space_latest=Max("space__last_published_at"), sequence=Sum("sequence"), **extended)
    parts = [summary["latest"], summary["latest_revision"], summary["count"], summary["top"],
             summary["ids"], summary["space_latest"], summary["sequence"],
             *(summary[key] for key in extended), *extra]
    if seats:
        registrations = Registration.objects.filter(
            event__in=queryset.order_by().values("pk")).aggregate(
            n=Count("pk"), changed=Max("updated_at"))
        parts += [registrations["n"], registrations["changed"]]
    etag = hashlib.sha256("|".join(str(part) for part in parts).encode()).hexdigest()[:32]
    return FeedVersion(etag=etag, count=summary["count"])
