"""A registration costs a handful of queries whatever the event's size (issue 11: at most 6):
lock the event, one tally of its registrations, insert; e-mails wait for the commit."""

import pytest

from events.models import RegistrationState
from events.services import registration_create
from tests.events.discovery_factories import fill_event
from tests.events.registration_factories import publish_event, space_in
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(site_tree):
    return publish_event(space_in(site_tree), capacity=3)


def test_a_confirmed_registration_takes_at_most_six_queries(event, django_assert_max_num_queries):
    fill_event(event, confirmed=2)
    user = UserFactory()
    with django_assert_max_num_queries(6):
        registration = registration_create(event, user=user)
    assert registration.state == RegistrationState.CONFIRMED


def test_joining_the_waiting_list_takes_at_most_six_queries(event,
                                                            django_assert_max_num_queries):
    fill_event(event, confirmed=3, waitlisted=4)
    user = UserFactory()
    with django_assert_max_num_queries(6):
        registration = registration_create(event, user=user)
    assert registration.state == RegistrationState.WAITLISTED
    assert registration.waitlist_position == 5


def test_registering_again_returns_the_same_registration_within_six_queries(
        event, django_assert_max_num_queries):
    user = UserFactory()
    first = registration_create(event, user=user)
    with django_assert_max_num_queries(6):
        again = registration_create(event, user=user)
    assert again.pk == first.pk


def test_a_guest_registration_takes_at_most_six_queries(site_tree,
                                                        django_assert_max_num_queries):
    event = publish_event(space_in(site_tree), capacity=10, guests_allowed=True)
    with django_assert_max_num_queries(6):
        registration = registration_create(event, guest_name="Zoë O'Brien ☕",
                                           guest_email="Zoe@Example.org")
    assert registration.guest_email == "zoe@example.org"
