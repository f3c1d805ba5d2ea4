"""Sending an organiser's message: one task per message, one e-mail per delivery row.

Claims. A delivery is claimed by a conditional UPDATE (pending -> sending, `claimed_at` =
the claim's own timestamp, `attempts` + 1) before its e-mail is built, so running the task
twice, or two workers running it at once, never hands one delivery to two workers; only the
current claim (same `claimed_at`) may then mark the row sent, skipped or failed. A person
whose registration was cancelled after the message was written is skipped, not written to.
A mail-server error marks that one delivery failed and the task goes on with the next person.

Dead workers. `message_deliveries_resume` (the periodic task
`message_deliveries_resume_periodic`) takes back claims older than
`EVENTS_MESSAGES_CLAIM_TIMEOUT_SECONDS` (default 15 minutes, far above the mail server's
`EMAIL_TIMEOUT`): the worker that made them is taken to be dead. Those rows go back to
pending (after `MAX_ATTEMPTS` claims: failed), and every message with pending rows that is
older than the timeout (its task died, or never ran) is sent on. Running it twice, or in two
workers at once, sends nothing twice: the take-back is a conditional UPDATE too.

Exactly once, as far as SMTP allows. Every attempt of a delivery carries the same
Message-ID (`emails.message_delivery_id`). The one window in which a person can get the
message twice: the mail server accepted it (its final 250 reply to DATA) and the worker died
before its "sent" UPDATE committed, a few milliseconds per e-mail. SMTP gives the client no
way to ask afterwards whether the server kept it (RFC 1047), so such a delivery is sent
again: never retrying would instead lose the message for everyone whose worker died *before*
the server accepted it, the far likelier case. Mail providers and clients that drop
duplicates by Message-ID show the second copy as the same e-mail. The other way to a
duplicate is a worker that is not dead but stalled (frozen) for longer than the timeout
mid-send; its late "sent" is then refused and logged.
"""

import datetime as dt
import logging
import smtplib

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django_tasks import task

from events.models import ACTIVE_STATES
from events.tasks import notifications_are_silenced

from . import emails
from .models import DeliveryStatus, EventMessage, EventMessageDelivery

logger = logging.getLogger(__name__)

#: a delivery claimed this many times without being sent is given up (failed)
MAX_ATTEMPTS = 3


def claim_timeout() -> dt.timedelta:
    """How old a claim must be before `message_deliveries_resume` takes it back."""
    return dt.timedelta(seconds=int(getattr(settings, "EVENTS_MESSAGES_CLAIM_TIMEOUT_SECONDS",
                                            900)))


def message_deliver_on_commit(message: EventMessage) -> None:
    """When the current transaction commits, enqueue the sending of `message` (nothing
    inside `events.tasks.notifications_silenced()`, e.g. the demo)."""
    if notifications_are_silenced():
        return
    message_pk = message.pk

    def enqueue() -> None:
        message_deliver.enqueue(message_pk)

    transaction.on_commit(enqueue, robust=True)


def delivery_send(message: EventMessage, delivery_pk: int) -> str:
    """Claim and send one delivery; returns its new status ("" when it was not pending,
    e.g. another run had claimed it already)."""
    claim = timezone.now()
    claimed = EventMessageDelivery.objects.filter(
        pk=delivery_pk, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.SENDING, claimed_at=claim, attempts=F("attempts") + 1)
    if not claimed:
        return ""
    mine = EventMessageDelivery.objects.filter(pk=delivery_pk, status=DeliveryStatus.SENDING,
                                               claimed_at=claim)
    delivery = (EventMessageDelivery.objects.select_related("registration__user")
                .get(pk=delivery_pk))
    registration = delivery.registration
    registration.event = message.event
    if registration.state not in ACTIVE_STATES or not registration.email:
        mine.update(status=DeliveryStatus.SKIPPED)
        return DeliveryStatus.SKIPPED
    try:
        with translation.override(message.language):
            emails.message_email_build(
                message, registration,
                message_id=emails.message_delivery_id(message, delivery_pk)).send()
    except (smtplib.SMTPException, OSError):
        logger.exception("message %s: e-mail to registration %s failed", message.pk,
                         registration.pk)
        mine.update(status=DeliveryStatus.FAILED)
        return DeliveryStatus.FAILED
    if not mine.update(status=DeliveryStatus.SENT, sent_at=timezone.now()):
        logger.warning("message %s: delivery %s was sent after its claim had been taken back "
                       "(the worker stalled longer than the claim timeout)", message.pk,
                       delivery_pk)
    return DeliveryStatus.SENT


def message_deliver_now(message_pk: int) -> int:
    """Send every pending delivery of the message, in this process (see the module).
    Returns how many e-mails this run sent; 0 when the message is gone or nothing is
    pending."""
    message = (EventMessage.objects.select_related("event", "event__space")
               .filter(pk=message_pk).first())
    if message is None:
        return 0
    pending = list(message.deliveries.filter(status=DeliveryStatus.PENDING)
                   .order_by("pk").values_list("pk", flat=True))
    return sum(delivery_send(message, pk) == DeliveryStatus.SENT for pk in pending)


@task()
def message_deliver(message_pk: int) -> int:
    """The task enqueued when a message is written (`message_deliver_now`)."""
    return message_deliver_now(message_pk)


def message_deliveries_resume(now: dt.datetime | None = None) -> int:
    """Take back the claims of dead workers and send what is still pending (see the
    module): claims older than `claim_timeout()` go back to pending, or to failed after
    `MAX_ATTEMPTS`; then every message older than the timeout with pending deliveries is
    sent on. Idempotent. Returns how many e-mails left."""
    now = now or timezone.now()
    cutoff = now - claim_timeout()
    stale = EventMessageDelivery.objects.filter(status=DeliveryStatus.SENDING,
                                                claimed_at__lt=cutoff)
    given_up = stale.filter(attempts__gte=MAX_ATTEMPTS).update(status=DeliveryStatus.FAILED)
    taken_back = stale.filter(attempts__lt=MAX_ATTEMPTS).update(status=DeliveryStatus.PENDING)
    if given_up or taken_back:
        logger.warning("messages: %s stale deliveries taken back, %s given up", taken_back,
                       given_up)
    waiting = (EventMessage.objects.filter(created_at__lt=cutoff,
                                           deliveries__status=DeliveryStatus.PENDING)
               .order_by("pk").values_list("pk", flat=True).distinct())
    return sum(message_deliver_now(message_pk) for message_pk in list(waiting))


@task()
def message_deliveries_resume_periodic() -> int:
    """The periodic job (`manage.py enqueue_periodic_tasks`): `message_deliveries_resume`."""
    return message_deliveries_resume()
