"""events.services.registration, the paths its mutation run found unchecked (issue 14): the
window's refusals one by one, a stale member object, the replay after a lost race, who a
cancellation is recorded against, what each service asks registration_accounts_lock to lock,
and the notifications each path sends."""

import datetime as dt
import uuid

import pytest
from django.db import IntegrityError
from django.utils import timezone

from credits import services as credits
from credits.selectors import transfers_for_reference
from events import exceptions, payments, services
from events.models import CancelReason, EventPage, Registration, RegistrationState
from events.services import registration as registration_module
from tests.events.registration_factories import make_organiser, publish_event, space_in
from tests.network.factories import UserFactory
from tests.refusals import refusal

pytestmark = pytest.mark.django_db

PRICE = 10


@pytest.fixture
def space(site_tree):
    return space_in(site_tree)


def member_with(amount: int):
    user = UserFactory()
    credits.transfer_post(debit=credits.account_network("issuance"),
                          credit=credits.account_for_member(user), amount=amount,
                          code="grant", idempotency_key=f"test-grant-{uuid.uuid4()}")
    return user


def ledger(registration) -> list[tuple[str, object]]:
    """The registration's transfers, oldest first: (state, created_by)."""
    rows = transfers_for_reference(payments.registration_reference(registration))
    return sorted(((t.state, t.created_by) for t in rows),
                  key=lambda row: ["pending", "posted", "voided"].index(row[0]))


def test_a_control_character_in_the_guest_email_says_one_line(space):
    event = publish_event(space, guests_allowed=True)
    assert refusal(exceptions.RegistrationInvalid, services.registration_create, event,
                   guest_name="Ada", guest_email="ada@exam\x07ple.org") == (
        "Names and e-mail addresses must be one line.")
    assert not Registration.objects.filter(event=event).exists()


def test_a_guest_email_is_stored_trimmed_and_lower_case(space):
    event = publish_event(space, guests_allowed=True)
    registration = services.registration_create(event, guest_name="  Ada Lovelace ",
                                                guest_email=" Ada@Example.ORG ")
    fresh = Registration.objects.get(pk=registration.pk)
    assert (fresh.guest_name, fresh.guest_email) == ("Ada Lovelace", "ada@example.org")
    again = services.registration_create(event, guest_name="Ada Lovelace",
                                         guest_email="ADA@example.org")
    assert again.pk == registration.pk


def test_a_member_deactivated_since_the_object_was_loaded_is_refused(space):
    event = publish_event(space)
    user = UserFactory()
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    assert user.is_active  # the caller's copy still says active: the row lock reads the truth
    assert refusal(exceptions.RegistrationInvalid, services.registration_create, event,
                   user=user) == "This account is not active."
    assert not Registration.objects.filter(event=event).exists()


def test_registering_again_after_a_cancellation_returns_the_new_active_registration(space):
    event = publish_event(space)
    user = UserFactory()
    first = services.registration_create(event, user=user)
    services.registration_cancel(first, actor=user)
    second = services.registration_create(event, user=user)
    assert second.pk != first.pk
    assert second.state == RegistrationState.CONFIRMED
    replay = services.registration_create(event, user=user)
    assert (replay.pk, replay.state) == (second.pk, RegistrationState.CONFIRMED)


def test_a_guest_who_registered_again_after_cancelling_gets_the_active_one(space):
    event = publish_event(space, guests_allowed=True)
    first = services.registration_create(event, guest_name="Ada", guest_email="ada@example.org")
    services.registration_cancel(first)
    second = services.registration_create(event, guest_name="Ada",
                                          guest_email="ada@example.org")
    replay = services.registration_create(event, guest_name="Ada",
                                          guest_email="ada@example.org")
    assert second.pk != first.pk
    assert (replay.pk, replay.state) == (second.pk, RegistrationState.CONFIRMED)


def test_a_lost_race_hands_back_the_registration_that_won(space, monkeypatch):
    """The partial unique index refused the second insert: the one that won comes back."""
    event = publish_event(space)
    user = UserFactory()
    winner = services.registration_create(event, user=user)

    def lost(*args, **kwargs):
        raise IntegrityError("registration_one_active_per_member")

    monkeypatch.setattr(registration_module, "_registration_create_locked", lost)
    again = services.registration_create(event, user=user)
    assert (again.pk, again.state) == (winner.pk, RegistrationState.CONFIRMED)
    with pytest.raises(IntegrityError):  # nobody won: the error is not swallowed
        services.registration_create(event, user=UserFactory())


