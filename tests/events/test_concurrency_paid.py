"""Paid registrations under real concurrency (PostgreSQL): no seat without payment, no
payment without a seat."""

import uuid

import pytest

from credits import services as credits
from credits.models import Transfer, TransferState
from credits.selectors import account_balance, ledger_discrepancies, open_holds
from events import exceptions, payments, services
from events.models import Registration, RegistrationState
from tests.events.registration_factories import publish_event, space_in
from tests.events.test_concurrency import run_together
from tests.network.factories import UserFactory

pytestmark = [pytest.mark.postgres,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PRICE = 10


def member_with(amount: int):
    user = UserFactory()
    credits.transfer_post(debit=credits.account_network("issuance"),
                          credit=credits.account_for_member(user), amount=amount,
                          code="grant", idempotency_key=f"grant-{uuid.uuid4()}")
    return user


def assert_seats_match_payments(events) -> None:
    """Every seat of a paid event has exactly one open hold, every hold a seat."""
    seats = Registration.objects.filter(event__in=events, state=RegistrationState.CONFIRMED)
    expected = sorted(payments.registration_reference(r) for r in seats)
    held = sorted(open_holds().filter(reference__startswith="events.registration:")
                  .values_list("reference", flat=True))
    assert held == expected
    assert ledger_discrepancies() == []


def test_many_members_racing_for_the_last_paid_seat(site_tree):
    space = space_in(site_tree)
    event = publish_event(space, capacity=3, price_credits=PRICE, waitlist_enabled=False)
    for _ in range(2):
        services.registration_create(event, user=member_with(PRICE))
    racers = [member_with(PRICE) for _ in range(12)]

    results, errors = run_together(
        12, lambda i: services.registration_create(event, user=racers[i]))

    assert [type(e) for e in errors] == [exceptions.EventFull] * 11
    assert len([r for r in results if r is not None]) == 1
    assert Registration.objects.filter(event=event,
                                       state=RegistrationState.CONFIRMED).count() == 3
    charged = [u for u in racers
               if account_balance(credits.account_for_member(u)).on_hold == PRICE]
    assert len(charged) == 1
    assert_seats_match_payments([event])


def test_one_member_with_the_last_credits_racing_for_several_paid_events(site_tree):
    space = space_in(site_tree)
    events = [publish_event(space, capacity=5, price_credits=PRICE) for _ in range(6)]
    user = member_with(PRICE)

    results, errors = run_together(
        6, lambda i: services.registration_create(events[i], user=user))

    assert [type(e) for e in errors] == [exceptions.NotEnoughCredits] * 5
    assert len([r for r in results if r is not None]) == 1
    assert Registration.objects.filter(user=user).count() == 1
    balance = account_balance(credits.account_for_member(user))
    assert (balance.available, balance.on_hold) == (0, PRICE)
    assert_seats_match_payments(events)


def test_members_racing_for_seats_with_the_last_credits_of_each(site_tree):
    """Half of the racers can pay: exactly the payers get seats, up to capacity."""
    space = space_in(site_tree)
    event = publish_event(space, capacity=5, price_credits=PRICE, waitlist_enabled=False)
    payers = [member_with(PRICE) for _ in range(10)]
    broke = [member_with(PRICE - 1) for _ in range(10)]
    racers = payers + broke

    _results, errors = run_together(
        20, lambda i: services.registration_create(event, user=racers[i]))

    seated = set(Registration.objects.filter(event=event, state=RegistrationState.CONFIRMED)
                 .values_list("user_id", flat=True))
    assert len(seated) == 5
    assert seated <= {u.pk for u in payers}
    assert {type(e) for e in errors} <= {exceptions.EventFull, exceptions.NotEnoughCredits}
    assert len(errors) == 15
    assert Transfer.objects.filter(state=TransferState.PENDING,
                                   reference__startswith="events.registration:").count() == 5
    assert_seats_match_payments([event])
