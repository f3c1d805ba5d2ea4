"""events.services.registration's registration path exactly (issue 14, the mutation run of
registration_create and _registration_create_locked after issue 11's rewrite): what the
statement that locks the event is asked for, and the race window that only the control
tests (the lock turned off) open."""

from types import SimpleNamespace

import pytest

from events.models import RegistrationState
from events.services import registration as registration_module
from events.services import registration_create
from tests.events.registration_factories import publish_event, space_in
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def space(site_tree):
    return space_in(site_tree)


@pytest.fixture
def slept(monkeypatch) -> list:
    """The pauses the registration path asks for (its own `time` only)."""
    pauses: list = []
    monkeypatch.setattr(registration_module, "time", SimpleNamespace(sleep=pauses.append))
    return pauses


def test_a_registration_with_its_lock_never_pauses(space, slept):
    event = publish_event(space, capacity=1, waitlist_enabled=True)
    assert registration_create(event, user=UserFactory()).state == RegistrationState.CONFIRMED
    assert registration_create(event, user=UserFactory()).state == RegistrationState.WAITLISTED
    assert slept == []


def test_only_the_control_without_the_lock_opens_the_race_window(space, slept, settings):
    settings.EVENTS_DISABLE_REGISTRATION_LOCK = True
    event = publish_event(space, capacity=3)
    assert registration_create(event, user=UserFactory()).state == RegistrationState.CONFIRMED
    assert slept == [registration_module.RACE_WINDOW_SECONDS] == [0.05]
