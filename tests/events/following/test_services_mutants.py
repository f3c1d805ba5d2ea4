"""Following and the digest choice, exactly (written for the mutants of
events/following/services.py, see docs/mutation.md): which targets each kind takes and the
error otherwise, one row per member and target, unfollowing only what was named, the day,
zone and frequency stored, the refusals' sentences (nothing changed), and the digest's
one-click unsubscribe as the list registry sees it."""

import pytest
from taggit.models import Tag

from events.following.exceptions import FollowTargetInvalid
from events.following.models import (
    DigestFrequency,
    Follow,
    FollowKind,
    FollowSettings,
    Weekday,
)
from events.following.services import (
    DIGEST_LIST,
    digest_frequency_set,
    digest_settings_set,
    follow_add,
    follow_remove,
)
from network.models import SpacePage
from network.unsubscribe import mailing_list_get
from tests.events.registration_factories import space_in
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def racale(site_tree):
    return space_in(site_tree, title="Cowo Racale", city="Racale")


def follows(user) -> list[tuple]:
    return sorted(Follow.objects.filter(user=user).values_list("kind", "space_id", "topic_id",
                                                               "format"))


def settings_of(user) -> tuple:
    return FollowSettings.objects.filter(user=user).values_list(
        "digest", "digest_weekday", "time_zone").get()


# -- following ----------------------------------------------------------------------------


def test_each_kind_stores_its_own_target_and_returns_the_row(racale):
    user = UserFactory()
    tag = Tag.objects.create(name="Stampa 3D", slug="stampa-3d")
    space = follow_add(user, FollowKind.SPACE, racale)
    topic = follow_add(user, FollowKind.TOPIC, tag)
    format_ = follow_add(user, FollowKind.FORMAT, "talk")
    assert [(f.pk, f.user_id, f.kind, f.space_id, f.topic_id, f.format)
            for f in (space, topic, format_)] == [
        (Follow.objects.get(kind="space").pk, user.pk, "space", racale.pk, None, ""),
        (Follow.objects.get(kind="topic").pk, user.pk, "topic", None, tag.pk, ""),
        (Follow.objects.get(kind="format").pk, user.pk, "format", None, None, "talk"),
    ]


def test_following_again_returns_the_same_row_for_every_kind(racale):
    user = UserFactory()
    tag = Tag.objects.create(name="Énergie ☀️", slug="energie")
    for kind, target in ((FollowKind.SPACE, racale), (FollowKind.TOPIC, tag),
                         (FollowKind.FORMAT, "workshop")):
        first = follow_add(user, kind, target)
        assert follow_add(user, kind, target).pk == first.pk
    assert Follow.objects.filter(user=user).count() == 3
    # Another member following the same things has rows of their own.
    other = UserFactory()
    assert follow_add(other, FollowKind.SPACE, racale).user_id == other.pk
    assert Follow.objects.count() == 4


@pytest.mark.parametrize("case", [
    "space:unsaved space", "space:tag", "space:format", "space:none",
    "topic:unsaved tag", "topic:space", "topic:format",
    "format:space", "format:unknown", "format:empty", "format:html",
    "planet:format", "planet:space",
])
def test_a_target_that_does_not_fit_its_kind_is_refused_with_the_kind(racale, case):
    user = UserFactory()
    tag = Tag.objects.create(name="Saved", slug="saved")
    kind, name = case.split(":")
    target = {"unsaved space": SpacePage(title="Not saved"), "tag": tag, "format": "talk",
              "none": None, "unsaved tag": Tag(name="Not saved", slug="not-saved"),
              "space": racale, "unknown": "hackathon-party", "empty": "",
              "html": "<b>talk</b>"}[name]
    with pytest.raises(FollowTargetInvalid) as refused:
        follow_add(user, kind, target)
    assert refused.value.args == (kind,)
    with pytest.raises(FollowTargetInvalid) as refused:
        follow_remove(user, kind, target)
    assert refused.value.args == (kind,)
    assert Follow.objects.count() == 0


def test_unfollowing_removes_only_the_named_target_of_that_member(racale, site_tree):
    user, other = UserFactory(), UserFactory()
    altrove = space_in(site_tree, title="Cowo Altrove")
    tag = Tag.objects.create(name="Legno", slug="legno")
    for member in (user, other):
        follow_add(member, FollowKind.SPACE, racale)
    follow_add(user, FollowKind.SPACE, altrove)
    follow_add(user, FollowKind.TOPIC, tag)
    follow_add(user, FollowKind.FORMAT, "talk")
    follow_add(user, FollowKind.FORMAT, "workshop")

    assert follow_remove(user, FollowKind.FORMAT, "talk") is True
    assert follow_remove(user, FollowKind.SPACE, racale) is True
    assert follows(user) == [("format", None, None, "workshop"), ("space", altrove.pk, None, ""),
                             ("topic", None, tag.pk, "")]
    assert follows(other) == [("space", racale.pk, None, "")]
    assert follow_remove(user, FollowKind.SPACE, racale) is False
    assert follow_remove(user, FollowKind.TOPIC, tag) is True
    assert follow_remove(user, FollowKind.TOPIC, tag) is False


