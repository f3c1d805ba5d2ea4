"""The weekly digest, exactly (written for the mutants of events/following/digest.py, see
docs/mutation.md): who is due and when to the microsecond, the zone each member's day is
counted in, what a digest stores (the claim, its time, its count, the events told), what it
says and to whom, what a second run, a failing mail server or another member's digest do.

The weeks are in 2031 (6 January 2031 is a Monday), far from the clock's now, so a digest
that read the clock instead of the `now` it is given would be caught."""

import datetime as dt
import logging
import smtplib
import types
import zoneinfo

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

from events.following import digest as digest_module
from events.following.digest import (
    DigestSchedule,
    digest_recipients,
    digest_schedule,
    digest_send,
    digests_send_due,
    member_time_zone,
)
from events.following.models import Digest, DigestEvent, FollowKind, Weekday
from events.following.services import digest_settings_set, follow_add
from network.services import profile_ensure
from tests.events.registration_factories import publish_event, space_in
from tests.network.factories import UserFactory

ROME = zoneinfo.ZoneInfo("Europe/Rome")
WEEK = dt.date(2031, 1, 6)  # a Monday
MONDAY_0800 = dt.datetime(2031, 1, 6, 8, 0, tzinfo=ROME)  # 07:00 UTC
MICROSECOND = dt.timedelta(microseconds=1)

pytestmark = pytest.mark.django_db


def days(n: float) -> dt.timedelta:
    return dt.timedelta(days=n)


# -- when: zones and schedules (no database) ---------------------------------------------


def test_the_zone_is_the_chosen_one_then_the_home_spaces_then_the_sites():
    assert member_time_zone("Asia/Tokyo", "America/New_York") == zoneinfo.ZoneInfo("Asia/Tokyo")
    assert member_time_zone("", "America/New_York") == zoneinfo.ZoneInfo("America/New_York")
    assert member_time_zone("", None) == ROME  # settings.TIME_ZONE
    # A name that is not a zone is passed over, not the end of the search.
    assert member_time_zone("Mars/Olympus", "America/New_York") == zoneinfo.ZoneInfo(
        "America/New_York")
    assert member_time_zone("../etc/passwd", "Nowhere/Land") == ROME  # ValueError, NotFound


def test_without_any_known_zone_it_is_utc(monkeypatch):
    monkeypatch.setattr(digest_module, "settings", types.SimpleNamespace(TIME_ZONE="Nowhere"))
    assert member_time_zone("Mars/Olympus", "") == zoneinfo.ZoneInfo("UTC")
    assert member_time_zone("", None) == zoneinfo.ZoneInfo("UTC")


def test_a_schedule_is_the_local_monday_and_the_chosen_day_at_eight_in_that_zone():
    # Sunday 12 January 2031 at 23:59 in Rome (22:59 UTC) still belongs to the week of the 6th.
    late_sunday = dt.datetime(2031, 1, 12, 22, 59, tzinfo=dt.UTC)
    assert digest_schedule(Weekday.SUNDAY, ROME, late_sunday) == DigestSchedule(
        week=WEEK, due_at=dt.datetime(2031, 1, 12, 8, 0, tzinfo=ROME))
    assert digest_schedule(Weekday.WEDNESDAY, ROME, late_sunday).due_at == dt.datetime(
        2031, 1, 8, 8, 0, tzinfo=ROME)
    # The same instant is already Monday 13 January in Tokyo: a new week there.
    tokyo = zoneinfo.ZoneInfo("Asia/Tokyo")
    assert digest_schedule(Weekday.MONDAY, tokyo, late_sunday) == DigestSchedule(
        week=dt.date(2031, 1, 13), due_at=dt.datetime(2031, 1, 13, 8, 0, tzinfo=tokyo))


def test_a_digest_is_due_from_its_due_moment_exactly():
    schedule = DigestSchedule(week=WEEK, due_at=MONDAY_0800)
    assert schedule.is_due(MONDAY_0800) is True
    assert schedule.is_due(MONDAY_0800 - MICROSECOND) is False
    assert schedule.is_due(MONDAY_0800 + days(6)) is True


# -- who is due ---------------------------------------------------------------------------

