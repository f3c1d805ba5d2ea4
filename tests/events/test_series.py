"""Recurring events: a weekly or monthly series set up in one go; each occurrence is a real
event (own capacity and registrations); DST keeps the local time; the .ics carries RRULE,
EXDATE and RECURRENCE-ID, the JSON feed the expanded occurrences; a cancelled occurrence stays
cancelled in the feeds."""

import datetime as dt
import itertools
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import jsonschema
import pytest
import recurring_ical_events
from django.core.cache import cache
from django.urls import reverse
from icalendar import Calendar

from events.calendar_tokens import calendar_token_create
from events.models import EventPage, EventSeries, EventStatus, RegistrationState
from events.recurrence import SeriesInvalid, rrule_build
from events.services import registration_create, series_create
from tests.events.registration_factories import UserFactory, republish, space_in

ROME = ZoneInfo("Europe/Rome")
SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "docs" / "format"
                     / "event-feed.schema.json").read_text())

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def next_tuesday_before_dst_end() -> dt.datetime:
    """A Tuesday 18:30 in Rome two weeks before the last Sunday of October, next year."""
    year = dt.date.today().year + 1
    last_sunday = max(dt.date(year, 10, d) for d in range(25, 32)
                      if dt.date(year, 10, d).weekday() == 6)
    tuesday = last_sunday - dt.timedelta(days=(last_sunday.weekday() - 1) % 7 + 7)
    return dt.datetime.combine(tuesday, dt.time(18, 30), ROME)


@pytest.fixture
def space(site_tree):
    return space_in(site_tree, "Cowo Roma", time_zone="Europe/Rome")


def weekly(space, count=4, exceptions=(), **fields) -> EventSeries:
    first = next_tuesday_before_dst_end()
    return series_create(space, title="Aperitivo del martedì", first_start=first,
                         duration=dt.timedelta(hours=2),
                         rrule=rrule_build(freq="WEEKLY", count=count, weekdays=["TU"]),
                         exceptions=exceptions,
                         fields={"capacity": 2, "language": "it", "format": "meetup",
                                 **fields})


def occurrences(series) -> list[EventPage]:
    return list(EventPage.objects.filter(series=series).order_by("starts_at"))


def test_a_weekly_series_is_created_in_one_go_and_keeps_its_local_time_across_dst(space):
    series = weekly(space)
    events = occurrences(series)
    assert len(events) == 4
    local = [event.starts_at.astimezone(ROME) for event in events]
    assert [value.time() for value in local] == [dt.time(18, 30)] * 4
    assert [value.utcoffset() for value in local] == [dt.timedelta(hours=2)] * 2 + [
        dt.timedelta(hours=1)] * 2
    utc = [event.starts_at.astimezone(dt.UTC) for event in events]
    week = dt.timedelta(days=7)
    # Elapsed time: one hour more across the change to winter time, the same wall clock.
    assert [b - a for a, b in itertools.pairwise(utc)] == [week, week + dt.timedelta(hours=1),
                                                           week]
    assert all(event.live and event.capacity == 2 and event.space_id == space.pk
               for event in events)
    assert [event.recurrence_id for event in events] == [event.starts_at for event in events]
    assert len({event.slug for event in events}) == 4
    assert series.first_starts_at == events[0].starts_at and series.exdates == []


def test_exceptions_are_left_out_and_become_exdates(space):
    first = next_tuesday_before_dst_end()
    skipped = first + dt.timedelta(days=7)
    series = weekly(space, exceptions=[skipped.date()])
    assert [e.starts_at.astimezone(ROME).date() for e in occurrences(series)] == [
        first.date(), (first + dt.timedelta(days=14)).date(),
        (first + dt.timedelta(days=21)).date()]
    assert series.exdates == [skipped.astimezone(dt.UTC).isoformat()]


def test_a_monthly_series_on_the_last_thursday_until_a_date(space):
    year = dt.date.today().year + 1
    last_thursday = max(dt.date(year, 1, d) for d in range(25, 32)
                        if dt.date(year, 1, d).weekday() == 3)
    first = dt.datetime.combine(last_thursday, dt.time(19, 0), ROME)
    rule = rrule_build(freq="MONTHLY", weekdays=["TH"], monthly_position=-1,
                       until=dt.date(first.year, 4, 30), tz=ROME)
    series = series_create(space, title="Last Thursday", first_start=first,
                           duration=dt.timedelta(hours=1), rrule=rule)
    days = [e.starts_at.astimezone(ROME) for e in occurrences(series)]
    assert [d.month for d in days] == [1, 2, 3, 4]
    assert all(d.weekday() == 3 and (d + dt.timedelta(days=7)).month != d.month for d in days)
    assert all(d.time() == dt.time(19, 0) for d in days)


@pytest.mark.parametrize("rule, message", [
    ("FREQ=WEEKLY", "how the series ends"),
    ("FREQ=DAILY;COUNT=3", "weekly or monthly"),
    ("FREQ=WEEKLY;COUNT=500", "between 1 and 104"),
    ("FREQ=WEEKLY;COUNT=3;BYHOUR=25", "weekly or monthly"),
    ("FREQ=WEEKLY;COUNT=x", "not valid"),
    ("garbage", "not valid"),
])
def test_a_bad_rule_is_refused_and_nothing_is_created(space, rule, message):
    with pytest.raises(SeriesInvalid, match=message):
        series_create(space, title="Bad", first_start=next_tuesday_before_dst_end(),
                      duration=dt.timedelta(hours=1), rrule=rule)
    assert EventSeries.objects.count() == 0 and EventPage.objects.count() == 0


