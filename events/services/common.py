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
from django.db import connection
from django.db.models import Exists, OuterRef
from django.db.models.expressions import RawSQL
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


_USER_TABLE = get_user_model()._meta.db_table
_REGISTRATION_TABLE = Registration._meta.db_table


def _member_lock_sql() -> str:
    """1 when the member (the one parameter) is active, their user row locked."""
    sql = (f"SELECT 1 FROM {connection.ops.quote_name(_USER_TABLE)}"  # noqa: S608 (a name)
           " WHERE id = %s AND is_active")
    if connection.features.has_select_for_update:
        sql += " FOR NO KEY UPDATE"
    return sql


def member_lock(user) -> None:
    """Lock the member's user row (NO KEY UPDATE: the lock a member erasure takes first, so
    one waits for the other) and refuse an account that is no longer active, read under
    that lock: a registration can never slip in while the member's data is being erased.
    One fixed SQL statement (no ORM compilation). A registration takes the same lock in the
    statement that locks the event (`lock_event(member=...)`). Raises RegistrationInvalid."""
    with connection.cursor() as cursor:
        cursor.execute(_member_lock_sql(), [user.pk])
        if cursor.fetchone() is None:
            raise RegistrationInvalid(_("This account is not active."))


def lock_event(event_pk: int, *, lock: bool = True, asks_required: bool = False,
               with_space: bool = True, member=None) -> EventPage:
    """Fetch the event, locking its row (only the events table, not Wagtail's page row).
    `asks_required`: also tell, in the same query, whether the event asks a required
    registration question (the event's `asks_required` attribute). `with_space=False`
    leaves the space to be read when used (a registration for a free event never does:
    the join and the second page model are most of the query's cost).

    `member` (a user): take `member_lock`'s lock in the same statement, BEFORE the event's
    (the lock order): the user row is locked by a sub-select of the statement's columns,
    which PostgreSQL evaluates as it reads the event row, before it locks that row for the
    statement's own FOR UPDATE (tests/events/test_lock_order.py watches this). The
    event's `member_active` says whether the account is active, read under that lock."""
    qs = EventPage.objects.select_related("space") if with_space else EventPage.objects.all()
    if asks_required:
        qs = qs.annotate(asks_required=Exists(RegistrationQuestion.objects.filter(
            event_id=OuterRef("pk"), required=True)))
    if member is not None:
        # Fixed SQL, the user id as a parameter.
        qs = qs.annotate(member_active=RawSQL(f"({_member_lock_sql()})",  # noqa: S611
                                              [member.pk]))
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


def _states(states) -> str:
    # Called only at import, to build the SQL below: mutmut's mutants (chosen per call in
    # forks of a process that has already imported this module) never run it.
    return "state IN (" + ", ".join(["%s"] * len(states)) + ")"  # pragma: no mutate


# One fixed statement, built once: under the event's lock, the less the transaction does
# in Python between the lock and the commit, the sooner the next registration may start.
_TALLY_SQL = (
    f"SELECT COALESCE(SUM(CASE WHEN {_states(SEAT_STATES)} THEN 1 ELSE 0 END), 0),"  # noqa: S608
    " COALESCE(SUM(CASE WHEN state = %s THEN 1 ELSE 0 END), 0), MAX(waitlist_position),"
    f" COALESCE(SUM(CASE WHEN {{person}} AND {_states(ACTIVE_STATES)} THEN 1 ELSE 0 END), 0)"
    f' FROM "{_REGISTRATION_TABLE}" WHERE event_id = %s'
)
_TALLY_MEMBER_SQL = _TALLY_SQL.format(person="user_id = %s")
_TALLY_GUEST_SQL = _TALLY_SQL.format(person="user_id IS NULL AND guest_email = %s")


def registration_tally(event: EventPage, user, guest_email: str) -> Tally:
    """Seats taken, people waiting, the last waiting-list position and whether the person
    already holds an active registration: one aggregate over the event's registrations
    (seats as `EventPageQuerySet.with_seats_taken` counts them: SEAT_STATES).
    Called with the event's row locked, so the figures hold until the commit."""
    sql, person = ((_TALLY_MEMBER_SQL, user.pk) if user is not None
                   else (_TALLY_GUEST_SQL, guest_email))
    params = [*SEAT_STATES, RegistrationState.WAITLISTED, person, *ACTIVE_STATES, event.pk]
    with connection.cursor() as cursor:
        cursor.execute(sql, [str(p) if isinstance(p, str) else p for p in params])
        taken, waiting, last_position, mine = cursor.fetchone()
    return Tally(taken=int(taken), waiting=int(waiting), last_position=last_position or 0,
                 mine=int(mine))


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
