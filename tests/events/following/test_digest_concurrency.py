"""Two workers sending the digests at once (PostgreSQL, real threads): every member gets one
digest, each event is told once."""

import threading

import pytest
from django.core import mail
from django.db import connection

from events.following.digest import digest_send, digests_send_due
from events.following.models import Digest, DigestEvent, FollowKind
from events.following.services import follow_add
from tests.events.following.factories import due_soon
from tests.events.registration_factories import publish_event, space_in
from tests.network.factories import UserFactory

pytestmark = [pytest.mark.postgres,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def run_together(count: int, work) -> tuple[list, list]:
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


def test_two_workers_send_each_member_one_digest(site_tree):
    space = space_in(site_tree, title="Cowo Racale")
    users = [UserFactory() for _ in range(12)]
    for user in users:
        follow_add(user, FollowKind.SPACE, space)
    events = [publish_event(space, title=f"Evento {n}") for n in range(3)]
    mail.outbox.clear()

    results, errors = run_together(2, lambda i: digests_send_due(due_soon()))

    assert errors == []
    assert sum(results) == 12
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in users)
    assert Digest.objects.count() == 12
    assert DigestEvent.objects.count() == 12 * len(events)


def test_eight_workers_racing_for_one_member_send_one_digest(site_tree):
    space = space_in(site_tree, title="Cowo Racale")
    user = UserFactory()
    follow_add(user, FollowKind.SPACE, space)
    publish_event(space)
    mail.outbox.clear()

    results, errors = run_together(8, lambda i: digest_send(user.pk, due_soon()))

    assert errors == []
    assert sorted(results) == [0] * 7 + [1]
    assert len(mail.outbox) == 1
