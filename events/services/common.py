"""What every registration service shares: the lock order, the locks, seat counting,
charging a seat and telling people after the commit.

Each public function runs in one transaction and first locks the event row
(`SELECT ... FOR UPDATE`; on SQLite the IMMEDIATE transaction serialises writers),
then counts seats and writes. E-mails are tasks (`events.tasks`), enqueued only after the
transaction commits.

Lock order, the same in every transaction: the member's user row when a member registers
(`member_lock`, the row a member erasure locks first), then the event row, then
registration rows, then
every credit account the transaction's payments can move, all at once
(`payments.registration_accounts_lock`, in the ledger's order), then the payments. So
when a cancellation charges one member and promotes others, it cannot deadlock with
another transaction over their accounts (e.g. the promoted person refunding a day pass).
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from .. import payments, tasks
from ..exceptions import NotEnoughCredits, NotEnoughCreditsForEvent, RegistrationInvalid
from ..models import (
    ACTIVE_STATES,
    SEAT_STATES,
    EventPage,
    Registration,
    RegistrationQuestion,
    RegistrationState,
)
from ..selectors import event_seat_counts

# Only the control test of the concurrency suite turns this on (through settings): the
# service then skips the row lock and waits a moment between counting and inserting, so
# the race the lock prevents becomes visible.
RACE_WINDOW_SECONDS = 0.05


def lock_disabled() -> bool:
    return bool(getattr(settings, "EVENTS_DISABLE_REGISTRATION_LOCK", False))


def member_lock(user) -> None:
    """Lock the member's user row (NO KEY UPDATE: the lock a member erasure takes first, so
    one waits for the other) and refuse an account that is no longer active, read under
    that lock: a registration can never slip in while the member's data is being erased.
    Raises RegistrationInvalid."""
    if not get_user_model().objects.select_for_update(no_key=True).filter(
            pk=user.pk, is_active=True).exists():
        raise RegistrationInvalid(_("This account is not active."))


def lock_event(event_pk: int, *, lock: bool = True,
               asks_required: bool = False) -> EventPage:
    """Fetch the event, locking its row (only the events table, not Wagtail's page row).
    `asks_required`: also tell, in the same query, whether the event asks a required
    registration question (the event's `asks_required` attribute)."""
    qs = EventPage.objects.select_related("space")
    if asks_required:
        qs = qs.annotate(asks_required=Exists(RegistrationQuestion.objects.filter(
            event_id=OuterRef("pk"), required=True)))
    if lock:
        qs = qs.select_for_update(of=("self",))
    return qs.get(pk=event_pk)


def seats_taken(event: EventPage) -> int:
    # Called with the event's row locked, so the count holds until the commit.
    return event_seat_counts(event).taken


@dataclass(frozen=True)
class Tally:
    """What a registration decides on, counted in one query under the event's lock."""

    taken: int  # registrations in SEAT_STATES (as EventPageQuerySet.with_seats_taken counts)
    waiting: int  # people on the waiting list
    last_position: int  # the highest waitlist_position ever given for the event (0: none)
    mine: int  # the person's active registrations (0 or 1)


def registration_tally(event: EventPage, user, guest_email: str) -> Tally:
    """Seats taken, people waiting, the last waiting-list position and whether the person
    already holds an active registration: one aggregate over the event's registrations.
    Called with the event's row locked, so the figures hold until the commit."""
    person = Q(user=user) if user is not None else Q(user__isnull=True, guest_email=guest_email)
    row = Registration.objects.filter(event_id=event.pk).aggregate(
        taken=Count("pk", filter=Q(state__in=SEAT_STATES)),
        waiting=Count("pk", filter=Q(state=RegistrationState.WAITLISTED)),
        last_position=Max("waitlist_position"),
        mine=Count("pk", filter=person & Q(state__in=ACTIVE_STATES)),
    )
    return Tally(taken=row["taken"], waiting=row["waiting"],
                 last_position=row["last_position"] or 0, mine=row["mine"])


def has_free_seat(event: EventPage, taken: int) -> bool:
    return event.capacity is None or taken < event.capacity


def charge(registration: Registration, event: EventPage, *, by=None) -> None:
    """Place the hold for a seat of a paid event (raises NotEnoughCredits; the caller's
    transaction then rolls the seat back with it)."""
    try:
        payments.registration_hold_place(registration, event, by=by)
    except NotEnoughCreditsForEvent as exc:
        raise NotEnoughCredits(str(exc)) from exc


def notify_on_commit(kind: str, registration: Registration) -> None:
    tasks.registration_notify_on_commit(kind, registration)


def fetch_locked(registration: Registration) -> tuple[EventPage, Registration]:
    event = lock_event(registration.event_id)
    fresh = (Registration.objects.select_for_update(of=("self",)).select_related("user")
             .get(pk=registration.pk))
    fresh.event = event
    return event, fresh


def event_lock(event: EventPage) -> EventPage:
    """Inside the caller's transaction: lock the event row (the first lock of this module's
    order) and return a fresh copy; for callers that lock accounts before calling several
    services (events.checkin's walk-in)."""
    return lock_event(event.pk)


def registration_lock(registration: Registration) -> tuple[EventPage, Registration]:
    """Inside the caller's transaction: lock the event row, then the registration's (this
    module's lock order), and return fresh copies of both. For services elsewhere in the app
    (events.checkin, events.tickets) that decide on the state before calling one of these."""
    return fetch_locked(registration)
