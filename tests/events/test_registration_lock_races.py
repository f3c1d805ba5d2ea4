"""The registration row locks against a writer that does not take the event's lock
(PostgreSQL, real threads and connections, staged: no sleeps decide the outcome).

Every registration service locks the event row first, which serialises them. The erasure
of a member's data (events.privacy.member_data_erase) does not lock the event of a guest
registration it only scrubs (one at an event that has started: the place stays as
history): it UPDATEs the row's name and address directly. A service that reads a
registration must therefore also lock the row, so that it waits for an erasure in progress
and works on the erased row, not on the name and address being erased:

- a withdrawal (event_withdraw) builds the "cancelled" e-mail in its transaction; read
  without the lock, it would send it, after the erasure, to the erased address;
- a guest cancelling by the secret link (registration_cancel, through fetch_locked) is
  shown the registration the service returns; read without the lock, the page would still
  show the erased name and address.

The staging: the erasure runs in a thread and is held open right after its scrub (before
its commit), the service starts in a second thread, and the erasure is let go only once
PostgreSQL reports the service's connection waiting for a row lock (with the lock it waits
at its SELECT ... FOR UPDATE; without, at its own UPDATE of the row, after reading the old
values).
"""

import datetime as dt
import threading
import time
from collections.abc import Callable

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from events import payments, privacy, services
from events.models import EventPage, Registration, RegistrationState
from network.privacy import erased_email
from tests.events.registration_factories import publish_event, space_in
from tests.network.factories import UserFactory

