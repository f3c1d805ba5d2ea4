"""E-mails to registered people are background tasks: enqueued on commit with ids, re-reading
the rows when they run, and an organiser's publish request never sends them itself."""

import signal
import threading
from smtplib import SMTPException

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django_tasks import TaskResultStatus, task_backends
from django_tasks.backends.dummy import DummyBackend
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult
from wagtail.test.utils.form_data import querydict_from_html

from events import services, tasks
from events.emails import KINDS
from events.models import EventPage, EventStatus, Registration, RegistrationState
from tests.events.registration_factories import make_organiser, publish_event, republish, space_in
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db

DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
#: Queries of one publish through the Wagtail admin edit view (measured: 97 on SQLite),
#: with room for a Wagtail upgrade; what matters is that it does not grow with registrants.
PUBLISH_MAX_QUERIES = 130


@pytest.fixture
def space(site_tree):
    return space_in(site_tree)


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run on_commit callbacks (tests run inside a transaction that never commits)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def queue(settings):
    """Tasks are stored, not run (django-tasks' DummyBackend), until `run_queued`."""
    settings.TASKS = DUMMY
    return task_backends["default"]


def queued(backend) -> list[tuple[str, list]]:
    """The events app's tasks waiting in `backend` (Wagtail enqueues its own index updates)."""
    return [(r.task.name, list(r.args)) for r in backend.results
            if r.task.module_path.startswith("events.")]


def run_queued(backend) -> list:
    """Run what waits in the dummy backend, in order, including what the tasks enqueue;
    returns what the events app's tasks returned."""
    returned = []
    while backend.results:
        result = backend.results.pop(0)
        value = result.task.call(*result.args, **result.kwargs)
        if result.task.module_path.startswith("events."):
            returned.append(value)
    return returned


def add_guests(event: EventPage, count: int) -> None:
    now = timezone.now()
    Registration.objects.bulk_create(
        Registration(event=event, guest_name=f"Ospite {n}", guest_email=f"guest{n}@example.org",
                     state=RegistrationState.CONFIRMED, confirmed_at=now)
        for n in range(count))


def edit_form(client, event: EventPage, **changes) -> dict:
    """The admin edit form of `event` as the browser posts it, with `changes`, to publish."""
    html = client.get(f"/admin/pages/{event.pk}/edit/").content.decode()
    data = querydict_from_html(html, form_id="page-edit-form")
    data.setdefault("body-count", "0")  # the StreamField editor is drawn by JavaScript
    data.update(changes)
    data["action-publish"] = "action-publish"
    return data


def publish_queries(client, event: EventPage, commit, **changes) -> int:
    data = edit_form(client, event, **changes)
    with CaptureQueriesContext(connection) as queries, commit():
        response = client.post(f"/admin/pages/{event.pk}/edit/", data)
    assert response.status_code == 302
    return len(queries)


def ics_of(message) -> bytes:
    (attachment,) = [a for a in message.attachments if a[0].endswith(".ics")]
    content = attachment[1]
    return content if isinstance(content, bytes) else content.encode()


# --- the organiser's publish request ----------------------------------------------------


def test_publishing_a_change_to_an_event_with_200_registrants_returns_quickly_the_mails_are_tasks(
        client, space, queue, commit):
    event = publish_event(space, capacity=None)
    add_guests(event, 200)
    client.force_login(make_organiser(space))

    queries = publish_queries(client, event, commit, room="Sala Grande")

    assert queries <= PUBLISH_MAX_QUERIES
    assert mail.outbox == []
    assert queued(queue) == [("event_change_notify", [event.pk, 1, "en"])]
    assert run_queued(queue) == [200] + [True] * 200  # the fan-out, then each e-mail
    assert sorted(m.to[0] for m in mail.outbox) == sorted(f"guest{n}@example.org"
                                                          for n in range(200))
    assert all(m.subject.startswith("Event changed") for m in mail.outbox)
    assert all(b"SEQUENCE:1" in ics_of(m) and b"Sala Grande" in ics_of(m) for m in mail.outbox)


def test_the_publish_costs_the_same_queries_with_2_or_200_registrants(client, space, queue,
                                                                      commit):
    small, large = publish_event(space, capacity=None), publish_event(space, capacity=None)
    add_guests(small, 2)
    add_guests(large, 200)
    client.force_login(make_organiser(space))
    assert (publish_queries(client, small, commit, room="Aula 2")
            == publish_queries(client, large, commit, room="Aula 2"))