def test_a_lost_race_of_a_guest_hands_back_the_guests_registration(space, monkeypatch):
    event = publish_event(space, guests_allowed=True)
    member = services.registration_create(event, user=UserFactory())
    guest = services.registration_create(event, guest_name="Ada",
                                         guest_email="ada@example.org")

    def lost(*args, **kwargs):
        raise IntegrityError("registration_one_active_per_guest")

    monkeypatch.setattr(registration_module, "_registration_create_locked", lost)
    again = services.registration_create(event, guest_name="Ada", guest_email="ada@example.org")
    assert again.pk == guest.pk != member.pk


def test_an_unpublished_event_is_not_open_yet(space):
    event = publish_event(space)
    EventPage.objects.filter(pk=event.pk).update(live=False)
    assert refusal(exceptions.RegistrationClosed, services.registration_create,
                   EventPage.objects.get(pk=event.pk), user=UserFactory()) == (
        "Registration for this event is not open yet.")


def test_a_closed_event_says_closed(space):
    event = publish_event(space, registration_closes_at=timezone.now() - dt.timedelta(hours=1))
    assert refusal(exceptions.RegistrationClosed, services.registration_create, event,
                   user=UserFactory()) == "Registration for this event is closed."


def test_a_cancelled_event_refuses_members_and_organisers_with_the_reason(space):
    event = publish_event(space)
    EventPage.objects.filter(pk=event.pk).update(status="cancelled")
    event = EventPage.objects.get(pk=event.pk)
    organiser = make_organiser(space)
    for actor in (None, organiser):
        assert refusal(exceptions.EventCancelled, services.registration_create, event,
                       user=UserFactory(), actor=actor) == "This event has been cancelled."
    assert not Registration.objects.filter(event=event).exists()


def test_an_imported_event_refuses_even_its_organisers(space):
    event = publish_event(space)
    EventPage.objects.filter(pk=event.pk).update(origin={"uid": "x@elsewhere.example"})
    event = EventPage.objects.get(pk=event.pk)
    for actor in (None, make_organiser(space)):
        assert refusal(exceptions.RegistrationElsewhere, services.registration_create, event,
                       user=UserFactory(), actor=actor) == (
            "This event is imported: register on the site it comes from.")
    assert not Registration.objects.filter(event=event).exists()


def test_an_organiser_adds_people_outside_the_window(space):
    event = publish_event(space, registration_closes_at=timezone.now() - dt.timedelta(hours=1),
                          guests_allowed=False)
    organiser = make_organiser(space)
    member = services.registration_create(event, user=UserFactory(), actor=organiser)
    guest = services.registration_create(event, guest_name="Ada", guest_email="ada@example.org",
                                         actor=organiser)
    assert (member.state, guest.state) == (RegistrationState.CONFIRMED,
                                           RegistrationState.CONFIRMED)


def test_a_new_registration_is_created_and_confirmed_at_the_same_moment(space):
    event = publish_event(space, capacity=1, waitlist_enabled=True)
    confirmed = services.registration_create(event, user=UserFactory())
    waiting = services.registration_create(event, user=UserFactory())
    fresh = Registration.objects.get(pk=confirmed.pk)
    assert fresh.created_at == fresh.confirmed_at
    assert confirmed.event_id == waiting.event_id == event.pk
    assert (Registration.objects.get(pk=waiting.pk).confirmed_at, waiting.waitlist_position) == (
        None, 1)


def test_what_registering_tells_and_locks_when_seats_freed_silently(space, told, locks):
    """Two people wait, the capacity is raised by one: the first waiting is promoted and
    the newcomer waits behind the second; the promotion chain and the newcomer's account are
    locked in one call, before the first payment."""
    event = publish_event(space, capacity=1, waitlist_enabled=True)
    services.registration_create(event, user=UserFactory())
    first = services.registration_create(event, user=UserFactory())
    second = services.registration_create(event, user=UserFactory())
    EventPage.objects.filter(pk=event.pk).update(capacity=2)
    told.clear()
    locks.clear()
    newcomer = services.registration_create(EventPage.objects.get(pk=event.pk),
                                            user=UserFactory())
    assert newcomer.state == RegistrationState.WAITLISTED
    assert newcomer.waitlist_position == 3
    assert told == [("promoted", first.pk), ("waitlisted", newcomer.pk)]
    assert locks == [{"place": [first.pk, second.pk, None]}]
    assert Registration.objects.get(pk=first.pk).state == RegistrationState.CONFIRMED


def test_cancelling_tells_the_person_and_the_promoted_one(space, told):
    event = publish_event(space, capacity=1, waitlist_enabled=True)
    user = UserFactory()
    seat = services.registration_create(event, user=user)
    waiting = services.registration_create(event, user=UserFactory())
    told.clear()
    services.registration_cancel(seat, actor=user)
    assert told == [("cancelled", seat.pk), ("promoted", waiting.pk)]