pytestmark = [pytest.mark.postgres,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

GUEST_NAME = "Zoë Ω O'Brien"
GUEST_EMAIL = "zoe.obrien@example.org"


def _lock_waiters() -> int:
    """Connections of this database waiting for a lock (the service's, once it is blocked)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                       "current_database() AND wait_event_type = 'Lock'")
        return cursor.fetchone()[0]


def _while_erasing(member, service: Callable[[], object], monkeypatch) -> list:
    """Run `service` in a thread while the erasure of `member`'s data (GUEST_EMAIL being
    their verified address) has scrubbed the guest registration and not yet committed.
    Returns [the service's result or exception]."""
    scrubbed, finish = threading.Event(), threading.Event()
    outcome: list = []
    erase_errors: list = []
    revoke = privacy.calendar_token_revoke

    def revoke_then_wait(user):
        # the erasure's last step, after the scrub, inside its transaction
        scrubbed.set()
        assert finish.wait(20), "the test never let the erasure finish"
        return revoke(user)

    monkeypatch.setattr(privacy, "calendar_token_revoke", revoke_then_wait)

    def erase() -> None:
        try:
            with transaction.atomic():
                privacy.member_data_erase(member, by=member, guest_emails=[GUEST_EMAIL])
        except Exception as exc:  # asserted on by the test
            erase_errors.append(exc)
        finally:
            scrubbed.set()
            connection.close()

    def run_service() -> None:
        try:
            outcome.append(service())
        except Exception as exc:  # asserted on by the test
            outcome.append(exc)
        finally:
            connection.close()

    eraser = threading.Thread(target=erase)
    eraser.start()
    assert scrubbed.wait(20)
    worker = threading.Thread(target=run_service)
    worker.start()
    deadline = time.monotonic() + 20
    while _lock_waiters() == 0 and worker.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    waited = _lock_waiters() == 1
    finish.set()
    eraser.join(30)
    worker.join(30)
    assert not eraser.is_alive() and not worker.is_alive()
    assert erase_errors == []
    # The staging held: the service was blocked by the erasure's row lock.
    assert waited
    return outcome


def _guest_at_a_started_event(site_tree) -> tuple[EventPage, Registration]:
    event = publish_event(space_in(site_tree), capacity=5, guests_allowed=True)
    guest = services.registration_create(event, guest_name=GUEST_NAME,
                                         guest_email=GUEST_EMAIL)
    # The event has begun: the erasure keeps the place as history and only scrubs it,
    # without the event's lock.
    start = timezone.now() - dt.timedelta(minutes=30)
    EventPage.objects.filter(pk=event.pk).update(starts_at=start,
                                                 ends_at=start + dt.timedelta(hours=2))
    mail.outbox.clear()
    return EventPage.objects.get(pk=event.pk), guest


def test_a_withdrawal_waits_for_an_erasure_and_never_mails_the_erased_address(
        site_tree, monkeypatch):
    event, guest = _guest_at_a_started_event(site_tree)
    member = UserFactory(email=GUEST_EMAIL)

    (told,) = _while_erasing(member, lambda: services.event_withdraw(event), monkeypatch)

    assert told == 1
    erased = erased_email("guest", guest.pk)
    row = Registration.objects.get(pk=guest.pk)
    assert (row.state, row.guest_name, row.guest_email) == (
        RegistrationState.CANCELLED, privacy.ERASED_GUEST_NAME, erased)
    # The e-mail was built from the erased row: not to the guest's address, not by name.
    assert [message.to for message in mail.outbox] == [[erased]]
    assert GUEST_NAME not in mail.outbox[0].body
    assert all(GUEST_NAME not in content for content, _type in mail.outbox[0].alternatives)


def test_a_guest_cancelling_during_an_erasure_is_shown_the_erased_registration(
        site_tree, monkeypatch):
    _event, guest = _guest_at_a_started_event(site_tree)
    member = UserFactory(email=GUEST_EMAIL)

    (cancelled,) = _while_erasing(
        member, lambda: services.registration_cancel(Registration.objects.get(pk=guest.pk)),
        monkeypatch)

    erased = erased_email("guest", guest.pk)
    assert isinstance(cancelled, Registration)
    assert (cancelled.state, cancelled.guest_name, cancelled.guest_email) == (
        RegistrationState.CANCELLED, privacy.ERASED_GUEST_NAME, erased)
    row = Registration.objects.get(pk=guest.pk)
    assert (row.state, row.guest_name, row.guest_email) == (
        RegistrationState.CANCELLED, privacy.ERASED_GUEST_NAME, erased)


def test_a_promotion_never_writes_back_a_guest_s_erased_name(site_tree, monkeypatch):
    """The waiting list is read (promotion_chain) under the event's lock only: an erasure
    may scrub a waiting guest's row and commit before the promotion writes it. The
    promotion writes only what it changes (state, confirmed_at), so the erasure stands;
    saving the whole row it read earlier would bring the name and address back."""
    event = publish_event(space_in(site_tree), capacity=1, waitlist_enabled=True,
                          guests_allowed=True)
    seated = services.registration_create(event, user=UserFactory())
    waiting = services.registration_create(event, guest_name=GUEST_NAME,
                                           guest_email=GUEST_EMAIL)
    assert waiting.state == RegistrationState.WAITLISTED
    start = timezone.now() - dt.timedelta(minutes=30)  # begun: the erasure only scrubs
    EventPage.objects.filter(pk=event.pk).update(starts_at=start,
                                                 ends_at=start + dt.timedelta(hours=2))
    member = UserFactory(email=GUEST_EMAIL)
    lock_accounts = payments.registration_accounts_lock
    erased: list = []

    def lock_then_erase_meanwhile(locked_event, **kwargs):
        # between the chain's read and the promotion: a whole erasure, committed
        lock_accounts(locked_event, **kwargs)
        if not erased:
            def erase() -> None:
                try:
                    erased.append(privacy.member_data_erase(member, by=member,
                                                            guest_emails=[GUEST_EMAIL]))
                finally:
                    connection.close()
            eraser = threading.Thread(target=erase)
            eraser.start()
            eraser.join(20)
            assert not eraser.is_alive()

    monkeypatch.setattr(payments, "registration_accounts_lock", lock_then_erase_meanwhile)
    services.registration_cancel(Registration.objects.get(pk=seated.pk))

    assert erased[0]["guest_registrations_erased"] == 1
    row = Registration.objects.get(pk=waiting.pk)
    assert (row.state, row.guest_name, row.guest_email) == (
        RegistrationState.CONFIRMED, privacy.ERASED_GUEST_NAME,
        erased_email("guest", waiting.pk))
