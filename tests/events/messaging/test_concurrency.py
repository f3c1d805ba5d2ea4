"""The message rate limits under real concurrency (PostgreSQL row locks, real threads), and
two workers sending the same message at once."""

import datetime as dt

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from events import services as registration_services
from events.messaging import services
from events.messaging.exceptions import MessageRateLimited
from events.messaging.models import Audience, DeliveryStatus, EventMessage, EventMessageDelivery
from events.messaging.tasks import message_deliver, message_deliveries_resume
from events.tasks import notifications_silenced
from tests.events.registration_factories import make_organiser, publish_event, space_in
from tests.events.test_concurrency import run_together
from tests.network.factories import UserFactory

pytestmark = [pytest.mark.postgres,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def event_and_organisers(site_tree):
    space = space_in(site_tree)
    organisers = [make_organiser(space) for _ in range(4)]
    event = publish_event(space)
    with notifications_silenced():
        for _ in range(5):
            registration_services.registration_create(event, user=UserFactory())
    return event, organisers


@override_settings(EVENTS_MESSAGES_PER_EVENT_PER_DAY=3, EVENTS_MESSAGES_PER_SENDER_PER_DAY=100)
def test_eight_organisers_sending_at_once_never_pass_the_per_event_limit(event_and_organisers):
    event, organisers = event_and_organisers
    senders = organisers * 2

    def send(index: int):
        with notifications_silenced():
            return services.message_send(event, sender=senders[index], subject=f"#{index}",
                                         body="x", audience=Audience.ALL)

    _results, errors = run_together(8, send)
    assert EventMessage.objects.filter(event=event).count() == 3
    assert len(errors) == 5 and all(isinstance(e, MessageRateLimited) for e in errors)


@override_settings(EVENTS_MESSAGES_PER_EVENT_PER_DAY=100, EVENTS_MESSAGES_PER_SENDER_PER_DAY=2)
def test_one_organiser_on_several_events_at_once_never_passes_the_sender_limit(
        event_and_organisers, site_tree):
    event, organisers = event_and_organisers
    events = [event, *(publish_event(event.space) for _ in range(5))]
    with notifications_silenced():
        for other in events[1:]:
            registration_services.registration_create(other, user=UserFactory())

    def send(index: int):
        with notifications_silenced():
            return services.message_send(events[index], sender=organisers[0], subject="x",
                                         body="x", audience=Audience.ALL)

    _results, errors = run_together(6, send)
    assert EventMessage.objects.filter(sender=organisers[0]).count() == 2
    assert len(errors) == 4 and all(isinstance(e, MessageRateLimited) for e in errors)


def test_two_workers_sending_one_message_send_each_email_once(event_and_organisers):
    event, organisers = event_and_organisers
    with notifications_silenced():
        message = services.message_send(event, sender=organisers[0], subject="Hi", body="x",
                                        audience=Audience.ALL)
    results, errors = run_together(2, lambda _index: message_deliver.call(message.pk))
    assert errors == []
    assert sum(results) == 5
    assert sorted(email.to[0] for email in mail.outbox) == sorted(
        set(email.to[0] for email in mail.outbox))
    assert len(mail.outbox) == 5


def test_two_workers_resuming_dead_claims_at_once_send_each_person_once(event_and_organisers):
    """Two of the five deliveries were claimed 20 minutes ago by a worker that died, the
    other three never ran; two workers run the periodic resume at the same moment."""
    event, organisers = event_and_organisers
    with notifications_silenced():
        message = services.message_send(event, sender=organisers[0], subject="Hi", body="x",
                                        audience=Audience.ALL)
    long_ago = timezone.now() - dt.timedelta(minutes=20)
    EventMessage.objects.filter(pk=message.pk).update(created_at=long_ago)
    dead = list(message.deliveries.order_by("pk").values_list("pk", flat=True)[:2])
    EventMessageDelivery.objects.filter(pk__in=dead).update(
        status=DeliveryStatus.SENDING, claimed_at=long_ago, attempts=1)
    results, errors = run_together(2, lambda _index: message_deliveries_resume())
    assert errors == []
    assert sum(results) == 5
    assert sorted(email.to[0] for email in mail.outbox) == sorted(
        registration.email for registration in event.registrations.all())
    assert set(message.deliveries.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert sorted(message.deliveries.values_list("attempts", flat=True)) == [1, 1, 1, 2, 2]