@pytest.fixture
def racale(site_tree):
    return space_in(site_tree, title="Cowo Racale", city="Racale")


def follower(space, **fields):
    user = UserFactory(**fields)
    follow_add(user, FollowKind.SPACE, space)
    return user


def test_the_recipients_are_the_active_followers_with_an_address_whose_day_has_come(racale):
    monday = follower(racale)
    friday = follower(racale)
    digest_settings_set(friday, weekday=Weekday.FRIDAY)
    never = follower(racale)
    digest_settings_set(never, weekday=None)
    follower(racale, is_active=False)
    follower(racale, email="")
    UserFactory()  # follows nothing
    sunday_tokyo = follower(racale)
    digest_settings_set(sunday_tokyo, weekday=Weekday.SUNDAY, time_zone="Asia/Tokyo")
    monday_too = follower(racale)

    assert digest_recipients(MONDAY_0800 - MICROSECOND) == []
    assert digest_recipients(MONDAY_0800) == [(monday.pk, WEEK), (monday_too.pk, WEEK)]
    # Friday 08:00 in Rome: the Friday member too, in id order.
    friday_0800 = MONDAY_0800 + days(4)
    assert digest_recipients(friday_0800) == [(monday.pk, WEEK), (friday.pk, WEEK),
                                              (monday_too.pk, WEEK)]
    # Saturday 23:00 UTC is Sunday 08:00 in Tokyo: due there, in Tokyo's week of the 6th.
    saturday_2300 = dt.datetime(2031, 1, 11, 23, 0, tzinfo=dt.UTC)
    assert digest_recipients(saturday_2300) == [(monday.pk, WEEK), (friday.pk, WEEK),
                                                (sunday_tokyo.pk, WEEK),
                                                (monday_too.pk, WEEK)]
    assert digest_recipients(saturday_2300 - MICROSECOND) == [
        (monday.pk, WEEK), (friday.pk, WEEK), (monday_too.pk, WEEK)]


def test_the_home_spaces_zone_decides_for_a_member_without_a_chosen_zone(racale, site_tree):
    brooklyn = space_in(site_tree, title="Brooklyn Cowork", time_zone="America/New_York")
    user = follower(racale)
    profile_ensure(user, home_space=brooklyn)
    # Monday 08:00 in New York is 13:00 UTC; its week is the 6th there from Monday 00:00.
    due = dt.datetime(2031, 1, 6, 13, 0, tzinfo=dt.UTC)
    assert digest_recipients(due - MICROSECOND) == []
    assert digest_recipients(due) == [(user.pk, WEEK)]
    # Monday 03:00 UTC is still Sunday in New York: the week before.
    assert digest_schedule(Weekday.MONDAY, member_time_zone("", "America/New_York"),
                           dt.datetime(2031, 1, 6, 3, 0, tzinfo=dt.UTC)).week == dt.date(
        2030, 12, 30)


def test_without_a_moment_the_recipients_are_those_due_at_the_clocks_now(racale, monkeypatch):
    user = follower(racale)
    monkeypatch.setattr(timezone, "now", lambda: MONDAY_0800 - MICROSECOND)
    assert digest_recipients() == []
    monkeypatch.setattr(timezone, "now", lambda: MONDAY_0800)
    assert digest_recipients() == [(user.pk, WEEK)]


# -- what a digest stores and says --------------------------------------------------------


