"""events.services.common's registration lock statement exactly (issue 14, the mutation run
of common.py): the statement is built once per database vendor and flavour and kept in a
module-level dict, so a process that has registered anyone already holds it (the mutation
runner's forks inherit a built one). These tests start from an empty cache, check every
flavour's SQL and what the event read through a freshly built statement holds."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from events import services
from events.models import (
    EventPage,
    QuestionKind,
    Registration,
    RegistrationQuestion,
    RegistrationState,
)
from events.services import common
from tests.events.registration_factories import publish_event, space_in
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db

#: REGISTRATION_EVENT_FIELDS in the model's order (Page's own columns first), as
#: `EventPage.from_db` takes them.
COLUMNS = (
    '"wagtailcore_page"."id", "wagtailcore_page"."live", "wagtailcore_page"."first_published_at",'
    ' "wagtailcore_page"."title", "events_eventpage"."page_ptr_id", "events_eventpage"."starts_at",'
    ' "events_eventpage"."capacity", "events_eventpage"."registration_opens_at",'
    ' "events_eventpage"."registration_closes_at", "events_eventpage"."waitlist_enabled",'
    ' "events_eventpage"."price_credits", "events_eventpage"."guests_allowed",'
    ' "events_eventpage"."status", "events_eventpage"."space_id", "events_eventpage"."origin"'
)
ASKS_REQUIRED = (', EXISTS(SELECT 1 FROM "events_registrationquestion"'
                 ' WHERE event_id = "events_eventpage"."page_ptr_id" AND required)')
FROM = (' FROM "events_eventpage" INNER JOIN "wagtailcore_page"'
        ' ON ("events_eventpage"."page_ptr_id" = "wagtailcore_page"."id")'
        ' WHERE "events_eventpage"."page_ptr_id" = %s')
FLAVOURS = [(lock, asks, member) for lock in (True, False) for asks in (True, False)
            for member in (True, False)]


@pytest.fixture
def empty_cache(monkeypatch):
    monkeypatch.setattr(common, "_LOCK_STATEMENTS", {})


def _member_sql() -> str:
    lock = " FOR NO KEY UPDATE" if connection.vendor == "postgresql" else ""
    return (', (SELECT 1 FROM "auth_user"'  # noqa: S608 (the expected text)
            f' WHERE id = %s AND is_active{lock})')


def _expected_sql(*, lock: bool, asks: bool, member: bool) -> str:
    sql = ("SELECT " + COLUMNS + (ASKS_REQUIRED if asks else "")
           + (_member_sql() if member else "") + FROM)
    if lock and connection.vendor == "postgresql":
        sql += ' FOR UPDATE OF "events_eventpage"'
    return sql


def test_every_flavour_of_the_lock_statement_is_built_on_first_use(empty_cache):
    for lock, asks, member in FLAVOURS:
        statement = common._registration_lock_statement(
            connection, lock=lock, asks_required=asks, member=member)
        assert statement.sql == _expected_sql(lock=lock, asks=asks, member=member), (
            lock, asks, member)
        assert statement.attnames == {
            "id", "live", "first_published_at", "title", "page_ptr_id", "starts_at",
            "capacity", "registration_opens_at", "registration_closes_at",
            "waitlist_enabled", "price_credits", "guests_allowed", "status", "space_id",
            "origin"}
        assert [col.target.attname for col, _converters in statement.converters] == [
            "id", "live", "first_published_at", "title", "page_ptr_id", "starts_at",
            "capacity", "registration_opens_at", "registration_closes_at",
            "waitlist_enabled", "price_credits", "guests_allowed", "status", "space_id",
            "origin"]
    assert set(common._LOCK_STATEMENTS) == {(connection.vendor, *flavour)
                                            for flavour in FLAVOURS}
    # kept: asked again, the same object
    assert common._registration_lock_statement(
        connection, lock=True, asks_required=False, member=True) is common._LOCK_STATEMENTS[
        (connection.vendor, True, False, True)]


@pytest.mark.parametrize("lock,asks,member", FLAVOURS)
def test_the_event_read_by_a_freshly_built_statement_is_the_stored_one(
        site_tree, empty_cache, lock, asks, member):
    opens = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
    event = publish_event(space_in(site_tree), capacity=7, waitlist_enabled=True,
                          price_credits=3, guests_allowed=False,
                          registration_opens_at=opens, title="Caffè ☕ <b>Zoë</b>")
    RegistrationQuestion.objects.create(event=event, label="Diet",
                                        kind=QuestionKind.SHORT_TEXT, required=True)
    active, inactive = UserFactory(), UserFactory(is_active=False)
    stored = EventPage.objects.get(pk=event.pk)
    # the defaults (lock, nothing asked) left out, as a caller does
    flavour = ({} if lock else {"lock": False}) | ({"asks_required": True} if asks else {})
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        read = common.lock_event_for_registration(
            event.pk, member=active if member else None, **flavour)
        other = common.lock_event_for_registration(
            event.pk, member=inactive if member else None, **flavour)
    locking = lock and connection.vendor == "postgresql"
    assert [q["sql"].endswith(' FOR UPDATE OF "events_eventpage"')
            for q in queries.captured_queries if q["sql"].startswith("SELECT")] == [locking] * 2
    for field in ("id", "title", "starts_at", "capacity", "registration_opens_at",
                  "registration_closes_at", "price_credits", "status", "space_id",
                  "first_published_at"):
        assert getattr(read, field) == getattr(stored, field), field
    assert read.registration_opens_at == opens
    assert (read.live, read.waitlist_enabled, read.guests_allowed, read.origin) == (
        True, True, False, {})
    assert type(read.live) is bool and type(read.guests_allowed) is bool
    assert read.starts_at.tzinfo is not None
    assert read._state.adding is False and read._state.db == "default"
    assert (getattr(read, "asks_required", None), getattr(other, "asks_required", None)) == (
        (True, True) if asks else (None, None))
    assert (getattr(read, "member_active", None), getattr(other, "member_active", None)) == (
        (True, False) if member else (None, None))


def test_an_event_that_asks_nothing_required_says_so(site_tree, empty_cache):
    event = publish_event(space_in(site_tree))
    RegistrationQuestion.objects.create(event=event, label="Optional",
                                        kind=QuestionKind.SHORT_TEXT, required=False)
    other = publish_event(space_in(site_tree, title="Elsewhere"))
    RegistrationQuestion.objects.create(event=other, label="Diet",
                                        kind=QuestionKind.SHORT_TEXT, required=True)
    with transaction.atomic():
        read = common.lock_event_for_registration(event.pk, asks_required=True,
                                                  member=UserFactory())
    assert (read.asks_required, read.member_active) == (False, True)


def test_a_missing_event_is_refused_as_the_orm_would(db, empty_cache):
    with pytest.raises(EventPage.DoesNotExist) as missing, transaction.atomic():
        common.lock_event_for_registration(2**31 - 1)
    assert str(missing.value) == "EventPage matching query does not exist."


@pytest.mark.parametrize("who", ["member", "guest"])
def test_the_tally_travels_with_the_lock_on_postgresql_and_after_it_elsewhere(site_tree, who):
    """PostgreSQL: one execute, the lock's statement, the tally's, then drawing the new
    registration's id (three statements, one round trip). Other databases: the lock, then
    the tally."""
    event = publish_event(space_in(site_tree), capacity=3, guests_allowed=True)
    member = UserFactory()
    person = ({"user": member} if who == "member"
              else {"guest_name": "Zoë", "guest_email": "Zoe@Example.org"})
    with CaptureQueriesContext(connection) as queries:
        services.registration_create(event, **person)
    selects = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    mine = (f"user_id = {member.pk}" if who == "member"
            else "user_id IS NULL AND guest_email = 'zoe@example.org'")
    lock_end = f'WHERE "events_eventpage"."page_ptr_id" = {event.pk}'
    if connection.vendor == "postgresql":
        (statement,) = selects
        lock, tally, new_id = statement.split("; ")
        assert lock.endswith(f'{lock_end} FOR UPDATE OF "events_eventpage"')
        assert new_id == ("SELECT nextval(pg_get_serial_sequence('\"events_registration\"',"
                          " 'id'))")
    else:
        lock, tally = selects
        assert lock.endswith(lock_end)
    assert tally.startswith("SELECT COALESCE(SUM(CASE WHEN state IN ('confirmed', 'attended')")
    assert f"{mine} AND state IN ('confirmed', 'waitlisted', 'attended')" in tally
    assert tally.endswith(f"WHERE event_id = {event.pk}")


def test_elsewhere_than_postgresql_the_tally_is_counted_after_the_lock(site_tree, empty_cache,
                                                                     monkeypatch):
    """Only PostgreSQL takes the lock's and the tally's statements in one execute; on any
    other database the tally is `registration_tally`'s, counted after the lock, the same
    figures (run here on whatever database the suite uses, told it is another one)."""
    event = publish_event(space_in(site_tree), capacity=1, waitlist_enabled=True,
                          guests_allowed=True)
    member = UserFactory()
    services.registration_create(event, user=member)
    services.registration_create(event, guest_name="Zoë", guest_email="zoe@example.org")
    monkeypatch.setattr(connection, "vendor", "another")
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        for_member = common.lock_event_for_registration(event.pk, member=member,
                                                        tally_of=(member, ""))
        for_guest = common.lock_event_for_registration(event.pk,
                                                       tally_of=(None, "zoe@example.org"))
    monkeypatch.undo()
    assert for_member.tally == common.Tally(taken=1, waiting=1, last_position=1, mine=1)
    assert for_guest.tally == common.Tally(taken=1, waiting=1, last_position=1, mine=1)
    assert for_member.member_active is True
    selects = [q["sql"] for q in queries.captured_queries]
    assert len(selects) == 4 and all(";" not in sql for sql in selects)
    assert [sql.startswith("SELECT COALESCE(") for sql in selects] == [False, True] * 2


def test_lock_event_locks_only_the_event_row_and_brings_its_space(site_tree,
                                                                 django_assert_num_queries):
    """The services that use the whole page (cancelling, promoting, the lifecycle): the
    event's row locked (not Wagtail's page row, not the space's), its space read with it."""
    space = space_in(site_tree, title="Cowo Zoë ☕")
    event = publish_event(space)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        locked = services.event_lock(event)
    (query,) = queries.captured_queries
    if connection.vendor == "postgresql":
        assert query["sql"].endswith(' FOR UPDATE OF "events_eventpage"')
    assert locked.pk == event.pk and locked is not event
    with django_assert_num_queries(0):
        assert locked.space.title == "Cowo Zoë ☕"


