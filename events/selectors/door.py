"""The door and the organiser dashboard: the live counter and the search at check-in.
"""

from dataclasses import dataclass

from django.db.models import Case, Q, QuerySet, When

from ..models import (
    EventPage,
    Registration,
    RegistrationState,
)

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
