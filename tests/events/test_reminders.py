"""Reminders the day before: who gets one, when, what it carries, and only once."""

import datetime as dt

import pytest
from django.core import mail, signing
from django.utils import timezone, translation

from events import services
from events.models import EventStatus, Registration, RegistrationReminder, RegistrationState
from events.reminders import reminder_send, reminders_due, reminders_send_due
from network.services import profile_ensure
from network.unsubscribe import unsubscribe_url
from tests.events.registration_factories import publish_event, republish, space_in
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def space(site_tree):
    return space_in(site_tree, title="Cowo Racale", city="Racale", address="Via Roma 1")


def tomorrow(space, **fields):
    """An event starting in 20 hours (inside the default 24-hour reminder window)."""
    start = timezone.now().replace(microsecond=0) + dt.timedelta(hours=20)
    return publish_event(space, starts_at=start, **fields)


def test_a_confirmed_person_gets_one_reminder_with_ticket_place_map_and_ics(space):
    event = tomorrow(space, title="Stampa 3D", room="Sala Grande")
    registration = services.registration_create(event, user=UserFactory())
    mail.outbox.clear()

    assert reminders_send_due() == 1
    assert reminders_send_due() == 0
    assert reminder_send(registration.pk) is False

    (message,) = mail.outbox
    assert message.to == [registration.email]
    assert message.subject.startswith("Reminder: Stampa 3D, ")
    assert f"http://testserver/tickets/{registration.ticket_code}/" in message.body
    assert "Sala Grande, Cowo Racale, Via Roma 1, Racale" in message.body
    assert "https://www.openstreetmap.org/search?query=Via+Roma+1" in message.body
    assert sorted(name for name, _content, _type in message.attachments) == sorted([
        f"{event.slug}.ics", "ticket-qr.png"])
    assert RegistrationReminder.objects.get().registration == registration


def test_cancelled_and_waiting_people_get_no_reminder(space):
    event = tomorrow(space, capacity=1)
    confirmed = services.registration_create(event, user=UserFactory())
    waiting = services.registration_create(event, user=UserFactory())
    cancelled_user = UserFactory()
    cancelled = services.registration_create(event, user=cancelled_user)
    assert waiting.state == RegistrationState.WAITLISTED
    services.registration_cancel(cancelled, actor=cancelled_user)
    mail.outbox.clear()

    assert reminders_due() == [confirmed.pk]
    assert reminder_send(cancelled.pk) is False
    assert reminder_send(waiting.pk) is False
    assert reminders_send_due() == 1
    assert [m.to for m in mail.outbox] == [[confirmed.email]]


def test_a_person_who_cancels_after_the_list_was_read_is_not_reminded(space):
    event = tomorrow(space)
    user = UserFactory()
    registration = services.registration_create(event, user=user)
    due = reminders_due()
    services.registration_cancel(registration, actor=user)
    mail.outbox.clear()
    assert due == [registration.pk]
    assert reminder_send(registration.pk) is False
    assert mail.outbox == []
    assert RegistrationReminder.objects.count() == 0


def test_no_reminder_before_the_window_after_the_start_for_cancelled_events_or_when_off(space):
    early = publish_event(space, starts_in_days=3)
    off = tomorrow(space, reminder_hours_before=None)
    cancelled = tomorrow(space)
    for event in (early, off, cancelled):
        services.registration_create(event, user=UserFactory())
    republish(cancelled, status=EventStatus.CANCELLED, status_reason="Allagato")
    mail.outbox.clear()
    assert reminders_due() == []
    assert reminders_send_due() == 0
    # Once an event has started, its reminder is no longer due.
    assert reminders_due(early.starts_at + dt.timedelta(minutes=1)) == []
    assert reminders_send_due(early.starts_at) == 0
    assert mail.outbox == []


def test_the_reminder_time_is_set_per_event(space):
    event = publish_event(space, starts_in_days=3, reminder_hours_before=72)
    registration = services.registration_create(event, user=UserFactory())
    assert reminders_due() == [registration.pk]
    assert reminders_due(timezone.now() - dt.timedelta(hours=2)) == []


def test_guests_are_reminded_too(space):
    event = tomorrow(space, guests_allowed=True)
    guest = services.registration_create(event, guest_name="Ospite ☕",
                                         guest_email="ospite@example.org")
    mail.outbox.clear()
    assert reminders_send_due() == 1
    (message,) = mail.outbox
    assert message.to == ["ospite@example.org"]
    assert guest.ticket_code in message.body
    # A guest has no account: their one-click link names their address instead.
    assert message.extra_headers["List-Unsubscribe"].startswith(
        "<http://testserver/unsubscribe/reminders/")


def test_the_reminder_is_in_the_profile_language_else_the_events_for_old_registrations(
        space):
    event = tomorrow(space, language="it")
    member_en = UserFactory()
    profile_ensure(member_en, language="en")
    older = services.registration_create(event, user=UserFactory())
    with translation.override("it"):
        services.registration_create(event, user=member_en)
    # A registration from before the language was recorded falls back on the event's.
    Registration.objects.filter(pk=older.pk).update(language="")
    mail.outbox.clear()
    reminders_send_due()
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects[older.email].startswith("Promemoria: ")
    assert subjects[member_en.email].startswith("Reminder: ")


def test_one_click_unsubscribe_stops_reminders_without_logging_in(client, space, monkeypatch):
    # The token carries the second it was signed: the mail's and `link` must not straddle one.
    monkeypatch.setattr(signing.TimestampSigner, "timestamp",
                        lambda self: signing.b62_encode(1_800_000_000))
    user = UserFactory()
    first = tomorrow(space)
    services.registration_create(first, user=user)
    mail.outbox.clear()
    reminders_send_due()
    (message,) = mail.outbox
    link = unsubscribe_url(user, "reminders")
    assert message.extra_headers["List-Unsubscribe"] == f"<{link}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    response = client.post(link.removeprefix("http://testserver"),
                           {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200

    second = tomorrow(space)
    services.registration_create(second, user=user)
    mail.outbox.clear()
    assert reminders_due() == []
    assert reminders_send_due() == 0
    assert mail.outbox == []


def test_a_guest_who_registered_in_italian_gets_an_italian_reminder_for_an_english_event(space):
    event = tomorrow(space, language="en", guests_allowed=True)
    with translation.override("it"):
        guest = services.registration_create(event, guest_name="Ospite",
                                             guest_email="ospite@example.org")
    with translation.override("en"):
        member = services.registration_create(event, user=UserFactory())
    assert (guest.language, member.language) == ("it", "en")
    mail.outbox.clear()
    reminders_send_due()
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects["ospite@example.org"].startswith("Promemoria: ")
    assert subjects[member.email].startswith("Reminder: ")
