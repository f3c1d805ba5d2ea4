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
from django.db import connection, transaction
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
from ..rows import row_insert, row_instance, rows_insert, several_statements_per_execute
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
    statement that locks the event (`lock_event_for_registration(member=...)`). Raises
    RegistrationInvalid."""
    with connection.cursor() as cursor:
        cursor.execute(_member_lock_sql(), [user.pk])
        if cursor.fetchone() is None:
            raise RegistrationInvalid(_("This account is not active."))


def lock_event(event_pk: int, *, lock: bool = True) -> EventPage:
    """Fetch the event with its space, locking the event's row (only the events table, not
    Wagtail's page row). For the services that use the whole page; a registration locks
    through `lock_event_for_registration` (a fixed statement, a few columns)."""
    qs = EventPage.objects.select_related("space")
    if lock:
        qs = qs.select_for_update(of=("self",))
    return qs.get(pk=event_pk)


#: What a registration reads of the event it locks: the fields `registration_create` decides
#: on (the registration window, guests, seats, the waiting list) and a paid seat's hold uses
#: (price, space, title). Any other field of the page it returns is read from the database
#: when first used (Django's deferred fields), so it is never wrong, only one query later.
REGISTRATION_EVENT_FIELDS = (
    "id", "page_ptr", "title", "live", "first_published_at", "origin", "status", "starts_at",
    "registration_opens_at", "registration_closes_at", "capacity", "waitlist_enabled",
    "price_credits", "guests_allowed", "space",
)


@dataclass(frozen=True)
class _LockStatement:
    sql: str
    attnames: frozenset[str]  # the EventPage fields read, as `Model.from_db` takes them
    columns: tuple[str, ...]  # the same, in the statement's order
    converters: tuple  # per field read: its column and the converters of its values


_LOCK_STATEMENTS: dict[tuple, _LockStatement] = {}


def _registration_lock_statement(conn, *, lock: bool, asks_required: bool,
                                 member: bool) -> _LockStatement:
    """The registration's lock statement, built once per database vendor and flavour (no ORM
    compilation per registration): the fields of REGISTRATION_EVENT_FIELDS (in the model's
    order, as `Model.from_db` takes them), then whether the event asks a required
    question, then `_member_lock_sql`'s sub-select (its parameter first: it comes before
    the event's id in the statement)."""
    key = (conn.vendor, lock, asks_required, member)
    if key not in _LOCK_STATEMENTS:
        quote = conn.ops.quote_name
        fields = [field for field in EventPage._meta.concrete_fields
                  if field.name in REGISTRATION_EVENT_FIELDS]
        event_table, page_table = (quote(EventPage._meta.db_table),
                                   quote(EventPage._meta.pk.related_model._meta.db_table))
        event_pk = f"{event_table}.{quote(EventPage._meta.pk.column)}"
        columns = [f"{quote(field.model._meta.db_table)}.{quote(field.column)}"
                   for field in fields]
        if asks_required:
            columns.append(f"EXISTS(SELECT 1 FROM"  # noqa: S608 (names only)
                           f" {quote(RegistrationQuestion._meta.db_table)}"
                           f" WHERE event_id = {event_pk} AND required)")
        if member:
            columns.append(f"({_member_lock_sql()})")
        sql = (f"SELECT {', '.join(columns)} FROM {event_table}"  # noqa: S608 (names only)
               f" INNER JOIN {page_table} ON ({event_pk} = {page_table}.{quote('id')})"
               f" WHERE {event_pk} = %s")
        if lock and conn.features.has_select_for_update:
            sql += f" FOR UPDATE OF {event_table}"
        converters = []
        for field in fields:
            col = field.get_col(field.model._meta.db_table)
            converters.append((col, tuple(conn.ops.get_db_converters(col)
                                          + col.get_db_converters(conn))))
        _LOCK_STATEMENTS[key] = _LockStatement(
            sql=sql, attnames=frozenset(field.attname for field in fields),
            columns=tuple(field.attname for field in fields),
            converters=tuple(converters))
    return _LOCK_STATEMENTS[key]


