"""Reminders (events.reminders): the record that a registration's reminder left, and the
members who asked for no reminders at all."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .registration import Registration


class RegistrationReminder(models.Model):
    """A registration's reminder was sent. One per registration (the primary key is the
    registration): writing this row is the claim that makes sending idempotent."""

    registration = models.OneToOneField(Registration, on_delete=models.CASCADE,
                                        primary_key=True, related_name="reminder")
    sent_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")

    def __str__(self) -> str:
        return f"{self.registration_id} @ {self.sent_at:%Y-%m-%d %H:%M}"


class ReminderOptOut(models.Model):
    """A member who unsubscribed from reminders (one click from any reminder)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                primary_key=True, related_name="reminder_opt_out")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("reminder opt-out")
        verbose_name_plural = _("reminder opt-outs")

    def __str__(self) -> str:
        return str(self.user_id)


class GuestReminderOptOut(models.Model):
    """An address without an account (a guest's) that unsubscribed from reminders, one click
    from a reminder. Kept as the address, lower case, so that later guest registrations
    with it get no reminder either (that is what the person asked for)."""

    email = models.EmailField(primary_key=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("guest reminder opt-out")
        verbose_name_plural = _("guest reminder opt-outs")

    def __str__(self) -> str:
        return self.email
