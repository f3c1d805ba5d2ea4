"""events.reminders pinned exactly (issue 14, mutation testing): the window's both ends to the
microsecond, each reason a reminder is not sent, what the claim records, a mail-server error
for one person among several, and the opt-outs (idempotent, addresses in any case)."""

import datetime as dt
import logging

import pytest
from django.core import mail
from django.db import IntegrityError
from django.utils import timezone

from events import reminders, services
from events.models import (
    MAX_REMINDER_HOURS,
    GuestReminderOptOut,
    RegistrationReminder,
    ReminderOptOut,
)
from events.reminders import (
    REMINDERS_LIST,
    reminder_due_at,
    reminder_send,
    reminders_due,
    reminders_send_due,
)
from tests.events.registration_factories import publish_event, space_in
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db
US = dt.timedelta(microseconds=1)


@pytest.fixture
def space(site_tree):
    return space_in(site_tree, title="Cowo Racale", city="Racale")


@pytest.fixture
def event(space):
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=3)
    return publish_event(space, starts_at=start, reminder_hours_before=24, guests_allowed=True)


def test_the_reminder_is_due_its_hours_before_the_start_or_never(event):
    assert reminder_due_at(event) == event.starts_at - dt.timedelta(hours=24)
    event.reminder_hours_before = 0
    assert reminder_due_at(event) == event.starts_at
    event.reminder_hours_before = None
    assert reminder_due_at(event) is None


def test_the_window_opens_exactly_at_the_due_time_and_closes_at_the_start(event):
    registration = services.registration_create(event, user=UserFactory())
    due_at = event.starts_at - dt.timedelta(hours=24)
    assert reminders_due(due_at - US) == []
    assert reminders_due(due_at) == [registration.pk]
    assert reminders_due(event.starts_at - US) == [registration.pk]
    assert reminders_due(event.starts_at) == []
    assert reminder_send(registration.pk, due_at - US) is False
    assert reminder_send(registration.pk, event.starts_at) is False
    assert RegistrationReminder.objects.count() == 0


def test_the_longest_reminder_time_is_due_at_its_first_moment(space):
    start = timezone.now().replace(microsecond=0) + dt.timedelta(hours=MAX_REMINDER_HOURS + 5)
    event = publish_event(space, starts_at=start, reminder_hours_before=MAX_REMINDER_HOURS)
    registration = services.registration_create(event, user=UserFactory())
    due_at = start - dt.timedelta(hours=MAX_REMINDER_HOURS)
    assert reminders_due(due_at) == [registration.pk]
    assert reminders_due(due_at - US) == []
    assert reminder_send(registration.pk, due_at) is True


def test_the_claim_records_the_moment_given_and_sends_one_mail(event):
    registration = services.registration_create(event, user=UserFactory())
    mail.outbox.clear()
    now = event.starts_at - dt.timedelta(hours=3, microseconds=7)
    assert reminder_send(registration.pk, now) is True
    claim = RegistrationReminder.objects.get()
    assert (claim.registration_id, claim.sent_at) == (registration.pk, now)
    assert [m.to for m in mail.outbox] == [[registration.email]]


def test_a_second_send_finds_the_claim_without_a_race(event, caplog):
    registration = services.registration_create(event, user=UserFactory())
    now = event.starts_at - dt.timedelta(hours=1)
    assert reminder_send(registration.pk, now) is True
    mail.outbox.clear()
    with caplog.at_level(logging.INFO, logger="events.reminders"):
        assert reminder_send(registration.pk, now) is False
    assert mail.outbox == [] and caplog.records == []


