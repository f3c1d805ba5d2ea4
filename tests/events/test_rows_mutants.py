"""events.rows exactly (issue 14, the mutation run of rows.py): each model's INSERT is built
once per database vendor and kept in a module-level dict, so a process that has registered
anyone already holds it (the mutation runner's forks inherit a built one). These tests start
from an empty cache: the statement for a model with an auto-increment id (a registration)
and for one whose id is written (a task row, a UUID), and the rows written through them."""

import datetime as dt
import uuid

import pytest
from django.db import connection, transaction
from django.db.models.signals import post_init, pre_init
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from events import rows
from events.models import EventPage, Registration, RegistrationState
from events.services import registration_create
from tests.events.registration_factories import publish_event, space_in
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db

REGISTRATION_COLUMNS = (
    "event_id", "user_id", "guest_name", "guest_email", "role", "state", "waitlist_position",
    "secret", "created_at", "updated_at", "confirmed_at", "cancelled_at", "cancel_reason",
    "attended_at", "attended_by_id", "walk_in", "ticket_code", "language")
TASK_COLUMNS = (
    "id", "status", "enqueued_at", "started_at", "finished_at", "args_kwargs", "priority",
    "task_path", "worker_ids", "queue_name", "backend_name", "run_after", "return_value",
    "exception_class_path", "traceback")


@pytest.fixture
def empty_cache(monkeypatch):
    monkeypatch.setattr(rows, "_STATEMENTS", {})


def _insert(table: str, columns: tuple[str, ...]) -> str:
    quoted = ", ".join(f'"{column}"' for column in columns)
    marks = ", ".join(["%s"] * len(columns))
    return f'INSERT INTO "{table}" ({quoted}) VALUES ({marks})'  # noqa: S608 (expected text)


def test_each_models_insert_is_built_on_first_use_and_kept(empty_cache):
    sql, fields, returning = rows._insert_statement(Registration, connection)
    assert sql == _insert("events_registration", REGISTRATION_COLUMNS) + ' RETURNING "id"'
    assert tuple(field.column for field in fields) == REGISTRATION_COLUMNS
    assert returning is True
    sql, fields, returning = rows._insert_statement(DBTaskResult, connection)
    assert sql == _insert("django_tasks_database_dbtaskresult", TASK_COLUMNS)
    assert tuple(field.column for field in fields) == TASK_COLUMNS
    assert returning is False
    assert set(rows._STATEMENTS) == {(Registration, connection.vendor, False),
                                     (DBTaskResult, connection.vendor, False)}
    assert rows._insert_statement(Registration, connection) is rows._STATEMENTS[
        (Registration, connection.vendor, False)]
    sql, fields, returning = rows._insert_statement(Registration, connection, with_auto=True)
    assert sql == _insert("events_registration", ("id", *REGISTRATION_COLUMNS))
    assert returning is False


def test_a_registration_written_through_a_fresh_statement_reads_back_as_written(
        site_tree, empty_cache):
    event = publish_event(space_in(site_tree), capacity=1, waitlist_enabled=True)
    registration_create(event, user=UserFactory())
    waiting = registration_create(event, user=UserFactory())
    assert (waiting.state, waiting.waitlist_position) == (RegistrationState.WAITLISTED, 1)
    assert waiting._state.adding is False and waiting._state.db == "default"
    stored = Registration.objects.get(pk=waiting.pk)
    for field in Registration._meta.concrete_fields:
        assert getattr(stored, field.attname) == getattr(waiting, field.attname), field
    assert stored.created_at == waiting.created_at
    assert stored.updated_at is not None and stored.updated_at >= stored.created_at
    assert Registration.objects.filter(event=event).order_by("pk").last().pk == waiting.pk


def test_a_row_whose_id_is_written_keeps_that_id(db, empty_cache):
    task_id = uuid.uuid4()
    row = DBTaskResult(id=task_id, args_kwargs={"args": ["confirmed", 7, "it"], "kwargs": {}},
                       priority=-10, task_path="events.tasks.registration_notify",
                       queue_name="default", backend_name="default",
                       run_after=dt.datetime(2026, 12, 1, 6, 0, tzinfo=dt.UTC))
    with transaction.atomic():
        rows.row_insert(row)
    assert row.pk == task_id and row._state.adding is False and row._state.db == "default"
    stored = DBTaskResult.objects.get(pk=task_id)
    assert (stored.args_kwargs, stored.priority, stored.task_path, stored.enqueued_at,
            stored.run_after) == (
        {"args": ["confirmed", 7, "it"], "kwargs": {}}, -10,
        "events.tasks.registration_notify", row.enqueued_at,
        dt.datetime(2026, 12, 1, 6, 0, tzinfo=dt.UTC))
    assert stored.enqueued_at is not None