def lock_event_for_registration(event_pk: int, *, lock: bool = True,
                                asks_required: bool = False, member=None,
                                tally_of: tuple | None = None) -> EventPage:
    """Fetch the event's REGISTRATION_EVENT_FIELDS, locking its row (only the events table),
    in one fixed statement. `asks_required`: also tell whether the event asks a required
    registration question (the event's `asks_required` attribute). The space is read when
    used (a registration for a free event never does).

    `member` (a user): take `member_lock`'s lock in the same statement, BEFORE the event's
    (the lock order): the user row is locked by a sub-select of the statement's columns,
    which PostgreSQL evaluates as it reads the event row, before it locks that row for the
    statement's own FOR UPDATE (tests/events/test_lock_order.py watches this). The
    event's `member_active` says whether the account is active, read under that lock.

    `tally_of` (the registering user, or None, and the guest's address): the event's
    `tally` is `registration_tally` for that person, counted under the lock. On PostgreSQL
    its statement goes in the same round trip, after the lock's (one execute, three
    statements, see `events.rows.several_statements_per_execute`: in READ COMMITTED each
    statement reads a fresh snapshot, so the count, taken once the lock is held, sees every
    registration committed before), and so does drawing the id a new registration will
    take from its sequence (the event's `new_registration_id`, else None: an id drawn for a
    registration that is then refused or replayed is skipped, as after a rollback), so
    that the registration and its e-mail task can be written in one round trip
    (`registration_insert`). Raises EventPage.DoesNotExist."""
    conn = transaction.get_connection()  # once: every `connection.x` goes through a proxy
    statement = _registration_lock_statement(conn, lock=lock, asks_required=asks_required,
                                             member=member is not None)
    sql, params = statement.sql, [event_pk] if member is None else [member.pk, event_pk]
    tally = new_registration_id = None
    with conn.cursor() as cursor:
        if tally_of is not None and several_statements_per_execute(conn):
            tally_sql, tally_params = _tally_statement(event_pk, *tally_of)
            cursor.execute(f"{sql}; {tally_sql}; {_NEXT_REGISTRATION_ID_SQL}",
                           [*params, *tally_params])
            row = cursor.fetchone()
            cursor.nextset()
            tally = _tally_from_row(cursor.fetchone())
            cursor.nextset()
            (new_registration_id,) = cursor.fetchone()
        else:
            cursor.execute(sql, params)
            row = cursor.fetchone()
    if row is None:
        raise EventPage.DoesNotExist("EventPage matching query does not exist.")
    values = []
    for value, (col, converters) in zip(row, statement.converters, strict=False):
        for converter in converters:
            value = converter(value, col, conn)
        values.append(value)
    event = row_instance(EventPage, conn.alias, statement.columns, values)
    extra = iter(row[len(values):])
    if asks_required:
        event.asks_required = bool(next(extra))
    if member is not None:
        event.member_active = next(extra) is not None
    if tally_of is not None:
        event.tally = tally if tally is not None else registration_tally(event, *tally_of)
        event.new_registration_id = new_registration_id
    return event


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
# PostgreSQL only (an identity or serial column's sequence); no parameters.
_NEXT_REGISTRATION_ID_SQL = (
    f"SELECT nextval(pg_get_serial_sequence('\"{_REGISTRATION_TABLE}\"',"
    f" '{Registration._meta.pk.column}'))"
)


def _tally_statement(event_pk: int, user, guest_email: str) -> tuple[str, list]:
    sql, person = ((_TALLY_MEMBER_SQL, user.pk) if user is not None
                   else (_TALLY_GUEST_SQL, guest_email))
    params = [*SEAT_STATES, RegistrationState.WAITLISTED, person, *ACTIVE_STATES, event_pk]
    return sql, [str(p) if isinstance(p, str) else p for p in params]


def _tally_from_row(row) -> Tally:
    taken, waiting, last_position, mine = row
    return Tally(taken=int(taken), waiting=int(waiting), last_position=last_position or 0,
                 mine=int(mine))


def registration_tally(event: EventPage, user, guest_email: str) -> Tally:
    """Seats taken, people waiting, the last waiting-list position and whether the person
    already holds an active registration: one aggregate over the event's registrations
    (seats as `EventPageQuerySet.with_seats_taken` counts them: SEAT_STATES).
    Called with the event's row locked, so the figures hold until the commit."""
    with connection.cursor() as cursor:
        cursor.execute(*_tally_statement(event.pk, user, guest_email))
        return _tally_from_row(cursor.fetchone())


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


def registration_insert(registration: Registration, kind: str) -> None:
    """INSERT the new `registration` and ask for its `kind` e-mail with the current
    transaction (`tasks.registration_notify_on_commit`). With production's database queue
    and an id drawn beforehand (`lock_event_for_registration`'s `new_registration_id`, on
    PostgreSQL) both rows go in one round trip (`events.rows.rows_insert`); else the
    registration's INSERT gives its id, then the task row follows."""
    if registration.pk is None:
        row_insert(registration)
        notify_on_commit(kind, registration)
        return
    task_row = tasks.registration_notify_row(kind, registration)
    rows_insert(registration, *(() if task_row is None else (task_row,)))


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