def test_a_lost_race_for_the_claim_is_logged_and_sends_nothing(event, caplog, monkeypatch):
    registration = services.registration_create(event, user=UserFactory())
    mail.outbox.clear()

    def taken(**kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(RegistrationReminder.objects, "create", taken)
    with caplog.at_level(logging.INFO, logger="events.reminders"):
        assert reminder_send(registration.pk, event.starts_at - dt.timedelta(hours=1)) is False
    assert [r.getMessage() for r in caplog.records] == [
        f"reminder for registration {registration.pk} already claimed"]
    assert mail.outbox == []


def test_no_reminder_for_an_unknown_registration_or_a_member_without_address(event):
    now = event.starts_at - dt.timedelta(hours=1)
    assert reminder_send(999_999_999, now) is False
    user = UserFactory()
    registration = services.registration_create(event, user=user)
    user.email = ""
    user.save(update_fields=["email"])
    assert reminders_due(now) == []
    assert reminder_send(registration.pk, now) is False
    assert RegistrationReminder.objects.count() == 0


def test_no_reminder_for_an_unpublished_event(event):
    registration = services.registration_create(event, user=UserFactory())
    now = event.starts_at - dt.timedelta(hours=1)
    event.unpublish()
    assert reminders_due(now) == []
    assert reminder_send(registration.pk, now) is False


def test_a_member_who_unsubscribed_is_left_out_of_the_list_and_of_the_send(event):
    stays, leaves = UserFactory(), UserFactory()
    kept = services.registration_create(event, user=stays)
    left = services.registration_create(event, user=leaves)
    REMINDERS_LIST.unsubscribe(leaves)
    REMINDERS_LIST.unsubscribe(leaves)  # a second click changes nothing
    assert ReminderOptOut.objects.filter(user=leaves).count() == 1
    assert (REMINDERS_LIST.is_subscribed(stays), REMINDERS_LIST.is_subscribed(leaves)) == (
        True, False)
    now = event.starts_at - dt.timedelta(hours=1)
    assert reminders_due(now) == [kept.pk]
    assert reminder_send(left.pk, now) is False
    assert reminder_send(kept.pk, now) is True


def test_a_guest_address_unsubscribes_in_any_case_and_with_spaces(event):
    guest = services.registration_create(event, guest_name="Ospite",
                                         guest_email="ospite@example.org")
    other = services.registration_create(event, guest_name="Altra",
                                         guest_email="altra@example.org")
    REMINDERS_LIST.unsubscribe_address("  Ospite@Example.ORG ")
    REMINDERS_LIST.unsubscribe_address("ospite@example.org")
    assert list(GuestReminderOptOut.objects.values_list("email", flat=True)) == [
        "ospite@example.org"]
    assert REMINDERS_LIST.address_subscribed(" OSPITE@example.org") is False
    assert REMINDERS_LIST.address_subscribed("altra@example.org") is True
    now = event.starts_at - dt.timedelta(hours=1)
    assert reminders_due(now) == [other.pk]
    assert reminder_send(guest.pk, now) is False
    assert reminder_send(other.pk, now) is True


def test_a_lost_unsubscribe_race_leaves_the_callers_transaction_usable(monkeypatch):
    """The other click's row is there when ours is inserted: a real duplicate key inside the
    caller's transaction, which must stay usable (the insert is in its own savepoint)."""
    user = UserFactory()
    ReminderOptOut.objects.create(user=user)
    GuestReminderOptOut.objects.create(email="ospite@example.org")

    def raced(model):
        return lambda **kwargs: (model.objects.create(**kwargs), True)

    monkeypatch.setattr(ReminderOptOut.objects, "get_or_create", raced(ReminderOptOut))
    monkeypatch.setattr(GuestReminderOptOut.objects, "get_or_create",
                        raced(GuestReminderOptOut))
    REMINDERS_LIST.unsubscribe(user)
    assert ReminderOptOut.objects.filter(user=user).count() == 1
    REMINDERS_LIST.unsubscribe_address("ospite@example.org")
    assert GuestReminderOptOut.objects.count() == 1


def test_one_mail_server_error_does_not_stop_the_others(event, caplog, monkeypatch):
    first, second, third = (services.registration_create(event, user=UserFactory())
                            for _ in range(3))
    mail.outbox.clear()
    build = reminders.reminder_build

    def flaky(registration):
        message = build(registration)
        if registration.pk == second.pk:
            def refuse(*args, **kwargs):
                raise ConnectionRefusedError("smtp down")
            message.send = refuse
        return message

    monkeypatch.setattr(reminders, "reminder_build", flaky)
    now = event.starts_at - dt.timedelta(hours=1)
    with caplog.at_level(logging.ERROR, logger="events.reminders"):
        assert reminders_send_due(now) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([first.email, third.email])
    assert set(RegistrationReminder.objects.values_list("registration_id", flat=True)) == {
        first.pk, third.pk}
    assert [r.getMessage() for r in caplog.records] == [
        f"reminder for registration {second.pk} failed; retried at the next run"]
    # the next run tries the one that failed, and only it
    monkeypatch.setattr(reminders, "reminder_build", build)
    mail.outbox.clear()
    assert reminders_due(now) == [second.pk]
    assert reminders_send_due(now) == 1
    assert [m.to for m in mail.outbox] == [[second.email]]


def test_the_list_of_due_reminders_is_in_id_order_across_events(space, event):
    other = publish_event(space, starts_at=event.starts_at + dt.timedelta(hours=2),
                          reminder_hours_before=30)
    ids = [services.registration_create(e, user=UserFactory()).pk
           for e in (other, event, other, event)]
    assert reminders_due(event.starts_at - dt.timedelta(hours=1)) == sorted(ids)


def test_a_registration_of_an_event_not_yet_due_is_not_listed(space, event):
    later = publish_event(space, starts_at=event.starts_at + dt.timedelta(days=2),
                          reminder_hours_before=24)
    services.registration_create(later, user=UserFactory())
    due = services.registration_create(event, user=UserFactory())
    assert reminders_due(event.starts_at - dt.timedelta(hours=1)) == [due.pk]


def test_the_list_and_a_send_take_a_fixed_number_of_queries(
        space, event, django_assert_num_queries, django_assert_max_num_queries):
    events = [event] + [publish_event(space, starts_at=event.starts_at + dt.timedelta(hours=h),
                                      reminder_hours_before=30) for h in (1, 2)]
    for each in events:
        services.registration_create(each, user=UserFactory())
    now = event.starts_at - dt.timedelta(minutes=30)
    with django_assert_num_queries(2):  # the events in the window, their registrations
        due = reminders_due(now)
    assert len(due) == 3
    mail.outbox.clear()
    # the savepoint, the row lock with its event and member, the claim check, the opt-out
    # check, the claim, what the e-mail reads (the profile, the site, two pages, the topics,
    # the programme: 6) and the release
    with django_assert_max_num_queries(12):
        assert reminder_send(due[0], now) is True
