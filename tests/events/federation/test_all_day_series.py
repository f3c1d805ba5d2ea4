"""An all-day series imported from iCalendar is republished all-day: DATE values (DTSTART,
DTEND, RECURRENCE-ID, EXDATE, UNTIL) in our .ics, the same days as the source, never the
local midnights it is stored as (events.all_day)."""

import datetime as dt
import json

import pytest
import recurring_ical_events
from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from icalendar import Calendar

from events.federation import ical_reader
from events.federation.exceptions import FeedInvalid
from events.federation.json_reader import read_json_page
from events.federation.services import subscription_get_or_create, subscription_sync
from events.feeds import event_to_feed_item, event_to_jsonld, events_to_json_feed
from events.models import EventPage, EventSeries
from tests.events.discovery_factories import make_event
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


def _imported(feed_server, site_tree, name: str = "Cowo Torino"):
    space = make_space(site_tree.spaces, name, time_zone="Europe/Rome")
    subscription_sync(subscription_get_or_create(space, feed_server.serve("/d.ics", SOURCE)),
                      now=NOW)
    return EventPage.objects.get(title="Fiera")


def test_an_all_day_event_shows_its_days_not_midnights(feed_server, site_tree, client):
    fair = _imported(feed_server, site_tree)
    assert fair.all_day and (fair.first_day, fair.last_day) == (dt.date(2026, 10, 10),
                                                                dt.date(2026, 10, 11))
    page = client.get(fair.url).content.decode()
    facts = page[page.index("event-facts"):page.index("</dl>", page.index("event-facts"))]
    assert "Saturday 10 October 2026" in facts and "Sunday 11 October 2026" in facts
    assert "All day" in facts and "00:00" not in facts and "Monday" not in facts
    card = render_to_string("events/includes/event_card.html", {"event": fair})
    assert "Sat 10 Oct 2026" in card and "Sun 11 Oct 2026" in card and "all day" in card
    assert "00:00" not in card and "Mon 12 Oct" not in card
    with translation.override("it"):
        card = render_to_string("events/includes/event_card.html", {"event": fair})
    assert "tutto il giorno" in card
    # schema.org dates (first and last day) in the JSON-LD; the feed keeps its midnights.
    jsonld = event_to_jsonld(fair)
    assert (jsonld["startDate"], jsonld["endDate"]) == ("2026-10-10", "2026-10-11")
    item = event_to_feed_item(fair)
    assert item["all_day"] is True
    assert (item["starts_at"], item["ends_at"]) == ("2026-10-10T00:00:00+02:00",
                                                    "2026-10-12T00:00:00+02:00")


def test_a_one_day_all_day_event_shows_one_day(feed_server, site_tree):
    market = EventPage.objects.filter(title__startswith="Mercatino").order_by("starts_at")
    _imported(feed_server, site_tree)
    first = market.first()
    assert first.all_day and first.first_day == first.last_day == dt.date(2026, 10, 5)
    card = render_to_string("events/includes/event_card.html", {"event": first})
    assert card.count("<time") == 1 and "Mon 5 Oct 2026" in card


def test_events_with_times_are_not_all_day_in_the_feed_and_pages(site_tree, client):
    space = make_space(site_tree.spaces, "Cowo Bari", time_zone="Europe/Rome")
    event = make_event(space, starts_at=NOW + dt.timedelta(days=3))  # 14:00 in Rome
    assert not event.all_day
    assert event_to_feed_item(event)["all_day"] is False
    assert "T" in event_to_jsonld(event)["startDate"]
    card = render_to_string("events/includes/event_card.html", {"event": event})
    assert "all day" not in card and "14:00" in card


def test_all_day_survives_a_json_round_trip_between_two_espressos(feed_server, site_tree,
                                                                   client):
    fair = _imported(feed_server, site_tree)
    feed = events_to_json_feed([fair], title="A", feed_url="https://a.example/feed.json")
    read_json_page(json.dumps(feed).encode())  # valid in the published schema
    # As the publisher of its own all-day event (an imported one is never imported again).
    feed["items"][0].update(origin=None, id="fair@a.example")
    timed = dict(feed["items"][0], id="timed@a.example", title="Timed, but says all day",
                 starts_at="2026-10-10T10:00:00+02:00", ends_at="2026-10-10T12:00:00+02:00")
    wrong_type = dict(feed["items"][0], id="string@a.example", title="All day as a string",
                      all_day="yes")
    url = feed_server.serve("/a.json", json.dumps(dict(feed, items=[*feed["items"], timed]))
                            .encode(), headers={"Content-Type": "application/json"})
    bari = make_space(site_tree.spaces, "Cowo Bari", time_zone="Europe/Rome")
    report = subscription_sync(subscription_get_or_create(bari, url), now=NOW)
    assert not report.error, report.error
    copy = EventPage.objects.get(space=bari, title="Fiera")
    assert copy.all_day and (copy.first_day, copy.last_day) == (fair.first_day, fair.last_day)
    [vevent] = Calendar.from_ical(client.get(reverse(
        "events:calendar_event", args=[copy.pk])).content).walk("VEVENT")
    assert (vevent["DTSTART"].to_ical(), vevent["DTEND"].to_ical()) == (b"20261010",
                                                                        b"20261012")
    assert event_to_feed_item(copy)["all_day"] is True
    # A flag that contradicts its times is not believed: the times are kept.
    claimed = EventPage.objects.get(space=bari, title="Timed, but says all day")
    assert not claimed.all_day
    assert "10:00" in render_to_string("events/includes/event_card.html", {"event": claimed})
    # Not a boolean: the schema refuses the feed.
    with pytest.raises(FeedInvalid, match="all_day"):
        read_json_page(json.dumps(dict(feed, items=[wrong_type])).encode())
