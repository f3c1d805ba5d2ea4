"""Paid events (issue 4, "Earning and spending"): holds on registration, charging on
promotion, posting at check-in or start, voiding on timely cancellation, rewards."""

import datetime as dt
import uuid

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from credits import services as credits
from credits.models import Transfer
from credits.selectors import account_balance, transfers_for_reference
from events import exceptions, payments, services
from events.models import EventPage, EventStatus, Registration, RegistrationState
from tests.events.registration_factories import (
    make_organiser,
    publish_event,
    republish,
    space_in,
)
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db

PRICE = 10


@pytest.fixture
def space(site_tree):
    return space_in(site_tree)


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def member_with(amount: int):
    user = UserFactory()
    if amount:
        credits.transfer_post(debit=credits.account_network("issuance"),
                              credit=credits.account_for_member(user), amount=amount,
                              code="grant", idempotency_key=f"test-grant-{uuid.uuid4()}")
    return user


def balance(user):
    return account_balance(credits.account_for_member(user))


def space_balance(space):
    return account_balance(credits.account_for_space(space))


def states(reference):
    return [t.state for t in transfers_for_reference(reference)]


def test_registering_for_a_paid_event_places_a_hold(space):
    event = publish_event(space, price_credits=PRICE)
    user = member_with(25)
    registration = services.registration_create(event, user=user)
    assert registration.state == RegistrationState.CONFIRMED
    assert (balance(user).available, balance(user).on_hold, balance(user).posted) == (15, 10, 25)
    (hold,) = transfers_for_reference(payments.registration_reference(registration))
    assert (hold.state, hold.amount, hold.code) == ("pending", PRICE, "spend_event")
    assert hold.credit_account == credits.account_for_space(space)


def test_not_enough_credits_is_refused_and_changes_nothing(space):
    event = publish_event(space, price_credits=PRICE)
    user = member_with(9)
    transfers_before = Transfer.objects.count()
    with pytest.raises(exceptions.NotEnoughCredits):
        services.registration_create(event, user=user)
    assert not Registration.objects.filter(event=event).exists()
    assert Transfer.objects.count() == transfers_before
    assert (balance(user).available, balance(user).on_hold) == (9, 0)


def test_not_enough_credits_over_http_is_a_clear_message(client, space):
    event = publish_event(space, price_credits=PRICE)
    user = member_with(0)
    client.force_login(user)
    # The confirmation page offers no button without the credits; a confirmation forced
    # past it (the page's signed offer) gets the service's refusal as a message.
    from events.views.registration import _offer_sign
    response = client.post(f"/events/{event.pk}/register/", follow=True,
                           data={"confirm": "1", "offer": _offer_sign(event, user, PRICE)})
    messages = [str(m) for m in response.context["messages"]]
    assert any("You need 10 credits" in m for m in messages)
    assert not Registration.objects.filter(event=event).exists()


def test_guests_cannot_register_for_paid_events_even_through_an_organiser(space):
    event = publish_event(space, price_credits=PRICE)
    with pytest.raises(exceptions.GuestsNotAllowed):
        services.registration_create(event, guest_name="Ada", guest_email="ada@example.org",
                                     actor=make_organiser(space))


def test_waitlisted_people_are_not_charged_until_promoted(space):
    event = publish_event(space, price_credits=PRICE, capacity=1)
    seated = services.registration_create(event, user=member_with(10))
    waiting_user = member_with(10)
    waiting = services.registration_create(event, user=waiting_user)
    assert waiting.state == RegistrationState.WAITLISTED
    assert balance(waiting_user).on_hold == 0
    services.registration_cancel(seated, actor=seated.user)
    waiting.refresh_from_db()
    assert waiting.state == RegistrationState.CONFIRMED
    assert (balance(waiting_user).available, balance(waiting_user).on_hold) == (0, 10)


def test_promotion_skips_whoever_cannot_pay_and_tells_both(space, commit):
    event = publish_event(space, price_credits=PRICE, capacity=1)
    seated = services.registration_create(event, user=member_with(10))
    broke = services.registration_create(event, user=member_with(10))
    able = services.registration_create(event, user=member_with(10))
    # The first person waiting spends their credits elsewhere meanwhile.
    credits.transfer_post(debit=credits.account_for_member(broke.user),
                          credit=credits.account_network("commons"), amount=5,
                          code="purchase", idempotency_key=f"spend-{uuid.uuid4()}")
    mail.outbox.clear()
    with commit():
        services.registration_cancel(seated, actor=seated.user)
    broke.refresh_from_db()
    able.refresh_from_db()
    assert broke.state == RegistrationState.CANCELLED
    assert able.state == RegistrationState.CONFIRMED
    assert states(payments.registration_reference(broke)) == []
    assert states(payments.registration_reference(able)) == ["pending"]
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects[broke.user.email].startswith("We could not give you the place")
    assert subjects[able.user.email].startswith("A place is yours")


