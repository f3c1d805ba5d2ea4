"""Sending an organiser's message: one task per message, one e-mail per delivery row.

A delivery is claimed by a conditional UPDATE (pending -> sending) before its e-mail is
built, so running the task twice, or two workers running it at once, sends each e-mail at
most once. A person whose registration was cancelled after the message was written is
skipped, not written to. A mail-server error marks that one delivery failed and the task
goes on with the next person. A worker killed between claim and send leaves the row
"sending": that person may miss the message, but never gets it twice.
"""

import logging
import smtplib

from django.db import transaction
from django.utils import timezone, translation
from django_tasks import task

from events.models import ACTIVE_STATES
from events.tasks import notifications_are_silenced

from . import emails
from .models import DeliveryStatus, EventMessage, EventMessageDelivery

logger = logging.getLogger(__name__)


def message_deliver_on_commit(message: EventMessage) -> None:
    """When the current transaction commits, enqueue the sending of `message` (nothing
    inside `events.tasks.notifications_silenced()`, e.g. the demo)."""
    if notifications_are_silenced():
        return
    message_pk = message.pk

    def enqueue() -> None:
        message_deliver.enqueue(message_pk)

    transaction.on_commit(enqueue, robust=True)


def _set_status(delivery_pk: int, status: str, **fields) -> None:
    EventMessageDelivery.objects.filter(pk=delivery_pk).update(status=status, **fields)


def delivery_send(message: EventMessage, delivery_pk: int) -> str:
    """Claim and send one delivery; returns its new status ("" when another run had
    claimed it already)."""
    claimed = EventMessageDelivery.objects.filter(
        pk=delivery_pk, status=DeliveryStatus.PENDING).update(status=DeliveryStatus.SENDING)
    if not claimed:
        return ""
    delivery = (EventMessageDelivery.objects.select_related("registration__user")
                .get(pk=delivery_pk))
    registration = delivery.registration
    registration.event = message.event
    if registration.state not in ACTIVE_STATES or not registration.email:
        _set_status(delivery_pk, DeliveryStatus.SKIPPED)
        return DeliveryStatus.SKIPPED
    try:
        with translation.override(message.language):
            emails.message_email_build(message, registration).send()
    except (smtplib.SMTPException, OSError):
        logger.exception("message %s: e-mail to registration %s failed", message.pk,
                         registration.pk)
        _set_status(delivery_pk, DeliveryStatus.FAILED)
        return DeliveryStatus.FAILED
    _set_status(delivery_pk, DeliveryStatus.SENT, sent_at=timezone.now())
    return DeliveryStatus.SENT


@task()
def message_deliver(message_pk: int) -> int:
    """Send every pending delivery of the message (see the module). Returns how many
    e-mails this run sent; 0 when the message is gone or everything was sent already."""
    message = (EventMessage.objects.select_related("event", "event__space")
               .filter(pk=message_pk).first())
    if message is None:
        return 0
    pending = list(message.deliveries.filter(status=DeliveryStatus.PENDING)
                   .order_by("pk").values_list("pk", flat=True))
    return sum(delivery_send(message, pk) == DeliveryStatus.SENT for pk in pending)
