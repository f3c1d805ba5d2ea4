"""Check-in at the door (issue 9): by ticket code, by registration, walk-ins, undo, the
check-in window, and what check-in pays (through events.services, exactly once)."""

import datetime as dt
import uuid

import pytest
import segno
from django.utils import timezone, translation

from credits import services as credits
from credits.selectors import account_balance, transfers_for_reference
from events import exceptions, payments, services, tickets
from events.checkin import (
    CheckinOutcome,
    checkin_by_code,
    checkin_is_open,
    checkin_registration,
    checkin_undo,
    checkin_walk_in,
    checkin_window,
)
from events.exceptions import (
    CheckinClosed,
    CheckinNotAllowed,
    RegistrationNotFound,
    UndoNotAllowed,
)
from events.models import Registration, RegistrationState, RevokedTicket
from events.selectors import checkin_counts
from tests.events.registration_factories import (
    make_coordinator,
    make_organiser,
    publish_event,
    space_in,
)
from tests.network.factories import MemberProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

ATTENDED = RegistrationState.ATTENDED
CONFIRMED = RegistrationState.CONFIRMED


@pytest.fixture
def space(site_tree):
    return space_in(site_tree)


@pytest.fixture
def organiser(space):
    return make_organiser(space)


def soon(space, **fields):
    """An event starting in one hour: inside the default two-hour check-in window."""
    return publish_event(space, starts_in_days=1 / 24, **fields)


def member_with(amount: int):
    user = UserFactory()
    credits.transfer_post(debit=credits.account_network("issuance"),
                          credit=credits.account_for_member(user), amount=amount,
                          code="grant", idempotency_key=f"test-grant-{uuid.uuid4()}")
    return user


# --- by code ---------------------------------------------------------------------------

def test_a_confirmed_ticket_checks_in_once_and_records_who_and_when(space, organiser):
    event = soon(space)
    registration = services.registration_create(event, user=UserFactory())

    result = checkin_by_code(event, registration.ticket_code, actor=organiser)

    assert result.outcome == CheckinOutcome.CHECKED_IN
    assert result.tone == "ok"
    registration.refresh_from_db()
    assert registration.state == ATTENDED
    assert registration.attended_by == organiser
    assert registration.attended_at is not None


def test_the_second_scan_says_already_checked_in_with_when_and_by_whom(space, organiser):
    event = soon(space)
    registration = services.registration_create(event, user=UserFactory())
    first = checkin_by_code(event, registration.ticket_code, actor=organiser)

    second = checkin_by_code(event, registration.ticket_code, actor=make_organiser(space))

    assert second.outcome == CheckinOutcome.ALREADY
    assert second.tone == "warn"
    assert second.registration.attended_by == organiser
    assert second.registration.attended_at == first.registration.attended_at


def test_a_pasted_ticket_link_and_surrounding_spaces_are_accepted(space, organiser):
    event = soon(space)
    registration = services.registration_create(event, user=UserFactory())
    typed = f"  https://example.org/tickets/{registration.ticket_code}/  "
    assert checkin_by_code(event, typed, actor=organiser).outcome == CheckinOutcome.CHECKED_IN


def test_the_door_s_answer_comes_with_the_people_it_shows_loaded(space, organiser,
                                                                django_assert_num_queries):
    """The door's screen shows the event, the holder (and profile) and who checked them in:
    all loaded with the answer, no query per field."""
    event = soon(space)
    holder = MemberProfileFactory().user
    registration = services.registration_create(event, user=holder)
    for result in (checkin_by_code(event, registration.ticket_code, actor=organiser),
                   checkin_registration(event, registration.pk, actor=organiser)):
        answer = result.registration
        with django_assert_num_queries(0):
            shown = (answer.event.pk, answer.user.pk, answer.user.profile.pk,
                     answer.attended_by.pk, hasattr(answer.attended_by, "profile"))
        assert shown == (event.pk, holder.pk, holder.profile.pk, organiser.pk, False)