def test_without_one_round_trip_the_registration_is_inserted_then_its_task_row(
        site_tree, settings, monkeypatch):
    """Where one execute may not hold several statements (PostgreSQL with server-side
    binding, SQLite), no id is drawn beforehand: the registration's INSERT gives its id
    (RETURNING), then its e-mail's task row (production's database queue) names that id,
    each in its own execute, for a confirmed seat and for a place on the waiting list."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    monkeypatch.setitem(connection.settings_dict, "OPTIONS",
                        {**connection.settings_dict.get("OPTIONS", {}),
                         "server_side_binding": True})
    event = publish_event(space_in(site_tree), capacity=1, waitlist_enabled=True)
    first, second = UserFactory(), UserFactory()
    with CaptureQueriesContext(connection) as queries:
        confirmed = services.registration_create(event, user=first)
        waiting = services.registration_create(event, user=second)
    monkeypatch.undo()
    statements = [q["sql"] for q in queries.captured_queries]
    assert not any("; " in sql or "nextval" in sql for sql in statements)
    inserts = [sql.split(" (")[0] for sql in statements if sql.startswith("INSERT")]
    assert inserts == ['INSERT INTO "events_registration"',
                       'INSERT INTO "django_tasks_database_dbtaskresult"'] * 2
    assert [row.args_kwargs for row in DBTaskResult.objects.filter(
        task_path="events.tasks.registration_notify").order_by("enqueued_at", "pk")] == [
        {"args": ["confirmed", confirmed.pk, "en"], "kwargs": {}},
        {"args": ["waitlisted", waiting.pk, "en"], "kwargs": {}}]
    assert list(Registration.objects.filter(event=event).order_by("pk").values_list(
        "pk", "user", "state")) == [
        (confirmed.pk, first.pk, RegistrationState.CONFIRMED),
        (waiting.pk, second.pk, RegistrationState.WAITLISTED)]
