"""events.services.waitlist and .lifecycle exactly (issue 14, the mutation run): who the
promotion may reach, every field whose change is news, and what withdrawing an event writes
and returns."""

import datetime as dt

import pytest
from django.utils import timezone

from events import services
from events.models import EventPage, EventStatus, Registration, RegistrationState
from events.services.waitlist import promote_locked, promotion_chain
from tests.events.registration_factories import make_organiser, publish_event, space_in
from tests.events.test_services_paid_edges import member_with, states
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db

CONFIRMED = RegistrationState.CONFIRMED
WAITLISTED = RegistrationState.WAITLISTED
CANCELLED = RegistrationState.CANCELLED


@pytest.fixture
def space(site_tree):
    return space_in(site_tree)


def event_with(space, *, capacity, confirmed, waiting, **fields):
    """An event with `confirmed` people in its seats and `waiting` on the list (in order)."""
    event = publish_event(space, capacity=capacity, waitlist_enabled=True, **fields)
    for _ in range(confirmed):
        assert services.registration_create(event, user=UserFactory()).state == CONFIRMED
    queue = [services.registration_create(event, user=UserFactory()) for _ in range(waiting)]
    assert all(r.state == WAITLISTED for r in queue)
    return EventPage.objects.get(pk=event.pk), queue


# --- who the promotion may reach --------------------------------------------------------


def test_with_one_free_seat_the_chain_is_the_whole_waiting_list_in_order(space):
    event, queue = event_with(space, capacity=2, confirmed=2, waiting=3)
    event_with(space, capacity=1, confirmed=1, waiting=1)  # another event's list: not in it
    EventPage.objects.filter(pk=event.pk).update(capacity=3)
    event = EventPage.objects.get(pk=event.pk)
    assert [r.pk for r in promotion_chain(event)] == [r.pk for r in queue]


def test_a_full_event_has_no_chain_and_promotes_nobody(space):
    event, queue = event_with(space, capacity=1, confirmed=1, waiting=2)
    assert promotion_chain(event) == []
    assert promote_locked(event, queue) == []
    assert [Registration.objects.get(pk=r.pk).state for r in queue] == [WAITLISTED] * 2


def test_a_cancelled_event_has_no_chain_even_with_free_seats(space):
    event, _queue = event_with(space, capacity=1, confirmed=1, waiting=1)
    EventPage.objects.filter(pk=event.pk).update(capacity=5, status=EventStatus.CANCELLED)
    assert promotion_chain(EventPage.objects.get(pk=event.pk)) == []


def test_an_event_without_a_capacity_reaches_everyone_waiting(space):
    event, queue = event_with(space, capacity=1, confirmed=1, waiting=2)
    EventPage.objects.filter(pk=event.pk).update(capacity=None)
    event = EventPage.objects.get(pk=event.pk)
    assert [r.pk for r in promotion_chain(event)] == [r.pk for r in queue]
    promoted = services.registration_promote_waitlist(event)
    assert [r.pk for r in promoted] == [r.pk for r in queue]
    assert [Registration.objects.get(pk=r.pk).state for r in queue] == [CONFIRMED] * 2


def test_promotion_fills_exactly_the_free_seats(space):
    event, queue = event_with(space, capacity=1, confirmed=1, waiting=3)
    EventPage.objects.filter(pk=event.pk).update(capacity=2)
    promoted = services.registration_promote_waitlist(EventPage.objects.get(pk=event.pk))
    assert [r.pk for r in promoted] == [queue[0].pk]
    assert [Registration.objects.get(pk=r.pk).state for r in queue] == [
        CONFIRMED, WAITLISTED, WAITLISTED]


def test_the_promoted_registrations_returned_carry_their_event_and_person(
        space, django_assert_num_queries):
    event, queue = event_with(space, capacity=1, confirmed=1, waiting=2)
    EventPage.objects.filter(pk=event.pk).update(capacity=2)
    event = EventPage.objects.get(pk=event.pk)
    (promoted,) = services.registration_promote_waitlist(event)
    assert promoted.pk == queue[0].pk
    email = queue[0].user.email
    with django_assert_num_queries(0):  # and their person, for whoever tells them
        assert (promoted.event_id, promoted.event.pk) == (event.pk, event.pk)
        assert promoted.user.email == email


def test_promote_locked_with_an_empty_chain_promotes_nobody(space):
    event, _queue = event_with(space, capacity=3, confirmed=1, waiting=0)
    assert promote_locked(event, []) == []


# --- every field whose change is news ---------------------------------------------------


@pytest.mark.parametrize("field,value", [
    ("starts_at", lambda e: e.starts_at + dt.timedelta(hours=1)),
    ("ends_at", lambda e: e.ends_at + dt.timedelta(hours=1)),
    ("time_zone", lambda e: "Europe/London"),
    ("room", lambda e: "Sala B"),
    ("address_override", lambda e: "Via Roma 1, Bari"),
    ("online_url", lambda e: "https://meet.example.org/espresso"),
])
def test_each_time_and_place_field_alone_is_news(space, field, value):
    event = publish_event(space, time_zone="Europe/Rome")
    previous = EventPage.objects.get(pk=event.pk)
    EventPage.objects.filter(pk=event.pk).update(**{field: value(previous)})
    page = EventPage.objects.get(pk=event.pk)
    assert services.event_record_published_change(page, previous) is True
    assert (page.sequence, EventPage.objects.get(pk=event.pk).sequence) == (1, 1)


def test_cancelling_an_event_voids_every_open_hold_and_keeps_the_seats_counted(space):
    event = publish_event(space, price_credits=4)
    people = [services.registration_create(event, user=member_with(10)) for _ in range(2)]
    previous = EventPage.objects.get(pk=event.pk)
    EventPage.objects.filter(pk=event.pk).update(status=EventStatus.CANCELLED)
    assert services.event_record_published_change(EventPage.objects.get(pk=event.pk),
                                                  previous) is True
    assert [states(r) for r in people] == [["pending", "voided"]] * 2


# --- withdrawing an event ---------------------------------------------------------------


def test_withdrawing_cancels_everyone_active_at_one_moment_and_counts_them(space,
                                                                          monkeypatch):
    moment = timezone.now().replace(microsecond=0)
    event, _queue = event_with(space, capacity=1, confirmed=1, waiting=1)
    gone = services.registration_create(event, user=UserFactory())
    services.registration_cancel(gone)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    assert services.event_withdraw(event, actor=make_organiser(space)) == 2
    rows = Registration.objects.filter(event=event).exclude(pk=gone.pk)
    assert {(r.state, r.cancelled_at) for r in rows} == {(CANCELLED, moment)}
    assert Registration.objects.get(pk=gone.pk).cancelled_at != moment
    assert services.event_withdraw(event) == 0


def test_withdrawing_with_delete_removes_every_registration_row(space):
    event, _queue = event_with(space, capacity=1, confirmed=1, waiting=1)
    assert services.event_withdraw(event, delete_registrations=True) == 2
    assert not Registration.objects.filter(event=event).exists()


def test_withdrawing_without_delete_keeps_the_rows(space):
    event, _queue = event_with(space, capacity=1, confirmed=1, waiting=0)
    services.event_withdraw(event)
    assert Registration.objects.filter(event=event).count() == 1

