"""The e-mail of an organiser's message: plain text + HTML, in the event's language (the
caller activates it), one per recipient (only their own address in To), the organiser's
address as Reply-To. The organiser's text is plain text: HTML in it is shown, never run."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html

from events.emails import registration_cancel_url, site_base_url
from events.models import Registration
from network.mail import mail_domain, mail_headers

from .models import EventMessage


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def message_paragraphs(body: str) -> list[list[str]]:
    """The text as paragraphs (split at blank lines), each a list of its lines."""
    paragraphs = [block.strip("\n") for block in body.replace("\r\n", "\n").split("\n\n")]
    return [block.split("\n") for block in paragraphs if block.strip()]


def message_email_context(message: EventMessage, registration: Registration) -> dict:
    event = message.event
    base = site_base_url(event)
    return {
        "message": message,
        "paragraphs": message_paragraphs(message.body),
        "registration": registration,
        "event": event,
        "person_name": registration.person_name,
        "person_name_html": format_html("<bdi>{}</bdi>", registration.person_name),
        "sender_name_html": format_html("<bdi>{}</bdi>", message.sender_name),
        "event_url": base + (event.url or ""),
        "cancel_url": registration_cancel_url(registration) if registration.pk else "",
        "my_events_url": base + reverse("events:my_events"),
        "ticket_url": "",
        "site_name": getattr(settings, "WAGTAIL_SITE_NAME", "Espresso"),
    }


def message_delivery_id(message: EventMessage, delivery_pk: int) -> str:
    """The Message-ID of one delivery: the same on every attempt, so a copy sent again after
    a worker died mid-send (`tasks`) is recognisable as the same e-mail (mail clients and
    providers that drop duplicates by Message-ID show it once)."""
    return f"<espresso.message.{message.pk}.{delivery_pk}@{mail_domain()}>"


def message_email_build(message: EventMessage, registration: Registration, *,
                        message_id: str = "") -> EmailMultiAlternatives:
    """Build (not send) `message` for one recipient (`message_id`: see
    `message_delivery_id`; a random one under the site's name when empty)."""
    context = message_email_context(message, registration)
    # Date, a Message-ID under the site's name, Auto-Submitted (auto-responders stay quiet)
    # and the message's language, as every e-mail of the product (network.mail); bulk mail
    # from an organiser, not a list: no List-Unsubscribe.
    headers = {**mail_headers(language=message.language), "Precedence": "bulk"}
    if message_id:
        headers["Message-ID"] = message_id
    email = EmailMultiAlternatives(
        subject=_one_line(message.subject),
        body=render_to_string("messaging/email/message.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL, to=[registration.email],
        reply_to=[message.reply_to] if message.reply_to else None,
        headers=headers)
    email.attach_alternative(render_to_string("messaging/email/message.html", context),
                             "text/html")
    return email