def test_a_ticket_of_another_event_is_refused_without_naming_the_holder(space, organiser):
    event = soon(space)
    other = soon(space, title="Another workshop")
    registration = services.registration_create(other, user=UserFactory())

    result = checkin_by_code(event, registration.ticket_code, actor=organiser)

    assert result.outcome == CheckinOutcome.WRONG_EVENT
    assert result.registration is None
    assert result.other_event.pk == other.pk
    registration.refresh_from_db()
    assert registration.state == CONFIRMED


def test_a_cancelled_registration_is_refused(space, organiser):
    event = soon(space)
    user = UserFactory()
    registration = services.registration_create(event, user=user)
    services.registration_cancel(registration, actor=user)

    result = checkin_by_code(event, registration.ticket_code, actor=organiser)

    assert result.outcome == CheckinOutcome.CANCELLED
    assert Registration.objects.get(pk=registration.pk).state == RegistrationState.CANCELLED


def test_a_waitlisted_person_is_refused(space, organiser):
    event = soon(space, capacity=1)
    services.registration_create(event, user=UserFactory())
    waiting = services.registration_create(event, user=UserFactory())

    result = checkin_by_code(event, waiting.ticket_code, actor=organiser)

    assert result.outcome == CheckinOutcome.WAITLISTED
    assert Registration.objects.get(pk=waiting.pk).state == RegistrationState.WAITLISTED


def test_a_revoked_ticket_is_refused_and_the_new_code_works(space, organiser):
    event = soon(space)
    user = UserFactory()
    registration = services.registration_create(event, user=user)
    old_code = registration.ticket_code

    renewed = services.ticket_rotate(registration, actor=user)

    assert renewed.ticket_code != old_code
    result = checkin_by_code(event, old_code, actor=organiser)
    assert result.outcome == CheckinOutcome.REVOKED
    assert result.registration.pk == registration.pk
    # the door says when it was revoked
    assert result.revoked_at == RevokedTicket.objects.get(code=old_code).revoked_at
    assert result.revoked_at is not None
    assert Registration.objects.get(pk=registration.pk).state == CONFIRMED
    assert (checkin_by_code(event, renewed.ticket_code, actor=organiser).outcome
            == CheckinOutcome.CHECKED_IN)


def test_a_revoked_ticket_of_another_event_names_that_event_not_the_holder(space, organiser):
    event = soon(space)
    other = soon(space, title="Another workshop")
    user = UserFactory()
    registration = services.registration_create(other, user=user)
    old_code = registration.ticket_code
    services.ticket_rotate(registration, actor=user)

    result = checkin_by_code(event, old_code, actor=organiser)

    assert result.outcome == CheckinOutcome.WRONG_EVENT
    assert result.other_event.pk == other.pk
    assert (result.registration, result.revoked_at) == (None, None)


@pytest.mark.parametrize("garbage", [
    "", "   ", "x", "a" * 33, "a" * 5000, "' OR 1=1 --", "<script>alert(1)</script>",
    "😀😀😀😀😀😀😀😀😀", "\u202egnp.exe", "line\nbreak-code-1234", "-1", "99999999999999999999",
    "/tickets/../admin/",
])
def test_garbage_codes_are_not_a_ticket_and_change_nothing(space, organiser, garbage):
    event = soon(space)
    registration = services.registration_create(event, user=UserFactory())

    result = checkin_by_code(event, garbage, actor=organiser)

    assert result.outcome == CheckinOutcome.UNKNOWN
    assert result.registration is None
    assert Registration.objects.get(pk=registration.pk).state == CONFIRMED


def test_a_well_formed_code_that_was_never_issued_is_not_a_ticket(space, organiser):
    event = soon(space)
    assert (checkin_by_code(event, "A" * 24, actor=organiser).outcome
            == CheckinOutcome.UNKNOWN)


# --- who may ---------------------------------------------------------------------------

