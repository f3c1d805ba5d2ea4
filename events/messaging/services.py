"""Writing to an event's participants.

Guarantees of `message_send`, all in one transaction:
- only an organiser of the event's space (or a coordinator) may send;
- the subject is one line, the text is not empty and not huge (refused otherwise, nothing
  saved);
- at most `EVENTS_MESSAGES_PER_EVENT_PER_DAY` messages per event and
  `EVENTS_MESSAGES_PER_SENDER_PER_DAY` per sender in any 24 hours: the sender's user row and
  then the event's row are locked before counting (the order `home.privacy.member_erase`
  uses too), so two concurrent sends cannot both slip under the limit;
- the recipients are frozen as one delivery row per person (`selectors.message_recipients`);
  the e-mails leave by a task enqueued when the transaction commits.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import EventPage, RegistrationRole
from network.permissions import user_organises_space
from network.validators import validate_no_control_characters

from . import tasks
from .exceptions import (
    MessageInvalid,
    MessageNoRecipients,
    MessageNotAllowed,
    MessageRateLimited,
)
from .models import (
    BODY_MAX_LENGTH,
    SUBJECT_MAX_LENGTH,
    Audience,
    EventMessage,
    EventMessageDelivery,
)
from .selectors import message_recipients

RATE_WINDOW = timedelta(hours=24)
#: line breaks beyond the ASCII controls (str.splitlines splits on them too)
UNICODE_LINE_BREAKS = "\x85\u2028\u2029"


def per_event_limit() -> int:
    return int(getattr(settings, "EVENTS_MESSAGES_PER_EVENT_PER_DAY", 5))


def per_sender_limit() -> int:
    return int(getattr(settings, "EVENTS_MESSAGES_PER_SENDER_PER_DAY", 20))


def message_clean(subject: str, body: str, audience: str, role: str = "") -> tuple[str, str, str]:
    """The subject (stripped, one line), the text (line ends normalised) and the role
    (blank unless the audience is a role). Raises MessageInvalid saying what is wrong."""
    subject = (subject or "").strip()
    body = (body or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    try:
        validate_no_control_characters(subject)
        if any(ch in subject for ch in UNICODE_LINE_BREAKS):
            raise ValidationError("line break")
    except ValidationError as exc:
        raise MessageInvalid(_("The subject must be one line of text.")) from exc
    if not subject:
        raise MessageInvalid(_("Please write a subject."))
    if len(subject) > SUBJECT_MAX_LENGTH:
        raise MessageInvalid(_("The subject is too long (at most %(n)s characters).")
                             % {"n": SUBJECT_MAX_LENGTH})
    if not body:
        raise MessageInvalid(_("Please write the message."))
    if len(body) > BODY_MAX_LENGTH:
        raise MessageInvalid(_("The message is too long (at most %(n)s characters).")
                             % {"n": BODY_MAX_LENGTH})
    if any((ord(ch) < 32 and ch not in "\n\t") or ord(ch) == 127 for ch in body):
        raise MessageInvalid(_("The message contains control characters."))
    if audience not in Audience.values:
        raise MessageInvalid(_("Please choose who receives the message."))
    if audience == Audience.ROLE:
        if role not in RegistrationRole.values:
            raise MessageInvalid(_("Please choose a role."))
    else:
        role = ""
    return subject, body, role


def sender_name_of(user) -> str:
    profile = getattr(user, "profile", None)
    return (profile.display_name if profile else "") or user.get_full_name() or user.email


def message_draft(event: EventPage, *, sender, subject: str, body: str, audience: str,
                  role: str = "") -> EventMessage:
    """An unsaved message, cleaned and checked as `message_send` would (for the preview).
    Raises MessageNotAllowed and MessageInvalid."""
    if not user_organises_space(sender, event.space_id):
        raise MessageNotAllowed()
    subject, body, role = message_clean(subject, body, audience, role)
    return EventMessage(event=event, sender=sender, sender_name=sender_name_of(sender),
                        reply_to=sender.email, audience=audience, role=role,
                        language=event.language or settings.LANGUAGE_CODE,
                        subject=subject, body=body)


def _check_rate(event: EventPage, sender, now) -> None:
    since = now - RATE_WINDOW
    if EventMessage.objects.filter(event=event, created_at__gt=since).count() >= per_event_limit():
        raise MessageRateLimited(_(
            "This event has had %(n)s messages in the last 24 hours; please wait before "
            "sending another one.") % {"n": per_event_limit()})
    if (EventMessage.objects.filter(sender=sender, created_at__gt=since).count()
            >= per_sender_limit()):
        raise MessageRateLimited(_(
            "You have sent %(n)s messages in the last 24 hours; please wait before sending "
            "another one.") % {"n": per_sender_limit()})


def message_send(event: EventPage, *, sender, subject: str, body: str, audience: str,
                 role: str = "") -> EventMessage:
    """Save the message with one delivery row per recipient and, when the transaction
    commits, enqueue the task that sends them (see the module's guarantees).

    Raises: MessageNotAllowed, MessageInvalid, MessageRateLimited, MessageNoRecipients
    (then nothing is saved)."""
    draft = message_draft(event, sender=sender, subject=subject, body=body,
                          audience=audience, role=role)
    with transaction.atomic():
        list(get_user_model().objects.select_for_update(no_key=True).filter(pk=sender.pk)
             .values_list("pk", flat=True))
        locked = (EventPage.objects.select_for_update(of=("self",)).select_related("space")
                  .get(pk=event.pk))
        now = timezone.now()
        _check_rate(locked, sender, now)
        recipients = list(message_recipients(locked, draft.audience, draft.role)
                          .values_list("pk", flat=True))
        if not recipients:
            raise MessageNoRecipients()
        draft.event = locked
        draft.language = locked.language or settings.LANGUAGE_CODE
        draft.created_at = now
        draft.save()
        EventMessageDelivery.objects.bulk_create(
            EventMessageDelivery(message=draft, registration_id=pk) for pk in recipients)
        tasks.message_deliver_on_commit(draft)
    return draft
