"""Invariants 1 and 2 under real concurrency (PostgreSQL row locks, real threads).

Each test releases its threads together with a barrier; each thread closes its own
database connection. The control test turns the lock off to show the race is real.
"""

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from events import services
from events.models import Registration, RegistrationState
from tests.events.registration_factories import publish_event, space_in
from tests.network.factories import UserFactory

# serialized_rollback: a transactional test flushes the tables, which would take Wagtail's
# root page (created by its migrations) with it.
pytestmark = [pytest.mark.postgres,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CONFIRMED = RegistrationState.CONFIRMED
WAITLISTED = RegistrationState.WAITLISTED


def run_together(count: int, work: Callable[[int], object]) -> tuple[list, list]:
    """Run work(0..count-1) in `count` threads released at once; returns (results, errors)."""
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list = []

    def worker(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as exc:  # collected and asserted on by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


@pytest.fixture
def space(site_tree):
    return space_in(site_tree)


def test_hundred_people_for_ten_seats_gives_ten_confirmed_and_ninety_waiting_in_order(space):
    event = publish_event(space, capacity=10)
    users = [UserFactory() for _ in range(100)]

    results, errors = run_together(
        100, lambda i: services.registration_create(event, user=users[i]))

    assert errors == []
    rows = list(Registration.objects.filter(event=event).order_by("created_at", "id"))
    assert len(rows) == 100
    assert len({r.user_id for r in rows}) == 100
    assert sorted(r.pk for r in results) == sorted(r.pk for r in rows)
    confirmed = [r for r in rows if r.state == CONFIRMED]
    waiting = [r for r in rows if r.state == WAITLISTED]
    assert len(confirmed) == 10
    assert len(waiting) == 90
    # Arrival order (who took the lock first) is the order of the waiting list: positions
    # follow creation order, strictly increasing, no gaps, no duplicates.
    assert [r.waitlist_position for r in waiting] == list(range(1, 91))
    assert max(r.created_at for r in confirmed) <= min(r.created_at for r in waiting)


def test_three_cancellations_at_once_promote_exactly_three_in_order(space):
    event = publish_event(space, capacity=10)
    registrations = [services.registration_create(event, user=UserFactory())
                     for _ in range(20)]
    seated = registrations[:10]
    leaving = [seated[1], seated[4], seated[7]]

    _results, errors = run_together(
        3, lambda i: services.registration_cancel(leaving[i], actor=leaving[i].user))

    assert errors == []
    assert Registration.objects.filter(event=event, state=CONFIRMED).count() == 10
    promoted = Registration.objects.filter(event=event, state=CONFIRMED,
                                           waitlist_position__isnull=False)
    assert sorted(promoted.values_list("waitlist_position", flat=True)) == [1, 2, 3]
    still_waiting = Registration.objects.filter(event=event, state=WAITLISTED)
    assert sorted(still_waiting.values_list("waitlist_position", flat=True)) == list(
        range(4, 11))


def test_one_person_submitting_ten_times_at_once_gets_one_registration(space):
    event = publish_event(space, capacity=10)
    user = UserFactory()

    results, errors = run_together(10, lambda i: services.registration_create(event, user=user))

    assert errors == []
    assert Registration.objects.filter(event=event, user=user).count() == 1
    assert {r.pk for r in results} == {Registration.objects.get(event=event, user=user).pk}


def test_double_submit_without_the_lock_is_still_one_registration(space, settings):
    # The partial unique constraint is the second line of defence: the losers of the
    # race get the winner's registration back instead of an error.
    settings.EVENTS_DISABLE_REGISTRATION_LOCK = True
    event = publish_event(space, capacity=10)
    user = UserFactory()

    results, errors = run_together(8, lambda i: services.registration_create(event, user=user))

    assert errors == []
    assert Registration.objects.filter(event=event, user=user).count() == 1
    assert len({r.pk for r in results}) == 1


def test_control_without_the_lock_overbooking_happens(space, settings):
    """Proves the concurrency tests above can fail: without the row lock, people who
    counted the same free seats all get confirmed."""
    settings.EVENTS_DISABLE_REGISTRATION_LOCK = True
    overbooked = []
    for _attempt in range(3):
        event = publish_event(space, capacity=5)
        users = [UserFactory() for _ in range(20)]
        _results, errors = run_together(
            20, lambda i, event=event, users=users: services.registration_create(
                event, user=users[i]))
        assert errors == []
        confirmed = Registration.objects.filter(event=event, state=CONFIRMED).count()
        overbooked.append(confirmed > 5)
        if confirmed > 5:
            break
    assert any(overbooked)