def test_an_organiser_of_another_space_cannot_check_in(site_tree, space):
    event = soon(space)
    registration = services.registration_create(event, user=UserFactory())
    stranger = make_organiser(space_in(site_tree, title="Elsewhere"))

    with pytest.raises(CheckinNotAllowed):
        checkin_by_code(event, registration.ticket_code, actor=stranger)
    with pytest.raises(CheckinNotAllowed):
        checkin_registration(event, registration.pk, actor=registration.user)
    assert Registration.objects.get(pk=registration.pk).state == CONFIRMED


def test_a_coordinator_can_check_in_anywhere(space):
    event = soon(space)
    registration = services.registration_create(event, user=UserFactory())
    result = checkin_registration(event, registration.pk, actor=make_coordinator())
    assert result.outcome == CheckinOutcome.CHECKED_IN


# --- the window ------------------------------------------------------------------------

def test_the_window_opens_the_configured_hours_before_the_start(space, organiser):
    event = publish_event(space, starts_in_days=2, checkin_opens_hours_before=3)
    opens, closes = checkin_window(event)
    assert opens == event.starts_at - dt.timedelta(hours=3)
    assert closes == event.ends_at


def test_before_the_window_check_in_is_refused(space, organiser):
    event = publish_event(space, starts_in_days=2)
    registration = services.registration_create(event, user=UserFactory())
    opens, _closes = checkin_window(event)

    with pytest.raises(CheckinClosed) as refused:
        checkin_by_code(event, registration.ticket_code, actor=organiser,
                        now=opens - dt.timedelta(seconds=1))

    assert "Check-in opens at" in str(refused.value)
    assert Registration.objects.get(pk=registration.pk).state == CONFIRMED


def test_exactly_at_the_opening_check_in_is_allowed(space, organiser):
    event = publish_event(space, starts_in_days=2)
    registration = services.registration_create(event, user=UserFactory())
    opens, _closes = checkin_window(event)
    result = checkin_by_code(event, registration.ticket_code, actor=organiser, now=opens)
    assert result.outcome == CheckinOutcome.CHECKED_IN


def test_the_last_second_before_the_end_is_allowed(space, organiser):
    event = soon(space)
    registration = services.registration_create(event, user=UserFactory())
    result = checkin_registration(event, registration.pk, actor=organiser,
                                  now=event.ends_at - dt.timedelta(seconds=1))
    assert result.outcome == CheckinOutcome.CHECKED_IN


@pytest.mark.parametrize("after", [dt.timedelta(0), dt.timedelta(days=3)])
def test_at_and_after_the_end_check_in_is_refused(space, organiser, after):
    event = soon(space)
    registration = services.registration_create(event, user=UserFactory())

    with pytest.raises(CheckinClosed, match="The event has ended"):
        checkin_registration(event, registration.pk, actor=organiser,
                             now=event.ends_at + after)
    with pytest.raises(CheckinClosed):
        checkin_walk_in(event, name="Late Comer", email="late@example.org",
                        actor=organiser, now=event.ends_at + after)
    assert Registration.objects.filter(event=event).count() == 1


def test_a_cancelled_event_has_no_check_in(space, organiser):
    event = soon(space)
    registration = services.registration_create(event, user=UserFactory())
    event.status, event.status_reason = "cancelled", "Flood"
    event.save()
    with pytest.raises(CheckinClosed, match="cancelled"):
        checkin_by_code(event, registration.ticket_code, actor=organiser)


def test_checkin_is_open_from_the_opening_inclusive_to_the_end_exclusive(space):
    event = publish_event(space, starts_in_days=2, checkin_opens_hours_before=3)
    opens, closes = checkin_window(event)
    tick = dt.timedelta(microseconds=1)
    assert [checkin_is_open(event, moment) for moment in
            (opens - tick, opens, closes - tick, closes)] == [False, True, True, False]
    assert checkin_is_open(event) is False  # now: two days before the start
    assert checkin_is_open(soon(space)) is True  # now: an hour before the start


