"""A member who holds a bit of everything the network stores about people, for the tests of
export and erasure (home.privacy): profile with skills, links and avatar, a membership, a
confirmed paid seat with a waiting list behind it (and the hold), a waitlisted place, a
guest registration made with their verified address, a day pass, a calendar feed."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage

from credits import services as credits
from credits.models import DayPass
from credits.services.daypass import space_today
from events import services as events
from events.calendar_tokens import calendar_token_create
from events.models import EventPage, Registration
from network.models import MemberProfile, SpacePage
from network.services import membership_set, profile_avatar_set, profile_ensure
from tests.events.registration_factories import publish_event, space_in
from tests.network.factories import UserFactory

#: Right-to-left, emoji and HTML in one name: it must come out right and then disappear.
NASTY_NAME = "Zoë \u200fمريم <b>Brûlée</b> ☕"
EMAIL = "zoe.brulee@example.org"
PASSWORD = "correct horse battery staple"
PRICE = 10


def png_upload(name: str = "me.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    PILImage.new("RGB", (32, 32), (122, 62, 29)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def grant(user, amount: int) -> None:
    credits.transfer_post(debit=credits.account_network("issuance"),
                          credit=credits.account_for_member(user), amount=amount,
                          code="grant", idempotency_key=f"test-grant-{uuid.uuid4()}")


def verified_user(email: str, **fields):
    user = UserFactory(username=fields.pop("username", email.split("@")[0]), email=email,
                       **fields)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


@dataclass
class World:
    space: SpacePage
    member: object
    profile: MemberProfile
    paid_event: EventPage
    seat: Registration
    next_in_line: Registration
    waiting_event: EventPage
    waiting: Registration
    guest_event: EventPage
    guest: Registration
    day_pass: DayPass


def member_with_everything(site_tree, *, starts_in_days: float = 1.0,
                           cancellation_deadline_hours: int = 48) -> World:
    """By default the paid event starts inside its free-cancellation window: an ordinary
    cancellation would charge the member, an erasure must not."""
    space = space_in(site_tree, "Cowo Privacy", day_pass_price=5)
    member = verified_user(EMAIL, first_name="Zoë", last_name="Brûlée")
    profile = profile_ensure(member, display_name=NASTY_NAME, headline="Facilitatrice ☕",
                             bio="Line one\nLine <script>two</script>", city="Roma",
                             website="https://zoe.example.org",
                             links="https://github.com/zoe\nhttps://mastodon.example/@zoe",
                             visibility="public", show_email=True,
                             skills=["Facilitation", "Python"])
    profile = profile_avatar_set(profile, png_upload())
    membership_set(member, space, "host")
    grant(member, 100)

    paid_event = publish_event(space, title="Paid workshop", price_credits=PRICE, capacity=1,
                               starts_in_days=starts_in_days,
                               cancellation_deadline_hours=cancellation_deadline_hours)
    seat = events.registration_create(paid_event, user=member)
    other = verified_user("next.in.line@example.org")
    grant(other, 50)
    next_in_line = events.registration_create(paid_event, user=other)

    waiting_event = publish_event(space, title="Full meetup", capacity=1)
    events.registration_create(waiting_event, user=UserFactory())
    waiting = events.registration_create(waiting_event, user=member)

    guest_event = publish_event(space, title="Open evening", guests_allowed=True)
    guest = events.registration_create(guest_event, guest_name="Zoë (guest)",
                                       guest_email=EMAIL.upper())
    day_pass = credits.daypass_buy(member, space, space_today(space) + dt.timedelta(days=3))
    calendar_token_create(member)
    return World(space=space, member=member, profile=profile, paid_event=paid_event,
                 seat=seat, next_in_line=next_in_line, waiting_event=waiting_event,
                 waiting=waiting, guest_event=guest_event, guest=guest, day_pass=day_pass)
