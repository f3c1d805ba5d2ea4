"""A member registering while their data is being erased (PostgreSQL, real threads).

The erasure locks the member's user row first and deactivates the account; a registration
locks the same row first (events.services.member_lock) and reads `is_active` under that
lock. So a registration either commits before the erasure, which then cancels it, or waits
and is refused: an erased member never keeps a seat. The control run turns the locks off
and shows the race is real.
"""

import threading
import time

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from events import services
from events.exceptions import RegistrationInvalid
from events.models import ACTIVE_STATES, Registration
from home.privacy import member_erase
from tests.events.registration_factories import publish_event, space_in
from tests.events.test_concurrency import run_together
from tests.network.factories import UserFactory

pytestmark = [pytest.mark.postgres,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _deactivate_while_holding_the_lock(user_pk: int, locked: threading.Event) -> None:
    """What a member erasure does to the user row: lock it first, deactivate it later."""
    try:
        with transaction.atomic():
            user = (get_user_model().objects.select_for_update(no_key=True)
                    .get(pk=user_pk))
            locked.set()
            time.sleep(0.4)
            user.is_active = False
            user.save(update_fields=["is_active"])
    finally:
        connection.close()


def _race(event, member) -> list:
    locked = threading.Event()
    outcome: list = []

    def register() -> None:
        try:
            locked.wait(5)
            outcome.append(services.registration_create(event, user=member))
        except Exception as exc:  # asserted on by the test
            outcome.append(exc)
        finally:
            connection.close()

    eraser = threading.Thread(target=_deactivate_while_holding_the_lock,
                              args=(member.pk, locked))
    registrant = threading.Thread(target=register)
    eraser.start()
    registrant.start()
    eraser.join()
    registrant.join()
    return outcome


def test_a_registration_waits_for_the_erasure_and_is_refused(site_tree):
    event = publish_event(space_in(site_tree), capacity=5)
    member = UserFactory()

    (outcome,) = _race(event, member)

    assert isinstance(outcome, RegistrationInvalid)
    assert str(outcome) == "This account is not active."
    assert not Registration.objects.filter(event=event).exists()


def test_control_without_the_locks_the_erased_member_keeps_a_seat(site_tree, settings):
    settings.EVENTS_DISABLE_REGISTRATION_LOCK = True
    event = publish_event(space_in(site_tree), capacity=5)
    member = UserFactory()

    (outcome,) = _race(event, member)

    assert isinstance(outcome, Registration)
    assert not get_user_model().objects.get(pk=member.pk).is_active
    assert Registration.objects.filter(event=event, user=member,
                                       state__in=ACTIVE_STATES).count() == 1


def test_real_erasures_racing_registrations_never_leave_an_active_seat(site_tree):
    space = space_in(site_tree)
    events = [publish_event(space, capacity=3) for _ in range(3)]
    members = [UserFactory() for _ in range(4)]

    def work(i: int):
        member = members[i // 4]
        if i % 4 == 0:
            return member_erase(get_user_model().objects.get(pk=member.pk), by=member)
        return services.registration_create(events[i % 4 - 1], user=member)

    _results, errors = run_together(16, work)

    assert all(isinstance(error, RegistrationInvalid) for error in errors), errors
    for member in members:
        assert not get_user_model().objects.get(pk=member.pk).is_active
        assert not Registration.objects.filter(user=member, state__in=ACTIVE_STATES).exists()
