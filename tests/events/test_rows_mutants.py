"""events.rows exactly (issue 14, the mutation run of rows.py): each model's INSERT is built
once per database vendor and kept in a module-level dict, so a process that has registered
anyone already holds it (the mutation runner's forks inherit a built one). These tests start
from an empty cache: the statement for a model with an auto-increment id (a registration)
and for one whose id is written (a task row, a UUID), and the rows written through them."""

import datetime as dt
import uuid

import pytest
from django.db import connection, transaction
from django_tasks_db.models import DBTaskResult

from events import rows
from events.models import Registration, RegistrationState
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
