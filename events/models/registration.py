"""Registrations: a person's place at an event, its states and roles, and revoked tickets.

Every state change lives in `events.services`.
"""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from network.validators import validate_no_control_characters


class RegistrationState(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("Waiting list")
    # "registration": Italian agrees with "iscrizione" (Annullata), an event is "Annullato".
    CANCELLED = "cancelled", pgettext_lazy("registration", "Cancelled")
    ATTENDED = "attended", _("Attended")


class CancelReason(models.TextChoices):
    """Why a registration was cancelled (blank: before this was recorded, or not cancelled)."""

    PAYMENT_FAILED = "payment_failed", _("Not enough credits when a place freed up")
    PERSON = "person", _("Cancelled by the person")
    ORGANISER = "organiser", _("Cancelled by an organiser")


#: The states that hold a seat: counted against the event's capacity.
SEAT_STATES = [RegistrationState.CONFIRMED, RegistrationState.ATTENDED]
#: The states still in play (a seat or a place in the queue): one per person and event.
ACTIVE_STATES = [RegistrationState.CONFIRMED, RegistrationState.WAITLISTED,
                 RegistrationState.ATTENDED]


class RegistrationRole(models.TextChoices):
    ATTENDEE = "attendee", _("Attendee")
    SPEAKER = "speaker", _("Speaker")
    HOST = "host", _("Host")
    VOLUNTEER = "volunteer", _("Volunteer")



#: bytes of randomness in a ticket code (24 URL-safe characters, 144 bits)
TICKET_CODE_BYTES = 18
TICKET_CODE_MAX_LENGTH = 32


def ticket_code_new() -> str:
    """A fresh unguessable ticket code (never derived from the database id)."""
    return secrets.token_urlsafe(TICKET_CODE_BYTES)


class Registration(models.Model):
    """A person's place at an event: a member (user) or a guest (name + e-mail)."""

    # Never cascade: a registration may hold credits and hold a seat with people waiting.
    # An event leaves through `services.event_withdraw` (the admin's delete and unpublish
    # hooks), a member through the privacy erasure; anything else is refused.
    event = models.ForeignKey("events.EventPage", on_delete=models.PROTECT,
                              related_name="registrations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.PROTECT, related_name="registrations")
    guest_name = models.CharField(_("name"), max_length=120, blank=True,
                                  validators=[validate_no_control_characters])
    guest_email = models.EmailField(_("e-mail"), blank=True)
    role = models.CharField(_("role"), max_length=10, choices=RegistrationRole.choices,
                            default=RegistrationRole.ATTENDEE)
    state = models.CharField(_("state"), max_length=10, choices=RegistrationState.choices)
    # FIFO order of the waiting list: a monotonically increasing number per event.
    waitlist_position = models.PositiveIntegerField(null=True, blank=True, editable=False)
    secret = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("cancel reason"), max_length=20, blank=True, default="",
                                     choices=CancelReason.choices, editable=False)
    attended_at = models.DateTimeField(null=True, blank=True)
    # Who checked the person in (the door's "already checked in at 10:02 by X").
    attended_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    editable=False, on_delete=models.SET_NULL,
                                    related_name="+")
    # Registered at the door (events.checkin.checkin_walk_in).
    walk_in = models.BooleanField(_("walk-in"), default=False, editable=False)
    # The code in the ticket's QR: a bearer secret, replaced (and the old one remembered as
    # revoked) by events.services.ticket_rotate.
    ticket_code = models.CharField(_("ticket code"), max_length=TICKET_CODE_MAX_LENGTH,
                                   unique=True, editable=False, default=ticket_code_new)
    # The language the person registered in: their e-mails' language when they did not
    # choose one in their profile (network.mail.mail_language). Blank before it was recorded.
    language = models.CharField(_("language"), max_length=10, blank=True, default="",
                                choices=settings.LANGUAGES, editable=False)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["event", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "user"], condition=Q(user__isnull=False, state__in=ACTIVE_STATES),
                name="registration_one_active_per_user"),
            models.UniqueConstraint(
                fields=["event", "guest_email"],
                condition=Q(user__isnull=True, state__in=ACTIVE_STATES),
                name="registration_one_active_per_guest_email"),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(guest_email=""),
                name="registration_has_user_or_guest_email"),
        ]
        indexes = [models.Index(fields=["event", "state"], name="registration_event_state_idx")]

    def __str__(self) -> str:
        return f"{self.person_name} — {self.event} ({self.get_state_display()})"

    def waiting_list_place(self) -> int | None:
        """The FIFO number while waiting; None otherwise (a cancelled or promoted person
        keeps `waitlist_position` in the database, but no longer has a place in the queue)."""
        return self.waitlist_position if self.state == RegistrationState.WAITLISTED else None

    @property
    def person_name(self) -> str:
        if self.user_id:
            profile = getattr(self.user, "profile", None)
            return profile.display_name if profile else self.user.get_full_name() or self.user.email
        return self.guest_name

    @property
    def email(self) -> str:
        return self.user.email if self.user_id else self.guest_email

    @property
    def attended_by_name(self) -> str:
        """The name of whoever checked the person in ("" when unknown)."""
        user = self.attended_by if self.attended_by_id else None
        if user is None:
            return ""
        profile = getattr(user, "profile", None)
        return profile.display_name if profile else user.get_full_name() or user.email


class RevokedTicket(models.Model):
    """A ticket code that was replaced: scanning it at the door says "revoked", not
    "unknown". Written only by events.services.ticket_rotate."""

    code = models.CharField(max_length=TICKET_CODE_MAX_LENGTH, unique=True, editable=False)
    registration = models.ForeignKey(Registration, on_delete=models.CASCADE,
                                     related_name="revoked_tickets", editable=False)
    revoked_at = models.DateTimeField(default=timezone.now, editable=False)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   editable=False, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("revoked ticket")
        verbose_name_plural = _("revoked tickets")
        ordering = ["-revoked_at", "-id"]

    def __str__(self) -> str:
        return f"{self.registration_id} (revoked {self.revoked_at:%Y-%m-%d %H:%M})"
