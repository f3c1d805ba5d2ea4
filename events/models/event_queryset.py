"""How lists of events count their registrations: `EventPageQuerySet` (EventPage.objects),
whose annotations are correlated subqueries, so a list of events costs no extra query.
`with_seats_taken()` is the one count of taken seats (listings, feeds, the registration
panel, and the services under the event's lock)."""

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from wagtail.query import PageQuerySet

from .registration import SEAT_STATES, Registration, RegistrationState


def _registrations_in(states: list[str], *, any_translation: bool = False,
                      **filters) -> Coalesce:
    """The number of the outer event's registrations in `states` matching `filters` (a
    correlated subquery); with `any_translation`, those of every page of its translation key
    (only the original holds registrations, so a translation shows the original's)."""
    if any_translation:
        count = (Registration.objects.filter(event__translation_key=OuterRef("translation_key"),
                                             state__in=states, **filters)
                 .order_by().values("event__translation_key").annotate(n=Count("pk"))
                 .values("n"))
    else:
        count = (Registration.objects.filter(event=OuterRef("pk"), state__in=states, **filters)
                 .order_by().values("event").annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(count, output_field=IntegerField()), 0)


class EventPageQuerySet(PageQuerySet):
    def with_seats_taken(self) -> "EventPageQuerySet":
        """Annotate `seats_taken_count`, the registrations in SEAT_STATES: the one way taken
        seats are counted (listings, feeds, the registration panel, and the services under
        the event's lock). A subquery, so a list of events costs no extra query."""
        return self.annotate(seats_taken_count=_registrations_in(SEAT_STATES))

    def with_waitlist_count(self) -> "EventPageQuerySet":
        """Annotate `waitlist_count`, the people on the waiting list."""
        return self.annotate(waitlist_count=_registrations_in([RegistrationState.WAITLISTED]))

    def with_door_counts(self) -> "EventPageQuerySet":
        """Annotate what the door's counter shows beyond seats and the waiting list:
        `checked_in_count`, `cancelled_count` and `walk_ins_count` (walk-ins holding a seat)."""
        return self.annotate(
            checked_in_count=_registrations_in([RegistrationState.ATTENDED]),
            cancelled_count=_registrations_in([RegistrationState.CANCELLED]),
            walk_ins_count=_registrations_in(SEAT_STATES, walk_in=True))

    def with_explorer_counts(self) -> "EventPageQuerySet":
        """`seats_taken_count`, `waitlist_count` and `checked_in_count` counted the same way,
        for every page of an event: a translation (which holds no registration of its own)
        shows its original's. For the admin's page explorer, which lists each locale's pages."""
        return self.annotate(
            seats_taken_count=_registrations_in(SEAT_STATES, any_translation=True),
            waitlist_count=_registrations_in([RegistrationState.WAITLISTED],
                                             any_translation=True),
            checked_in_count=_registrations_in([RegistrationState.ATTENDED],
                                               any_translation=True))
