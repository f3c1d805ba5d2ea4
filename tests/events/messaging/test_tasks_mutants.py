"""events.messaging.tasks exactly (issue 14, the mutation run): what one delivery's send
returns and writes for each outcome (sent, skipped, failed, not pending), what is logged,
the claim timeout's default, the resume's own moment and its take-back, and the enqueue on
commit that a broken queue cannot turn into a failed send."""

import datetime as dt
import logging
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

from events import services as registration_services
from events.messaging import services, tasks
from events.messaging.models import Audience, DeliveryStatus, EventMessage, EventMessageDelivery
from events.tasks import notifications_silenced
from tests.events.registration_factories import make_organiser, publish_event, space_in
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGGER = "events.messaging.tasks"


@pytest.fixture
def moment(monkeypatch):
    """The clock, stopped."""
    now = timezone.now().replace(microsecond=250_000)
    monkeypatch.setattr(timezone, "now", lambda: now)
    return now


@pytest.fixture
def message(site_tree, moment):
    """A message to a member and a guest, written at `moment`; its task has not run."""
    space = space_in(site_tree)
    organiser = make_organiser(space)
    event = publish_event(space, guests_allowed=True)
    with notifications_silenced():
        registration_services.registration_create(event, user=UserFactory())
        registration_services.registration_create(event, guest_name="Guest",
                                                  guest_email="guest@example.org")
    return services.message_send(event, sender=organiser, subject="Room change",
                                 body="Room B.", audience=Audience.ALL)


def deliveries(message) -> list[EventMessageDelivery]:
    return list(message.deliveries.order_by("pk").select_related("registration__user"))


def row(delivery) -> tuple:
    delivery.refresh_from_db()
    return delivery.status, delivery.attempts, delivery.claimed_at, delivery.sent_at


