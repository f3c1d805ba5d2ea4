"""Reminders under two workers at once (PostgreSQL, real threads): one reminder per person,
and a cancellation racing the reminder never gets one after it committed."""

import datetime as dt
import threading

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from events import reminders, services
from events.models import RegistrationReminder, RegistrationState
from events.reminders import reminder_send, reminders_send_due
from tests.events.registration_factories import publish_event, space_in
from tests.network.factories import UserFactory

pytestmark = [pytest.mark.postgres,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def run_together(count: int, work) -> tuple[list, list]:
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list = []

    def worker(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as exc:  # collected and asserted on by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


@pytest.fixture
def event(site_tree):
    space = space_in(site_tree, title="Cowo Racale")
    start = timezone.now().replace(microsecond=0) + dt.timedelta(hours=20)
    return publish_event(space, starts_at=start)


def test_two_workers_send_each_person_one_reminder(event):
    registrations = [services.registration_create(event, user=UserFactory())
                     for _ in range(15)]
    mail.outbox.clear()

    results, errors = run_together(2, lambda i: reminders_send_due())

    assert errors == []
    assert sum(results) == 15
    assert sorted(m.to[0] for m in mail.outbox) == sorted(r.email for r in registrations)
    assert RegistrationReminder.objects.count() == 15


def test_eight_workers_racing_for_one_registration_send_one_reminder(event):
    registration = services.registration_create(event, user=UserFactory())
    mail.outbox.clear()

    results, errors = run_together(8, lambda i: reminder_send(registration.pk))

    assert errors == []
    assert sorted(results) == [False] * 7 + [True]
    assert len(mail.outbox) == 1


def test_a_cancellation_racing_the_reminder_is_never_followed_by_one(event):
    for _round in range(6):
        user = UserFactory()
        registration = services.registration_create(event, user=user)
        mail.outbox.clear()

        def work(index: int, registration=registration, user=user):
            if index == 0:
                return services.registration_cancel(registration, actor=user).state
            return reminder_send(registration.pk)

        results, errors = run_together(2, work)
        assert errors == []
        assert results[0] == RegistrationState.CANCELLED
        reminded = RegistrationReminder.objects.filter(registration=registration).exists()
        sent_to = [m.to for m in mail.outbox if m.subject.startswith("Reminder")]
        # Either the reminder went out before the cancellation took the row, or not at all.
        assert (results[1] is True) == reminded == (sent_to == [[user.email]])


def test_a_cancellation_cannot_commit_between_the_reminders_checks_and_its_e_mail(
        event, monkeypatch):
    """The reminder pauses after its checks; the cancellation is started then. Under the
    registration's row lock it can only commit after the reminder: never a reminder sent
    to someone whose cancellation had already gone through."""
    user = UserFactory()
    registration = services.registration_create(event, user=user)
    mail.outbox.clear()
    checked, cancelled = threading.Event(), threading.Event()
    cancelled_before_the_send: list[bool] = []
    wanted = reminders._reminders_wanted

    def wanted_then_pause(row):
        answer = wanted(row)
        checked.set()
        cancelled.wait(timeout=2)  # without the lock the cancellation commits meanwhile
        cancelled_before_the_send.append(cancelled.is_set())
        return answer

    monkeypatch.setattr(reminders, "_reminders_wanted", wanted_then_pause)

    def work(index: int):
        if index == 1:
            return reminder_send(registration.pk)
        assert checked.wait(timeout=10)
        state = services.registration_cancel(registration, actor=user).state
        cancelled.set()
        return state

    results, errors = run_together(2, work)
    assert errors == []
    assert results == [RegistrationState.CANCELLED, True]
    assert cancelled_before_the_send == [False]
    assert [m.to for m in mail.outbox if m.subject.startswith("Reminder")] == [[user.email]]
