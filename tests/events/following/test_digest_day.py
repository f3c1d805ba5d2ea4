"""The digest day each member chooses (a weekday, or never; Monday by default): sent on that
day from 08:00 in the member's time zone, once per week, safe to run twice, right across a
DST change and for members far from the site's zone (issue 13)."""

import datetime as dt

import pytest
from django.core import mail

from events.following.digest import (
    digest_recipients,
    digest_schedule,
    digest_send,
    digests_send_due,
    member_time_zone,
)
from events.following.models import Digest, FollowKind, FollowSettings, Weekday
from events.following.services import digest_settings_set, follow_add
from network.services import profile_ensure
from tests.events.registration_factories import publish_event, space_in
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


@pytest.fixture
def racale(site_tree):
    return space_in(site_tree, title="Cowo Racale", city="Racale")


def member(space, *, weekday: int | None = Weekday.MONDAY, time_zone: str = "", **profile):
    user = UserFactory()
    follow_add(user, FollowKind.SPACE, space)
    if profile:
        profile_ensure(user, **profile)
    if weekday != Weekday.MONDAY or time_zone:
        digest_settings_set(user, weekday=weekday, time_zone=time_zone)
    return user


def event_after(space, moment: dt.datetime, title: str = "Laboratorio"):
    return publish_event(space, title=title, starts_at=moment + dt.timedelta(days=10))


def weeks_sent(user) -> list[dt.date]:
    return list(Digest.objects.filter(user=user).order_by("week").values_list("week", flat=True))


# 2026-11-30 is a Monday; Rome is UTC+1 in winter.
MONDAY_0759_ROME = utc(2026, 11, 30, 6, 59)
MONDAY_0800_ROME = utc(2026, 11, 30, 7, 0)


def test_the_default_is_monday_from_eight_in_the_morning_once_a_week(racale):
    user = member(racale)
    event_after(racale, MONDAY_0800_ROME)
    assert digest_send(user.pk, MONDAY_0759_ROME) == 0
    assert digests_send_due(MONDAY_0759_ROME) == 0
    assert digests_send_due(MONDAY_0800_ROME) == 1
    assert digests_send_due(MONDAY_0800_ROME) == 0  # run twice: nothing more
    event_after(racale, MONDAY_0800_ROME, title="Another")
    assert digests_send_due(MONDAY_0800_ROME + dt.timedelta(days=3)) == 0  # same week
    assert digests_send_due(MONDAY_0800_ROME + dt.timedelta(days=7)) == 1  # next Monday
    assert weeks_sent(user) == [dt.date(2026, 11, 30), dt.date(2026, 12, 7)]
    assert len(mail.outbox) == 2


def test_a_member_who_chose_friday_gets_it_on_friday_not_before(racale):
    user = member(racale, weekday=Weekday.FRIDAY)
    event_after(racale, MONDAY_0800_ROME)
    for days in range(4):  # Monday to Thursday
        assert digests_send_due(MONDAY_0800_ROME + dt.timedelta(days=days, hours=12)) == 0
    friday_0800 = utc(2026, 12, 4, 7, 0)
    assert digest_send(user.pk, friday_0800 - dt.timedelta(minutes=1)) == 0
    assert digests_send_due(friday_0800) == 1
    assert weeks_sent(user) == [dt.date(2026, 11, 30)]


def test_a_run_missed_on_the_day_catches_up_later_that_week_but_not_the_next(racale):
    user = member(racale, weekday=Weekday.FRIDAY)
    event_after(racale, MONDAY_0800_ROME)
    sunday_night = utc(2026, 12, 6, 22, 30)  # Sunday 23:30 in Rome: still that week
    assert digests_send_due(sunday_night) == 1
    assert weeks_sent(user) == [dt.date(2026, 11, 30)]
    other = member(racale, weekday=Weekday.FRIDAY)
    assert digest_send(other.pk, utc(2026, 12, 7, 7, 0)) == 0  # Monday after: a new week


def test_never_means_no_digest_on_any_day(racale):
    user = member(racale, weekday=None)
    event_after(racale, MONDAY_0800_ROME)
    for days in range(7):
        assert digests_send_due(MONDAY_0800_ROME + dt.timedelta(days=days, hours=1)) == 0
    assert FollowSettings.objects.get(user=user).digest == "never"
    assert mail.outbox == []