def test_an_exception_outside_the_series_or_a_bad_field_creates_nothing(space):
    with pytest.raises(SeriesInvalid, match="is not a date of the series"):
        weekly(space, exceptions=[dt.date(2001, 1, 1)])
    with pytest.raises(SeriesInvalid, match="Only free events can accept guests"):
        weekly(space, guests_allowed=True, price_credits=5)
    with pytest.raises(SeriesInvalid, match="Unknown event fields: ical_uid"):
        weekly(space, ical_uid="x")
    assert EventSeries.objects.count() == 0 and EventPage.objects.count() == 0


def test_registering_for_one_occurrence_does_not_touch_another(space):
    first, second, *_rest = occurrences(weekly(space))
    alice, bob, carol = UserFactory(), UserFactory(), UserFactory()
    registration_create(first, user=alice)
    registration_create(first, user=bob)
    waiting = registration_create(first, user=carol)
    assert waiting.state == RegistrationState.WAITLISTED  # first is full (capacity 2)
    assert registration_create(second, user=carol).state == RegistrationState.CONFIRMED
    assert second.registrations.count() == 1 and first.registrations.count() == 3
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.seats_left, second.seats_left) == (0, 1)


def test_the_space_calendar_has_rrule_exdate_and_a_cancelled_occurrence_stays_cancelled(
        client, space):
    first = next_tuesday_before_dst_end()
    series = weekly(space, count=5, exceptions=[(first + dt.timedelta(days=28)).date()])
    events = occurrences(series)
    republish(events[1], status=EventStatus.CANCELLED, status_reason="Holiday")
    moved = republish(events[2], starts_at=events[2].starts_at + dt.timedelta(hours=1),
                      ends_at=events[2].ends_at + dt.timedelta(hours=1))
    response = client.get(reverse("events:calendar_space", args=[space.slug]))
    calendar = Calendar.from_ical(response.content)
    vevents = calendar.walk("VEVENT")
    master = [v for v in vevents if "RRULE" in v]
    assert len(master) == 1
    assert master[0]["RRULE"].to_ical() == b"FREQ=WEEKLY;COUNT=5;BYDAY=TU"
    assert master[0].decoded("DTSTART") == first
    assert [d.dt for d in master[0]["EXDATE"].dts] == [first + dt.timedelta(days=28)]
    overrides = [v for v in vevents if "RECURRENCE-ID" in v]
    assert len(overrides) == 4 and {str(v["UID"]) for v in vevents} == {series.uid}
    # What a calendar app shows: 4 occurrences, the cancelled one cancelled, the moved one
    # an hour later, all at their local times.
    shown = sorted(recurring_ical_events.of(calendar).between(first - dt.timedelta(days=1),
                                                             first + dt.timedelta(days=60)),
                   key=lambda v: v.decoded("DTSTART"))
    assert [str(v.get("STATUS")) for v in shown] == ["CONFIRMED", "CANCELLED", "CONFIRMED",
                                                     "CONFIRMED"]
    assert [v.decoded("DTSTART").astimezone(ROME).time() for v in shown] == [
        dt.time(18, 30), dt.time(18, 30), dt.time(19, 30), dt.time(18, 30)]
    assert shown[2].decoded("RECURRENCE-ID") == moved.recurrence_id


def test_the_json_feed_lists_each_occurrence_with_its_series(client, space):
    series = weekly(space, count=3)
    events = occurrences(series)
    republish(events[0], status=EventStatus.CANCELLED, status_reason="Holiday")
    data = client.get(reverse("events:feed_json"), {"space": space.slug}).json()
    jsonschema.Draft202012Validator(
        SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER).validate(data)
    items = data["items"]
    assert [item["id"] for item in items] == [event.ical_uid for event in events]
    assert [item["status"] for item in items] == ["cancelled", "scheduled", "scheduled"]
    assert {item["series"]["id"] for item in items} == {series.uid}
    assert items[2]["series"] == {
        "id": series.uid, "rrule": "FREQ=WEEKLY;BYDAY=TU;COUNT=3",
        "recurrence_id": events[2].starts_at.astimezone(ROME).isoformat(),
        "starts_at": events[0].starts_at.astimezone(ROME).isoformat(), "rdates": [],
        "exdates": [], "sequence": 0, "cancelled": False}


def test_a_personal_calendar_has_only_the_registered_occurrence(client, space):
    events = occurrences(weekly(space))
    member = UserFactory()
    registration_create(events[1], user=member)
    token = calendar_token_create(member)
    response = client.get(reverse("events:calendar_personal", args=[token.token]))
    vevents = Calendar.from_ical(response.content).walk("VEVENT")
    assert [str(v["UID"]) for v in vevents] == [events[1].ical_uid]
    assert "RRULE" not in vevents[0] and "RECURRENCE-ID" not in vevents[0]