def test_checkin_is_closed_for_a_cancelled_event_inside_the_window(space):
    event = soon(space)
    event.status, event.status_reason = "cancelled", "Flood"
    event.save()
    assert checkin_is_open(event, event.starts_at) is False


def test_the_refusals_say_why_in_the_event_s_time_zone(space, organiser):
    # Not the site's zone (Europe/Rome, the one active in the request): the door reads the
    # opening time in the event's.
    event = publish_event(space, starts_at=dt.datetime(2031, 3, 4, 18, 30, tzinfo=dt.UTC),
                          checkin_opens_hours_before=2, time_zone="America/Sao_Paulo")
    registration = services.registration_create(event, user=UserFactory())
    with pytest.raises(CheckinClosed) as early:
        checkin_by_code(event, registration.ticket_code, actor=organiser,
                        now=dt.datetime(2031, 3, 4, 16, 29, tzinfo=dt.UTC))
    assert str(early.value) == ("Check-in opens at Tue 4 Mar 2031, 13:30 (2 hours before "
                                "the start).")
    with pytest.raises(CheckinClosed) as late:
        checkin_by_code(event, registration.ticket_code, actor=organiser, now=event.ends_at)
    assert str(late.value) == "The event has ended: check-in is closed."
    event.status, event.status_reason = "cancelled", "Flood"
    event.save()
    with pytest.raises(CheckinClosed) as cancelled:
        checkin_by_code(event, registration.ticket_code, actor=organiser,
                        now=event.starts_at)
    assert str(cancelled.value) == ("This event has been cancelled: there is nobody to "
                                    "check in.")


# --- by registration (picked in the search) -----------------------------------------------

@pytest.mark.parametrize("bad_pk", [0, -1, 2**63, 10**30, "abc", None, "1; DROP TABLE x"])
def test_nonsense_registration_ids_are_not_found(space, organiser, bad_pk):
    event = soon(space)
    with pytest.raises(RegistrationNotFound):
        checkin_registration(event, bad_pk, actor=organiser)


def test_a_registration_of_another_event_is_not_found_here(space, organiser):
    event = soon(space)
    elsewhere = services.registration_create(soon(space), user=UserFactory())
    with pytest.raises(RegistrationNotFound):
        checkin_registration(event, elsewhere.pk, actor=organiser)
    assert Registration.objects.get(pk=elsewhere.pk).state == CONFIRMED


# --- money: exactly once -----------------------------------------------------------------

def test_check_in_posts_the_hold_once_and_undo_keeps_the_payment(space, organiser):
    event = soon(space, price_credits=10)
    user = member_with(10)
    registration = services.registration_create(event, user=user)
    reference = payments.registration_reference(registration)

    checkin_by_code(event, registration.ticket_code, actor=organiser)
    checkin_undo(event, registration.pk, actor=organiser)
    checkin_by_code(event, registration.ticket_code, actor=organiser)

    assert [t.state for t in transfers_for_reference(reference)] == ["pending", "posted"]
    assert account_balance(credits.account_for_member(user)).posted == 0
    assert account_balance(credits.account_for_space(space)).posted == 10
    assert Registration.objects.get(pk=registration.pk).state == ATTENDED


def test_a_speakers_reward_is_paid_once_across_undo_and_check_in_again(space, organiser):
    event = soon(space, reward_speaker=15)
    speaker = UserFactory()
    registration = services.registration_create(event, user=speaker, role="speaker",
                                                actor=organiser)

    checkin_registration(event, registration.pk, actor=organiser)
    checkin_undo(event, registration.pk, actor=organiser)
    checkin_registration(event, registration.pk, actor=organiser)

    assert account_balance(credits.account_for_member(speaker)).posted == 15
    (reward,) = transfers_for_reference(payments.registration_reference(registration))
    assert reward.code == "earn_speaker"


