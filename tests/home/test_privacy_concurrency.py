"""Erasure under real concurrency (PostgreSQL): erasing twice at once, and erasing while
others race for the seat it frees, never overbooks, never charges or voids twice."""

import pytest
from django.contrib.auth import get_user_model

from credits.models import TransferState
from credits.selectors import (
    ledger_balance_sum,
    ledger_discrepancies,
    open_holds,
    transfers_for_reference,
)
from events import payments, services
from events.models import Registration, RegistrationState
from home.privacy import member_erase
from tests.events.test_concurrency import run_together
from tests.home.privacy_factories import grant, member_with_everything
from tests.network.factories import UserFactory, make_coordinator

pytestmark = [pytest.mark.postgres,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def fresh(user):
    return get_user_model().objects.get(pk=user.pk)


def assert_seats_match_payments(event) -> None:
    """Every confirmed seat of the event has one open hold, and no other registration has."""
    references = {payments.registration_reference(r): r.state
                  for r in Registration.objects.filter(event=event)}
    held = open_holds().filter(reference__in=references).values_list("reference", flat=True)
    assert sorted(held) == sorted(ref for ref, state in references.items()
                                  if state == RegistrationState.CONFIRMED)
    assert ledger_discrepancies() == []
    assert ledger_balance_sum() == 0


def test_the_member_and_a_coordinator_erasing_at_once(site_tree):
    world = member_with_everything(site_tree)
    coordinator = make_coordinator()

    results, errors = run_together(4, lambda i: member_erase(
        fresh(world.member), by=fresh(world.member) if i % 2 else fresh(coordinator)))

    assert errors == []
    assert sum(r.done["events"]["registrations_cancelled"] for r in results) == 3
    assert [t.state for t in transfers_for_reference(
        payments.registration_reference(world.seat))] == [TransferState.PENDING,
                                                           TransferState.VOIDED]
    world.next_in_line.refresh_from_db()
    assert world.next_in_line.state == RegistrationState.CONFIRMED
    assert_seats_match_payments(world.paid_event)


def test_erasing_while_others_race_for_the_freed_seat(site_tree):
    world = member_with_everything(site_tree)
    racers = []
    for _ in range(6):
        racer = UserFactory()
        grant(racer, 20)
        racers.append(racer)

    def work(i: int):
        if i == 0:
            return member_erase(fresh(world.member), by=fresh(world.member))
        return services.registration_create(world.paid_event, user=fresh(racers[i - 1]))

    _results, errors = run_together(7, work)

    assert errors == []
    confirmed = Registration.objects.filter(event=world.paid_event,
                                            state=RegistrationState.CONFIRMED)
    # Capacity 1: the seat went to the first person waiting before the race, never to two.
    assert list(confirmed) == [world.next_in_line]
    assert Registration.objects.filter(event=world.paid_event,
                                       state=RegistrationState.WAITLISTED).count() == 6
    assert_seats_match_payments(world.paid_event)