def test_with_the_database_backend_the_worker_sends_what_the_publish_enqueued(
        client, space, settings, commit, monkeypatch):
    settings.TASKS = DATABASE
    # Between tasks the worker closes connections that are not in autocommit mode, as a
    # request would; the test's own connection is inside the test's transaction.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    event = publish_event(space, capacity=None)
    add_guests(event, 3)
    client.force_login(make_organiser(space))
    DBTaskResult.objects.all().delete()  # Wagtail's index updates of the set-up
    publish_queries(client, event, commit, room="Sala Grande")
    assert mail.outbox == []
    assert [r.task_path for r in DBTaskResult.objects.filter(task_path__startswith="events.")
            ] == ["events.tasks.event_change_notify"]

    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)

    assert sorted(m.to[0] for m in mail.outbox) == [f"guest{n}@example.org" for n in range(3)]
    events_results = DBTaskResult.objects.filter(task_path__startswith="events.")
    assert events_results.count() == 4
    assert set(events_results.values_list("status", flat=True)) == {TaskResultStatus.SUCCESSFUL}


# --- registration e-mails: enqueued with ids, on commit -----------------------------------


def test_a_registration_enqueues_its_confirmation_with_ids_on_commit(space, queue, commit):
    event = publish_event(space)
    with commit():
        registration = services.registration_create(event, user=UserFactory())
        assert queued(queue) == []  # not before the commit
    assert queued(queue) == [("registration_notify", ["confirmed", registration.pk, "en"])]
    assert mail.outbox == []
    assert run_queued(queue) == [True]
    assert mail.outbox[0].to == [registration.user.email]


def test_a_rolled_back_registration_enqueues_nothing(space, queue, commit):
    event = publish_event(space)
    with commit(), pytest.raises(RuntimeError), transaction.atomic():
        services.registration_create(event, user=UserFactory())
        raise RuntimeError("boom")
    assert queued(queue) == []


def test_an_unknown_kind_is_refused_before_anything_is_enqueued(space, queue, commit):
    registration = services.registration_create(publish_event(space), user=UserFactory())
    with commit(), pytest.raises(ValueError, match="unknown e-mail kind"):
        tasks.registration_notify_on_commit("birthday", registration)
    with pytest.raises(ValueError, match="unknown e-mail kind"):
        tasks.registration_notify.call("birthday", registration.pk, "en")
    assert queued(queue) == []


def test_every_email_kind_says_in_which_states_it_is_still_true():
    assert set(tasks.KIND_STATES) == set(KINDS)


def test_the_email_is_written_in_the_language_of_whoever_caused_it(space, queue, commit):
    event = publish_event(space, title="Caffè & codice")
    with translation.override("it"), commit():
        registration = services.registration_create(event, user=UserFactory())
    assert queued(queue) == [("registration_notify", ["confirmed", registration.pk, "it"])]
    run_queued(queue)
    assert mail.outbox[0].subject == "Sei iscritto: Caffè & codice"


# --- the task re-reads the rows when it runs ------------------------------------------------


def test_the_task_tells_the_event_as_it_is_when_the_task_runs(space, queue, commit):
    event = publish_event(space, title="Vecchio titolo")
    with commit():
        services.registration_create(event, user=UserFactory())
    EventPage.objects.filter(pk=event.pk).update(title="Nuovo titolo")
    run_queued(queue)
    assert mail.outbox[0].subject == "You are registered: Nuovo titolo"


def test_a_confirmation_is_not_sent_when_the_registration_was_cancelled_meanwhile(
        space, queue, commit):
    event = publish_event(space)
    with commit():
        registration = services.registration_create(event, user=UserFactory())
    with commit():
        services.registration_cancel(registration)
    assert run_queued(queue) == [False, True]
    (message,) = mail.outbox
    assert message.subject.startswith("Registration cancelled")


def test_a_waiting_list_notice_is_not_sent_to_someone_promoted_meanwhile(space, queue, commit):
    event = publish_event(space, capacity=1)
    seated = services.registration_create(event, user=UserFactory())
    with commit():
        waiting = services.registration_create(event, user=UserFactory())
    assert queued(queue) == [("registration_notify", ["waitlisted", waiting.pk, "en"])]
    services.registration_cancel(seated)  # promotes `waiting` before the notice went out
    assert run_queued(queue) == [False]
    assert mail.outbox == []


def test_a_task_for_a_registration_that_vanished_does_nothing(space, queue, commit):
    event = publish_event(space, guests_allowed=True)
    with commit():
        registration = services.registration_create(event, guest_name="Eve",
                                                    guest_email="eve@example.org")
    Registration.objects.filter(pk=registration.pk).delete()
    assert run_queued(queue) == [False]
    assert mail.outbox == []


# --- event changes: one task that fans out ------------------------------------------------------


