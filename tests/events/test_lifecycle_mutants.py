"""events.services.lifecycle exactly (issue 14, the mutation run): what is news and what is
not, who is told, what each path asks registration_accounts_lock to lock, who the ledger
records, and what settlement counts."""

import datetime as dt

import pytest
from django.utils import timezone

from credits.selectors import transfers_for_reference
from events import payments, services, tasks
from events.models import EventPage, EventStatus, Registration, RegistrationState
from tests.events.registration_factories import make_organiser, publish_event, space_in
from tests.events.test_services_paid_edges import member_with
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db

PRICE = 4


@pytest.fixture
def space(site_tree):
    return space_in(site_tree)


@pytest.fixture
def news(monkeypatch):
    """(event id, sequence) of each "event changed" fan-out asked for."""
    asked: list[tuple[int, int]] = []
    monkeypatch.setattr(tasks, "event_change_notify_on_commit",
                        lambda event: asked.append((event.pk, event.sequence)))
    return asked


@pytest.fixture
def prepared(monkeypatch):
    asked: list[tuple[str, int, str]] = []
    monkeypatch.setattr(tasks, "registration_notify_prepared_on_commit",
                        lambda kind, registration: asked.append(
                            (kind, registration.pk, registration.state)))
    return asked


def ledger(registration) -> list[tuple[str, object]]:
    rows = transfers_for_reference(payments.registration_reference(registration))
    return sorted(((t.state, t.created_by) for t in rows),
                  key=lambda row: ["pending", "posted", "voided"].index(row[0]))


def test_publishing_without_a_change_is_no_news(space, news):
    event = publish_event(space)
    previous = EventPage.objects.get(pk=event.pk)
    EventPage.objects.filter(pk=event.pk).update(title="Renamed", capacity=40)
    page = EventPage.objects.get(pk=event.pk)
    assert services.event_record_published_change(page, previous) is False
    assert (page.sequence, EventPage.objects.get(pk=event.pk).sequence) == (0, 0)
    assert news == []


def test_the_first_publication_is_no_news(space, news):
    event = publish_event(space)
    assert services.event_record_published_change(EventPage.objects.get(pk=event.pk),
                                                  None) is False
    assert EventPage.objects.get(pk=event.pk).sequence == 0
    assert news == []


def test_a_status_change_alone_is_news_with_the_new_sequence(space, news):
    event = publish_event(space)
    previous = EventPage.objects.get(pk=event.pk)
    EventPage.objects.filter(pk=event.pk).update(status=EventStatus.POSTPONED)
    page = EventPage.objects.get(pk=event.pk)
    assert services.event_record_published_change(page, previous) is True
    assert (page.sequence, EventPage.objects.get(pk=event.pk).sequence) == (1, 1)
    assert news == [(event.pk, 1)]


def test_cancelling_voids_every_active_hold_in_one_lock_and_records_no_one(space, locks):
    event = publish_event(space, price_credits=PRICE, capacity=1, waitlist_enabled=True)
    # someone who left before: not active, so neither locked nor voided again
    gone = services.registration_cancel(services.registration_create(event,
                                                                     user=member_with(10)))
    assert gone.state == RegistrationState.CANCELLED
    users = [member_with(10), member_with(10)]
    seat, waiting = (services.registration_create(event, user=user) for user in users)
    assert waiting.state == RegistrationState.WAITLISTED
    previous = EventPage.objects.get(pk=event.pk)
    EventPage.objects.filter(pk=event.pk).update(status=EventStatus.CANCELLED)
    locks.clear()
    assert services.event_record_published_change(EventPage.objects.get(pk=event.pk),
                                                  previous) is True
    assert [{key: sorted(value) for key, value in call.items()} for call in locks] == [
        {"void": sorted([seat.pk, waiting.pk])}, {"place": []}]
    assert ledger(seat) == [("pending", users[0]), ("voided", None)]
    assert ledger(waiting) == []


def test_a_raised_capacity_promotes_the_first_waiting_after_locking_them(space, locks):
    event = publish_event(space, price_credits=PRICE, capacity=1, waitlist_enabled=True)
    services.registration_create(event, user=member_with(10))
    waiting = services.registration_create(event, user=member_with(10))
    previous = EventPage.objects.get(pk=event.pk)
    EventPage.objects.filter(pk=event.pk).update(capacity=2)
    locks.clear()
    assert services.event_record_published_change(EventPage.objects.get(pk=event.pk),
                                                  previous) is False
    assert locks == [{"place": [waiting.pk]}]
    assert Registration.objects.get(pk=waiting.pk).state == RegistrationState.CONFIRMED


def test_withdrawing_voids_as_the_actor_and_tells_each_person_once_in_order(space, locks,
                                                                            prepared):
    event = publish_event(space, price_credits=PRICE, capacity=1, waitlist_enabled=True)
    users = [member_with(10), member_with(10)]
    seat, waiting = (services.registration_create(event, user=user) for user in users)
    organiser = make_organiser(space)
    locks.clear()
    assert services.event_withdraw(event, actor=organiser) == 2
    assert locks == [{"void": [seat.pk, waiting.pk]}]
    # each e-mail is prepared before the row changes: it still shows the seat held
    assert prepared == [("event_cancelled", seat.pk, RegistrationState.CONFIRMED),
                        ("event_cancelled", waiting.pk, RegistrationState.WAITLISTED)]
    assert ledger(seat) == [("pending", users[0]), ("voided", organiser)]
    assert {r.state for r in Registration.objects.filter(event=event)} == {
        RegistrationState.CANCELLED}


