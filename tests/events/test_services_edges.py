"""events.services at its edges (issue 14): validation no other test reaches, boundaries
exactly at the limit, state written on promotion and on publication, return values.

Time is pinned by replacing `django.utils.timezone.now` for the call under test, so
"exactly at the closing time" means the same microsecond."""

import datetime as dt

import pytest
from django.utils import timezone

from events import exceptions, services
from events.models import EventPage, EventStatus, Registration, RegistrationState
from tests.events.registration_factories import make_organiser, publish_event, space_in
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db

CONFIRMED = RegistrationState.CONFIRMED
WAITLISTED = RegistrationState.WAITLISTED
CANCELLED = RegistrationState.CANCELLED


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


# --- validation ------------------------------------------------------------------------


def test_an_inactive_account_cannot_register(space):
    event = publish_event(space)
    with pytest.raises(exceptions.RegistrationInvalid, match="not active"):
        services.registration_create(event, user=UserFactory(is_active=False))
    assert not Registration.objects.filter(event=event).exists()


@pytest.mark.parametrize("guest", [{"guest_name": "Ada"},
                                   {"guest_email": "ada@example.org"},
                                   {"guest_name": "Ada", "guest_email": "ada@example.org"}])
def test_a_member_and_a_guest_in_one_call_is_refused(space, guest):
    event = publish_event(space, guests_allowed=True)
    with pytest.raises(exceptions.RegistrationInvalid, match="either for a member or"):
        services.registration_create(event, user=UserFactory(), **guest)
    assert not Registration.objects.filter(event=event).exists()


def test_an_unknown_role_is_refused_even_from_an_organiser(space):
    event = publish_event(space)
    with pytest.raises(exceptions.RegistrationInvalid, match="Unknown role"):
        services.registration_create(event, user=UserFactory(), role="boss",
                                     actor=make_organiser(space))


@pytest.mark.parametrize("name,email", [("Ada\nBcc: evil@example.org", "ada@example.org"),
                                        ("Ada", "ada@example.org\r\nBcc: evil@example.org"),
                                        ("Ada", "ada\x00@example.org")])
def test_a_control_character_in_the_guest_name_or_email_is_refused_as_not_one_line(
        space, name, email):
    event = publish_event(space, guests_allowed=True)
    with pytest.raises(exceptions.RegistrationInvalid, match="must be one line"):
        services.registration_create(event, guest_name=name, guest_email=email)
    assert not Registration.objects.filter(event=event).exists()


def test_a_guest_name_of_exactly_120_characters_is_kept_and_121_refused(space):
    event = publish_event(space, guests_allowed=True)
    name = "À" * 120
    registration = services.registration_create(event, guest_name=f"  {name}  ",
                                                guest_email=" Ada@Example.ORG ")
    assert (registration.guest_name, registration.guest_email) == (name, "ada@example.org")
    with pytest.raises(exceptions.RegistrationInvalid, match="up to 120"):
        services.registration_create(event, guest_name=name + "x",
                                     guest_email="bob@example.org")
    assert Registration.objects.filter(event=event).count() == 1


# --- the registration window and the cancellation deadline, to the microsecond ---------


def test_registering_one_microsecond_before_the_closing_time_is_accepted(space, at):
    closes = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)
    event = publish_event(space, registration_closes_at=closes)
    at(closes - dt.timedelta(microseconds=1))
    assert services.registration_create(event, user=UserFactory()).state == CONFIRMED


def test_registering_exactly_at_the_closing_time_is_refused(space, at):
    closes = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)
    event = publish_event(space, registration_closes_at=closes)
    at(closes)
    with pytest.raises(exceptions.RegistrationClosed):
        services.registration_create(event, user=UserFactory())
    assert not Registration.objects.filter(event=event).exists()


def test_registering_exactly_at_the_opening_time_is_accepted(space, at):
    opens = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)
    event = publish_event(space, registration_opens_at=opens)
    at(opens - dt.timedelta(microseconds=1))
    with pytest.raises(exceptions.RegistrationClosed, match="not open yet"):
        services.registration_create(event, user=UserFactory())
    at(opens)
    assert services.registration_create(event, user=UserFactory()).state == CONFIRMED


# --- state written on promotion --------------------------------------------------------


