"""Paid events at their edges (issue 14): the cancellation deadline and the settlement
window to the microsecond, what a failed promotion writes, who is recorded on a hold, and
how many holds settlement reports."""

import datetime as dt
import io
import uuid

import pytest
from django.core.management import call_command
from django.utils import timezone

from credits import services as credits
from credits.selectors import account_balance, transfers_for_reference
from events import payments, services
from events.models import EventPage, Registration, RegistrationState
from tests.events.registration_factories import make_organiser, publish_event, space_in
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db

PRICE = 10


@pytest.fixture
def space(site_tree):
    return space_in(site_tree)


@pytest.fixture
def at(monkeypatch):
    """`at(moment)`: from now on `timezone.now()` returns `moment`."""
    def pin(moment):
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return moment
    return pin


def member_with(amount: int):
    user = UserFactory()
    credits.transfer_post(debit=credits.account_network("issuance"),
                          credit=credits.account_for_member(user), amount=amount,
                          code="grant", idempotency_key=f"test-grant-{uuid.uuid4()}")
    return user


def states(registration):
    return [t.state for t in transfers_for_reference(payments.registration_reference(registration))]


def available(user):
    return account_balance(credits.account_for_member(user)).available


# --- the cancellation deadline ------------------------------------------------------------


def paid_event_and_registration(space, user):
    starts = timezone.now().replace(microsecond=0) + dt.timedelta(days=3)
    event = publish_event(space, price_credits=PRICE, starts_at=starts,
                          cancellation_deadline_hours=24)
    return starts - dt.timedelta(hours=24), services.registration_create(event, user=user)


def test_cancelling_one_microsecond_before_the_deadline_gives_the_credits_back(space, at):
    user = member_with(PRICE)
    deadline, registration = paid_event_and_registration(space, user)
    at(deadline - dt.timedelta(microseconds=1))
    services.registration_cancel(registration, actor=user)
    assert states(registration) == ["pending", "voided"]
    assert available(user) == PRICE


def test_cancelling_exactly_at_the_deadline_pays_the_seat(space, at):
    user = member_with(PRICE)
    deadline, registration = paid_event_and_registration(space, user)
    at(deadline)
    services.registration_cancel(registration, actor=user)
    assert states(registration) == ["pending", "posted"]
    assert available(user) == 0
    assert account_balance(credits.account_for_space(space)).posted == PRICE


# --- what a promotion writes when the person cannot pay ------------------------------------


def test_a_promoted_person_who_cannot_pay_is_cancelled_with_no_confirmation_time(space, at):
    event = publish_event(space, price_credits=PRICE, capacity=1)
    seated = services.registration_create(event, user=member_with(PRICE))
    broke = services.registration_create(event, user=UserFactory())
    able = services.registration_create(event, user=member_with(PRICE))
    moment = at(timezone.now().replace(microsecond=0) + dt.timedelta(minutes=3))
    services.registration_cancel(seated)
    broke, able = (Registration.objects.get(pk=r.pk) for r in (broke, able))
    assert (broke.state, broke.confirmed_at, broke.cancelled_at) == (
        RegistrationState.CANCELLED, None, moment)
    assert (able.state, able.confirmed_at, able.cancelled_at) == (
        RegistrationState.CONFIRMED, moment, None)


# --- who is recorded on the ledger ----------------------------------------------------------


def test_the_member_is_recorded_as_creating_their_hold_and_the_organiser_its_void(space):
    event = publish_event(space, price_credits=PRICE)
    user = member_with(PRICE)
    organiser = make_organiser(space)
    registration = services.registration_create(event, user=user)
    services.registration_cancel(registration, actor=organiser)
    hold, void = transfers_for_reference(payments.registration_reference(registration))
    assert (hold.state, hold.created_by) == ("pending", user)
    assert (void.state, void.created_by) == ("voided", organiser)


def test_a_hold_placed_by_a_promotion_is_recorded_as_the_members_own(space):
    event = publish_event(space, price_credits=PRICE, capacity=1)
    seated = services.registration_create(event, user=member_with(PRICE))
    waiting_user = member_with(PRICE)
    waiting = services.registration_create(event, user=waiting_user)
    services.registration_cancel(seated, actor=make_organiser(space))
    (hold,) = transfers_for_reference(payments.registration_reference(waiting))
    assert (hold.state, hold.created_by) == ("pending", waiting_user)


def test_check_in_records_the_organiser_as_posting_the_hold(space):
    event = publish_event(space, price_credits=PRICE)
    organiser = make_organiser(space)
    registration = services.registration_create(event, user=member_with(PRICE))
    services.registration_mark_attended(registration, actor=organiser)
    _hold, post = transfers_for_reference(payments.registration_reference(registration))
    assert (post.state, post.created_by) == ("posted", organiser)


# --- settlement: the count and the 30-day window -------------------------------------------


def started_event(space, starts_at, registrants=1):
    event = publish_event(space, price_credits=PRICE)
    registrations = [services.registration_create(event, user=member_with(PRICE))
                     for _ in range(registrants)]
    EventPage.objects.filter(pk=event.pk).update(starts_at=starts_at,
                                                 ends_at=starts_at + dt.timedelta(hours=2))
    return registrations


def test_settlement_returns_the_number_of_holds_posted_then_zero(space):
    now = timezone.now()
    registrations = started_event(space, now - dt.timedelta(hours=1), registrants=3)
    # An organiser's cancellation voids the hold: nothing left to settle for that one.
    services.registration_cancel(registrations[2], actor=make_organiser(space))
    assert services.event_settle_started(now=now) == 2
    assert services.event_settle_started(now=now) == 0
    assert [states(r) for r in registrations] == [["pending", "posted"], ["pending", "posted"],
                                                  ["pending", "voided"]]


def test_settlement_window_includes_both_ends_exactly(space):
    now = timezone.now().replace(microsecond=0) + dt.timedelta(days=60)
    (oldest,) = started_event(space, now - dt.timedelta(days=30))
    (newest,) = started_event(space, now)
    assert services.event_settle_started(now=now) == 2
    assert (states(oldest), states(newest)) == (["pending", "posted"], ["pending", "posted"])


def test_settlement_window_excludes_one_microsecond_outside_either_end(space):
    now = timezone.now().replace(microsecond=0) + dt.timedelta(days=60)
    (too_old,) = started_event(space, now - dt.timedelta(days=30, microseconds=1))
    (not_yet,) = started_event(space, now + dt.timedelta(microseconds=1))
    assert services.event_settle_started(now=now) == 0
    assert (states(too_old), states(not_yet)) == (["pending"], ["pending"])


def test_settlement_window_follows_the_window_argument(space):
    now = timezone.now().replace(microsecond=0) + dt.timedelta(days=60)
    (registration,) = started_event(space, now - dt.timedelta(days=2))
    assert services.event_settle_started(now=now, window=dt.timedelta(days=1)) == 0
    assert services.event_settle_started(now=now, window=dt.timedelta(days=2)) == 1
    assert states(registration) == ["pending", "posted"]


def test_settle_command_prints_the_number_of_holds_posted(space):
    started_event(space, timezone.now() - dt.timedelta(hours=1), registrants=2)
    out = io.StringIO()
    call_command("events_settle_started", stdout=out)
    call_command("events_settle_started", stdout=out)
    assert out.getvalue() == "Posted 2 hold(s).\nPosted 0 hold(s).\n"