def test_a_saved_row_is_refused_by_name_and_id(db):
    saved = Registration(pk=7)
    saved._state.adding = False  # as read from the database
    with pytest.raises(ValueError) as refused:
        rows.row_insert(saved)
    assert str(refused.value) == "Registration 7 is already saved"


def test_without_returning_the_new_id_is_asked_of_the_backend_by_table_and_column(
        site_tree, empty_cache, monkeypatch):
    """A database whose INSERT cannot return the new id (SQLite before 3.35; Oracle, whose
    `last_insert_id` reads the table's sequence by its table and column names): no
    RETURNING, and the id is the backend's `last_insert_id(cursor, table, column)`."""
    event, user = publish_event(space_in(site_tree), capacity=3), UserFactory()
    asked = []

    def last_insert_id(cursor, table_name, pk_name):
        asked.append((callable(getattr(cursor, "execute", None)), table_name, pk_name))
        with connection.cursor() as own:  # the row just inserted has the highest id
            own.execute(f"SELECT MAX({pk_name}) FROM {table_name}")  # noqa: S608 (names)
            return own.fetchone()[0]

    monkeypatch.setattr(connection.features, "can_return_columns_from_insert", False)
    monkeypatch.setattr(connection.ops, "last_insert_id", last_insert_id)
    registration = Registration(event=event, user=user, state="confirmed",
                                created_at=dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC),
                                language="it")
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        rows.row_insert(registration)
    monkeypatch.undo()
    (insert,) = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert "RETURNING" not in insert
    assert asked == [(True, "events_registration", "id")]
    stored = Registration.objects.get(event=event)
    assert registration.pk == stored.pk and registration._state.adding is False
    assert (stored.state, stored.language, stored.created_at) == (
        "confirmed", "it", dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC))


def _event_row(build):
    names = [f.attname for f in EventPage._meta.concrete_fields
             if f.attname in ("id", "title", "page_ptr_id", "capacity")]
    values = {"id": 41, "title": "Caffè ☕", "page_ptr_id": 41, "capacity": 3}
    return build(names, [values[name] for name in names])


@pytest.mark.parametrize("signal", [pre_init, post_init], ids=["pre_init", "post_init"])
def test_with_anyone_listening_to_init_the_row_is_built_by_from_db_as_read(signal):
    """Either signal, for the model read: `from_db` (which sends both), with the alias,
    the names and the values given; the page is as a queryset would return it."""
    seen = []

    def listener(sender, **kwargs):
        seen.append(sender)

    signal.connect(listener, sender=EventPage)
    try:
        event = _event_row(lambda names, values: rows.row_instance(EventPage, "replica",
                                                                   names, values))
    finally:
        signal.disconnect(listener, sender=EventPage)
    assert seen == [EventPage]
    assert (event.pk, event.title, event.capacity) == (41, "Caffè ☕", 3)
    assert (event._state.adding, event._state.db) == (False, "replica")
    assert "starts_at" in event.get_deferred_fields()


def test_a_row_whose_values_do_not_match_its_names_is_refused():
    with pytest.raises(ValueError, match="zip"):
        rows.row_instance(EventPage, "default", ["id", "title"], [41])
    with pytest.raises(ValueError, match="zip"):
        rows.row_instance(EventPage, "default", ["id"], [41, "Caffè ☕"])


def test_with_server_side_binding_several_rows_take_one_execute_each(site_tree, monkeypatch):
    """A prepared statement holds one statement: each row its own INSERT, in order, each
    given the id the database chose."""
    event = publish_event(space_in(site_tree), capacity=3)
    registrations = [Registration(event=event, user=UserFactory(), state="confirmed",
                                  created_at=dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC),
                                  language=language) for language in ("it", "en")]
    monkeypatch.setitem(connection.settings_dict, "OPTIONS",
                        {**connection.settings_dict.get("OPTIONS", {}),
                         "server_side_binding": True})
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        rows.rows_insert(*registrations)
    monkeypatch.undo()
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 2 and not any(";" in sql for sql in inserts)
    assert list(Registration.objects.filter(event=event).order_by("pk").values_list(
        "pk", "language")) == [(registrations[0].pk, "it"), (registrations[1].pk, "en")]
    assert registrations[0].pk < registrations[1].pk