def fail_for(address: str, error: Exception, monkeypatch) -> None:
    original = EmailBackend.send_messages

    def send_messages(self, messages):
        if messages[0].to == [address]:
            raise error
        return original(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", send_messages)


# --- one delivery ---------------------------------------------------------------------------

def test_a_sent_delivery_records_its_claim_and_its_sending(message, moment):
    member, guest = deliveries(message)
    assert tasks.delivery_send(message, member.pk) == DeliveryStatus.SENT
    assert row(member) == (DeliveryStatus.SENT, 1, moment, moment)
    assert row(guest) == (DeliveryStatus.PENDING, 0, None, None)
    assert [email.to for email in mail.outbox] == [[member.registration.email]]


def test_a_delivery_no_longer_pending_is_not_sent_and_returns_nothing(message, moment):
    member, _guest = deliveries(message)
    tasks.delivery_send(message, member.pk)
    assert tasks.delivery_send(message, member.pk) == ""
    assert row(member) == (DeliveryStatus.SENT, 1, moment, moment)
    assert len(mail.outbox) == 1


def test_a_cancelled_person_is_skipped_with_the_claim_recorded(message, moment):
    member, _guest = deliveries(message)
    with notifications_silenced():
        registration_services.registration_cancel(member.registration,
                                                  actor=member.registration.user)
    assert tasks.delivery_send(message, member.pk) == DeliveryStatus.SKIPPED
    assert row(member) == (DeliveryStatus.SKIPPED, 1, moment, None)
    assert mail.outbox == []


def test_a_member_whose_address_was_removed_meanwhile_is_skipped(message, moment):
    member, _guest = deliveries(message)
    type(member.registration.user).objects.filter(pk=member.registration.user_id).update(
        email="")
    assert tasks.delivery_send(message, member.pk) == DeliveryStatus.SKIPPED
    assert row(member) == (DeliveryStatus.SKIPPED, 1, moment, None)
    assert mail.outbox == []


@pytest.mark.parametrize("error", [smtplib.SMTPRecipientsRefused({"x": (550, b"no")}),
                                   smtplib.SMTPServerDisconnected("gone"),
                                   ConnectionRefusedError("down")])
def test_a_mail_server_error_fails_that_delivery_and_is_logged(message, moment, monkeypatch,
                                                                caplog, error):
    member, guest = deliveries(message)
    fail_for("guest@example.org", error, monkeypatch)
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        assert tasks.delivery_send(message, guest.pk) == DeliveryStatus.FAILED
    assert row(guest) == (DeliveryStatus.FAILED, 1, moment, None)
    assert [(r.levelname, r.getMessage()) for r in caplog.records if r.name == LOGGER] == [
        ("ERROR", f"message {message.pk}: e-mail to registration {guest.registration_id} "
                  "failed")]
    assert tasks.delivery_send(message, member.pk) == DeliveryStatus.SENT


def test_a_late_sent_after_the_claim_was_taken_back_is_logged(message, moment, monkeypatch,
                                                              caplog):
    member, _guest = deliveries(message)
    original = EmailBackend.send_messages
    later = moment + dt.timedelta(minutes=20)

    def frozen_then_sent(self, messages):
        EventMessageDelivery.objects.filter(pk=member.pk).update(claimed_at=later, attempts=2)
        return original(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", frozen_then_sent)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        assert tasks.delivery_send(message, member.pk) == DeliveryStatus.SENT
    assert row(member) == (DeliveryStatus.SENDING, 2, later, None)
    assert [(r.levelname, r.getMessage()) for r in caplog.records if r.name == LOGGER] == [
        ("WARNING", f"message {message.pk}: delivery {member.pk} was sent after its claim "
                    "had been taken back (the worker stalled longer than the claim timeout)")]


# --- the whole message ----------------------------------------------------------------------

def test_the_task_counts_only_what_it_sent(message, monkeypatch):
    member, guest = deliveries(message)
    fail_for("guest@example.org", smtplib.SMTPServerDisconnected("gone"), monkeypatch)
    assert tasks.message_deliver_now(message.pk) == 1
    assert [row(member)[0], row(guest)[0]] == [DeliveryStatus.SENT, DeliveryStatus.FAILED]


def test_the_task_of_a_deleted_message_sends_nothing(message):
    pk = message.pk
    message.delete()
    assert tasks.message_deliver_now(pk) == 0
    assert mail.outbox == []


def test_the_emails_leave_in_the_order_of_the_deliveries(message):
    assert tasks.message_deliver_now(message.pk) == 2
    assert [email.to[0] for email in mail.outbox] == [
        delivery.registration.email for delivery in deliveries(message)]


class FakeTask:
    """Stands for the task `message_deliver` (a frozen dataclass: its `enqueue` cannot be
    patched in place)."""

    def __init__(self, enqueue):
        self.enqueue = enqueue


def test_the_send_is_enqueued_with_the_message_on_commit(message, monkeypatch,
                                                         django_capture_on_commit_callbacks):
    enqueued = []
    monkeypatch.setattr(tasks, "message_deliver", FakeTask(enqueued.append))
    with django_capture_on_commit_callbacks(execute=True):
        tasks.message_deliver_on_commit(message)
        assert enqueued == []
    assert enqueued == [message.pk]


def test_a_broken_queue_is_logged_and_does_not_undo_the_message(message, monkeypatch,
                                                                django_capture_on_commit_callbacks):
    def broken(_pk):
        raise ConnectionError("queue down")

    monkeypatch.setattr(tasks, "message_deliver", FakeTask(broken))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        tasks.message_deliver_on_commit(message)
    assert len(callbacks) == 1  # robust: the error is logged by Django, not raised
    assert EventMessage.objects.filter(pk=message.pk).exists()


def test_nothing_is_enqueued_while_notifications_are_silenced(
        message, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, notifications_silenced():
        tasks.message_deliver_on_commit(message)
    assert callbacks == []


# --- the resume -----------------------------------------------------------------------------

def test_the_claim_timeout_defaults_to_15_minutes_and_follows_the_setting(settings):
    del settings.EVENTS_MESSAGES_CLAIM_TIMEOUT_SECONDS
    assert tasks.claim_timeout() == dt.timedelta(seconds=900)
    settings.EVENTS_MESSAGES_CLAIM_TIMEOUT_SECONDS = "60"
    assert tasks.claim_timeout() == dt.timedelta(seconds=60)


def test_the_resume_works_from_the_moment_it_is_given(message, moment):
    assert tasks.message_deliveries_resume(now=moment + dt.timedelta(minutes=15)) == 0
    assert tasks.message_deliveries_resume(
        now=moment + dt.timedelta(minutes=15, microseconds=1)) == 2
    assert len(mail.outbox) == 2


def test_the_resume_without_a_moment_reads_the_clock(message, moment, monkeypatch):
    assert tasks.message_deliveries_resume() == 0
    later = moment + dt.timedelta(minutes=16)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert tasks.message_deliveries_resume() == 2


def claimed(delivery, at, attempts: int) -> None:
    EventMessageDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING, claimed_at=at, attempts=attempts)


def test_a_claim_exactly_at_the_timeout_is_still_live(message, moment):
    member, guest = deliveries(message)
    EventMessageDelivery.objects.filter(pk=guest.pk).update(status=DeliveryStatus.SENT)
    claimed(member, moment, 1)
    now = moment + dt.timedelta(minutes=15)
    assert tasks.message_deliveries_resume(now=now) == 0
    assert row(member) == (DeliveryStatus.SENDING, 1, moment, None)


def test_stale_claims_go_back_or_are_given_up_and_it_is_logged(message, moment, caplog):
    member, guest = deliveries(message)
    claimed(member, moment, tasks.MAX_ATTEMPTS - 1)
    claimed(guest, moment, tasks.MAX_ATTEMPTS)
    now = moment + dt.timedelta(minutes=16)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        assert tasks.message_deliveries_resume(now=now) == 1
    assert row(member) == (DeliveryStatus.SENT, tasks.MAX_ATTEMPTS, moment, moment)
    assert row(guest) == (DeliveryStatus.FAILED, tasks.MAX_ATTEMPTS, moment, None)
    assert [r.getMessage() for r in caplog.records if r.name == LOGGER] == [
        "messages: 1 stale deliveries taken back, 1 given up"]


@pytest.mark.parametrize("attempts", [1, tasks.MAX_ATTEMPTS])
def test_one_kind_of_stale_claim_alone_is_logged_too(message, moment, caplog, attempts):
    member, guest = deliveries(message)
    EventMessageDelivery.objects.filter(pk=guest.pk).update(status=DeliveryStatus.SENT)
    claimed(member, moment, attempts)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        tasks.message_deliveries_resume(now=moment + dt.timedelta(minutes=16))
    back, given_up = (1, 0) if attempts == 1 else (0, 1)
    assert [r.getMessage() for r in caplog.records if r.name == LOGGER] == [
        f"messages: {back} stale deliveries taken back, {given_up} given up"]


def test_a_resume_with_nothing_stale_logs_nothing(message, moment, caplog):
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        assert tasks.message_deliveries_resume(now=moment + dt.timedelta(minutes=16)) == 2
    assert [r for r in caplog.records if r.name == LOGGER] == []


def test_the_resume_sends_on_every_waiting_message_and_adds_up(message, moment):
    second = services.message_send(message.event, sender=message.sender, subject="Again",
                                   body="x", audience=Audience.ALL)
    assert tasks.message_deliveries_resume(now=moment + dt.timedelta(minutes=16)) == 4
    assert sorted(email.subject for email in mail.outbox) == [
        "Again", "Again", "Room change", "Room change"]
    assert set(second.deliveries.values_list("status", flat=True)) == {DeliveryStatus.SENT}