def test_a_reward_the_space_cannot_pay_refuses_and_changes_nothing(space, organiser):
    event = soon(space, reward_host=100_000)
    registration = services.registration_create(event, user=UserFactory(), role="host",
                                                actor=organiser)
    with pytest.raises(exceptions.RewardNotPaid):
        checkin_by_code(event, registration.ticket_code, actor=organiser)
    assert Registration.objects.get(pk=registration.pk).state == CONFIRMED


# --- undo ----------------------------------------------------------------------------------

def test_undo_on_the_same_day_makes_the_person_confirmed_again(space, organiser):
    event = soon(space)
    registration = services.registration_create(event, user=UserFactory())
    checkin_registration(event, registration.pk, actor=organiser)

    undone = checkin_undo(event, registration.pk, actor=organiser)

    assert undone.state == CONFIRMED
    assert (undone.attended_at, undone.attended_by) == (None, None)
    assert checkin_counts(event).checked_in == 0


def test_undo_on_a_later_day_is_refused(space, organiser):
    event = soon(space)
    registration = services.registration_create(event, user=UserFactory())
    checkin_registration(event, registration.pk, actor=organiser)
    attended_at = Registration.objects.get(pk=registration.pk).attended_at
    local = timezone.localtime(attended_at, event.tz)
    next_midnight = (local + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0,
                                                           microsecond=0)

    with pytest.raises(UndoNotAllowed):
        checkin_undo(event, registration.pk, actor=organiser, now=next_midnight)

    assert Registration.objects.get(pk=registration.pk).state == ATTENDED
    # The last moment of the same local day is still "within the day".
    checkin_undo(event, registration.pk, actor=organiser,
                 now=next_midnight - dt.timedelta(microseconds=1))
    assert Registration.objects.get(pk=registration.pk).state == CONFIRMED


def test_the_undo_s_day_is_the_event_s_local_day_not_utc(space, organiser):
    """Auckland is UTC+13 in March: a check-in at 09:00 local is 20:00 UTC the day before.
    Undo at 23:00 local (10:00 UTC, the next UTC day) is the same local day: allowed; at
    00:30 local (11:30 UTC, the same UTC day as 23:00 local) it is the next day: refused."""
    zone = "Pacific/Auckland"
    event = publish_event(space, starts_at=dt.datetime(2031, 3, 4, 20, 0, tzinfo=dt.UTC),
                          hours=30, time_zone=zone)
    registration = services.registration_create(event, user=UserFactory())
    checkin_registration(event, registration.pk, actor=organiser, now=event.starts_at)
    Registration.objects.filter(pk=registration.pk).update(attended_at=event.starts_at)
    with pytest.raises(UndoNotAllowed):
        checkin_undo(event, registration.pk, actor=organiser,
                     now=dt.datetime(2031, 3, 5, 11, 30, tzinfo=dt.UTC))
    fresh = checkin_undo(event, registration.pk, actor=organiser,
                         now=dt.datetime(2031, 3, 5, 10, 0, tzinfo=dt.UTC))
    assert (fresh.state, fresh.attended_at, fresh.attended_by) == (CONFIRMED, None, None)
    with pytest.raises(exceptions.RegistrationStateError) as again:
        checkin_undo(event, registration.pk, actor=organiser, now=event.starts_at)
    assert str(again.value) == "This person is not checked in."


def test_undo_of_someone_not_checked_in_is_refused(space, organiser):
    event = soon(space)
    registration = services.registration_create(event, user=UserFactory())
    with pytest.raises(exceptions.RegistrationStateError):
        checkin_undo(event, registration.pk, actor=organiser)


def test_undo_by_someone_else_is_refused(site_tree, space, organiser):
    event = soon(space)
    registration = services.registration_create(event, user=UserFactory())
    checkin_registration(event, registration.pk, actor=organiser)
    with pytest.raises(CheckinNotAllowed):
        checkin_undo(event, registration.pk, actor=registration.user)
    assert Registration.objects.get(pk=registration.pk).state == ATTENDED