def test_a_digest_stores_its_claim_time_count_and_the_events_told_and_says_them(racale):
    digest_settings_set(follower(racale), weekday=None)  # another member's "never"
    user = follower(racale)
    later = publish_event(racale, title="Second", starts_at=MONDAY_0800 + days(9))
    first = publish_event(racale, title="First", starts_at=MONDAY_0800 + days(2))
    mail.outbox.clear()
    now = MONDAY_0800 + dt.timedelta(minutes=3, microseconds=7)

    assert digest_send(user.pk, now) == 2

    digest = Digest.objects.get()
    assert (digest.user_id, digest.week, digest.sent_at, digest.event_count) == (
        user.pk, WEEK, now, 2)
    assert sorted(DigestEvent.objects.values_list("digest_id", "user_id", "event_id")) == sorted(
        [(digest.pk, user.pk, first.pk), (digest.pk, user.pk, later.pk)])
    (message,) = mail.outbox
    assert message.to == [user.email]
    assert message.subject == "2 new events you follow · Espresso"
    unsubscribe = message.extra_headers["List-Unsubscribe"][1:-1]
    assert unsubscribe.startswith("http://testserver/unsubscribe/digest/")
    assert message.extra_headers["Content-Language"] == "en"
    assert message.body == (
        "New events matching what you follow:\n"
        "\n"
        "* First\n"
        "  Wednesday 8 January 2031, 08:00 (Europe/Rome)\n"
        "  Cowo Racale, Racale, Lazio, Italy\n"
        f"  http://testserver{first.url}\n"
        "\n"
        "* Second\n"
        "  Wednesday 15 January 2031, 08:00 (Europe/Rome)\n"
        "  Cowo Racale, Racale, Lazio, Italy\n"
        f"  http://testserver{later.url}\n"
        "\n"
        "What you follow, and how often we write: http://testserver/me/following/\n"
        f"Unsubscribe from this digest (one click): {unsubscribe}\n"
        "-- \n"
        "Espresso\n")
    html = message.alternatives[0][0]
    assert f'<a href="http://testserver{first.url}" style="color: #7a3e1d;"><bdi>First' in html
    assert '<a href="http://testserver/me/following/"' in html
    assert f'<a href="{unsubscribe}"' in html
    assert html.index(">First<") < html.index(">Second<")


def test_an_italian_member_gets_the_digest_in_italian(racale):
    user = follower(racale)
    profile_ensure(user, language="it")
    publish_event(racale, title="Uno", starts_at=MONDAY_0800 + days(2))
    mail.outbox.clear()
    assert digest_send(user.pk, MONDAY_0800) == 1
    (message,) = mail.outbox
    assert message.extra_headers["Content-Language"] == "it"
    assert message.body.startswith("Nuovi eventi tra quelli che segui:\n")
    assert "mercoledì 8 gennaio 2031, 08:00" in message.body


def test_only_events_still_to_start_at_the_digests_moment_are_told(racale):
    user = follower(racale)
    # Both start after the clock's now; at the digest's moment (2031) the first has begun.
    publish_event(racale, title="Begun", starts_at=MONDAY_0800 - dt.timedelta(hours=1),
                  hours=3)
    to_come = publish_event(racale, title="To come", starts_at=MONDAY_0800 + days(1))
    assert digest_send(user.pk, MONDAY_0800) == 1
    assert list(DigestEvent.objects.values_list("event_id", flat=True)) == [to_come.pk]


def test_another_members_digest_does_not_hide_an_event_from_me(racale):
    first = follower(racale)
    second = follower(racale)
    digest_settings_set(second, weekday=Weekday.TUESDAY)
    event = publish_event(racale, starts_at=MONDAY_0800 + days(3))
    mail.outbox.clear()
    assert digest_send(first.pk, MONDAY_0800) == 1
    assert digest_send(second.pk, MONDAY_0800 + days(1)) == 1
    assert sorted(DigestEvent.objects.values_list("user_id", "event_id")) == [
        (first.pk, event.pk), (second.pk, event.pk)]
    assert [m.to for m in mail.outbox] == [[first.email], [second.email]]


def test_at_most_the_limit_of_events_the_soonest_first_the_rest_next_week(racale, monkeypatch):
    monkeypatch.setattr(digest_module, "DIGEST_MAX_EVENTS", 2)
    user = follower(racale)
    third = publish_event(racale, title="Third", starts_at=MONDAY_0800 + days(12))
    first = publish_event(racale, title="First", starts_at=MONDAY_0800 + days(10))
    second = publish_event(racale, title="Second", starts_at=MONDAY_0800 + days(11))
    assert digest_send(user.pk, MONDAY_0800) == 2
    assert set(DigestEvent.objects.values_list("event_id", flat=True)) == {first.pk, second.pk}
    assert digest_send(user.pk, MONDAY_0800 + days(7)) == 1
    assert DigestEvent.objects.get(digest__week=WEEK + days(7)).event_id == third.pk
    assert list(Digest.objects.order_by("week").values_list("event_count", flat=True)) == [2, 1]


