"""E-mails to registered people: which ones leave, when, and what they carry."""

import pytest
from django.core import mail
from django.db import transaction

from events import services
from events.emails import registration_email_build
from events.models import EventStatus
from tests.events.registration_factories import publish_event, republish, space_in
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def space(site_tree):
    return space_in(site_tree)


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run on_commit callbacks (tests run inside a transaction that never commits)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def ics_of(message) -> bytes:
    (attachment,) = [a for a in message.attachments if a[0].endswith(".ics")]
    content = attachment[1]
    return content if isinstance(content, bytes) else content.encode()


def html_of(message) -> str:
    return next(body for body, mimetype in message.alternatives if mimetype == "text/html")


def test_confirmation_has_text_html_ics_and_the_secret_cancel_link(space, commit):
    event = publish_event(space, title="Caffè & codice")
    with commit():
        registration = services.registration_create(event, user=UserFactory())
    (message,) = mail.outbox
    assert message.to == [registration.user.email]
    assert message.subject == "You are registered: Caffè & codice"
    cancel_path = f"/registrations/{registration.secret}/cancel/"
    assert cancel_path in message.body
    assert cancel_path in html_of(message)
    assert b"BEGIN:VEVENT" in ics_of(message)
    assert event.ical_uid.encode() in ics_of(message)


def test_nothing_is_sent_when_the_transaction_rolls_back(space, commit):
    event = publish_event(space)
    with commit(), pytest.raises(RuntimeError), transaction.atomic():
        services.registration_create(event, user=UserFactory())
        raise RuntimeError("boom")
    assert mail.outbox == []


def test_waitlisted_people_get_a_waiting_list_notice_without_calendar(space, commit):
    event = publish_event(space, capacity=1)
    services.registration_create(event, user=UserFactory())
    mail.outbox.clear()
    with commit():
        services.registration_create(event, user=UserFactory())
    (message,) = mail.outbox
    assert message.subject.startswith("You are on the waiting list")
    assert message.attachments == []


def test_promotion_tells_the_promoted_person_and_the_canceller(space, commit):
    event = publish_event(space, capacity=1)
    seated = services.registration_create(event, user=UserFactory())
    waiting = services.registration_create(event, user=UserFactory())
    mail.outbox.clear()
    with commit():
        services.registration_cancel(seated, actor=seated.user)
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert set(by_recipient) == {seated.user.email, waiting.user.email}
    assert by_recipient[seated.user.email].subject.startswith("Registration cancelled")
    promoted = by_recipient[waiting.user.email]
    assert promoted.subject.startswith("A place is yours")
    assert b"BEGIN:VEVENT" in ics_of(promoted)


def test_changed_time_notifies_every_active_registrant(space, commit):
    event = publish_event(space, capacity=1)
    people = [services.registration_create(event, user=UserFactory()) for _ in range(2)]
    cancelled = services.registration_create(event, user=UserFactory())
    services.registration_cancel(cancelled)
    mail.outbox.clear()
    with commit():
        republish(event, room="Sala Grande")
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.user.email for p in people)
    assert all(m.subject.startswith("Event changed") for m in mail.outbox)
    assert all(b"SEQUENCE:1" in ics_of(m) for m in mail.outbox)


def test_cancelled_event_sends_event_cancelled_with_the_reason(space, commit):
    event = publish_event(space)
    registration = services.registration_create(event, user=UserFactory())
    mail.outbox.clear()
    with commit():
        republish(event, status=EventStatus.CANCELLED, status_reason="Il bar è chiuso")
    (message,) = mail.outbox
    assert message.to == [registration.user.email]
    assert message.subject.startswith("Event cancelled")
    assert "Il bar è chiuso" in message.body
    assert b"STATUS:CANCELLED" in ics_of(message)


def test_unrelated_edit_sends_nothing(space, commit):
    event = publish_event(space)
    services.registration_create(event, user=UserFactory())
    mail.outbox.clear()
    with commit():
        republish(event, summary="Now with biscotti")
    assert mail.outbox == []


@pytest.mark.parametrize("name", ["Zoë 🚀 Ünïcode", "שלום עליכם", "مرحبا بالعالم",
                                  "Jean-Luc O'Neil"])
def test_names_with_emoji_rtl_and_accents_come_out_right(space, commit, name):
    event = publish_event(space, guests_allowed=True)
    with commit():
        services.registration_create(event, guest_name=name, guest_email="guest@example.org")
    (message,) = mail.outbox
    assert f"Hello {name}," in message.body
    assert message.message().as_bytes()  # encodes without error
    assert "guest@example.org" in message.to


def test_html_in_a_guest_name_is_escaped_in_the_html_mail(space, commit):
    event = publish_event(space, guests_allowed=True)
    with commit():
        services.registration_create(event, guest_name="<script>alert(1)</script>Eve",
                                     guest_email="eve@example.org")
    (message,) = mail.outbox
    assert "<script>" not in html_of(message)
    assert "&lt;script&gt;" in html_of(message)


def test_a_title_with_a_line_break_never_breaks_the_subject_header(space):
    event = publish_event(space)
    registration = services.registration_create(event, user=UserFactory())
    event.title = "Line one\nBcc: evil@example.org"
    registration.event = event
    message = registration_email_build("confirmed", registration)
    assert "\n" not in message.subject
    assert "Bcc" not in message.message()["To"]
    assert message.message()["Bcc"] is None


def test_links_in_e_mails_use_the_configured_public_address(space, commit, settings):
    settings.SITE_URL = "https://espresso.example"
    event = publish_event(space, title="Linked", capacity=5)
    with commit():
        registration = services.registration_create(event, user=UserFactory())
    message = registration_email_build("confirmed", registration)
    assert f"https://espresso.example/registrations/{registration.secret}/cancel/" in \
        message.body
    assert f"https://espresso.example{event.url}" in message.body
    assert "localhost" not in message.body + html_of(message)
    assert b"URL:https://espresso.example/" in ics_of(message)
