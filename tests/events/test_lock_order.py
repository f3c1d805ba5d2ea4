"""A registration takes the member's lock and the event's in one statement
(events.services.common.lock_event_for_registration(member=...)), and still in the lock
order: the member's user row first, then the event row (PostgreSQL, real threads).

While a registration waits for an event row that someone else holds, it must already hold
the member's row: a member erasure (which locks the user row first, then the member's
registrations and events) then waits for it instead of closing a deadlock cycle."""

import contextlib
import threading
import time

import pytest
from django.contrib.auth import get_user_model
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from events import services
from events.models import EventPage, Registration, RegistrationState
from tests.events.registration_factories import publish_event, space_in
from tests.network.factories import UserFactory

pytestmark = [pytest.mark.postgres,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _waiting_on_a_lock() -> int:
    with connection.cursor() as cursor:
        # This test database only: the other xdist worker's concurrency tests wait on
        # locks of their own in the same cluster.
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                       " AND pid <> pg_backend_pid() AND datname = current_database()")
        return cursor.fetchone()[0]


@contextlib.contextmanager
def registering_while_the_event_is_held(event, user, *, while_holding=None):
    """`user` registers for `event` while another connection holds the event's row (after
    doing `while_holding()` in its transaction). Yields once the registration waits at that
    row (seen in pg_stat_activity, no sleep deciding anything); on exit the holder commits
    and the list it yielded holds the registration or the exception."""
    event_held, release = threading.Event(), threading.Event()
    outcome: list = []

    def hold_the_event() -> None:
        try:
            with transaction.atomic():
                EventPage.objects.select_for_update(of=("self",)).get(pk=event.pk)
                if while_holding is not None:
                    while_holding()
                event_held.set()
                release.wait(10)
        finally:
            connection.close()

    def register() -> None:
        try:
            outcome.append(services.registration_create(event, user=user))
        except Exception as exc:  # asserted on by the caller
            outcome.append(exc)
        finally:
            connection.close()

    holder, registrant = (threading.Thread(target=hold_the_event),
                          threading.Thread(target=register))
    holder.start()
    try:
        assert event_held.wait(5)
        registrant.start()
        deadline = time.monotonic() + 5
        while _waiting_on_a_lock() == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _waiting_on_a_lock() == 1  # the registration, at the event's row
        yield outcome
    finally:
        release.set()
        holder.join(10)
        registrant.join(10)


def test_a_registration_holds_the_members_row_while_it_waits_for_the_event(site_tree):
    event = publish_event(space_in(site_tree), capacity=5)
    member = UserFactory()
    with registering_while_the_event_is_held(event, member) as outcome, \
            pytest.raises(OperationalError, match="could not obtain lock"), \
            transaction.atomic():
        (get_user_model().objects.select_for_update(no_key=True, nowait=True)
         .get(pk=member.pk))
    assert isinstance(outcome[0], Registration)
    assert outcome[0].user_id == member.pk


def test_the_tally_sent_with_the_lock_counts_the_seat_taken_while_it_waited(site_tree):
    """The tally goes to PostgreSQL in the lock's round trip (two statements, one execute):
    it must count what the holder of the event's row committed while the registration
    waited for that row. Here the last seat: the newcomer joins the waiting list."""
    event = publish_event(space_in(site_tree), capacity=1, waitlist_enabled=True)
    first, second = UserFactory(), UserFactory()

    def take_the_last_seat() -> None:
        Registration.objects.create(event_id=event.pk, user=first,
                                    state=RegistrationState.CONFIRMED,
                                    confirmed_at=timezone.now())

    with registering_while_the_event_is_held(event, second,
                                             while_holding=take_the_last_seat) as outcome:
        pass
    (registration,) = outcome
    assert (registration.user_id, registration.state, registration.waitlist_position) == (
        second.pk, RegistrationState.WAITLISTED, 1)
    assert Registration.objects.filter(event_id=event.pk,
                                       state=RegistrationState.CONFIRMED).count() == 1
