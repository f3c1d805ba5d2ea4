"""Reads for the registration side: who manages which event, seat counts, a member's events.

Kept apart from `events.selectors` (the listing and feeds) so each side owns its module.
"""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from network.permissions import spaces_organised_by, user_is_coordinator, user_organises_space

from .models import ACTIVE_STATES, EventPage, Registration, RegistrationState

SEAT_STATES = [RegistrationState.CONFIRMED, RegistrationState.ATTENDED]


def events_managed_by(user) -> QuerySet[EventPage]:
    """Events whose registrations `user` may see and change (see network.permissions)."""
    if user_is_coordinator(user):
        return EventPage.objects.all()
    return EventPage.objects.filter(space__in=spaces_organised_by(user).values("pk"))


def user_manages_event(user, event: EventPage) -> bool:
    """True for coordinators and for organisers of the event's space."""
    return user_organises_space(user, event.space_id)


def registrations_visible_to(user) -> QuerySet[Registration]:
    """Registrations an organiser may list: those of events of their spaces (all for
    coordinators)."""
    qs = Registration.objects.select_related("event", "user", "user__profile")
    if user_is_coordinator(user):
        return qs
    return qs.filter(event__space__in=spaces_organised_by(user).values("pk"))


@dataclass(frozen=True)
class SeatCounts:
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
    counts = Registration.objects.filter(event=event).aggregate(
        taken=Count("pk", filter=Q(state__in=SEAT_STATES)),
        waiting=Count("pk", filter=Q(state=RegistrationState.WAITLISTED)))
    return SeatCounts(capacity=event.capacity, taken=counts["taken"], waiting=counts["waiting"])


def registration_active_for_user(event: EventPage, user) -> Registration | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return (Registration.objects.filter(event=event, user=user, state__in=ACTIVE_STATES)
            .first())


def registration_waitlist_rank(registration: Registration) -> int | None:
    """1 for the first person waiting, None when not waitlisted."""
    if registration.state != RegistrationState.WAITLISTED:
        return None
    return Registration.objects.filter(
        event_id=registration.event_id, state=RegistrationState.WAITLISTED,
        waitlist_position__lte=registration.waitlist_position).count()


def registration_window(event: EventPage):
    """(opens, closes): opens defaults to the first publication, closes to the start."""
    opens = event.registration_opens_at or event.first_published_at
    closes = event.registration_closes_at or event.starts_at
    return opens, closes


def registration_is_open(event: EventPage, now=None) -> bool:
    now = now or timezone.now()
    opens, closes = registration_window(event)
    return (event.live and not event.is_cancelled and opens is not None
            and opens <= now < closes)


def registrations_for_user(user) -> dict[str, list[Registration]]:
    """A member's registrations split into upcoming and past (by the event's end)."""
    now = timezone.now()
    qs = (Registration.objects.filter(user=user).select_related("event", "event__space")
          .order_by("event__starts_at", "id"))
    upcoming, past = [], []
    for registration in qs:
        (upcoming if registration.event.ends_at >= now else past).append(registration)
    past.reverse()
    return {"upcoming": upcoming, "past": past}
