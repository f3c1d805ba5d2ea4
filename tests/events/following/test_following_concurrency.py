"""Clicks racing (PostgreSQL, real threads and connections): following the same target, or
saving the digest day for the first time, from several requests at once leaves one row
and answers every request."""

import pytest

from events.following.models import Follow, FollowKind, FollowSettings, Weekday
from events.following.services import digest_settings_set, follow_add
from tests.events.following.test_digest_concurrency import run_together
from tests.events.registration_factories import space_in
from tests.network.factories import UserFactory

pytestmark = [pytest.mark.postgres,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_eight_clicks_following_one_space_at_once_make_one_follow(site_tree):
    space = space_in(site_tree, title="Cowo Racale")
    user = UserFactory()

    results, errors = run_together(8, lambda i: follow_add(user, FollowKind.SPACE, space).pk)

    assert errors == []
    (follow,) = Follow.objects.filter(user=user)
    assert (follow.kind, follow.space_id) == ("space", space.pk)
    assert results == [follow.pk] * 8


def test_eight_first_saves_of_the_digest_day_at_once_make_one_row():
    user = UserFactory()
    days = [Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY,
            Weekday.FRIDAY, Weekday.SATURDAY, Weekday.SUNDAY, Weekday.FRIDAY]

    results, errors = run_together(8, lambda i: digest_settings_set(
        user, weekday=days[i], time_zone="Asia/Tokyo").pk)

    assert errors == []
    (row,) = FollowSettings.objects.filter(user=user)
    assert results == [row.pk] * 8
    assert (row.digest, row.time_zone) == ("weekly", "Asia/Tokyo")
    assert row.digest_weekday in days
