"""A small event for the report tests, built through the real services: registrations,
a waiting list and a promotion, check-ins (one a walk-in), a host's reward, credits held
and posted."""

import datetime as dt
import uuid
from dataclasses import dataclass

import pytest

from credits import services as credits
from events import checkin, services
from events.models import EventPage, Registration, RegistrationRole
from network.models import SpacePage
from tests.events.registration_factories import make_organiser, publish_event, space_in
from tests.network.factories import MemberProfileFactory, UserFactory

PRICE = 10
REWARD = 5
#: people's names as the reports must show them (right-to-left, emoji, markup, accents)
NAMES = ["نور الهدى", "אבי כהן", "Zoë 😀 Café", "<b>Bold</b> & Co", "=HYPERLINK(\"x\")",
         "山田 太郎", "Łukasz Żółć"]


def member(name: str, amount: int = 25, home_space: SpacePage | None = None):
    user = UserFactory()
    MemberProfileFactory(user=user, display_name=name, home_space=home_space)
    if amount:
        credits.transfer_post(debit=credits.account_network("issuance"),
                              credit=credits.account_for_member(user), amount=amount,
                              code="grant", idempotency_key=f"test-grant-{uuid.uuid4()}")
    return user


@dataclass
class SmallEvent:
    space: SpacePage
    event: EventPage
    organiser: object
    people: dict[str, Registration]


@pytest.fixture
def small_event(site_tree) -> SmallEvent:
    """Capacity 4, 10 credits, hosts earn 5, starting in one hour (check-in open):
    host, guest-named members... see the figures asserted in test_event_report."""
    space = space_in(site_tree, title="Cowo <Rapporti> ☕")
    organiser = make_organiser(space)
    event = publish_event(space, starts_in_days=1 / 24, capacity=4, price_credits=PRICE,
                          reward_host=REWARD, cancellation_deadline_hours=0,
                          title="Report night: نور & <i>friends</i>")
    people = {}
    for key, name in zip(["host", "leaver", "attendee"], NAMES[:3], strict=True):
        people[key] = services.registration_create(event, user=member(name))
    services.registration_set_role(people["host"], RegistrationRole.HOST, actor=organiser)
    walk_in = member(NAMES[3])
    result = checkin.checkin_walk_in(event, name=NAMES[3], email=walk_in.email,
                                     actor=organiser)
    people["walk_in"] = result.registration
    people["promoted"] = services.registration_create(event, user=member(NAMES[4]))
    people["waiting"] = services.registration_create(event, user=member(NAMES[5]))
    services.registration_cancel(people["leaver"], actor=people["leaver"].user)
    checkin.checkin_registration(event, people["host"].pk, actor=organiser)
    checkin.checkin_registration(event, people["attendee"].pk, actor=organiser)
    for key, registration in people.items():
        people[key] = Registration.objects.get(pk=registration.pk)
    return SmallEvent(space=space, event=event, organiser=organiser, people=people)


def later(event: EventPage, hours: float) -> dt.datetime:
    return event.ends_at + dt.timedelta(hours=hours)
