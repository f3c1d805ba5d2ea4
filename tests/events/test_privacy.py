"""The events' part of a member's data (events.privacy) and the erasure switch of the
cancellation services: no charge after the deadline, no e-mail to the person leaving."""

import pytest
from django.core import mail

from credits.selectors import transfers_for_reference
from events import payments, services
from events.calendar_tokens import calendar_token_create
from events.models import Registration
from events.privacy import (
    guest_registrations_for,
    member_data_erase,
    member_data_export,
    registrations_to_cancel,
)
from tests.events.registration_factories import publish_event, space_in
from tests.home.privacy_factories import grant
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def space(site_tree):
    return space_in(site_tree, "Cowo Events")


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def late_paid_seat(space):
    """A confirmed seat at a paid event that starts inside its free-cancellation window."""
    event = publish_event(space, price_credits=10, starts_in_days=1,
                          cancellation_deadline_hours=48)
    user = UserFactory()
    grant(user, 10)
    return services.registration_create(event, user=user)


def test_erasure_cancellation_voids_the_hold_after_the_deadline_and_sends_nothing(
        space, commit):
    seat = late_paid_seat(space)
    mail.outbox.clear()
    with commit():
        services.registration_cancel(seat, actor=seat.user, erasure=True)
    assert [t.state for t in transfers_for_reference(
        payments.registration_reference(seat))] == ["pending", "voided"]
    assert mail.outbox == []


def test_an_ordinary_late_cancellation_still_charges_and_tells(space, commit):
    seat = late_paid_seat(space)
    mail.outbox.clear()
    with commit():
        services.registration_cancel(seat, actor=seat.user)
    assert [t.state for t in transfers_for_reference(
        payments.registration_reference(seat))] == ["pending", "posted"]
    assert [m.to for m in mail.outbox] == [[seat.user.email]]


def test_leaving_the_waiting_list_by_erasure_promotes_nobody_wrongly(space):
    event = publish_event(space, capacity=1)
    first = services.registration_create(event, user=UserFactory())
    waiting = services.registration_create(event, user=UserFactory())
    services.registration_leave_waitlist(waiting, actor=waiting.user, erasure=True)
    waiting.refresh_from_db()
    first.refresh_from_db()
    assert (first.state, waiting.state) == ("confirmed", "cancelled")


def test_guest_registrations_match_the_given_addresses_in_any_case(space):
    event = publish_event(space, guests_allowed=True)
    mine = services.registration_create(event, guest_name="Me", guest_email="Me@Example.org")
    services.registration_create(event, guest_name="Not me", guest_email="other@example.org")
    assert list(guest_registrations_for(["ME@example.ORG "])) == [mine]
    assert list(guest_registrations_for([])) == []


def test_export_never_contains_the_calendar_secret(space):
    user = UserFactory()
    token = calendar_token_create(user)
    data = member_data_export(user)
    assert [f["active"] for f in data["calendar_feeds"]] == [True]
    assert token.token not in str(data)


def test_erasure_scrubs_guest_registrations_of_past_events_too(space):
    event = publish_event(space, guests_allowed=True)
    guest = services.registration_create(event, guest_name="Ana", guest_email="ana@example.org")
    Registration.objects.filter(pk=guest.pk).update(state="attended")
    user = UserFactory()
    assert list(registrations_to_cancel(user, ["ana@example.org"])) == []
    done = member_data_erase(user, by=user, guest_emails=["ana@example.org"])
    assert done == {"registrations_cancelled": 0, "guest_registrations_erased": 1,
                    "answers_erased": 0, "calendar_feeds_revoked": 0}
    guest.refresh_from_db()
    assert (guest.state, guest.guest_name, guest.guest_email) == (
        "attended", "Erased guest", f"erased-guest-{guest.pk}@erased.invalid")