# -- the digest choice --------------------------------------------------------------------


def test_the_frequency_is_stored_and_changed_in_one_row():
    user = UserFactory()
    digest_frequency_set(user, DigestFrequency.NEVER)
    assert settings_of(user) == ("never", Weekday.MONDAY, "")
    digest_frequency_set(user, "weekly")
    assert settings_of(user) == ("weekly", Weekday.MONDAY, "")
    assert FollowSettings.objects.count() == 1


@pytest.mark.parametrize("frequency", ["daily", "", "NEVER", "never\n", None])
def test_an_unknown_frequency_is_refused_with_its_name_and_changes_nothing(frequency):
    user = UserFactory()
    with pytest.raises(ValueError) as refused:
        digest_frequency_set(user, frequency)
    assert str(refused.value) == f"unknown digest frequency {frequency!r}"
    assert not FollowSettings.objects.filter(user=user).exists()


@pytest.mark.parametrize("weekday", [Weekday.MONDAY, Weekday.SUNDAY])
def test_the_first_and_last_day_and_a_zone_are_stored_and_returned(weekday):
    user = UserFactory()
    row = digest_settings_set(user, weekday=weekday, time_zone="Asia/Kolkata")
    assert (row.pk, row.user_id, row.digest, row.digest_weekday, row.time_zone) == (
        FollowSettings.objects.get(user=user).pk, user.pk, "weekly", weekday, "Asia/Kolkata")
    assert settings_of(user) == ("weekly", weekday, "Asia/Kolkata")


def test_no_day_means_never_and_keeps_the_day_chosen_before_and_the_zone_is_replaced():
    user = UserFactory()
    digest_settings_set(user, weekday=Weekday.THURSDAY, time_zone="America/New_York")
    row = digest_settings_set(user, weekday=None)
    assert (row.digest, row.digest_weekday, row.time_zone) == ("never", Weekday.THURSDAY, "")
    assert settings_of(user) == ("never", Weekday.THURSDAY, "")
    row = digest_settings_set(user, weekday=Weekday.SATURDAY, time_zone="Europe/Rome")
    assert settings_of(user) == ("weekly", Weekday.SATURDAY, "Europe/Rome")
    assert FollowSettings.objects.count() == 1


@pytest.mark.parametrize("weekday", [7, -1, True, False, 3.5, "2"])
def test_another_weekday_is_refused_with_its_value_and_changes_nothing(weekday):
    user = UserFactory()
    digest_settings_set(user, weekday=Weekday.TUESDAY, time_zone="Europe/Rome")
    with pytest.raises(ValueError) as refused:
        digest_settings_set(user, weekday=weekday)
    assert str(refused.value) == f"unknown weekday {weekday!r}"
    assert settings_of(user) == ("weekly", Weekday.TUESDAY, "Europe/Rome")


@pytest.mark.parametrize("zone", ["Mars/Olympus", "Europe/Rome\n", "europe/rome", " UTC",
                                  "<script>", "Europe/Römé"])
def test_an_unknown_zone_is_refused_with_its_name_and_changes_nothing(zone):
    user = UserFactory()
    for weekday in (Weekday.FRIDAY, None):
        with pytest.raises(ValueError) as refused:
            digest_settings_set(user, weekday=weekday, time_zone=zone)
        assert str(refused.value) == f"unknown time zone {zone!r}"
    assert not FollowSettings.objects.filter(user=user).exists()


# -- the digest as a mailing list (one-click unsubscribe) ---------------------------------


def test_the_digest_list_unsubscribes_and_tells_whether_a_member_gets_it():
    user, other = UserFactory(), UserFactory()
    assert mailing_list_get("digest") is DIGEST_LIST
    assert DIGEST_LIST.gets(user) is True
    DIGEST_LIST.stop(user)
    assert settings_of(user) == ("never", Weekday.MONDAY, "")
    assert DIGEST_LIST.gets(user) is False
    assert DIGEST_LIST.gets(other) is True
    DIGEST_LIST.stop(user)  # twice: still unsubscribed, still one row
    assert FollowSettings.objects.count() == 1
    assert DIGEST_LIST.gets(user) is False
