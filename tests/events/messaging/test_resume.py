"""Deliveries claimed by a worker that died mid-send are taken back by the periodic resume
after the claim timeout and sent once, with the same Message-ID on every attempt; pending
deliveries of a message whose task never ran are sent on (issue 13)."""

import datetime as dt

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

from events import services as registration_services
from events.messaging import services
from events.messaging.emails import message_delivery_id
from events.messaging.models import Audience, DeliveryStatus, EventMessageDelivery
from events.messaging.tasks import (
    MAX_ATTEMPTS,
    delivery_send,
    message_deliver_now,
    message_deliveries_resume,
)
from events.tasks import notifications_silenced
from network.mail import mail_domain
from tests.events.registration_factories import make_organiser, publish_event, space_in
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db

TIMEOUT = dt.timedelta(seconds=900)  # the default EVENTS_MESSAGES_CLAIM_TIMEOUT_SECONDS


@pytest.fixture
def message(site_tree):
    """A message to three confirmed people, written 20 minutes ago; its task never ran."""
    space = space_in(site_tree)
    organiser = make_organiser(space)
    event = publish_event(space)
    with notifications_silenced():
        for _ in range(3):
            registration_services.registration_create(event, user=UserFactory())
    written = services.message_send(event, sender=organiser, subject="Room change",
                                    body="We moved to room B.", audience=Audience.ALL)
    type(written).objects.filter(pk=written.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=20))
    return written


def claim(delivery, minutes_ago: float, attempts: int = 1) -> None:
    """Leave `delivery` as a worker that died after claiming it would."""
    EventMessageDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING, attempts=attempts,
        claimed_at=timezone.now() - dt.timedelta(minutes=minutes_ago))


def statuses(message) -> list[str]:
    return list(message.deliveries.order_by("pk").values_list("status", flat=True))


def test_a_claim_older_than_the_timeout_is_sent_once_by_the_resume(message):
    first, *others = message.deliveries.order_by("pk")
    for delivery in others:
        EventMessageDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.SENT)
    claim(first, minutes_ago=16)
    assert message_deliveries_resume() == 1
    assert message_deliveries_resume() == 0  # a second run sends nothing
    (email,) = mail.outbox
    assert email.to == [first.registration.email]
    assert email.extra_headers["Message-ID"] == (
        f"<espresso.message.{message.pk}.{first.pk}@{mail_domain()}>")
    first.refresh_from_db()
    assert (first.status, first.attempts) == (DeliveryStatus.SENT, 2)


def test_a_fresh_claim_belongs_to_a_live_worker_and_is_left_alone(message):
    first = message.deliveries.order_by("pk").first()
    claim(first, minutes_ago=14)
    assert message_deliveries_resume() == 2  # the two pending ones only
    assert first.registration.email not in [email.to[0] for email in mail.outbox]
    assert statuses(message) == [DeliveryStatus.SENDING, DeliveryStatus.SENT,
                                 DeliveryStatus.SENT]


def test_a_message_whose_task_never_ran_is_sent_after_the_timeout(message):
    assert message_deliveries_resume() == 3
    assert statuses(message) == [DeliveryStatus.SENT] * 3
    assert message_deliveries_resume() == 0
    assert len(mail.outbox) == 3


def test_a_message_just_written_is_left_to_its_own_task(message):
    type(message).objects.filter(pk=message.pk).update(created_at=timezone.now())
    assert message_deliveries_resume() == 0
    assert mail.outbox == []


def test_every_attempt_carries_the_same_message_id(message):
    first = message.deliveries.order_by("pk").first()
    assert delivery_send(message, first.pk) == DeliveryStatus.SENT
    EventMessageDelivery.objects.filter(pk=first.pk).update(status=DeliveryStatus.PENDING)
    assert delivery_send(message, first.pk) == DeliveryStatus.SENT
    assert [email.extra_headers["Message-ID"] for email in mail.outbox] == [
        message_delivery_id(message, first.pk)] * 2


def test_a_delivery_claimed_too_often_is_given_up_not_sent(message):
    first = message.deliveries.order_by("pk").first()
    claim(first, minutes_ago=60, attempts=MAX_ATTEMPTS)
    message_deliveries_resume()
    first.refresh_from_db()
    assert first.status == DeliveryStatus.FAILED
    assert first.registration.email not in [email.to[0] for email in mail.outbox]


def test_a_person_cancelled_while_the_claim_was_dead_is_skipped(message):
    first = message.deliveries.order_by("pk").first()
    claim(first, minutes_ago=30)
    with notifications_silenced():
        registration_services.registration_cancel(first.registration)
    message_deliveries_resume()
    first.refresh_from_db()
    assert first.status == DeliveryStatus.SKIPPED
    assert len(mail.outbox) == 2


def test_a_stalled_worker_cannot_mark_sent_a_delivery_claimed_again(message, monkeypatch):
    """The worker froze after handing the e-mail over; meanwhile the resume took its claim
    back and another worker holds it: the late "sent" changes nothing."""
    first = message.deliveries.order_by("pk").first()
    original = EmailBackend.send_messages

    def frozen_then_sent(self, messages):
        claim(first, minutes_ago=0, attempts=2)  # what the other worker's claim looks like
        return original(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", frozen_then_sent)
    assert delivery_send(message, first.pk) == DeliveryStatus.SENT
    first.refresh_from_db()
    assert (first.status, first.attempts, first.sent_at) == (DeliveryStatus.SENDING, 2, None)


def test_the_task_itself_sends_the_pending_ones(message):
    assert message_deliver_now(message.pk) == 3
    assert message_deliver_now(message.pk) == 0
    assert len(mail.outbox) == 3
