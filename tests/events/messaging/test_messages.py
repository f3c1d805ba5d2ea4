"""Organisers' messages to participants: who gets them, limits, idempotent sending, and
nasty text (issue 13)."""

import pytest
from django.core import mail
from django.test import override_settings

from events import services as registration_services
from events.messaging import services
from events.messaging.exceptions import (
    MessageInvalid,
    MessageNoRecipients,
    MessageNotAllowed,
    MessageRateLimited,
)
from events.messaging.models import Audience, DeliveryStatus, EventMessage, EventMessageDelivery
from events.messaging.selectors import message_recipients
from events.messaging.tasks import message_deliver
from events.models import RegistrationRole
from events.tasks import notifications_silenced
from tests.events.registration_factories import make_organiser, publish_event, space_in
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def space(site_tree):
    return space_in(site_tree)


@pytest.fixture
def organiser(space):
    return make_organiser(space, email="host@cowo.example", first_name="Ada",
                          last_name="Host")


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def people(space, organiser):
    """One event, capacity 3: two confirmed attendees (one checked in), a confirmed guest
    speaker... see the names below; everyone made without e-mails."""
    event = publish_event(space, capacity=3, guests_allowed=True, language="it")
    with notifications_silenced():
        checked_in = registration_services.registration_create(event, user=UserFactory())
        confirmed = registration_services.registration_create(event, user=UserFactory())
        speaker = registration_services.registration_create(
            event, guest_name="Guest Speaker", guest_email="speaker@example.org",
            role=RegistrationRole.SPEAKER, actor=organiser)
        waiting = registration_services.registration_create(event, user=UserFactory())
        cancelled_waiting = registration_services.registration_create(event, user=UserFactory())
        registration_services.registration_cancel(cancelled_waiting, actor=organiser)
        registration_services.registration_mark_attended(checked_in, actor=organiser)
    return {"event": event, "checked_in": checked_in, "confirmed": confirmed,
            "speaker": speaker, "waiting": waiting, "cancelled": cancelled_waiting}


def pks(registrations) -> set[int]:
    return {registration.pk for registration in registrations}


@pytest.mark.parametrize(("audience", "role", "expected"), [
    (Audience.ALL, "", {"checked_in", "confirmed", "speaker", "waiting"}),
    (Audience.CONFIRMED, "", {"checked_in", "confirmed", "speaker"}),
    (Audience.WAITLISTED, "", {"waiting"}),
    (Audience.ATTENDED, "", {"checked_in"}),
    (Audience.ROLE, RegistrationRole.SPEAKER, {"speaker"}),
    (Audience.ROLE, RegistrationRole.ATTENDEE, {"checked_in", "confirmed", "waiting"}),
])
def test_recipients_per_audience_are_exact(people, audience, role, expected):
    got = message_recipients(people["event"], audience, role)
    assert pks(got) == {people[name].pk for name in expected}


def test_a_cancelled_registration_is_never_a_recipient(people):
    for audience in (Audience.ALL, Audience.WAITLISTED, Audience.CONFIRMED):
        assert people["cancelled"].pk not in pks(message_recipients(people["event"], audience))


def test_sending_writes_one_email_per_person_with_reply_to_and_only_their_address(
        people, organiser, commit):
    with commit():
        message = services.message_send(people["event"], sender=organiser,
                                        subject="Aula cambiata", body="Ci vediamo in aula 2.",
                                        audience=Audience.ALL)
    assert sorted(email.to[0] for email in mail.outbox) == sorted(
        people[name].email for name in ("checked_in", "confirmed", "speaker", "waiting"))
    for email in mail.outbox:
        assert len(email.to) == 1 and email.cc == [] and email.bcc == []
        assert email.reply_to == ["host@cowo.example"]
        assert email.subject == "Aula cambiata"
        assert "Ci vediamo in aula 2." in email.body
        # The event's language (Italian) around the organiser's text.
        assert "Ada Host, organizzatrice o organizzatore di questo evento, scrive:" in email.body
        assert email.message()["Message-ID"] and email.message()["Date"]
    assert set(message.deliveries.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    stored = EventMessage.objects.with_progress().get(pk=message.pk)
    assert (stored.recipient_count, stored.sent_count, stored.skipped_count) == (4, 4, 0)
    assert (stored.sender_id, stored.sender_name, stored.language) == (organiser.pk, "Ada Host",
                                                                       "it")


def test_running_the_task_twice_sends_nothing_twice(people, organiser, commit):
    with commit():
        message = services.message_send(people["event"], sender=organiser, subject="Hi",
                                        body="Bring a laptop.", audience=Audience.CONFIRMED)
    assert len(mail.outbox) == 3
    assert message_deliver.call(message.pk) == 0
    assert message_deliver.call(message.pk) == 0
    assert len(mail.outbox) == 3


def test_a_delivery_claimed_by_another_run_is_not_sent_again(people, organiser):
    message = services.message_send(people["event"], sender=organiser, subject="Hi",
                                    body="Text", audience=Audience.WAITLISTED)
    (delivery,) = message.deliveries.all()
    EventMessageDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.SENDING)
    assert message_deliver.call(message.pk) == 0
    assert mail.outbox == []


