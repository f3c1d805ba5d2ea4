"""Specification of events.services (single-threaded; the races are in test_concurrency)."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from events import exceptions, services
from events.models import EventPage, EventStatus, Registration, RegistrationState
from tests.events.registration_factories import (
    make_organiser,
    publish_event,
    republish,
    space_in,
)
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db

CONFIRMED = RegistrationState.CONFIRMED
WAITLISTED = RegistrationState.WAITLISTED
CANCELLED = RegistrationState.CANCELLED


@pytest.fixture
def space(site_tree):
    return space_in(site_tree)


def register_members(event, count):
    return [services.registration_create(event, user=UserFactory()) for _ in range(count)]


def test_member_registration_is_confirmed_when_seats_are_free(space):
    event = publish_event(space, capacity=2)
    registration = services.registration_create(event, user=UserFactory())
    assert registration.state == CONFIRMED
    assert registration.confirmed_at is not None
    assert registration.waitlist_position is None


def test_unlimited_capacity_always_confirms(space):
    event = publish_event(space, capacity=None)
    states = {r.state for r in register_members(event, 5)}
    assert states == {CONFIRMED}


def test_full_event_puts_people_on_the_waiting_list_in_order(space):
    event = publish_event(space, capacity=1)
    first, second, third = register_members(event, 3)
    assert first.state == CONFIRMED
    assert (second.state, second.waitlist_position) == (WAITLISTED, 1)
    assert (third.state, third.waitlist_position) == (WAITLISTED, 2)


def test_full_event_without_waiting_list_refuses_with_event_full(space):
    event = publish_event(space, capacity=1, waitlist_enabled=False)
    register_members(event, 1)
    with pytest.raises(exceptions.EventFull):
        services.registration_create(event, user=UserFactory())
    assert Registration.objects.filter(event=event).count() == 1


def test_registering_twice_returns_the_same_registration(space):
    event = publish_event(space, capacity=5)
    user = UserFactory()
    first = services.registration_create(event, user=user)
    second = services.registration_create(event, user=user)
    assert first.pk == second.pk
    assert Registration.objects.filter(event=event, user=user).count() == 1


def test_guest_registering_twice_with_different_case_returns_the_same_one(space):
    event = publish_event(space, guests_allowed=True)
    first = services.registration_create(event, guest_name="Ada", guest_email="Ada@Example.org")
    second = services.registration_create(event, guest_name="Ada", guest_email="ada@example.org")
    assert first.pk == second.pk
    assert first.guest_email == "ada@example.org"


def test_registering_again_after_cancelling_creates_a_new_registration(space):
    event = publish_event(space, capacity=5)
    user = UserFactory()
    first = services.registration_create(event, user=user)
    services.registration_cancel(first, actor=user)
    second = services.registration_create(event, user=user)
    assert second.pk != first.pk
    assert second.state == CONFIRMED


def test_registration_closed_after_the_closing_time_is_refused(space):
    start = timezone.now() + dt.timedelta(days=2)
    event = publish_event(space, starts_at=start,
                          registration_closes_at=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(exceptions.RegistrationClosed):
        services.registration_create(event, user=UserFactory())
    assert not Registration.objects.filter(event=event).exists()


def test_registration_closes_by_default_when_the_event_starts(space):
    event = publish_event(space, starts_in_days=-0.01)
    with pytest.raises(exceptions.RegistrationClosed):
        services.registration_create(event, user=UserFactory())


def test_registration_not_yet_open_is_refused(space):
    event = publish_event(space, registration_opens_at=timezone.now() + dt.timedelta(days=1))
    with pytest.raises(exceptions.RegistrationClosed, match="not open yet"):
        services.registration_create(event, user=UserFactory())


def test_unpublished_event_refuses_registration(space):
    event = publish_event(space)
    event.unpublish()
    with pytest.raises(exceptions.RegistrationClosed):
        services.registration_create(EventPage.objects.get(pk=event.pk), user=UserFactory())


def test_cancelled_event_refuses_registration(space):
    event = publish_event(space, status=EventStatus.CANCELLED, status_reason="Flooded")
    with pytest.raises(exceptions.EventCancelled):
        services.registration_create(event, user=UserFactory())


def test_guests_are_refused_on_events_that_do_not_allow_them(space):
    event = publish_event(space, guests_allowed=False)
    with pytest.raises(exceptions.GuestsNotAllowed):
        services.registration_create(event, guest_name="Ada", guest_email="ada@example.org")
    assert not Registration.objects.exists()


@pytest.mark.parametrize("name,email", [
    ("Ada\nBcc: evil@example.org", "ada@example.org"),
    ("Ada", "ada@example.org\nBcc: evil@example.org"),
    ("<b></b>", "ada@example.org"),
    ("   ", "ada@example.org"),
    ("Ada", "not-an-address"),
    ("A" * 121, "ada@example.org"),
])
def test_bad_guest_data_is_refused_and_changes_nothing(space, name, email):
    event = publish_event(space, guests_allowed=True)
    with pytest.raises(exceptions.RegistrationInvalid):
        services.registration_create(event, guest_name=name, guest_email=email)
    assert not Registration.objects.exists()
    assert mail.outbox == []


def test_a_member_cannot_give_themself_a_speaker_role(space):
    event = publish_event(space)
    user = UserFactory()
    with pytest.raises(exceptions.RegistrationNotAllowed):
        services.registration_create(event, user=user, role="speaker", actor=user)


def test_an_organiser_can_add_a_speaker_even_after_registration_closed(space):
    organiser = make_organiser(space)
    event = publish_event(space, registration_closes_at=timezone.now() - dt.timedelta(hours=1))
    registration = services.registration_create(event, user=UserFactory(), role="speaker",
                                                actor=organiser)
    assert (registration.state, registration.role) == (CONFIRMED, "speaker")


def test_cancelling_promotes_the_first_waitlisted_person(space):
    event = publish_event(space, capacity=1)
    seated, first_waiting, second_waiting = register_members(event, 3)
    services.registration_cancel(seated, actor=seated.user)
    first_waiting.refresh_from_db()
    second_waiting.refresh_from_db()
    assert first_waiting.state == CONFIRMED
    assert second_waiting.state == WAITLISTED


def test_cancelling_twice_is_harmless_and_promotes_only_once(space):
    event = publish_event(space, capacity=1)
    seated, _first_waiting, second_waiting = register_members(event, 3)
    services.registration_cancel(seated)
    services.registration_cancel(seated)
    second_waiting.refresh_from_db()
    assert second_waiting.state == WAITLISTED
    assert Registration.objects.filter(event=event, state=CONFIRMED).count() == 1


def test_cancelling_a_waitlisted_person_promotes_nobody(space):
    event = publish_event(space, capacity=1)
    _seated, first_waiting, second_waiting = register_members(event, 3)
    services.registration_leave_waitlist(first_waiting, actor=first_waiting.user)
    second_waiting.refresh_from_db()
    assert second_waiting.state == WAITLISTED


def test_leaving_the_waiting_list_when_confirmed_is_refused(space):
    event = publish_event(space, capacity=1)
    (seated,) = register_members(event, 1)
    with pytest.raises(exceptions.RegistrationStateError):
        services.registration_leave_waitlist(seated, actor=seated.user)


def test_someone_else_cannot_cancel_a_registration(space):
    event = publish_event(space)
    (registration,) = register_members(event, 1)
    with pytest.raises(exceptions.RegistrationNotAllowed):
        services.registration_cancel(registration, actor=UserFactory())
    registration.refresh_from_db()
    assert registration.state == CONFIRMED


def test_organiser_of_another_space_cannot_cancel(site_tree, space):
    other = space_in(site_tree, "Other Cowo")
    event = publish_event(space)
    (registration,) = register_members(event, 1)
    with pytest.raises(exceptions.RegistrationNotAllowed):
        services.registration_cancel(registration, actor=make_organiser(other))


def test_organiser_can_cancel_a_registration(space):
    event = publish_event(space)
    (registration,) = register_members(event, 1)
    cancelled = services.registration_cancel(registration, actor=make_organiser(space))
    assert cancelled.state == CANCELLED
    assert cancelled.cancelled_at is not None


def test_capacity_lowered_below_confirmed_drops_nobody_and_confirms_nobody(space):
    event = publish_event(space, capacity=3)
    confirmed = register_members(event, 3)
    event = republish(event, capacity=1)
    waiting = services.registration_create(event, user=UserFactory())
    assert waiting.state == WAITLISTED
    assert Registration.objects.filter(event=event, state=CONFIRMED).count() == 3
    services.registration_cancel(confirmed[0])
    waiting.refresh_from_db()
    assert waiting.state == WAITLISTED
    assert Registration.objects.filter(event=event, state=CONFIRMED).count() == 2


def test_raising_the_capacity_promotes_waiting_people_in_order(space):
    event = publish_event(space, capacity=1)
    _seated, first, second, third = register_members(event, 4)
    republish(event, capacity=3)
    states = [Registration.objects.get(pk=r.pk).state for r in (first, second, third)]
    assert states == [CONFIRMED, CONFIRMED, WAITLISTED]


def test_promote_waitlist_fills_only_free_seats(space):
    event = publish_event(space, capacity=2)
    register_members(event, 4)
    EventPage.objects.filter(pk=event.pk).update(capacity=3)
    promoted = services.registration_promote_waitlist(EventPage.objects.get(pk=event.pk))
    assert [r.waitlist_position for r in promoted] == [1]
    assert Registration.objects.filter(event=event, state=CONFIRMED).count() == 3


def test_new_registration_does_not_jump_people_already_waiting(space):
    event = publish_event(space, capacity=1)
    _seated, waiting = register_members(event, 2)
    EventPage.objects.filter(pk=event.pk).update(capacity=2)
    newcomer = services.registration_create(event, user=UserFactory())
    waiting.refresh_from_db()
    assert waiting.state == CONFIRMED
    assert newcomer.state == WAITLISTED


def test_mark_attended_by_organiser(space):
    event = publish_event(space)
    (registration,) = register_members(event, 1)
    attended = services.registration_mark_attended(registration, actor=make_organiser(space))
    assert attended.state == RegistrationState.ATTENDED
    assert attended.attended_at is not None


def test_mark_attended_is_idempotent(space):
    organiser = make_organiser(space)
    event = publish_event(space)
    (registration,) = register_members(event, 1)
    first = services.registration_mark_attended(registration, actor=organiser)
    second = services.registration_mark_attended(registration, actor=organiser)
    assert first.attended_at == second.attended_at


def test_mark_attended_refuses_waitlisted_people(space):
    event = publish_event(space, capacity=1)
    _seated, waiting = register_members(event, 2)
    with pytest.raises(exceptions.RegistrationStateError):
        services.registration_mark_attended(waiting, actor=make_organiser(space))


def test_mark_attended_refuses_non_organisers(space):
    event = publish_event(space)
    (registration,) = register_members(event, 1)
    with pytest.raises(exceptions.RegistrationNotAllowed):
        services.registration_mark_attended(registration, actor=registration.user)


def test_an_attended_registration_cannot_be_cancelled(space):
    event = publish_event(space)
    (registration,) = register_members(event, 1)
    services.registration_mark_attended(registration, actor=make_organiser(space))
    with pytest.raises(exceptions.RegistrationStateError):
        services.registration_cancel(registration, actor=registration.user)


def test_set_role_by_organiser(space):
    event = publish_event(space)
    (registration,) = register_members(event, 1)
    changed = services.registration_set_role(registration, "volunteer",
                                             actor=make_organiser(space))
    assert Registration.objects.get(pk=changed.pk).role == "volunteer"


@pytest.mark.parametrize("role", ["admin", "", "speaker\n"])
def test_set_role_refuses_unknown_roles(space, role):
    event = publish_event(space)
    (registration,) = register_members(event, 1)
    with pytest.raises(exceptions.RegistrationInvalid):
        services.registration_set_role(registration, role, actor=make_organiser(space))
    assert Registration.objects.get(pk=registration.pk).role == "attendee"


def test_set_role_refuses_the_registrant_themself(space):
    event = publish_event(space)
    (registration,) = register_members(event, 1)
    with pytest.raises(exceptions.RegistrationNotAllowed):
        services.registration_set_role(registration, "speaker", actor=registration.user)


def test_publishing_a_new_time_bumps_the_sequence(space):
    event = publish_event(space)
    assert event.sequence == 0
    event = republish(event, starts_at=event.starts_at + dt.timedelta(hours=1),
                      ends_at=event.ends_at + dt.timedelta(hours=1))
    assert event.sequence == 1


def test_publishing_a_new_room_bumps_the_sequence(space):
    event = publish_event(space)
    assert republish(event, room="Sala B").sequence == 1


def test_publishing_an_unrelated_change_keeps_the_sequence(space):
    event = publish_event(space)
    assert republish(event, summary="Bring a laptop").sequence == 0


def test_sequence_grows_on_every_published_change(space):
    event = publish_event(space)
    for number, room in enumerate(["A", "B", "C"], start=1):
        event = republish(event, room=room)
        assert event.sequence == number


def test_publishing_an_older_revision_never_lowers_the_sequence(space):
    event = publish_event(space)
    stale = EventPage.objects.get(pk=event.pk)
    republish(event, room="A")
    republish(event, room="B")
    stale.room = "C"
    stale.save_revision().publish()
    assert EventPage.objects.get(pk=event.pk).sequence == 3
