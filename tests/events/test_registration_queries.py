"""A registration costs a handful of queries whatever the event's size (issue 11: at most 6):
lock the member and the event (one statement), one tally of its registrations, insert; the
e-mail's task row in the same transaction with production's database queue, else after
the commit."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from events.exceptions import RegistrationInvalid
from events.models import Registration, RegistrationState
from events.services import registration_create
from tests.events.discovery_factories import fill_event
from tests.events.registration_factories import publish_event, space_in
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(site_tree):
    return publish_event(space_in(site_tree), capacity=3)


def test_a_confirmed_registration_takes_at_most_six_queries(event, django_assert_max_num_queries):
    fill_event(event, confirmed=2)
    user = UserFactory()
    with django_assert_max_num_queries(6):
        registration = registration_create(event, user=user)
    assert registration.state == RegistrationState.CONFIRMED


def test_joining_the_waiting_list_takes_at_most_six_queries(event,
                                                            django_assert_max_num_queries):
    fill_event(event, confirmed=3, waitlisted=4)
    user = UserFactory()
    with django_assert_max_num_queries(6):
        registration = registration_create(event, user=user)
    assert registration.state == RegistrationState.WAITLISTED
    assert registration.waitlist_position == 5


def test_registering_again_returns_the_same_registration_within_six_queries(
        event, django_assert_max_num_queries):
    user = UserFactory()
    first = registration_create(event, user=user)
    with django_assert_max_num_queries(6):
        again = registration_create(event, user=user)
    assert again.pk == first.pk


def test_a_guest_registration_takes_at_most_six_queries(site_tree,
                                                        django_assert_max_num_queries):
    event = publish_event(space_in(site_tree), capacity=10, guests_allowed=True)
    with django_assert_max_num_queries(6):
        registration = registration_create(event, guest_name="Zoë O'Brien ☕",
                                           guest_email="Zoe@Example.org")
    assert registration.guest_email == "zoe@example.org"


@pytest.fixture
def database_queue(settings):
    """Production's queue: django-tasks-db's table in the same database."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _notify_rows() -> list[list]:
    return [row.args_kwargs["args"] for row in DBTaskResult.objects.filter(
        task_path="events.tasks.registration_notify")]


def test_with_the_database_queue_the_email_task_is_written_in_the_same_transaction(
        event, database_queue, django_assert_max_num_queries):
    """Lock (member and event), tally, insert, the task's row: within six queries with
    BEGIN and COMMIT, and the e-mail is in the queue as soon as the registration commits."""
    user = UserFactory()
    with django_assert_max_num_queries(6):
        registration = registration_create(event, user=user)
    # The test's own transaction never commits: the row is there before any commit.
    assert _notify_rows() == [["confirmed", registration.pk, "en"]]


@pytest.mark.postgres
def test_on_postgresql_the_registration_and_its_task_row_go_in_one_round_trip(
        event, database_queue):
    """The lock statement draws the registration's id with the tally, so the registration
    and its e-mail's task row (which names that id) are written by one execute: four
    round trips in all with BEGIN and COMMIT (here a savepoint and its release)."""
    user = UserFactory()
    with CaptureQueriesContext(connection) as ctx:
        registration = registration_create(event, user=user)
    statements = [query["sql"] for query in ctx.captured_queries]
    assert len(statements) == 4
    (insert,) = [sql for sql in statements if "INSERT" in sql]
    assert insert.startswith('INSERT INTO "events_registration"')
    assert 'INSERT INTO "django_tasks_database_dbtaskresult"' in insert
    assert _notify_rows() == [["confirmed", registration.pk, "en"]]
    assert Registration.objects.get(pk=registration.pk).user == user


def test_with_the_database_queue_a_rolled_back_registration_leaves_no_task(event,
                                                                           database_queue):
    with pytest.raises(RuntimeError), transaction.atomic():
        registration_create(event, user=UserFactory())
        raise RuntimeError("boom")
    assert _notify_rows() == []
    assert not Registration.objects.filter(event=event).exists()


def test_an_inactive_member_is_refused_by_the_lock_and_nothing_is_queued(event,
                                                                        database_queue):
    user = UserFactory(is_active=False)
    with pytest.raises(RegistrationInvalid, match="not active"):
        registration_create(event, user=user)
    assert _notify_rows() == []


_ROW_FIELDS = ("status", "started_at", "finished_at", "args_kwargs", "priority", "task_path",
               "worker_ids", "queue_name", "backend_name", "run_after", "return_value",
               "exception_class_path", "traceback")


def test_the_task_row_written_by_the_fixed_insert_is_the_backends_own(event, database_queue):
    """events.tasks.database_enqueue writes the row django-tasks-db's enqueue writes (every
    column but the new id and the time), so its worker runs it the same way."""
    from events.tasks import database_enqueue, registration_notify

    with transaction.atomic():
        database_enqueue(registration_notify, "confirmed", 7, "it")
    registration_notify.enqueue("confirmed", 7, "it")
    ours, theirs = DBTaskResult.objects.order_by("enqueued_at")
    assert ours.pk != theirs.pk
    assert ({f: getattr(ours, f) for f in _ROW_FIELDS}
            == {f: getattr(theirs, f) for f in _ROW_FIELDS})
    assert ours.args_kwargs == {"args": ["confirmed", 7, "it"], "kwargs": {}}
    assert ours.task.func is registration_notify.func
    assert ours.enqueued_at is not None


def test_the_registration_written_by_the_fixed_insert_reads_back_as_written(event):
    """events.rows.row_insert: every column as `save()` would write it (defaults, auto_now),
    and the new id set on the instance."""
    user = UserFactory()
    registration = registration_create(event, user=user)
    stored = Registration.objects.get(pk=registration.pk)
    for field in Registration._meta.concrete_fields:
        assert getattr(stored, field.attname) == getattr(registration, field.attname), field
    assert stored.updated_at is not None and stored.secret and stored.ticket_code
    assert registration._state.adding is False


def test_the_locked_event_holds_what_the_registration_read_and_loads_the_rest(
        event, django_assert_num_queries):
    """lock_event_for_registration reads a few columns; any other field of the page it
    returns is read from the database when first used, never made up."""
    from events.services.common import lock_event_for_registration

    event.room = "Sala Zoë ☕"
    event.save(update_fields=["room"])
    with transaction.atomic():
        locked = lock_event_for_registration(event.pk, asks_required=True)
    assert (locked.pk, locked.title, locked.capacity, locked.starts_at, locked.live,
            locked.space_id, locked.asks_required) == (
        event.pk, event.title, 3, event.starts_at, True, event.space_id, False)
    with django_assert_num_queries(1):
        assert locked.room == "Sala Zoë ☕"
