"""Two role changes of one membership at once (PostgreSQL row lock, real threads): the one
that starts second applies after the first, so the stored role is the last one asked for and
the organiser group follows it."""

import threading

import pytest

from network import services
from network.models import Membership
from network.services import membership_set
from tests.events.test_concurrency import run_together
from tests.network.factories import UserFactory, make_space

pytestmark = [pytest.mark.postgres,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_role_change_that_starts_second_applies_last(site_tree, monkeypatch):
    space = make_space(site_tree.spaces, "Cowo Lecce")
    user = UserFactory()
    membership_set(user, space, "member")
    first_wrote, second_done = threading.Event(), threading.Event()
    sync = services._organiser_group_sync

    def sync_then_pause(member, place):
        if not first_wrote.is_set():  # the first change: its role is written, not committed
            first_wrote.set()
            second_done.wait(timeout=2)  # without the lock the second one finishes here
        return sync(member, place)

    monkeypatch.setattr(services, "_organiser_group_sync", sync_then_pause)

    def work(index: int):
        if index == 0:
            return membership_set(user, space, "organiser").role
        assert first_wrote.wait(timeout=10)
        role = membership_set(user, space, "member").role
        second_done.set()
        return role

    results, errors = run_together(2, work)
    assert errors == []
    assert results == ["organiser", "member"]
    assert Membership.objects.get(user=user, space=space).role == "member"
    assert not user.groups.filter(pk=space.organiser_group_id).exists()
