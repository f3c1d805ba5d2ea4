"""An all-day series imported from iCalendar is republished all-day: DATE values (DTSTART,
DTEND, RECURRENCE-ID, EXDATE, UNTIL) in our .ics, the same days as the source, never the
local midnights it is stored as (events.all_day)."""

import datetime as dt

import pytest
import recurring_ical_events
from django.core.cache import cache
from django.urls import reverse
from icalendar import Calendar

from events.federation import ical_reader
from events.federation.services import subscription_get_or_create, subscription_sync
from events.models import EventPage, EventSeries
from tests.network.factories import make_space

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 10, 1, 12, 0, tzinfo=dt.UTC)
UID = "all-day-market@example.org"
SOURCE = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Example//Market//EN\r
BEGIN:VEVENT\r
UID:all-day-market@example.org\r
DTSTAMP:20260901T100000Z\r
SEQUENCE:2\r
SUMMARY:Mercatino \xc3\xa8 <b>bio</b>\r
DTSTART;VALUE=DATE:20261005\r
DTEND;VALUE=DATE:20261006\r
RRULE:FREQ=WEEKLY;UNTIL=20261102\r
EXDATE;VALUE=DATE:20261019\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:one-day-fair@example.org\r
DTSTAMP:20260901T100000Z\r
SUMMARY:Fiera\r
DTSTART;VALUE=DATE:20261010\r
DTEND;VALUE=DATE:20261012\r
END:VEVENT\r
END:VCALENDAR\r
"""


@pytest.fixture(autouse=True)
def short_window(monkeypatch):
    monkeypatch.setattr(ical_reader, "FUTURE_WINDOW", dt.timedelta(days=60))
    cache.clear()
    yield
    cache.clear()


def days(calendar: Calendar, uid: str) -> set[tuple[dt.date, dt.date]]:
    """(start, end) of each date of `uid`, as a calendar app expands them."""
    return {(c.decoded("DTSTART"), c.decoded("DTEND"))
            for c in recurring_ical_events.of(calendar).between(dt.date(2026, 9, 1),
                                                               dt.date(2027, 1, 1))
            if str(c["UID"]) == uid}


def test_an_all_day_series_is_republished_with_dates(feed_server, site_tree, client):
    space = make_space(site_tree.spaces, "Cowo Torino", time_zone="Europe/Rome")
    subscription_sync(subscription_get_or_create(space, feed_server.serve("/d.ics", SOURCE)),
                      now=NOW)
    series = EventSeries.objects.get()
    assert series.rrule.endswith("UNTIL=20261101T230000Z")  # stored: Rome's midnight, in UTC
    assert EventPage.objects.filter(series=series).count() == 4
    response = client.get(reverse("events:calendar_space", args=[space.slug]))
    ours = Calendar.from_ical(response.content)
    master = next(v for v in ours.walk("VEVENT")
                  if str(v["UID"]) == UID and "RECURRENCE-ID" not in v)
    assert master["DTSTART"].to_ical() == b"20261005"
    assert master["DTSTART"].params.get("VALUE") == "DATE"
    assert master["DTEND"].to_ical() == b"20261006"
    assert [d.dt for d in master["EXDATE"].dts] == [dt.date(2026, 10, 19)]
    assert b"UNTIL=20261102;" in master["RRULE"].to_ical() + b";"
    overrides = [v for v in ours.walk("VEVENT") if str(v["UID"]) == UID and "RECURRENCE-ID" in v]
    assert sorted(v.decoded("RECURRENCE-ID") for v in overrides) == [
        dt.date(2026, 10, 5), dt.date(2026, 10, 12), dt.date(2026, 10, 26), dt.date(2026, 11, 2)]
    assert all(type(v.decoded("DTSTART")) is dt.date for v in overrides)
    expected = {(dt.date(2026, 10, d), dt.date(2026, 10, d + 1)) for d in (5, 12, 26)} | {
        (dt.date(2026, 11, 2), dt.date(2026, 11, 3))}
    assert days(ours, UID) == days(Calendar.from_ical(SOURCE), UID) == expected
    # A single all-day event over two days keeps both.
    assert days(ours, "one-day-fair@example.org") == {(dt.date(2026, 10, 10),
                                                       dt.date(2026, 10, 12))}
    # The event's own .ics too.
    fair = EventPage.objects.get(title="Fiera")
    single = Calendar.from_ical(client.get(reverse("events:calendar_event",
                                                   args=[fair.pk])).content)
    [vevent] = single.walk("VEVENT")
    assert vevent["DTSTART"].to_ical() == b"20261010"