def test_not_due_yet_and_no_address_send_nothing_and_claim_nothing(racale):
    user = follower(racale)
    no_address = follower(racale, email="")
    publish_event(racale, starts_at=MONDAY_0800 + days(2))
    mail.outbox.clear()
    assert digest_send(user.pk, MONDAY_0800 - MICROSECOND) == 0
    assert digest_send(no_address.pk, MONDAY_0800) == 0
    assert Digest.objects.count() == 0
    assert mail.outbox == []


def test_a_second_send_in_the_week_is_refused_by_the_claim_and_logged(racale, caplog):
    user = follower(racale)
    publish_event(racale, starts_at=MONDAY_0800 + days(2))
    assert digest_send(user.pk, MONDAY_0800) == 1
    publish_event(racale, title="New since", starts_at=MONDAY_0800 + days(3))
    mail.outbox.clear()
    with caplog.at_level(logging.INFO, logger="events.following.digest"):
        assert digest_send(user.pk, MONDAY_0800 + days(6)) == 0
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("INFO", f"digest for user {user.pk}, week 2031-01-06 already claimed")]
    assert mail.outbox == []
    assert Digest.objects.get().event_count == 1


def test_without_a_moment_the_digest_is_sent_for_the_clocks_now(racale, monkeypatch):
    user = follower(racale)
    publish_event(racale, starts_at=MONDAY_0800 + days(2))
    monkeypatch.setattr(timezone, "now", lambda: MONDAY_0800 - MICROSECOND)
    assert digest_send(user.pk) == 0
    assert digests_send_due() == 0
    monkeypatch.setattr(timezone, "now", lambda: MONDAY_0800)
    assert digest_send(user.pk) == 1
    assert Digest.objects.get().sent_at == MONDAY_0800


# -- the periodic run ---------------------------------------------------------------------


def test_a_run_sends_every_due_member_theirs_and_skips_who_has_it(racale, caplog):
    first, second, third = follower(racale), follower(racale), follower(racale)
    publish_event(racale, starts_at=MONDAY_0800 + days(2))
    assert digest_send(first.pk, MONDAY_0800) == 1
    mail.outbox.clear()
    # The first (lowest id) already has this week's: the others still get theirs, and the
    # run does not even try the first's again (no claim refused, nothing logged).
    with caplog.at_level(logging.INFO, logger="events.following.digest"):
        assert digests_send_due(MONDAY_0800 + dt.timedelta(hours=1)) == 2
        assert sorted(m.to[0] for m in mail.outbox) == sorted([second.email, third.email])
        assert digests_send_due(MONDAY_0800 + dt.timedelta(hours=2)) == 0
    assert caplog.records == []
    assert Digest.objects.filter(week=WEEK).count() == 3


def test_a_failing_address_is_logged_and_retried_while_the_others_get_theirs(
        racale, monkeypatch, caplog):
    refused, fine = follower(racale), follower(racale)
    publish_event(racale, starts_at=MONDAY_0800 + days(2))
    mail.outbox.clear()
    real_send = EmailBackend.send_messages

    def send_messages(self, messages):
        if any(refused.email in m.to for m in messages):
            raise smtplib.SMTPRecipientsRefused({refused.email: (550, b"no such user")})
        return real_send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", send_messages)
    with caplog.at_level(logging.INFO, logger="events.following.digest"):
        assert digests_send_due(MONDAY_0800) == 1
    assert [m.to for m in mail.outbox] == [[fine.email]]
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("ERROR", f"digest for user {refused.pk} failed; retried at the next run")]
    # Nothing of the failed digest is kept: the next run sends it.
    assert list(Digest.objects.values_list("user_id", flat=True)) == [fine.pk]
    assert not DigestEvent.objects.filter(user=refused).exists()
    monkeypatch.setattr(EmailBackend, "send_messages", real_send)
    assert digests_send_due(MONDAY_0800 + dt.timedelta(hours=1)) == 1
    assert [m.to for m in mail.outbox] == [[fine.email], [refused.email]]
