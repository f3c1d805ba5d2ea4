"""Reminders: one e-mail per registered person the day before (the hours are set per event,
`EventPage.reminder_hours_before`; empty = no reminder), with the ticket, the place, the map
link and the .ics. Sent by the periodic task `reminders_send_periodic`.

Guarantees of `reminder_send` (safe to run twice, and under two workers at once):
- the claim is the row `RegistrationReminder(registration)` (unique), written in the same
  transaction that holds the registration's row lock and sends the e-mail. A second worker
  waits for that lock, then finds the row and sends nothing; a mail-server error rolls the
  claim back, so the next run tries again;
- holding the lock while sending means a cancellation cannot slip in between the check and
  the e-mail: cancelled (and waiting) people are never reminded;
- members who unsubscribed from reminders (one click, `network.unsubscribe`) get none; so
  do guests (no account) who unsubscribed their address from a reminder's own one-click link
  (`GuestReminderOptOut`), for this event and every later one.
The only double sending left is a crash after the mail server accepted the e-mail and
before the commit: at most one duplicate, never a reminder to a cancelled person.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from network.db_retry import db_retry
from network.mail import mail_language
from network.unsubscribe import MailingList, unsubscribe_address_url, unsubscribe_url

from .emails import registration_email_build
from .models import (
    MAX_REMINDER_HOURS,
    EventPage,
    EventStatus,
    GuestReminderOptOut,
    Registration,
    RegistrationReminder,
    RegistrationState,
    ReminderOptOut,
)

logger = logging.getLogger(__name__)


def reminder_due_at(event: EventPage) -> dt.datetime | None:
    """When the event's reminders are due, or None when the event sends none."""
    if event.reminder_hours_before is None:
        return None
    return event.starts_at - dt.timedelta(hours=event.reminder_hours_before)


def _event_due(event: EventPage, now: dt.datetime) -> bool:
    due_at = reminder_due_at(event)
    return (due_at is not None and due_at <= now < event.starts_at and event.live
            and event.status != EventStatus.CANCELLED)


def reminders_due(now: dt.datetime | None = None) -> list[int]:
    """Ids of the registrations whose reminder is due at `now` and not yet sent: confirmed,
    with an address, of a live event that is not cancelled and starts within its reminder
    hours, and whose member did not unsubscribe from reminders. In id order."""
    now = now or timezone.now()
    candidates = (EventPage.objects.live()
                  .filter(reminder_hours_before__isnull=False, starts_at__gt=now,
                          starts_at__lte=now + dt.timedelta(hours=MAX_REMINDER_HOURS))
                  .exclude(status=EventStatus.CANCELLED)
                  .only("pk", "starts_at", "reminder_hours_before", "status", "live"))
    events = [event.pk for event in candidates if _event_due(event, now)]
    if not events:
        return []
    return list(Registration.objects
                .filter(event_id__in=events, state=RegistrationState.CONFIRMED,
                        reminder__isnull=True)
                .exclude(user__in=ReminderOptOut.objects.values("user_id"))
                .exclude(user__isnull=True,
                         guest_email__in=GuestReminderOptOut.objects.values("email"))
                .exclude(user__isnull=False, user__email="")
                .order_by("pk").values_list("pk", flat=True))


def reminder_send(registration_pk: int, now: dt.datetime | None = None) -> bool:
    """Send one registration's reminder if it is still due; returns whether it was sent.
    A mail-server error propagates (and nothing is recorded: the next run retries)."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            registration = (Registration.objects.select_for_update(of=("self",))
                            .select_related("event", "user").filter(pk=registration_pk)
                            .first())
            if (registration is None or registration.state != RegistrationState.CONFIRMED
                    or not registration.email or not _event_due(registration.event, now)
                    or RegistrationReminder.objects.filter(registration=registration).exists()
                    or not _reminders_wanted(registration)):
                return False
            RegistrationReminder.objects.create(registration=registration, sent_at=now)
            reminder_build(registration).send()
            return True
    except IntegrityError:
        # Another worker recorded this reminder first.
        logger.info("reminder for registration %s already claimed", registration_pk)
        return False


def _reminders_wanted(registration: Registration) -> bool:
    """Whether the person did not unsubscribe from reminders (member or guest address)."""
    if registration.user_id:
        return not ReminderOptOut.objects.filter(user_id=registration.user_id).exists()
    return _reminders_address_subscribed(registration.guest_email)


def reminder_build(registration: Registration):
    """The reminder e-mail of `registration`, in the reader's language (their profile's,
    else the one they registered in, else the event's), with a one-click unsubscribe:
    the member's, or for a guest their address's."""
    event = registration.event
    language = mail_language(registration.user if registration.user_id else None,
                             registration.language, event.language)
    unsubscribe = (unsubscribe_url(registration.user, REMINDERS_LIST.identifier)
                   if registration.user_id
                   else unsubscribe_address_url(registration.guest_email,
                                                REMINDERS_LIST.identifier))
    with translation.override(language):
        return registration_email_build("reminder", registration,
                                        extra={"unsubscribe_url": unsubscribe},
                                        unsubscribe_url=unsubscribe)


def reminders_send_due(now: dt.datetime | None = None) -> int:
    """Send every due reminder; returns how many left. One person's mail-server error is
    logged and retried at the next run; the others still get theirs."""
    now = now or timezone.now()
    sent = 0
    for registration_pk in reminders_due(now):
        try:
            sent += reminder_send(registration_pk, now)
        except OSError:  # SMTP errors
            logger.exception("reminder for registration %s failed; retried at the next run",
                             registration_pk)
    return sent


@task()
@db_retry
def reminders_send_periodic() -> int:
    """The periodic job (`manage.py enqueue_periodic_tasks`): send the due reminders.
    Idempotent (see the module's guarantees). Returns how many e-mails left."""
    return reminders_send_due()


def _reminders_unsubscribe(user) -> None:
    try:
        with transaction.atomic():
            ReminderOptOut.objects.get_or_create(user=user)
    except IntegrityError:
        pass  # two clicks raced: the other one recorded it


def _reminders_subscribed(user) -> bool:
    return not ReminderOptOut.objects.filter(user=user).exists()


def _reminders_unsubscribe_address(email: str) -> None:
    try:
        with transaction.atomic():
            GuestReminderOptOut.objects.get_or_create(email=email.strip().lower())
    except IntegrityError:
        pass  # two clicks raced: the other one recorded it


def _reminders_address_subscribed(email: str) -> bool:
    return not GuestReminderOptOut.objects.filter(email=email.strip().lower()).exists()


#: reminders as a list (one-click unsubscribe from every reminder; guests by address)
REMINDERS_LIST = MailingList(identifier="reminders", label=_("reminders the day before events"),
                             unsubscribe=_reminders_unsubscribe,
                             is_subscribed=_reminders_subscribed,
                             unsubscribe_address=_reminders_unsubscribe_address,
                             address_subscribed=_reminders_address_subscribed)