def test_settling_an_event_of_one_credit_posts_its_hold(space, locks):
    event = publish_event(space, price_credits=1)
    user = member_with(1)
    registration = services.registration_create(event, user=user)
    started = timezone.now() - dt.timedelta(hours=1)
    EventPage.objects.filter(pk=event.pk).update(starts_at=started,
                                                 ends_at=started + dt.timedelta(hours=2))
    locks.clear()
    assert services.event_settle_started() == 1
    assert locks == [{"post": [registration.pk]}]
    assert ledger(registration) == [("pending", user), ("posted", None)]


def test_settling_an_unpublished_event_voids_its_holds_and_counts_nothing(space, locks):
    event = publish_event(space, price_credits=PRICE)
    user = member_with(10)
    registration = services.registration_create(event, user=user)
    started = timezone.now() - dt.timedelta(hours=1)
    EventPage.objects.filter(pk=event.pk).update(starts_at=started, live=False,
                                                 ends_at=started + dt.timedelta(hours=2))
    locks.clear()
    assert services.event_settle_started() == 0
    assert locks == [{"void": [registration.pk]}]
    assert ledger(registration) == [("pending", user), ("voided", None)]


def test_settling_a_cancelled_event_voids_its_holds(space, locks):
    event = publish_event(space, price_credits=PRICE)
    user = member_with(10)
    registration = services.registration_create(event, user=user)
    started = timezone.now() - dt.timedelta(hours=1)
    EventPage.objects.filter(pk=event.pk).update(starts_at=started,
                                                 status=EventStatus.CANCELLED,
                                                 ends_at=started + dt.timedelta(hours=2))
    assert services.event_settle_started() == 0
    assert ledger(registration) == [("pending", user), ("voided", None)]


def test_settling_skips_free_events_and_waitlisted_people(space, locks):
    free = publish_event(space, capacity=1, waitlist_enabled=True)
    services.registration_create(free, user=UserFactory())
    paid = publish_event(space, price_credits=PRICE, capacity=1, waitlist_enabled=True)
    seat = services.registration_create(paid, user=member_with(10))
    services.registration_create(paid, user=member_with(10))
    started = timezone.now() - dt.timedelta(hours=1)
    EventPage.objects.filter(pk__in=[free.pk, paid.pk]).update(
        starts_at=started, ends_at=started + dt.timedelta(hours=2))
    locks.clear()
    assert services.event_settle_started() == 1
    assert locks == [{"post": [seat.pk]}]


def test_withdrawing_an_event_leaves_the_registrations_of_other_events_alone(space):
    event = publish_event(space)
    other = publish_event(space)
    here = services.registration_create(event, user=UserFactory())
    elsewhere = services.registration_create(other, user=UserFactory())
    assert services.event_withdraw(event) == 1
    assert Registration.objects.get(pk=here.pk).state == RegistrationState.CANCELLED
    assert Registration.objects.get(pk=elsewhere.pk).state == RegistrationState.CONFIRMED


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_each_lifecycle_service_opens_its_own_transaction(site_tree):
    """Called outside any transaction (the periodic task, the admin's hooks), each runs its
    own: the event's row lock needs one (PostgreSQL refuses SELECT ... FOR UPDATE in
    autocommit), and a failure half-way must roll everything back."""
    space = space_in(site_tree)
    event = publish_event(space, price_credits=PRICE)
    user = member_with(10)
    registration = services.registration_create(event, user=user)
    previous = EventPage.objects.get(pk=event.pk)
    EventPage.objects.filter(pk=event.pk).update(room="Sala B")
    assert services.event_record_published_change(EventPage.objects.get(pk=event.pk),
                                                  previous) is True
    started = timezone.now() - dt.timedelta(hours=1)
    EventPage.objects.filter(pk=event.pk).update(starts_at=started,
                                                 ends_at=started + dt.timedelta(hours=2))
    assert services.event_settle_started() == 1
    assert ledger(registration) == [("pending", user), ("posted", None)]
    assert services.event_withdraw(event) == 1
    assert Registration.objects.get(pk=registration.pk).state == RegistrationState.CANCELLED


def test_cancelling_an_event_leaves_the_holds_of_other_events_alone(space):
    event = publish_event(space, price_credits=PRICE)
    other = publish_event(space, price_credits=PRICE)
    user = member_with(20)
    here = services.registration_create(event, user=user)
    elsewhere = services.registration_create(other, user=user)
    previous = EventPage.objects.get(pk=event.pk)
    EventPage.objects.filter(pk=event.pk).update(status=EventStatus.CANCELLED)
    assert services.event_record_published_change(EventPage.objects.get(pk=event.pk),
                                                  previous) is True
    assert ledger(here) == [("pending", user), ("voided", None)]
    assert ledger(elsewhere) == [("pending", user)]