# --- walk-ins ------------------------------------------------------------------------------

def test_a_walk_in_guest_is_registered_and_checked_in_in_one_step(space, organiser):
    event = soon(space, capacity=5)

    result = checkin_walk_in(event, name="نور Ünal 😀", email="nour@example.org",
                             actor=organiser)

    assert result.outcome == CheckinOutcome.CHECKED_IN
    registration = result.registration
    assert (registration.state, registration.walk_in) == (ATTENDED, True)
    assert registration.guest_name == "نور Ünal 😀"
    counts = checkin_counts(event)
    assert (counts.checked_in, counts.expected, counts.walk_ins) == (1, 1, 1)


def test_a_walk_in_with_a_members_address_registers_the_member(space, organiser):
    event = soon(space)
    member = UserFactory(email="Known.Member@example.org")
    result = checkin_walk_in(event, name="ignored", email="known.member@EXAMPLE.org",
                             actor=organiser)
    assert result.registration.user == member
    assert result.registration.walk_in is True


@pytest.mark.parametrize(("emails", "typed"), [
    ([("gone@example.org", False)], "gone@example.org"),
    ([("twin@example.org", True), ("TWIN@example.org", True)], "Twin@Example.org"),
], ids=["inactive member", "two members"])
def test_a_walk_in_whose_address_is_no_single_active_member_is_a_guest(space, organiser,
                                                                        emails, typed):
    """Only the address of exactly one active member registers that member."""
    event = soon(space, capacity=5)
    for email, active in emails:
        UserFactory(email=email, is_active=active)
    result = checkin_walk_in(event, name="Guest Walk-in", email=typed, actor=organiser)
    registration = result.registration
    assert (result.outcome, registration.user_id, registration.guest_name,
            registration.walk_in) == (CheckinOutcome.CHECKED_IN, None, "Guest Walk-in", True)


def test_a_blank_walk_in_address_is_refused_even_when_a_member_has_none(space, organiser):
    event = soon(space, capacity=5)
    UserFactory(email="")
    with pytest.raises(exceptions.RegistrationInvalid):
        checkin_walk_in(event, name="Blank", email="  ", actor=organiser)
    assert Registration.objects.filter(event=event).count() == 0


def test_someone_already_registered_is_checked_in_not_counted_as_walk_in(space, organiser):
    event = soon(space)
    member = UserFactory()
    registration = services.registration_create(event, user=member)
    result = checkin_walk_in(event, name="", email=member.email, actor=organiser)
    assert result.registration.pk == registration.pk
    assert result.outcome == CheckinOutcome.CHECKED_IN
    assert result.registration.walk_in is False


def test_a_walk_in_when_full_is_refused_and_adds_nobody(space, organiser):
    event = soon(space, capacity=1)
    services.registration_create(event, user=UserFactory())

    with pytest.raises(exceptions.EventFull, match="No seat left"):
        checkin_walk_in(event, name="Too Late", email="late@example.org", actor=organiser)

    assert Registration.objects.filter(event=event).count() == 1
    assert checkin_counts(event).waitlisted == 0


def test_a_walk_in_when_full_without_waiting_list_is_refused(space, organiser):
    event = soon(space, capacity=1, waitlist_enabled=False)
    services.registration_create(event, user=UserFactory())
    with pytest.raises(exceptions.EventFull, match="No seat left"):
        checkin_walk_in(event, name="Too Late", email="late@example.org", actor=organiser)
    assert Registration.objects.filter(event=event).count() == 1


def test_a_walk_in_does_not_jump_the_waiting_list(space, organiser):
    # A seat freed while people wait goes to the first of them, not to the walk-in.
    event = soon(space, capacity=1)
    first = services.registration_create(event, user=UserFactory())
    waiting = services.registration_create(event, user=UserFactory())
    Registration.objects.filter(pk=first.pk).update(state=RegistrationState.CANCELLED)

    with pytest.raises(exceptions.EventFull):
        checkin_walk_in(event, name="Walk In", email="walk@example.org", actor=organiser)
    # The refusal rolled everything back, the promotion included: nothing changed.
    assert Registration.objects.get(pk=waiting.pk).state == RegistrationState.WAITLISTED


