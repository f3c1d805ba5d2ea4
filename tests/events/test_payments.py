"""events.payments: what its calls return and what they record in the ledger (issue 14)."""

import uuid

import pytest

from credits import services as credits
from credits.selectors import account_balance, transfers_for_reference
from events import exceptions, payments, services
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


def ledger_rows(registration):
    return [(row.idempotency_key, row.memo, row.created_by_id, row.code)
            for row in transfers_for_reference(payments.registration_reference(registration))]


def test_each_ledger_row_of_a_paid_seat_has_its_key_the_title_and_who_acted(space):
    organiser = make_organiser(space)
    title = "Caffè ☕ & <b>latte</b> — שלום"
    event = publish_event(space, price_credits=10, title=title)
    paid = services.registration_create(event, user=member_with(10))
    refunded = services.registration_create(event, user=member_with(10))
    assert payments.registration_hold_post(paid, by=organiser) is True
    assert payments.registration_hold_void(refunded, by=organiser) is True
    paid_ref = payments.registration_reference(paid)
    refunded_ref = payments.registration_reference(refunded)
    assert paid_ref == f"events.registration:{paid.pk}"
    assert ledger_rows(paid) == [
        (f"{paid_ref}:hold", title, paid.user_id, "spend_event"),
        (f"{paid_ref}:post", title, organiser.pk, "spend_event")]
    assert ledger_rows(refunded) == [
        (f"{refunded_ref}:hold", title, refunded.user_id, "spend_event"),
        (f"{refunded_ref}:void", title, organiser.pk, "spend_event")]


def test_a_reward_row_has_its_key_the_title_and_who_acted(space):
    organiser = make_organiser(space)
    event = publish_event(space, reward_volunteer=5, title="Volontari: ‏مرحبا")
    registration = services.registration_create(event, user=UserFactory(), role="volunteer",
                                                actor=organiser)
    assert payments.registration_reward_pay(registration, event, by=organiser) == 5
    reference = payments.registration_reference(registration)
    assert ledger_rows(registration) == [
        (f"{reference}:reward", "Volontari: ‏مرحبا", organiser.pk, "earn_volunteer")]


def test_a_seat_without_the_credits_says_what_it_costs(space):
    event = publish_event(space, price_credits=7)
    with pytest.raises(exceptions.NotEnoughCredits) as raised:
        services.registration_create(event, user=member_with(6))
    assert str(raised.value) == ("You need 7 credits for this event and your account does not "
                                 "have them available.")


def test_a_reward_beyond_the_space_s_issuance_limit_says_so_and_pays_nothing(space):
    event = publish_event(space, reward_host=100_000)
    registration = services.registration_create(event, user=UserFactory(), role="host",
                                                actor=make_organiser(space))
    with pytest.raises(exceptions.SpaceCannotPayReward) as raised:
        payments.registration_reward_pay(registration, event)
    assert str(raised.value) == ("The space's account cannot pay this reward now (issuance "
                                 "limit reached).")
    assert list(transfers_for_reference(payments.registration_reference(registration))) == []


def test_accounts_lock_locks_exactly_the_accounts_each_payment_can_move(space):
    organiser = make_organiser(space)
    event = publish_event(space, price_credits=10, reward_host=3)
    seat = services.registration_create(event, user=member_with(10))
    other = services.registration_create(event, user=member_with(10))
    host = services.registration_create(event, user=member_with(10), role="host",
                                        actor=organiser)
    guest_event = publish_event(space, guests_allowed=True)
    guest = services.registration_create(guest_event, guest_name="Zoë", guest_email="z@x.it")

    def account(registration):
        return credits.account_for_member(registration.user).pk

    space_account = credits.account_for_space(event.space).pk
    lock = payments.registration_accounts_lock
    assert lock(event, place=[seat, guest]) == [account(seat)]
    assert lock(event, void=[seat]) == [account(seat)]
    assert lock(event, post=[seat]) == sorted([account(seat), space_account])
    assert lock(event, void=[seat], post=[other]) == sorted(
        [account(seat), account(other), space_account])
    assert lock(event, place=[seat], reward=[host]) == sorted(
        [account(seat), account(host), space_account])
    assert lock(event, place=[seat], space=True) == sorted([account(seat), space_account])
