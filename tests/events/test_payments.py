"""events.payments: the return values of its calls (issue 14)."""

import uuid

import pytest

from credits import services as credits
from credits.selectors import account_balance, transfers_for_reference
from events import payments, services
from tests.events.registration_factories import make_organiser, publish_event, space_in
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def space(site_tree):
    return space_in(site_tree)


def member_with(amount: int):
    user = UserFactory()
    credits.transfer_post(debit=credits.account_network("issuance"),
                          credit=credits.account_for_member(user), amount=amount,
                          code="grant", idempotency_key=f"test-grant-{uuid.uuid4()}")
    return user


def test_hold_void_returns_whether_a_hold_was_voided(space):
    event = publish_event(space, price_credits=10)
    registration = services.registration_create(event, user=member_with(10))
    assert payments.registration_hold_void(registration) is True
    assert payments.registration_hold_void(registration) is False
    assert payments.registration_hold_post(registration) is False
    assert account_balance(credits.account_for_member(registration.user)).available == 10


def test_hold_post_returns_whether_a_hold_was_posted(space):
    event = publish_event(space, price_credits=10)
    registration = services.registration_create(event, user=member_with(10))
    assert payments.registration_hold_post(registration) is True
    assert payments.registration_hold_post(registration) is False
    assert payments.registration_hold_void(registration) is False


def test_free_event_places_no_hold_and_has_none_to_resolve(space):
    event = publish_event(space)
    registration = services.registration_create(event, user=UserFactory())
    assert list(transfers_for_reference(payments.registration_reference(registration))) == []
    assert payments.registration_hold_void(registration) is False


def test_reward_pay_returns_the_amount_and_the_same_amount_on_a_retry(space):
    event = publish_event(space, reward_host=12)
    registration = services.registration_create(event, user=UserFactory(), role="host",
                                                actor=make_organiser(space))
    assert payments.registration_reward_pay(registration, event) == 12
    assert payments.registration_reward_pay(registration, event) == 12
    assert account_balance(credits.account_for_member(registration.user)).posted == 12


def test_reward_pay_returns_zero_for_an_attendee_or_a_role_without_reward(space):
    organiser = make_organiser(space)
    event = publish_event(space, reward_host=12, reward_speaker=0)
    attendee = services.registration_create(event, user=UserFactory())
    speaker = services.registration_create(event, user=UserFactory(), role="speaker",
                                           actor=organiser)
    assert payments.registration_reward_pay(attendee, event) == 0
    assert payments.registration_reward_pay(speaker, event) == 0
    assert list(transfers_for_reference(payments.registration_reference(speaker))) == []


def test_accounts_lock_on_a_free_event_without_rewards_locks_nothing(space):
    event = publish_event(space)
    registration = services.registration_create(event, user=UserFactory())
    assert payments.registration_accounts_lock(event, place=[registration],
                                               reward=[registration]) == []