def test_a_guest_walk_in_at_a_paid_event_is_refused(space, organiser):
    event = soon(space, price_credits=5)
    with pytest.raises(exceptions.GuestsNotAllowed):
        checkin_walk_in(event, name="Guest", email="guest@example.org", actor=organiser)
    assert not Registration.objects.filter(event=event).exists()


def test_a_member_walk_in_at_a_paid_event_pays_once(space, organiser):
    event = soon(space, price_credits=5)
    member = member_with(5)
    result = checkin_walk_in(event, name="", email=member.email, actor=organiser)
    reference = payments.registration_reference(result.registration)
    assert [t.state for t in transfers_for_reference(reference)] == ["pending", "posted"]
    assert account_balance(credits.account_for_space(space)).posted == 5


@pytest.mark.parametrize(("name", "email"), [
    ("", "someone@example.org"), ("Name", ""), ("Name", "not-an-email"),
    ("Line\nbreak", "x@example.org"), ("x" * 500, "x@example.org"),
])
def test_walk_ins_with_bad_data_are_refused_and_add_nobody(space, organiser, name, email):
    event = soon(space)
    with pytest.raises(exceptions.RegistrationInvalid):
        checkin_walk_in(event, name=name, email=email, actor=organiser)
    assert not Registration.objects.filter(event=event).exists()


# --- tickets -------------------------------------------------------------------------------

def test_every_registration_gets_a_distinct_unguessable_code(space):
    event = soon(space)
    codes = [services.registration_create(event, user=UserFactory()).ticket_code
             for _ in range(5)]
    assert len(set(codes)) == 5
    assert all(len(code) == 24 for code in codes)
    assert all(tickets.ticket_code_parse(code) == code for code in codes)


def test_only_the_holder_or_an_organiser_may_renew_a_ticket(site_tree, space, organiser):
    event = soon(space)
    registration = services.registration_create(event, user=UserFactory())
    with pytest.raises(exceptions.RegistrationNotAllowed):
        services.ticket_rotate(registration, actor=UserFactory())
    with pytest.raises(exceptions.RegistrationNotAllowed):
        services.ticket_rotate(registration,
                              actor=make_organiser(space_in(site_tree, title="Other")))
    renewed = services.ticket_rotate(registration, actor=organiser)
    revoked = RevokedTicket.objects.get(registration=registration)
    assert revoked.code == registration.ticket_code
    assert revoked.revoked_by == organiser
    assert renewed.ticket_code != registration.ticket_code


def test_the_qr_carries_the_code(space):
    svg = tickets.ticket_qr_svg("abcdefgh12345678")
    assert svg.startswith("<svg")
    png = tickets.ticket_qr_png("abcdefgh12345678")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_qr_svg_is_drawn_once_per_code_scale_and_language():
    tickets._qr_svg.cache_clear()
    first = tickets.ticket_qr_svg("abcdefgh12345678", scale=4)
    assert tickets.ticket_qr_svg("abcdefgh12345678", scale=4) == first
    assert tickets._qr_svg.cache_info().hits == 1
    drawn = segno.make("abcdefgh12345678", error="m", micro=False).svg_inline(
        scale=4, dark="#000", light="#fff", omitsize=True, title="Ticket QR code")
    assert first == drawn
    assert tickets.ticket_qr_svg("abcdefgh12345679", scale=4) != first
    assert tickets.ticket_qr_svg("abcdefgh12345678", scale=8) != first
    with translation.override("it"):
        italian = tickets.ticket_qr_svg("abcdefgh12345678", scale=4)
    assert "<title>Codice QR del biglietto</title>" in italian
    assert "<title>Ticket QR code</title>" in first
