"""A message an organiser wrote to the participants of an event, and one delivery row per
recipient (written by `events.messaging.services`, sent by `events.messaging.tasks`)."""

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import EventPage, Registration, RegistrationRole

SUBJECT_MAX_LENGTH = 150
BODY_MAX_LENGTH = 20_000


class Audience(models.TextChoices):
    """Who a message goes to (see `selectors.message_recipients` for the exact states)."""

    ALL = "all", _("Everyone registered (confirmed, waiting list, checked in)")
    CONFIRMED = "confirmed", _("Everyone with a place (confirmed or checked in)")
    WAITLISTED = "waitlisted", _("The waiting list")
    ATTENDED = "attended", _("Everyone checked in")
    ROLE = "role", _("Everyone with one role")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Not sent (cancelled meanwhile)")
    FAILED = "failed", _("Failed")


class EventMessageQuerySet(models.QuerySet):
    def with_progress(self) -> "EventMessageQuerySet":
        """Annotate `sent_count`, `skipped_count`, `failed_count` and `recipient_count`
        from the delivery rows (one query for a whole history)."""
        return self.annotate(
            recipient_count=Count("deliveries"),
            sent_count=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.SENT)),
            skipped_count=Count("deliveries",
                                filter=Q(deliveries__status=DeliveryStatus.SKIPPED)),
            failed_count=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED)),
        )


class EventMessage(models.Model):
    """What was sent, by whom, to which audience, in which language. Kept as the event's
    history; it goes with the event when the event is deleted."""

    event = models.ForeignKey(EventPage, on_delete=models.CASCADE, related_name="messages",
                              editable=False)
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                               related_name="+", editable=False)
    # Stored as written: the history says who sent it even after the account is erased
    # (the erasure blanks these two fields, see events.messaging.privacy).
    sender_name = models.CharField(_("sender"), max_length=200, editable=False)
    reply_to = models.EmailField(_("reply to"), editable=False)
    audience = models.CharField(_("recipients"), max_length=12, choices=Audience.choices,
                                editable=False)
    role = models.CharField(_("role"), max_length=10, choices=RegistrationRole.choices,
                            blank=True, editable=False)
    language = models.CharField(_("language"), max_length=10, editable=False)
    subject = models.CharField(_("subject"), max_length=SUBJECT_MAX_LENGTH, editable=False)
    body = models.TextField(_("message"), max_length=BODY_MAX_LENGTH, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = EventMessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("message to participants")
        verbose_name_plural = _("messages to participants")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["event", "created_at"], name="message_event_time_idx"),
                   models.Index(fields=["sender", "created_at"],
                                name="message_sender_time_idx")]

    def __str__(self) -> str:
        return f"{self.subject} ({self.event_id})"


class EventMessageDelivery(models.Model):
    """One recipient of one message: the row that makes sending idempotent (a task claims a
    pending row before sending, so a second run, or a second worker, sends nothing twice).
    `claimed_at` and `attempts` let the periodic resume (`tasks`) tell a claim left by a
    dead worker from a live one, and a late worker's claim from the current one."""

    message = models.ForeignKey(EventMessage, on_delete=models.CASCADE,
                                related_name="deliveries")
    registration = models.ForeignKey(Registration, on_delete=models.CASCADE,
                                     related_name="message_deliveries")
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    sent_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("message delivery")
        verbose_name_plural = _("message deliveries")
        constraints = [models.UniqueConstraint(fields=["message", "registration"],
                                               name="message_delivery_once_per_person")]
        indexes = [models.Index(fields=["message", "status"], name="message_delivery_status"),
                   models.Index(fields=["status", "claimed_at"],
                                name="message_delivery_claims")]

    def __str__(self) -> str:
        return f"{self.message_id} → {self.registration_id} ({self.status})"
