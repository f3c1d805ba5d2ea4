"""E-mails to registered people: plain text + HTML, translatable, each with the secret
cancel link; confirmations and changes carry the event's .ics.

Built and sent by the tasks of `events.tasks`, which `events.services` enqueues when its
transaction commits: nothing leaves for a change that was rolled back, and (with the
database task backend) no request waits for a mail server.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html

from network.mail import mail_build, mail_headers, mail_one_line

from .models import Registration
from .tickets import ticket_has_valid, ticket_qr_png

#: kind -> whether the event's calendar file is attached
KINDS = {
    "confirmed": True,
    "waitlisted": False,
    "promoted": True,
    "cancelled": False,
    "event_changed": True,
    "event_cancelled": True,
    "payment_failed": False,
    "ticket_reissued": True,
    "reminder": True,
}
#: kinds that carry the ticket's QR as an attachment (when the ticket is valid)
TICKET_KINDS = {"confirmed", "promoted", "ticket_reissued", "reminder"}


def site_base_url(event) -> str:
    """The public site's address (settings.SITE_URL), never the Site record's host name."""
    return settings.SITE_URL


def registration_cancel_url(registration: Registration) -> str:
    """The absolute secret link that cancels a registration without logging in."""
    path = reverse("events:registration_cancel_secret", kwargs={"secret": registration.secret})
    return site_base_url(registration.event) + path


def ticket_url(registration: Registration) -> str:
    """The absolute address of the registration's printable ticket (its code is the secret)."""
    path = reverse("events:ticket", kwargs={"code": registration.ticket_code})
    return site_base_url(registration.event) + path


def registration_email_build(kind: str, registration: Registration,
                             extra: dict | None = None,
                             unsubscribe_url: str = "") -> EmailMultiAlternatives:
    """Build (not send) the e-mail of `kind` for `registration`, in the active language,
    with the headers of `network.mail.mail_build` (List-Unsubscribe when `unsubscribe_url`
    is given: reminders). Raises ValueError for an unknown kind."""
    if kind not in KINDS:
        raise ValueError(f"unknown e-mail kind {kind!r}")
    event = registration.event
    base = site_base_url(event)
    ticket = ticket_url(registration) if ticket_has_valid(registration) else ""
    context = {
        "registration": registration,
        "event": event,
        "person_name": registration.person_name,
        # Isolated so that a right-to-left name does not drag the punctuation around it.
        "person_name_html": format_html("<bdi>{}</bdi>", registration.person_name),
        "event_url": base + (event.url or ""),
        "cancel_url": registration_cancel_url(registration),
        "my_events_url": base + reverse("events:my_events"),
        "ticket_url": ticket,
        "site_name": getattr(settings, "WAGTAIL_SITE_NAME", "Espresso"),
        **(extra or {}),
    }
    subject = mail_one_line(render_to_string(f"events/email/{kind}_subject.txt", context))
    body = render_to_string(f"events/email/{kind}.txt", context)
    html = render_to_string(f"events/email/{kind}.html", context)
    message = mail_build(subject=subject, text=body, html=html, to=[registration.email],
                         language=translation.get_language() or "",
                         unsubscribe_url=unsubscribe_url)
    if KINDS[kind]:
        from .calendar import event_to_ical  # the discovery side owns calendar files

        message.attach(f"{event.slug or 'event'}.ics", event_to_ical(event, ticket_url=ticket),
                       "text/calendar; charset=utf-8; method=PUBLISH")
    if ticket and kind in TICKET_KINDS:
        message.attach("ticket-qr.png", ticket_qr_png(registration.ticket_code), "image/png")
    return message


def registration_email_prepare(kind: str, registration: Registration) -> dict | None:
    """The e-mail of `kind` for `registration`, built now, as plain data a task can carry
    (`prepared_email_send` sends it). For news about something that will not exist when the
    task runs (an event being deleted). None when the registration has no address."""
    if not registration.email:
        return None
    message = registration_email_build(kind, registration)
    return {
        "subject": message.subject, "body": message.body, "to": list(message.to),
        "from_email": message.from_email,
        "language": message.extra_headers.get("Content-Language", ""),
        "alternatives": [[content, mimetype] for content, mimetype in message.alternatives],
        "attachments": [[name, content.decode() if isinstance(content, bytes) else content,
                         mimetype] for name, content, mimetype in message.attachments],
    }


def prepared_email_send(data: dict) -> None:
    """Send an e-mail made by `registration_email_prepare` (its Date and Message-ID are
    made now, when it leaves)."""
    message = EmailMultiAlternatives(subject=data["subject"], body=data["body"],
                                     to=data["to"], from_email=data["from_email"],
                                     headers=mail_headers(language=data.get("language", "")))
    for content, mimetype in data["alternatives"]:
        message.attach_alternative(content, mimetype)
    for name, content, mimetype in data["attachments"]:
        message.attach(name, content, mimetype)
    message.send()


def registration_email_send(kind: str, registration: Registration,
                            extra: dict | None = None) -> bool:
    """Send one e-mail; returns False when the registration has no address. A mail-server
    error propagates (the task that calls this is then marked failed, and logged)."""
    if not registration.email:
        return False
    registration_email_build(kind, registration, extra).send()
    return True
