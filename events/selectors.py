"""Reads of the events app: listings, feeds, registrations, the door and the dashboard.

Selectors return data (querysets, dataclasses, plain values); they never read a request
or build a template context (that is `events.page_context`).

Every list goes through `events_for_listing()`, which joins the space, prefetches
the topics and annotates the number of taken seats, so a page or a feed costs the
same few queries whatever the number of events.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.db.models import Case, Count, Max, Min, Q, QuerySet, Sum, When
from django.http import QueryDict
from django.utils import timezone

from credits.selectors import account_balance
from credits.services import account_for_member
from network.models import SpacePage
from network.permissions import spaces_organised_by, user_is_coordinator

from . import extensions
from .filters import EventFilterSet
from .models import (
    ACTIVE_STATES,
    EventPage,
    EventTopic,
    Registration,
    RegistrationState,
)
from .translations import events_originals

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
    "first_published_at", "last_published_at", "latest_revision_created_at",
    "format", "summary", "body", "starts_at", "ends_at", "time_zone", "room",
    "address_override", "online_url", "language", "capacity", "registration_opens_at",
    "registration_closes_at", "waitlist_enabled", "price_credits", "guests_allowed", "status",
    "status_reason", "ical_uid", "sequence", "space_id",
    "cancellation_deadline_hours", "reward_host", "reward_speaker", "reward_volunteer",
    "origin", "series_id", "recurrence_id", "series__id", "series__uid", "series__rrule",
    "series__exdates", "series__sequence",
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


def events_for_feed_rows(queryset: QuerySet[EventPage]) -> list[EventPage]:
    """Evaluate a listing queryset for a feed (two queries whatever the number of events)."""
    return attach_topic_names(list(feed_queryset(queryset)))


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
                        ) -> tuple[EventFilterSet, QuerySet[EventPage]]:
    """The listing filtered by query parameters (see events.filters); bad values are ignored
    and reported in `filterset.errors`."""
    if not isinstance(params, QueryDict):
        query = QueryDict(mutable=True)
        for key, value in params.items():
            query[key] = value
        params = query
    filterset = EventFilterSet(params, queryset=events_for_listing(), now=now)
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


# --- Registrations ----------------------------------------------------------------


def event_list_managed_by(user) -> QuerySet[EventPage]:
    """Events whose registrations `user` may see and change (see network.permissions)."""
    if user_is_coordinator(user):
        return events_originals(EventPage.objects.all())
    return events_originals(EventPage.objects.filter(
        space__in=spaces_organised_by(user).values("pk")))


def registration_list_visible_to(user) -> QuerySet[Registration]:
    """Registrations an organiser may list: those of events of their spaces (all for
    coordinators)."""
    qs = Registration.objects.select_related("event", "user", "user__profile")
    if user_is_coordinator(user):
        return qs
    return qs.filter(event__space__in=spaces_organised_by(user).values("pk"))


@dataclass(frozen=True)
class SeatCounts:
    """An event's seats at one moment: capacity (None = unlimited), taken, people waiting."""

    capacity: int | None
    taken: int
    waiting: int

    @property
    def left(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.taken, 0)

    @property
    def is_full(self) -> bool:
        return self.capacity is not None and self.taken >= self.capacity


def event_seat_counts(event: EventPage) -> SeatCounts:
    """The event's seats counted now (one query, through `EventPageQuerySet.with_seats_taken`
    like every other count); the services call it with the event's row locked."""
    taken, waiting = (EventPage.objects.filter(pk=event.pk).with_seats_taken()
                      .with_waitlist_count()
                      .values_list("seats_taken_count", "waitlist_count").get())
    return SeatCounts(capacity=event.capacity, taken=taken, waiting=waiting)


def registration_active_for_user(event: EventPage, user) -> Registration | None:
    """The user's confirmed, waitlisted or attended registration for `event` (None for
    anonymous visitors)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (Registration.objects.filter(event=event, user=user, state__in=ACTIVE_STATES)
            .first())


def registration_latest_id_for_user(event: EventPage, user) -> int:
    """The id of the member's latest registration for `event` in any state (0 for none).
    A new registration always has a higher id, so a confirmation signed with this number
    is used up once the member registers, even after they cancel again."""
    latest = Registration.objects.filter(event=event, user=user).aggregate(latest=Max("pk"))
    return latest["latest"] or 0


def registration_waitlist_rank(registration: Registration) -> int | None:
    """1 for the first person waiting, None when not waitlisted."""
    if registration.state != RegistrationState.WAITLISTED:
        return None
    return Registration.objects.filter(
        event_id=registration.event_id, state=RegistrationState.WAITLISTED,
        waitlist_position__lte=registration.waitlist_position).count()


@dataclass(frozen=True)
class MemberRegistrations:
    """A member's registrations: events not yet over (soonest first), and past ones (latest
    first)."""

    upcoming: list[Registration]
    past: list[Registration]


def registration_list_for_user(user) -> MemberRegistrations:
    """A member's registrations in every state, split by the event's end."""
    now = timezone.now()
    qs = (Registration.objects.filter(user=user).select_related("event", "event__space")
          .order_by("event__starts_at", "id"))
    upcoming, past = [], []
    for registration in qs:
        (upcoming if registration.event.ends_at >= now else past).append(registration)
    past.reverse()
    return MemberRegistrations(upcoming=upcoming, past=past)


def registration_changes_for_user(user) -> tuple[int, dt.datetime | None]:
    """(how many registrations the user has, when the latest changed): what a personal
    calendar feed's version depends on besides its events."""
    summary = Registration.objects.filter(user=user).aggregate(n=Count("pk"),
                                                                changed=Max("updated_at"))
    return summary["n"], summary["changed"]