def test_an_erasure_tells_nobody_about_the_cancellation(space, told):
    event = publish_event(space)
    user = UserFactory()
    registration = services.registration_create(event, user=user)
    told.clear()
    cancelled = services.registration_cancel(registration, erasure=True)
    assert told == []
    assert cancelled.state == RegistrationState.CANCELLED


def test_a_late_erasure_still_gives_the_credits_back(space, locks):
    event = publish_event(space, price_credits=PRICE, starts_in_days=0.01,
                          cancellation_deadline_hours=24)
    user = member_with(20)
    registration = services.registration_create(event, user=user)
    locks.clear()
    services.registration_cancel(registration, erasure=True)
    assert locks == [{"void": [registration.pk], "post": [], "place": []}]
    assert ledger(registration) == [("pending", user), ("voided", None)]


def test_a_late_cancellation_by_the_member_pays_the_seat_and_locks_for_the_post(space, locks):
    event = publish_event(space, price_credits=PRICE, starts_in_days=0.01,
                          cancellation_deadline_hours=24)
    user = member_with(20)
    registration = services.registration_create(event, user=user)
    locks.clear()
    cancelled = services.registration_cancel(registration, actor=user)
    assert locks == [{"void": [], "post": [registration.pk], "place": []}]
    assert ledger(registration) == [("pending", user), ("posted", user)]
    assert (cancelled.cancel_reason, cancelled.cancelled_at is not None) == (
        CancelReason.PERSON, True)


def test_a_timely_cancellation_by_the_member_locks_for_the_void(space, locks):
    event = publish_event(space, price_credits=PRICE, starts_in_days=7,
                          cancellation_deadline_hours=24)
    user = member_with(20)
    registration = services.registration_create(event, user=user)
    locks.clear()
    services.registration_cancel(registration, actor=user)
    assert locks == [{"void": [registration.pk], "post": [], "place": []}]
    assert ledger(registration) == [("pending", user), ("voided", user)]


def test_an_organiser_cancelling_someone_late_refunds_and_is_recorded(space, locks):
    event = publish_event(space, price_credits=PRICE, starts_in_days=0.01,
                          cancellation_deadline_hours=24)
    user = member_with(20)
    organiser = make_organiser(space)
    registration = services.registration_create(event, user=user)
    before = timezone.now()
    cancelled = services.registration_cancel(registration, actor=organiser)
    fresh = Registration.objects.get(pk=registration.pk)
    assert (fresh.state, fresh.cancel_reason) == (RegistrationState.CANCELLED,
                                                  CancelReason.ORGANISER)
    assert before <= fresh.cancelled_at == cancelled.cancelled_at <= timezone.now()
    assert ledger(registration) == [("pending", user), ("voided", organiser)]


def test_an_organiser_cancelling_their_own_seat_late_pays_like_anyone(space):
    event = publish_event(space, price_credits=PRICE, starts_in_days=0.01,
                          cancellation_deadline_hours=24)
    organiser = make_organiser(space)
    credits.transfer_post(debit=credits.account_network("issuance"),
                          credit=credits.account_for_member(organiser), amount=20,
                          code="grant", idempotency_key=f"test-grant-{uuid.uuid4()}")
    registration = services.registration_create(event, user=organiser)
    cancelled = services.registration_cancel(registration, actor=organiser)
    assert cancelled.cancel_reason == CancelReason.PERSON
    assert ledger(registration) == [("pending", organiser), ("posted", organiser)]


def test_checking_in_records_who_and_when_and_posts_as_the_organiser(space, locks):
    event = publish_event(space, price_credits=PRICE, starts_in_days=0.01)
    user = member_with(20)
    organiser = make_organiser(space)
    registration = services.registration_create(event, user=user)
    locks.clear()
    before = timezone.now()
    attended = services.registration_mark_attended(registration, actor=organiser)
    fresh = Registration.objects.get(pk=registration.pk)
    assert (fresh.state, fresh.attended_by) == (RegistrationState.ATTENDED, organiser)
    assert before <= fresh.attended_at == attended.attended_at <= timezone.now()
    assert locks == [{"post": [registration.pk], "reward": [registration.pk]}]
    assert ledger(registration) == [("pending", user), ("posted", organiser)]
    again = services.registration_mark_attended(registration, actor=organiser)
    assert (again.pk, again.attended_at) == (registration.pk, fresh.attended_at)


def test_checking_in_needs_an_organiser(space):
    event = publish_event(space)
    user = UserFactory()
    registration = services.registration_create(event, user=user)
    assert refusal(exceptions.RegistrationNotAllowed, services.registration_mark_attended,
                   registration, actor=user) == (
        "You are not allowed to change this registration.")
    assert Registration.objects.get(pk=registration.pk).state == RegistrationState.CONFIRMED