def test_someone_who_cancels_before_the_task_runs_is_skipped(people, organiser):
    message = services.message_send(people["event"], sender=organiser, subject="Hi",
                                    body="Text", audience=Audience.ALL)  # not committed: no send
    with notifications_silenced():
        registration_services.registration_cancel(people["waiting"], actor=organiser)
    assert message_deliver.call(message.pk) == 3
    assert people["waiting"].email not in [email.to[0] for email in mail.outbox]
    assert message.deliveries.get(registration=people["waiting"]).status == DeliveryStatus.SKIPPED


def test_a_mail_server_error_fails_one_delivery_and_the_rest_leave(people, organiser,
                                                                    monkeypatch):
    message = services.message_send(people["event"], sender=organiser, subject="Hi",
                                    body="Text", audience=Audience.CONFIRMED)
    from django.core.mail.backends.locmem import EmailBackend

    original = EmailBackend.send_messages

    def send_messages(self, messages):
        if messages[0].to == [people["speaker"].email]:
            raise ConnectionRefusedError("mail server down")
        return original(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", send_messages)
    assert message_deliver.call(message.pk) == 2
    assert message.deliveries.get(registration=people["speaker"]).status == DeliveryStatus.FAILED
    assert len(mail.outbox) == 2


def test_nothing_is_enqueued_when_notifications_are_silenced(people, organiser, commit):
    with commit(), notifications_silenced():
        services.message_send(people["event"], sender=organiser, subject="Hi", body="Text",
                              audience=Audience.ALL)
    assert mail.outbox == []


def test_an_organiser_of_another_space_cannot_write(people, site_tree):
    other = make_organiser(space_in(site_tree, title="Elsewhere"))
    with pytest.raises(MessageNotAllowed):
        services.message_send(people["event"], sender=other, subject="Hi", body="Text",
                              audience=Audience.ALL)
    with pytest.raises(MessageNotAllowed):
        services.message_send(people["event"], sender=people["confirmed"].user, subject="Hi",
                              body="Text", audience=Audience.ALL)
    assert EventMessage.objects.count() == 0


def test_an_audience_nobody_matches_is_refused(people, organiser):
    with pytest.raises(MessageNoRecipients):
        services.message_send(people["event"], sender=organiser, subject="Hi", body="Text",
                              audience=Audience.ROLE, role=RegistrationRole.HOST)
    assert EventMessage.objects.count() == 0


@override_settings(EVENTS_MESSAGES_PER_EVENT_PER_DAY=2, EVENTS_MESSAGES_PER_SENDER_PER_DAY=100)
def test_the_per_event_limit_holds_for_every_organiser(people, organiser, space):
    second = make_organiser(space)
    services.message_send(people["event"], sender=organiser, subject="1", body="x",
                          audience=Audience.ALL)
    services.message_send(people["event"], sender=second, subject="2", body="x",
                          audience=Audience.ALL)
    with pytest.raises(MessageRateLimited):
        services.message_send(people["event"], sender=second, subject="3", body="x",
                              audience=Audience.ALL)
    assert EventMessage.objects.count() == 2
    assert EventMessageDelivery.objects.count() == 8


@override_settings(EVENTS_MESSAGES_PER_EVENT_PER_DAY=100, EVENTS_MESSAGES_PER_SENDER_PER_DAY=2)
def test_the_per_sender_limit_holds_across_events(people, organiser, space):
    events = [people["event"], publish_event(space), publish_event(space)]
    with notifications_silenced():
        for event in events[1:]:
            registration_services.registration_create(event, user=UserFactory())
    services.message_send(events[0], sender=organiser, subject="1", body="x",
                          audience=Audience.ALL)
    services.message_send(events[1], sender=organiser, subject="2", body="x",
                          audience=Audience.ALL)
    with pytest.raises(MessageRateLimited):
        services.message_send(events[2], sender=organiser, subject="3", body="x",
                              audience=Audience.ALL)
    assert not EventMessage.objects.filter(event=events[2]).exists()


@override_settings(EVENTS_MESSAGES_PER_EVENT_PER_DAY=1)
def test_the_limit_is_a_rolling_24_hours(people, organiser):
    import datetime as dt

    first = services.message_send(people["event"], sender=organiser, subject="1", body="x",
                                  audience=Audience.ALL)
    EventMessage.objects.filter(pk=first.pk).update(
        created_at=first.created_at - dt.timedelta(hours=24, seconds=1))
    services.message_send(people["event"], sender=organiser, subject="2", body="x",
                          audience=Audience.ALL)
    assert EventMessage.objects.count() == 2


@pytest.mark.parametrize("subject", ["Room\nchange", "Room\r\nBcc: victim@example.org",
                                     "Line\u2028separator", "Next\x85line", "Tab\there", "",
                                     "   ", "x" * 151])
def test_a_bad_subject_is_refused_and_nothing_is_saved(people, organiser, subject):
    with pytest.raises(MessageInvalid):
        services.message_send(people["event"], sender=organiser, subject=subject,
                              body="Text", audience=Audience.ALL)
    assert EventMessage.objects.count() == 0


@pytest.mark.parametrize("body", ["", " \n\n ", "x" * 20_001, "bell\x07", "nul\x00"])
def test_a_bad_body_is_refused_and_nothing_is_saved(people, organiser, body):
    with pytest.raises(MessageInvalid):
        services.message_send(people["event"], sender=organiser, subject="Hi", body=body,
                              audience=Audience.ALL)
    assert EventMessage.objects.count() == 0


def test_a_role_audience_needs_a_known_role(people, organiser):
    with pytest.raises(MessageInvalid):
        services.message_send(people["event"], sender=organiser, subject="Hi", body="x",
                              audience=Audience.ROLE, role="boss")
    with pytest.raises(MessageInvalid):
        services.message_send(people["event"], sender=organiser, subject="Hi", body="x",
                              audience="everyone-in-the-network")


def test_html_rtl_emoji_and_newlines_come_out_as_written(people, organiser, commit):
    body = ("<script>alert(1)</script> <b>bold</b>\n"
            "שלום עולם — مرحبا ☕🎉\n\nSecond paragraph & more")
    with commit():
        services.message_send(people["event"], sender=organiser,
                              subject="Caffè ☕ <b>oggi</b> שלום", body=body,
                              audience=Audience.WAITLISTED)
    (email,) = mail.outbox
    html = next(content for content, mimetype in email.alternatives if mimetype == "text/html")
    assert email.subject == "Caffè ☕ <b>oggi</b> שלום"
    assert "<script>" not in html and "<b>bold" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &lt;b&gt;bold&lt;/b&gt;<br>" in html
    assert "שלום עולם — مرحبا ☕🎉</p>" in html
    assert "Second paragraph &amp; more" in html
    assert body in email.body  # the text part carries the text unchanged
    assert "\n" not in email.message()["Subject"].replace("\n ", "")


def test_a_huge_body_at_the_limit_is_sent_whole(people, organiser, commit):
    body = ("Lorem ipsum dolor sit amet. " * 800)[:20_000]
    with commit():
        services.message_send(people["event"], sender=organiser, subject="Long",
                              body=body, audience=Audience.WAITLISTED)
    (email,) = mail.outbox
    assert body.strip() in email.body