# --- The door and the organiser dashboard (issue 9) ------------------------------------

CHECKIN_SEARCH_MIN_LENGTH = 2
CHECKIN_SEARCH_MAX_LENGTH = 100
CHECKIN_SEARCH_LIMIT = 20


@dataclass(frozen=True)
class CheckinCounts:
    """The door's live counter. `expected` counts everyone holding a seat (confirmed or
    already checked in); `walk_ins` those of them registered at the door."""

    capacity: int | None
    checked_in: int
    expected: int
    waitlisted: int
    cancelled: int
    walk_ins: int

    @property
    def seats_left(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.expected, 0)


def checkin_counts(event: EventPage) -> CheckinCounts:
    """The counts of `event`'s registrations by state, in one query; seats are counted the
    one way (`EventPageQuerySet.with_seats_taken`)."""
    row = (EventPage.objects.filter(pk=event.pk).with_seats_taken().with_waitlist_count()
           .with_door_counts()
           .values("seats_taken_count", "waitlist_count", "checked_in_count",
                   "cancelled_count", "walk_ins_count").get())
    return CheckinCounts(capacity=event.capacity, checked_in=row["checked_in_count"],
                         expected=row["seats_taken_count"], waitlisted=row["waitlist_count"],
                         cancelled=row["cancelled_count"], walk_ins=row["walk_ins_count"])


def checkin_search_clean(query: str | None) -> str:
    """The search text as the door's search uses it: control characters dropped, spaces
    collapsed, at most CHECKIN_SEARCH_MAX_LENGTH characters; "" when too short."""
    text = "".join(ch for ch in (query or "") if ch.isprintable() or ch == " ")
    text = " ".join(text.split())[:CHECKIN_SEARCH_MAX_LENGTH]
    return text if len(text) >= CHECKIN_SEARCH_MIN_LENGTH else ""


def checkin_search(event: EventPage, query: str | None,
                   limit: int = CHECKIN_SEARCH_LIMIT) -> list[Registration]:
    """Registrations of `event` whose name or e-mail contains `query` (see
    `checkin_search_clean`), people with a seat first, then waiting, then cancelled; at
    most `limit`. One query, whatever the number of matches."""
    text = checkin_search_clean(query)
    if not text:
        return []
    match = (Q(guest_name__icontains=text) | Q(guest_email__icontains=text)
             | Q(user__email__icontains=text) | Q(user__profile__display_name__icontains=text)
             | Q(user__first_name__icontains=text) | Q(user__last_name__icontains=text))
    order = Case(When(state=RegistrationState.CONFIRMED, then=0),
                 When(state=RegistrationState.ATTENDED, then=1),
                 When(state=RegistrationState.WAITLISTED, then=2), default=3)
    return list(Registration.objects.filter(match, event=event)
                .select_related("user", "user__profile", "attended_by",
                                "attended_by__profile")
                .annotate(state_order=order)
                .order_by("state_order", "guest_name", "user__profile__display_name", "pk")
                [:limit])


def event_registrations_for_dashboard(event: EventPage) -> QuerySet[Registration]:
    """Every registration of `event` with the people shown (holder, who checked in), in
    order of registration."""
    return (Registration.objects.filter(event=event)
            .select_related("user", "user__profile", "attended_by", "attended_by__profile")
            .order_by("created_at", "pk"))


# --- What a registration will cost, shown before the person confirms (issue 10) ---------


@dataclass(frozen=True)
class RegistrationOffer:
    """What registering `user` for `event` means now: the price, the member's available
    credits before and after, whether they would join the waiting list (then nothing is
    charged now, the price is taken when a seat frees) and until when cancelling refunds."""

    price: int
    available: int
    waitlist: bool
    free_cancellation_until: dt.datetime

    @property
    def available_after(self) -> int:
        return self.available if self.waitlist else self.available - self.price

    @property
    def short_by(self) -> int:
        """Credits missing to pay the price (0 when the member can pay)."""
        return max(self.price - self.available, 0)


def registration_offer(event: EventPage, user) -> RegistrationOffer:
    """The figures of the confirmation page of a registration (read now, not locked: the
    service checks again when the person confirms)."""
    counts = event_seat_counts(event)
    available = account_balance(account_for_member(user)).available
    return RegistrationOffer(
        price=event.price_credits, available=available,
        waitlist=counts.is_full or counts.waiting > 0,
        free_cancellation_until=event.starts_at - dt.timedelta(
            hours=event.cancellation_deadline_hours))