def test_a_replay_returns_this_events_registration_not_an_earlier_one_elsewhere(space):
    earlier = publish_event(space)
    event = publish_event(space)
    user = UserFactory()
    elsewhere = services.registration_create(earlier, user=user)
    here = services.registration_create(event, user=user)
    replay = services.registration_create(event, user=user)
    assert (replay.pk, replay.event_id) == (here.pk, event.pk) != (elsewhere.pk, earlier.pk)


def test_a_guests_replay_returns_that_guests_registration_not_another_guests(space,
                                                                            monkeypatch):
    event = publish_event(space, guests_allowed=True)
    bob = services.registration_create(event, guest_name="Bob", guest_email="bob@example.org")
    ada = services.registration_create(event, guest_name="Ada", guest_email="ada@example.org")
    replay = services.registration_create(event, guest_name="Ada", guest_email="ada@example.org")
    assert replay.pk == ada.pk != bob.pk

    def lost(*args, **kwargs):
        raise IntegrityError("registration_one_active_per_guest")

    monkeypatch.setattr(registration_module, "_registration_create_locked", lost)
    again = services.registration_create(event, guest_name="Ada", guest_email="ada@example.org")
    assert again.pk == ada.pk


def test_leaving_the_waiting_list_tells_the_person_and_is_theirs_to_do(space, told):
    event = publish_event(space, capacity=1, waitlist_enabled=True)
    services.registration_create(event, user=UserFactory())
    user = UserFactory()
    waiting = services.registration_create(event, user=user)
    told.clear()
    assert refusal(exceptions.RegistrationNotAllowed, services.registration_leave_waitlist,
                   waiting, actor=UserFactory()) == (
        "You are not allowed to change this registration.")
    assert Registration.objects.get(pk=waiting.pk).state == RegistrationState.WAITLISTED
    left = services.registration_leave_waitlist(waiting, actor=user)
    assert (left.state, left.cancel_reason) == (RegistrationState.CANCELLED, CancelReason.PERSON)
    assert told == [("cancelled", waiting.pk)]


def test_an_organiser_takes_someone_off_the_waiting_list(space):
    event = publish_event(space, capacity=1, waitlist_enabled=True)
    services.registration_create(event, user=UserFactory())
    waiting = services.registration_create(event, user=UserFactory())
    left = services.registration_leave_waitlist(waiting, actor=make_organiser(space))
    assert (left.state, left.cancel_reason) == (RegistrationState.CANCELLED,
                                                CancelReason.ORGANISER)


def test_an_erasure_takes_someone_off_the_waiting_list_silently(space, told):
    event = publish_event(space, capacity=1, waitlist_enabled=True)
    services.registration_create(event, user=UserFactory())
    waiting = services.registration_create(event, user=UserFactory())
    told.clear()
    left = services.registration_leave_waitlist(waiting, erasure=True)
    assert left.state == RegistrationState.CANCELLED
    assert told == []


def test_a_reward_at_check_in_is_paid_as_the_organiser(space):
    organiser = make_organiser(space)
    event = publish_event(space, reward_speaker=3)
    registration = services.registration_create(event, user=UserFactory(), role="speaker",
                                                actor=organiser)
    services.registration_mark_attended(registration, actor=organiser)
    (reward,) = transfers_for_reference(payments.registration_reference(registration))
    assert (reward.state, reward.amount, reward.code, reward.created_by) == (
        "posted", 3, "earn_speaker", organiser)


def test_a_reward_the_space_cannot_pay_says_why(space):
    organiser = make_organiser(space)
    event = publish_event(space, reward_host=100_000)
    registration = services.registration_create(event, user=UserFactory(), role="host",
                                                actor=organiser)
    assert refusal(exceptions.RewardNotPaid, services.registration_mark_attended, registration,
                   actor=organiser) == (
        "The space's account cannot pay this reward now (issuance limit reached).")
    assert Registration.objects.get(pk=registration.pk).state == RegistrationState.CONFIRMED


def test_a_cancellation_locks_the_waiting_chain_with_the_refund(space, locks):
    event = publish_event(space, price_credits=PRICE, capacity=1, waitlist_enabled=True,
                          cancellation_deadline_hours=24)
    user = member_with(20)
    seat = services.registration_create(event, user=user)
    waiting = services.registration_create(event, user=member_with(20))
    locks.clear()
    services.registration_cancel(seat, actor=user)
    assert locks == [{"void": [seat.pk], "post": [], "place": [waiting.pk]}]
    assert Registration.objects.get(pk=waiting.pk).state == RegistrationState.CONFIRMED