def test_changing_the_day_mid_week_never_sends_a_second_one_that_week(racale):
    user = member(racale)
    event_after(racale, MONDAY_0800_ROME)
    assert digests_send_due(MONDAY_0800_ROME) == 1
    event_after(racale, MONDAY_0800_ROME, title="Another")
    digest_settings_set(user, weekday=Weekday.WEDNESDAY)
    assert digests_send_due(utc(2026, 12, 2, 12, 0)) == 0
    assert digests_send_due(utc(2026, 12, 9, 7, 0)) == 1  # the next Wednesday
    assert weeks_sent(user) == [dt.date(2026, 11, 30), dt.date(2026, 12, 7)]


def test_a_member_in_auckland_gets_it_on_their_monday_while_rome_is_still_asleep(racale):
    auckland = member(racale, time_zone="Pacific/Auckland")
    rome = member(racale)
    event_after(racale, MONDAY_0800_ROME)
    # Monday 30 November 2026, 06:00 UTC: 19:00 in Auckland (UTC+13), 07:00 in Rome.
    moment = utc(2026, 11, 30, 6, 0)
    assert digest_recipients(moment) == [(auckland.pk, dt.date(2026, 11, 30))]
    assert digests_send_due(moment) == 1
    (message,) = mail.outbox
    assert message.to == [auckland.email]
    # Sunday 19:00 UTC is already Monday 08:00 in Auckland: due there from that instant.
    schedule = digest_schedule(Weekday.MONDAY, member_time_zone("Pacific/Auckland"), moment)
    assert schedule.due_at == utc(2026, 11, 29, 19, 0)
    assert weeks_sent(rome) == []


def test_without_a_chosen_zone_the_home_spaces_zone_counts(racale, site_tree):
    new_york = space_in(site_tree, title="Brooklyn Cowork", time_zone="America/New_York")
    user = member(racale, home_space=new_york)
    event_after(racale, MONDAY_0800_ROME)
    # Monday 08:00 in New York (UTC-5) is 13:00 UTC.
    assert digest_send(user.pk, utc(2026, 11, 30, 12, 59)) == 0
    assert digest_send(user.pk, utc(2026, 11, 30, 13, 0)) == 1


@pytest.mark.parametrize(("weekday", "before", "due"), [
    # Rome leaves summer time on Sunday 25 October 2026 at 03:00 (UTC+2 -> UTC+1).
    (Weekday.SUNDAY, utc(2026, 10, 25, 6, 59), utc(2026, 10, 25, 7, 0)),
    # ... and the Monday after the change is 08:00 UTC+1 too.
    (Weekday.MONDAY, utc(2026, 10, 26, 6, 59), utc(2026, 10, 26, 7, 0)),
    # The Saturday before the change is still summer time: 08:00 is 06:00 UTC.
    (Weekday.SATURDAY, utc(2026, 10, 24, 5, 59), utc(2026, 10, 24, 6, 0)),
])
def test_the_dst_week_sends_at_eight_local_time_once(racale, weekday, before, due):
    user = member(racale, weekday=weekday, time_zone="Europe/Rome")
    event_after(racale, due)
    assert digest_send(user.pk, before) == 0
    assert digests_send_due(due) == 1
    assert digests_send_due(due + dt.timedelta(hours=1)) == 0  # run again later: nothing
    assert len(mail.outbox) == 1


def test_the_sunday_of_the_dst_change_stays_in_its_week():
    zone = member_time_zone("Europe/Rome")
    late_sunday = utc(2026, 10, 25, 22, 30)  # 23:30 in Rome, after the clocks went back
    assert digest_schedule(Weekday.MONDAY, zone, late_sunday).week == dt.date(2026, 10, 19)
    assert digest_schedule(Weekday.MONDAY, zone, utc(2026, 10, 25, 23, 0)).week == dt.date(
        2026, 10, 26)


@pytest.mark.parametrize(("weekday", "zone"), [(7, ""), (-1, ""), (True, ""),
                                                (Weekday.MONDAY, "Mars/Olympus"),
                                                (Weekday.MONDAY, "Europe/Rome\n")])
def test_a_bad_day_or_zone_is_refused_and_changes_nothing(weekday, zone):
    user = UserFactory()
    with pytest.raises(ValueError):
        digest_settings_set(user, weekday=weekday, time_zone=zone)
    assert not FollowSettings.objects.filter(user=user).exists()
