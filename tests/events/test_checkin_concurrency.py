"""Two doors at once (issue 9), with real threads on PostgreSQL: one ticket scanned at
several doors gives one "checked in" and "already checked in" everywhere else, money moves
once, and walk-ins never take more seats than are left. A control run without the lock
shows the race is real."""

import time
import uuid

import pytest

from credits import services as credits
from credits.selectors import transfers_for_reference
from events import checkin, exceptions, payments, services
from events.checkin import CheckinOutcome, checkin_by_code, checkin_undo, checkin_walk_in
from events.models import Registration, RegistrationState
from tests.events.registration_factories import make_organiser, publish_event, space_in
from tests.events.test_concurrency import run_together
from tests.network.factories import UserFactory

pytestmark = [pytest.mark.postgres,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def space(site_tree):
    return space_in(site_tree)


def soon(space, **fields):
    return publish_event(space, starts_in_days=1 / 24, **fields)


def member_with(amount: int):
    user = UserFactory()
    credits.transfer_post(debit=credits.account_network("issuance"),
                          credit=credits.account_for_member(user), amount=amount,
                          code="grant", idempotency_key=f"test-grant-{uuid.uuid4()}")
    return user


def test_two_doors_scanning_one_ticket_check_in_once(space):
    event = soon(space)
    registration = services.registration_create(event, user=UserFactory())
    doors = [make_organiser(space), make_organiser(space)]

    results, errors = run_together(
        2, lambda i: checkin_by_code(event, registration.ticket_code, actor=doors[i]))

    assert errors == []
    assert sorted(r.outcome for r in results) == [CheckinOutcome.ALREADY,
                                                  CheckinOutcome.CHECKED_IN]
    winner = next(r for r in results if r.outcome == CheckinOutcome.CHECKED_IN)
    loser = next(r for r in results if r.outcome == CheckinOutcome.ALREADY)
    # The loser is told who won, and when.
    assert loser.registration.attended_by == winner.registration.attended_by
    assert loser.registration.attended_at == winner.registration.attended_at
    assert Registration.objects.get(pk=registration.pk).state == RegistrationState.ATTENDED


def test_eight_doors_on_a_paid_ticket_post_the_payment_once(space):
    event = soon(space, price_credits=10)
    registration = services.registration_create(event, user=member_with(10))
    organiser = make_organiser(space)  # the same login on eight phones

    results, errors = run_together(
        8, lambda i: checkin_by_code(event, registration.ticket_code, actor=organiser))

    assert errors == []
    outcomes = [r.outcome for r in results]
    assert outcomes.count(CheckinOutcome.CHECKED_IN) == 1
    assert outcomes.count(CheckinOutcome.ALREADY) == 7
    reference = payments.registration_reference(registration)
    assert [t.state for t in transfers_for_reference(reference)] == ["pending", "posted"]


def test_walk_ins_racing_for_the_last_two_seats_get_exactly_two(space):
    event = soon(space, capacity=3)
    services.registration_create(event, user=UserFactory())
    organiser = make_organiser(space)

    results, errors = run_together(
        6, lambda i: checkin_walk_in(event, name=f"Walk In {i}",
                                     email=f"walkin{i}@example.org", actor=organiser))

    assert len([r for r in results if r is not None]) == 2
    assert len(errors) == 4
    assert all(isinstance(e, exceptions.EventFull) for e in errors)
    assert Registration.objects.filter(event=event, walk_in=True,
                                       state=RegistrationState.ATTENDED).count() == 2
    assert not Registration.objects.filter(event=event,
                                           state=RegistrationState.WAITLISTED).exists()


def test_two_doors_undoing_one_check_in_undo_it_once(space):
    """The undo locks what it changes, in its own transaction: the second door waits, then
    finds the person no longer checked in."""
    event = soon(space)
    registration = services.registration_create(event, user=UserFactory())
    organiser = make_organiser(space)
    checkin_by_code(event, registration.ticket_code, actor=organiser)

    results, errors = run_together(
        2, lambda i: checkin_undo(event, registration.pk, actor=organiser))

    assert [type(e) for e in errors] == [exceptions.RegistrationStateError]
    assert len([r for r in results if r is not None]) == 1
    fresh = Registration.objects.get(pk=registration.pk)
    assert (fresh.state, fresh.attended_at, fresh.attended_by) == (
        RegistrationState.CONFIRMED, None, None)


def test_control_without_the_lock_both_doors_say_checked_in(space, monkeypatch):
    """Proves the first test can fail: when the state is read without the row lock, both
    doors see "confirmed" and both tell their person "checked in"."""

    def read_without_lock(registration):
        fresh = Registration.objects.select_related("event").get(pk=registration.pk)
        time.sleep(0.05)
        return fresh.event, fresh

    monkeypatch.setattr(checkin.services, "registration_lock", read_without_lock)
    doubled = False
    for _attempt in range(3):
        event = soon(space)
        registration = services.registration_create(event, user=UserFactory())
        doors = [make_organiser(space), make_organiser(space)]
        results, errors = run_together(
            2, lambda i, event=event, registration=registration, doors=doors: checkin_by_code(
                event, registration.ticket_code, actor=doors[i]))
        assert errors == []
        if [r.outcome for r in results] == [CheckinOutcome.CHECKED_IN] * 2:
            doubled = True
            break
    assert doubled
