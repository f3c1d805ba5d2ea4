"""events.rows.row_insert skips the model-save machinery: it is right only while nothing
listens to the saves of the models it writes. A receiver added later must fail here, not
silently miss every registration. rows_insert writes several rows in one round trip on
PostgreSQL, which rests on Django's client-side parameter binding: these tests break if
that changes."""

from types import SimpleNamespace

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models.signals import post_init, post_save, pre_save
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from events.models import EventPage, Registration
from events.rows import row_insert, row_instance, rows_insert, several_statements_per_execute
from events.tasks import database_task_row, registration_notify
from tests.events.registration_factories import publish_event, space_in
from tests.network.factories import UserFactory

#: pre_save receivers whose work the callers do themselves, or that do nothing for these:
#: Wagtail's (any model) sets the locale of translatable objects only; django-tasks-db's
#: default for `run_after` is written by events.tasks.database_enqueue.
ALLOWED = {
    Registration: {"wagtail.models.i18n.set_locale_on_new_instance"},
    DBTaskResult: {"wagtail.models.i18n.set_locale_on_new_instance",
                   "django_tasks_db.signal_handlers.set_run_after"},
}


def _receivers(signal, model) -> set[str]:
    return {f"{receiver.__module__}.{receiver.__qualname__}"
            for receiver in signal._live_receivers(model)[0]}


@pytest.mark.parametrize("model", [Registration, DBTaskResult])
def test_nothing_listens_to_the_saves_row_insert_skips(model):
    assert _receivers(post_save, model) == set()
    assert _receivers(pre_save, model) <= ALLOWED[model]


def test_a_saved_row_or_a_model_with_a_parent_table_is_refused(db):
    with pytest.raises(TypeError, match="parent table"):
        row_insert(EventPage(title="x"))
    registration = Registration(pk=7)
    registration._state.adding = False  # as read from the database
    with pytest.raises(ValueError, match="already saved"):
        row_insert(registration)


def _database(vendor: str, **options) -> SimpleNamespace:
    return SimpleNamespace(vendor=vendor, settings_dict={"OPTIONS": options})


def test_several_statements_go_in_one_execute_only_with_client_side_binding():
    assert several_statements_per_execute(_database("postgresql")) is True
    assert several_statements_per_execute(
        _database("postgresql", server_side_binding=True)) is False
    assert several_statements_per_execute(_database("sqlite")) is False


@pytest.mark.postgres
def test_djangos_postgresql_cursor_binds_on_the_client_and_runs_two_statements(db):
    """What rows_insert and the registration's lock statement rely on: Django hands
    psycopg's ClientCursor out by default, and one execute runs both statements, each
    with its own result."""
    assert several_statements_per_execute(connection) is True
    with connection.cursor() as cursor:
        assert isinstance(cursor.cursor, psycopg.ClientCursor)
        cursor.execute("SELECT %s; SELECT %s", ["Zoë ☕; DROP TABLE x", 2])
        assert cursor.fetchone() == ("Zoë ☕; DROP TABLE x",)
        assert cursor.nextset() is True
        assert cursor.fetchone() == (2,)


def _registration(event, user, **kwargs) -> Registration:
    return Registration(event=event, user=user, created_at=timezone.now(), state="confirmed",
                        language="it", **kwargs)


def test_rows_inserted_together_read_back_as_written_in_one_round_trip_on_postgresql(
        site_tree, settings):
    """A registration with its id drawn beforehand and a task row naming it: both written
    (in one execute where the connection allows several statements), in this order."""
    event = publish_event(space_in(site_tree), capacity=3)
    first = _registration(event, UserFactory())
    row_insert(first)
    chosen = first.pk + 100
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    registration = _registration(event, UserFactory(), id=chosen,
                                 guest_name="<b>Zoë</b>\u202e")
    task_row = database_task_row(registration_notify, "confirmed", chosen, "it")
    with transaction.atomic(), CaptureQueriesContext(connection) as ctx:
        rows_insert(registration, task_row)
    inserts = [q for q in ctx.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == (1 if several_statements_per_execute(connection) else 2)
    assert registration.pk == chosen and registration._state.adding is False
    stored = Registration.objects.get(pk=chosen)
    assert stored.guest_name == "<b>Zoë</b>\u202e" and stored.secret == registration.secret
    assert DBTaskResult.objects.get(pk=task_row.pk).args_kwargs == {
        "args": ["confirmed", chosen, "it"], "kwargs": {}}


def test_rows_inserted_together_take_the_ids_the_database_gives(site_tree):
    event = publish_event(space_in(site_tree), capacity=3)
    registrations = [_registration(event, UserFactory()) for _ in range(2)]
    rows_insert(*registrations)
    assert registrations[0].pk is not None and registrations[1].pk == registrations[0].pk + 1
    assert set(Registration.objects.values_list("pk", flat=True)) == {r.pk for r in registrations}


def test_a_failing_row_among_several_raises_and_the_block_writes_nothing(site_tree):
    event = publish_event(space_in(site_tree), capacity=3)
    user = UserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        rows_insert(_registration(event, UserFactory()), _registration(event, user),
                    _registration(event, user))  # one active registration per member
    assert not Registration.objects.filter(event=event).exists()


def _page_read(build):
    """An event page as the registration's lock reads it: a few fields, the rest deferred."""
    names = ("id", "live", "title", "page_ptr_id", "capacity", "space_id")
    attnames = [f.attname for f in EventPage._meta.concrete_fields if f.attname in names]
    values = {"id": 41, "live": True, "title": "Caffè ☕ <b>", "page_ptr_id": 41,
              "capacity": 3, "space_id": 7}
    return build(attnames, [values[name] for name in attnames])


def test_a_row_read_without_init_is_what_from_db_builds():
    fast = _page_read(lambda names, values: row_instance(EventPage, "default", names, values))
    slow = _page_read(lambda names, values: EventPage.from_db("default", frozenset(names),
                                                              values))
    assert type(fast) is EventPage
    assert {k: v for k, v in vars(fast).items() if k != "_state"} == {
        k: v for k, v in vars(slow).items() if k != "_state"}
    assert (fast._state.adding, fast._state.db) == (slow._state.adding, slow._state.db) == (
        False, "default")
    assert fast.get_deferred_fields() == slow.get_deferred_fields()
    assert "starts_at" in fast.get_deferred_fields()


def test_a_row_read_with_someone_listening_to_init_goes_through_from_db():
    seen = []

    def listener(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(listener, sender=EventPage)
    try:
        event = _page_read(lambda names, values: row_instance(EventPage, "default", names,
                                                              values))
    finally:
        post_init.disconnect(listener, sender=EventPage)
    assert seen == [event] and event.capacity == 3