def test_promotion_records_when_the_seat_was_confirmed(space, at):
    event = publish_event(space, capacity=1)
    seated = services.registration_create(event, user=UserFactory())
    waiting = services.registration_create(event, user=UserFactory())
    assert waiting.confirmed_at is None
    moment = at(timezone.now().replace(microsecond=0) + dt.timedelta(hours=1))
    services.registration_cancel(seated)
    waiting.refresh_from_db()
    assert (waiting.state, waiting.confirmed_at, waiting.cancelled_at) == (CONFIRMED, moment,
                                                                            None)


def test_registration_create_records_confirmed_and_created_at_the_same_moment(space, at):
    event = publish_event(space, capacity=5)
    moment = at(timezone.now().replace(microsecond=0) + dt.timedelta(minutes=5))
    registration = Registration.objects.get(
        pk=services.registration_create(event, user=UserFactory()).pk)
    assert (registration.created_at, registration.confirmed_at) == (moment, moment)


# --- return values ----------------------------------------------------------------------


def test_cancelling_twice_returns_the_first_cancellation_unchanged(space, at):
    event = publish_event(space)
    registration = services.registration_create(event, user=UserFactory())
    moment = at(timezone.now().replace(microsecond=0) + dt.timedelta(minutes=1))
    first = services.registration_cancel(registration)
    at(moment + dt.timedelta(hours=1))
    second = services.registration_cancel(registration)
    assert (first.pk, first.state, first.cancelled_at) == (registration.pk, CANCELLED, moment)
    assert (second.pk, second.state, second.cancelled_at) == (registration.pk, CANCELLED,
                                                              moment)


def test_promoting_on_a_full_event_promotes_nobody(space):
    event = publish_event(space, capacity=1)
    services.registration_create(event, user=UserFactory())
    waiting = services.registration_create(event, user=UserFactory())
    assert services.registration_promote_waitlist(event) == []
    waiting.refresh_from_db()
    assert waiting.state == WAITLISTED


def test_promoting_on_a_cancelled_event_promotes_nobody(space):
    event = publish_event(space, capacity=1)
    services.registration_create(event, user=UserFactory())
    waiting = services.registration_create(event, user=UserFactory())
    EventPage.objects.filter(pk=event.pk).update(capacity=5, status=EventStatus.CANCELLED)
    assert services.registration_promote_waitlist(EventPage.objects.get(pk=event.pk)) == []
    waiting.refresh_from_db()
    assert waiting.state == WAITLISTED


def test_promoting_returns_exactly_the_people_promoted_in_order(space):
    event = publish_event(space, capacity=1)
    services.registration_create(event, user=UserFactory())
    first, second, third = (services.registration_create(event, user=UserFactory())
                            for _ in range(3))
    EventPage.objects.filter(pk=event.pk).update(capacity=3)
    promoted = services.registration_promote_waitlist(EventPage.objects.get(pk=event.pk))
    assert [r.pk for r in promoted] == [first.pk, second.pk]
    assert Registration.objects.get(pk=third.pk).state == WAITLISTED


# --- publication: SEQUENCE on the caller's object and the return value ------------------


def test_a_published_change_bumps_the_sequence_on_the_callers_object(space):
    event = publish_event(space)
    previous = EventPage.objects.get(pk=event.pk)
    page = EventPage.objects.get(pk=event.pk)
    EventPage.objects.filter(pk=event.pk).update(room="Sala B")
    assert services.event_record_published_change(page, previous) is True
    assert page.sequence == 1
    assert EventPage.objects.get(pk=event.pk).sequence == 1


def test_an_unchanged_or_first_publication_is_no_news(space):
    event = publish_event(space)
    page = EventPage.objects.get(pk=event.pk)
    assert services.event_record_published_change(page, EventPage.objects.get(pk=event.pk)) \
        is False
    assert services.event_record_published_change(page, None) is False
    assert (page.sequence, EventPage.objects.get(pk=event.pk).sequence) == (0, 0)


def test_a_status_change_alone_is_news(space):
    event = publish_event(space)
    previous = EventPage.objects.get(pk=event.pk)
    EventPage.objects.filter(pk=event.pk).update(status=EventStatus.CANCELLED,
                                                 status_reason="Flooded")
    page = EventPage.objects.get(pk=event.pk)
    assert services.event_record_published_change(page, previous) is True
    assert page.sequence == 1
