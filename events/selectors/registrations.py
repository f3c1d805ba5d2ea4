"""Registrations: who may see which, seats counted the one way, a member's own registrations.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max, QuerySet
from django.utils import timezone

from network.permissions import spaces_organised_by, user_is_coordinator

from ..models import (
    ACTIVE_STATES,
    EventPage,
    Registration,
    RegistrationState,
)
from ..translations import events_originals


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
    # At most one (a partial unique constraint): no ORDER BY to compile and run.
    return next(iter(Registration.objects.filter(event=event, user=user,
                                                 state__in=ACTIVE_STATES)[:1]), None)


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