def test_a_new_confirmation_goes_before_the_emails_of_a_large_change(space, queue, commit):
    event = publish_event(space, capacity=None)
    add_guests(event, 3)
    republish(event, room="Sala Grande")
    assert tasks.event_change_notify.call(event.pk, 1, "en") == 3
    with commit():
        services.registration_create(event, user=UserFactory())
    priorities = [(args[0], r.task.priority) for r in queue.results
                  if r.task.name == "registration_notify" for args in [r.args]]
    assert priorities == [("event_changed", -10)] * 3 + [("confirmed", 0)]


def test_the_fan_out_tells_only_who_is_still_registered_when_it_runs(space, queue, commit):
    event = publish_event(space)
    staying, leaving = (services.registration_create(event, user=UserFactory())
                        for _ in range(2))
    with commit():
        republish(event, room="Sala Grande")
    services.registration_cancel(leaving)
    run_queued(queue)
    assert [m.to for m in mail.outbox] == [[staying.user.email]]


def test_two_quick_changes_tell_each_registrant_once_with_the_latest(space, queue, commit):
    event = publish_event(space)
    people = [services.registration_create(event, user=UserFactory()) for _ in range(2)]
    with commit():
        republish(event, room="Sala Grande")
    with commit():
        republish(event, room="Terrazza")
    assert [name for name, _args in queued(queue)] == ["event_change_notify"] * 2
    run_queued(queue)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.user.email for p in people)
    assert all(b"SEQUENCE:2" in ics_of(m) and b"Terrazza" in ics_of(m) for m in mail.outbox)


def test_an_event_change_email_is_not_sent_after_a_later_change(space, queue, commit):
    event = publish_event(space)
    registration = services.registration_create(event, user=UserFactory())
    republish(event, room="Sala Grande")  # SEQUENCE 1
    republish(event, room="Terrazza")  # SEQUENCE 2
    assert tasks.registration_notify.call("event_changed", registration.pk, "en", 1) is False
    assert tasks.registration_notify.call("event_changed", registration.pk, "en", 2) is True
    assert len(mail.outbox) == 1


def test_a_cancelled_event_fans_out_event_cancelled(space, queue, commit):
    event = publish_event(space)
    registration = services.registration_create(event, user=UserFactory())
    with commit():
        republish(event, status=EventStatus.CANCELLED, status_reason="Il bar è chiuso")
    assert run_queued(queue) == [1, True]
    (message,) = mail.outbox
    assert message.to == [registration.user.email]
    assert message.subject.startswith("Event cancelled")


def test_the_fan_out_for_an_event_that_vanished_does_nothing(space):
    event = publish_event(space)
    missing = EventPage.objects.order_by("-pk").values_list("pk", flat=True).first() + 1
    assert tasks.event_change_notify.call(missing, 1, "en") == 0
    assert tasks.event_change_notify.call(event.pk, event.sequence + 1, "en") == 0


# --- failures and the silence switch ----------------------------------------------------------


class RefusingMailServer(BaseEmailBackend):
    def send_messages(self, messages):
        raise SMTPException("451 try again later")


def test_a_mail_server_error_fails_the_task_and_keeps_the_registration(space, settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingMailServer"
    registration = services.registration_create(publish_event(space), user=UserFactory())
    result = tasks.registration_notify.enqueue("confirmed", registration.pk, "en")
    assert result.status == TaskResultStatus.FAILED
    assert result.errors[0].exception_class_path == "smtplib.SMTPException"
    registration.refresh_from_db()
    assert registration.state == RegistrationState.CONFIRMED


class UnavailableQueue(DummyBackend):
    def enqueue(self, task, args, kwargs):
        raise DatabaseError("the task table is locked")


def test_a_queue_failure_after_the_commit_never_undoes_or_breaks_the_registration(
        space, settings, commit, caplog):
    event, user = publish_event(space), UserFactory()
    settings.TASKS = {"default": {"BACKEND": f"{__name__}.UnavailableQueue"}}
    with commit():
        registration = services.registration_create(event, user=user)
    assert Registration.objects.get(pk=registration.pk).state == RegistrationState.CONFIRMED
    assert "the task table is locked" in caplog.text


def test_nothing_is_enqueued_inside_the_silenced_block_and_again_after_it(space, queue, commit):
    event = publish_event(space, capacity=1)
    with commit(), tasks.notifications_silenced():
        services.registration_create(event, user=UserFactory())
        services.registration_create(event, user=UserFactory())  # waitlisted
        republish(event, room="Sala Grande")
    assert queued(queue) == []
    with commit():
        republish(event, room="Terrazza")
    assert [name for name, _args in queued(queue)] == ["event_change_notify"]


def test_the_silence_switch_belongs_to_its_own_thread():
    seen = []
    with tasks.notifications_silenced():
        thread = threading.Thread(target=lambda: seen.append(tasks.notifications_are_silenced()))
        thread.start()
        thread.join()
        assert tasks.notifications_are_silenced() is True
    assert seen == [False]
    assert tasks.notifications_are_silenced() is False