def test_check_in_posts_the_hold_to_the_space(space):
    event = publish_event(space, price_credits=PRICE)
    user = member_with(10)
    registration = services.registration_create(event, user=user)
    services.registration_mark_attended(registration, actor=make_organiser(space))
    assert (balance(user).posted, balance(user).on_hold) == (0, 0)
    assert space_balance(space).posted == PRICE
    assert states(payments.registration_reference(registration)) == ["pending", "posted"]


def test_cancelling_before_the_deadline_gives_the_credits_back(space):
    event = publish_event(space, price_credits=PRICE, starts_in_days=3,
                          cancellation_deadline_hours=24)
    user = member_with(10)
    registration = services.registration_create(event, user=user)
    services.registration_cancel(registration, actor=user)
    assert (balance(user).available, balance(user).on_hold) == (10, 0)
    assert states(payments.registration_reference(registration)) == ["pending", "voided"]


def test_cancelling_after_the_deadline_pays_the_seat(space):
    event = publish_event(space, price_credits=PRICE, starts_in_days=0.25,
                          cancellation_deadline_hours=24)
    user = member_with(10)
    registration = services.registration_create(event, user=user)
    services.registration_cancel(registration, actor=user)
    assert (balance(user).posted, balance(user).on_hold) == (0, 0)
    assert space_balance(space).posted == PRICE


def test_an_organiser_cancelling_late_still_gives_the_credits_back(space):
    event = publish_event(space, price_credits=PRICE, starts_in_days=0.25,
                          cancellation_deadline_hours=24)
    user = member_with(10)
    registration = services.registration_create(event, user=user)
    services.registration_cancel(registration, actor=make_organiser(space))
    assert balance(user).available == 10


def test_cancelling_the_event_voids_every_hold(space):
    event = publish_event(space, price_credits=PRICE)
    users = [member_with(10) for _ in range(3)]
    for user in users:
        services.registration_create(event, user=user)
    republish(event, status=EventStatus.CANCELLED, status_reason="Power cut")
    assert [balance(u).available for u in users] == [10, 10, 10]


def test_settle_command_posts_holds_of_started_events_once(space):
    event = publish_event(space, price_credits=PRICE)
    user = member_with(10)
    registration = services.registration_create(event, user=user)
    EventPage.objects.filter(pk=event.pk).update(starts_at=timezone.now() - dt.timedelta(hours=1))
    call_command("events_settle_started")
    call_command("events_settle_started")
    assert states(payments.registration_reference(registration)) == ["pending", "posted"]
    assert space_balance(space).posted == PRICE


def test_settle_leaves_future_events_alone(space):
    event = publish_event(space, price_credits=PRICE)
    registration = services.registration_create(event, user=member_with(10))
    assert services.event_settle_started() == 0
    assert states(payments.registration_reference(registration)) == ["pending"]


def test_settle_command_refuses_a_bad_window():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("events_settle_started", "--days", "-3")


def test_speaker_is_rewarded_from_the_space_at_check_in(space):
    organiser = make_organiser(space)
    event = publish_event(space, reward_speaker=15)
    speaker = UserFactory()
    registration = services.registration_create(event, user=speaker, role="speaker",
                                                actor=organiser)
    services.registration_mark_attended(registration, actor=organiser)
    assert balance(speaker).posted == 15
    assert space_balance(space).posted == -15
    (reward,) = transfers_for_reference(payments.registration_reference(registration))
    assert reward.code == "earn_speaker"


def test_reward_is_paid_once_per_registration(space):
    organiser = make_organiser(space)
    event = publish_event(space, reward_volunteer=7)
    registration = services.registration_create(event, user=UserFactory(), role="volunteer",
                                                actor=organiser)
    services.registration_mark_attended(registration, actor=organiser)
    services.registration_mark_attended(registration, actor=organiser)
    payments.registration_reward_pay(registration, event)
    assert balance(registration.user).posted == 7
    assert len(transfers_for_reference(payments.registration_reference(registration))) == 1


def test_attendees_earn_nothing(space):
    event = publish_event(space, reward_host=5, reward_speaker=5, reward_volunteer=5)
    registration = services.registration_create(event, user=UserFactory())
    services.registration_mark_attended(registration, actor=make_organiser(space))
    assert balance(registration.user).posted == 0


def test_a_reward_the_space_cannot_pay_refuses_the_check_in_and_changes_nothing(space):
    organiser = make_organiser(space)
    event = publish_event(space, reward_host=100_000)
    registration = services.registration_create(event, user=UserFactory(), role="host",
                                                actor=organiser)
    with pytest.raises(exceptions.RewardNotPaid):
        services.registration_mark_attended(registration, actor=organiser)
    registration.refresh_from_db()
    assert registration.state == RegistrationState.CONFIRMED
    assert balance(registration.user).posted == 0
