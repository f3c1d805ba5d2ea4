"""events.checkin exactly (issue 14, the mutation run): each refusal's own sentence (a
`match=` on a fragment lets a mangled one through), the door's answer for each state, what a
walk-in asks registration_accounts_lock to lock, and the walk-in flag."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from credits import services as credits
from events import payments, services
from events.checkin import (
    CheckinOutcome,
    CheckinResult,
    checkin_by_code,
    checkin_registration,
    checkin_undo,
    checkin_walk_in,
)
from events.exceptions import (
    CheckinNotAllowed,
    EventFull,
    RegistrationNotFound,
    RegistrationStateError,
    UndoNotAllowed,
)
from events.models import Registration, RegistrationState
from tests.events.registration_factories import make_organiser, publish_event, space_in
from tests.network.factories import UserFactory
from tests.refusals import refusal

pytestmark = pytest.mark.django_db


@pytest.fixture
def space(site_tree):
    return space_in(site_tree)


@pytest.fixture
def organiser(space):
    return make_organiser(space)


@pytest.fixture
def locks(monkeypatch):
    calls: list[dict] = []
    original = payments.registration_accounts_lock

    def spy(event, **kwargs):
        calls.append({key: [r.user_id for r in value] if key != "space" else value
                      for key, value in kwargs.items()})
        return original(event, **kwargs)

    monkeypatch.setattr(payments, "registration_accounts_lock", spy)
    return calls


def soon(space, **fields):
    return publish_event(space, starts_in_days=1 / 24, **fields)


def member_with(amount: int, **fields):
    user = UserFactory(**fields)
    credits.transfer_post(debit=credits.account_network("issuance"),
                          credit=credits.account_for_member(user), amount=amount,
                          code="grant", idempotency_key=f"test-grant-{uuid.uuid4()}")
    return user


def test_a_walk_in_at_a_full_event_says_nobody_was_added(space, organiser):
    for waitlist in (True, False):
        event = soon(space, capacity=1, waitlist_enabled=waitlist)
        services.registration_create(event, user=UserFactory())
        assert refusal(EventFull, checkin_walk_in, event, name="Late",
                       email="late@example.org", actor=organiser) == (
            "No seat left: the event is full. Nobody was added.")
        assert Registration.objects.filter(event=event).count() == 1


def test_someone_who_is_not_an_organiser_is_told_who_checks_in(space):
    event = soon(space)
    registration = services.registration_create(event, user=UserFactory())
    for call, argument in ((checkin_by_code, registration.ticket_code),
                           (checkin_registration, registration.pk),
                           (checkin_undo, registration.pk)):
        assert refusal(CheckinNotAllowed, call, event, argument, actor=UserFactory()) == (
            "Only the organisers of this event can check people in.")
    assert refusal(CheckinNotAllowed, checkin_walk_in, event, name="Ada",
                   email="ada@example.org", actor=UserFactory()) == (
        "Only the organisers of this event can check people in.")
    assert Registration.objects.get(pk=registration.pk).state == RegistrationState.CONFIRMED


@pytest.mark.parametrize("bad_pk", [0, 2**63 - 1, 2**63, "7x"])
def test_a_registration_that_is_not_here_says_so(space, organiser, bad_pk):
    event = soon(space)
    for call in (checkin_registration, checkin_undo):
        assert refusal(RegistrationNotFound, call, event, bad_pk, actor=organiser) == (
            "No such registration for this event.")


def test_the_first_registration_id_is_found(space, organiser):
    """Id 1 is a real id (the lower bound is 0 < pk, not 1 < pk)."""
    event = soon(space)
    registration = services.registration_create(event, user=UserFactory())
    if registration.pk != 1:  # a database that has had registrations before
        assert not Registration.objects.filter(pk=1).exists()
        Registration.objects.filter(pk=registration.pk).update(id=1)
    result = checkin_registration(event, "1", actor=organiser)
    assert (result.outcome, result.registration.pk) == (CheckinOutcome.CHECKED_IN, 1)
    assert checkin_undo(event, 1, actor=organiser).state == RegistrationState.CONFIRMED


def test_undo_refusals_say_why(space, organiser):
    event = soon(space)
    registration = services.registration_create(event, user=UserFactory())
    assert refusal(RegistrationStateError, checkin_undo, event, registration.pk,
                   actor=organiser) == "This person is not checked in."
    checkin_registration(event, registration.pk, actor=organiser)
    attended_at = Registration.objects.get(pk=registration.pk).attended_at
    assert refusal(UndoNotAllowed, checkin_undo, event, registration.pk, actor=organiser,
                   now=attended_at + dt.timedelta(days=1)) == (
        "This check-in can no longer be undone.")
    assert Registration.objects.get(pk=registration.pk).state == RegistrationState.ATTENDED


def test_the_door_answers_each_state_with_its_tone(space, organiser):
    event = soon(space, capacity=1, waitlist_enabled=True)
    seat = services.registration_create(event, user=UserFactory())
    waiting = services.registration_create(event, user=UserFactory())
    first = checkin_registration(event, seat.pk, actor=organiser)
    again = checkin_registration(event, seat.pk, actor=organiser)
    queued = checkin_registration(event, waiting.pk, actor=organiser)
    assert [(r.outcome, r.tone, r.ok, r.registration.pk) for r in (first, again, queued)] == [
        (CheckinOutcome.CHECKED_IN, "ok", True, seat.pk),
        (CheckinOutcome.ALREADY, "warn", False, seat.pk),
        (CheckinOutcome.WAITLISTED, "bad", False, waiting.pk)]
    assert CheckinResult(CheckinOutcome.UNKNOWN).tone == "bad"


def test_a_member_walk_in_locks_the_members_account_and_the_space_first(space, organiser,
                                                                      locks):
    event = soon(space, price_credits=5)
    member = member_with(5, email="walker@example.org")
    locks.clear()  # publishing the event asked for its (empty) promotion chain
    result = checkin_walk_in(event, name="ignored", email=" walker@example.org ",
                             actor=organiser)
    assert (result.outcome, result.registration.user_id, result.registration.walk_in) == (
        CheckinOutcome.CHECKED_IN, member.pk, True)
    assert locks[0] == {"place": [member.pk], "space": True}


def test_a_guest_walk_in_locks_only_the_space(space, organiser, locks):
    event = soon(space)
    locks.clear()
    result = checkin_walk_in(event, name="Ada", email="ada@example.org", actor=organiser)
    assert (result.registration.user_id, result.registration.walk_in) == (None, True)
    assert locks[0] == {"place": [], "space": True}


def test_a_walk_in_registered_in_the_same_instant_is_still_a_walk_in(space, organiser,
                                                                     monkeypatch):
    """The door's clock and the registration's are one clock: a registration stamped the
    very moment the walk-in began (a coarse clock, a fast server) is this walk-in's."""
    event = soon(space)
    moment = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: moment)
    result = checkin_walk_in(event, name="Ada", email="ada@example.org", actor=organiser)
    registration = Registration.objects.get(pk=result.registration.pk)
    assert (registration.created_at, registration.walk_in) == (moment, True)
    assert result.outcome == CheckinOutcome.CHECKED_IN
