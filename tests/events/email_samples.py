"""One sample of every e-mail the product sends, for the e-mail quality tests (headers,
language, no tracking) and the browser rendering test."""

from django.core import mail
from django.urls import reverse
from django.utils import translation

from events import services
from events.emails import KINDS, registration_email_build
from events.following.digest import digest_build
from events.following.models import FollowKind
from events.following.services import follow_add
from events.messaging.emails import message_delivery_id, message_email_build
from events.messaging.models import Audience
from events.messaging.services import message_send
from events.reminders import reminder_build
from events.tasks import notifications_silenced
from home.tasks import member_erased_notify
from tests.events.registration_factories import make_organiser, publish_event, space_in
from tests.network.factories import MemberProfileFactory

#: a title and a name that try every trap: HTML, quotes, emoji, accents, right-to-left, length
NASTY_TITLE = 'Laboratorio <b>“Caffè & código”</b> 🎉 שלום עולם ' + "lunghissimo" * 8
NASTY_NAME = "Zoë O'Brien <script>alert(1)</script> محمد"


def every_email(site_tree, client) -> dict[str, object]:
    """{name: message} for every kind of e-mail, all to a member with a nasty name."""
    space = space_in(site_tree, title="Cowo Racale", city="Racale", address="Via Roma 1",
                     latitude="40.0", longitude="18.0")
    event = publish_event(space, title=NASTY_TITLE, room="Sala <Grande>",
                          reminder_hours_before=24)
    profile = MemberProfileFactory(display_name=NASTY_NAME)
    user = profile.user
    registration = services.registration_create(event, user=user)
    messages = {f"registration_{kind}": registration_email_build(kind, registration)
                for kind in KINDS if kind != "reminder"}
    messages["reminder"] = reminder_build(registration)
    guest = services.registration_create(event, guest_name=NASTY_NAME,
                                         guest_email="ospite@example.org",
                                         actor=make_organiser(space))
    messages["guest_reminder"] = reminder_build(guest)
    with notifications_silenced():
        sent = message_send(event, sender=make_organiser(space), subject=NASTY_TITLE,
                            body=f"{NASTY_NAME}\n\nBring a laptop.", audience=Audience.ALL)
    delivery = sent.deliveries.get(registration=registration)
    with translation.override(sent.language):
        messages["organiser_message"] = message_email_build(
            sent, registration, message_id=message_delivery_id(sent, delivery.pk))
    follow_add(user, FollowKind.SPACE, space)
    messages["digest"] = digest_build(user, [event], "en")
    mail.outbox.clear()
    member_erased_notify.enqueue(user.email, "en")
    client.post(reverse("account_reset_password"), {"email": user.email})
    erased, reset = mail.outbox
    messages["member_erased"] = erased
    messages["password_reset"] = reset
    return messages
