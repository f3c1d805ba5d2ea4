"""Imported recurring events stay series: the upstream master (UID, RRULE as received, RDATE,
EXDATE, time zone, SEQUENCE) is kept in an EventSeries, its dates are EventPages tied to it,
our .ics republishes one master VEVENT plus RECURRENCE-ID overrides, our JSON feed lists the
dates with their series; a re-import changes nothing, a moved date moves alone, a rule without
an end keeps being expanded by the periodic sync, a cancelled date stays cancelled, a series
gone upstream is cancelled as a whole.

Samples: Google (an endless weekly rule crossing the change to winter time, an EXDATE, a moved
and a cancelled date), Apple (RDATE, an UNTIL written as a date, New York time), Outlook (a
Windows zone name, a monthly rule with UNTIL)."""

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import jsonschema
import pytest
import recurring_ical_events
from django.core.cache import cache
from django.urls import reverse
from icalendar import Calendar

from events.exceptions import EventError
from events.federation import ical_reader
from events.federation.exceptions import FeedInvalid
from events.federation.ical_reader import read_ical, read_ical_feed
from events.federation.json_reader import feed_schema, read_json_page
from events.federation.models import ImportedEvent, ImportedSeries
from events.federation.services import subscription_get_or_create, subscription_sync
from events.models import EventPage, EventSeries, EventStatus
from events.recurrence import SeriesInvalid
from events.services import registration_create
from events.services.series import series_rule_change
from tests.network.factories import make_space

SAMPLES = Path(__file__).parent / "samples"
GOOGLE = (SAMPLES / "google_endless.ics").read_bytes()
APPLE = (SAMPLES / "apple_rdate.ics").read_bytes()
OUTLOOK = (SAMPLES / "outlook.ics").read_bytes()
WEEKLY = "7v3mq2k1r9s8t7u6@google.com"
NOW = dt.datetime(2026, 10, 1, 12, 0, tzinfo=dt.UTC)
ROME = ZoneInfo("Europe/Rome")
NEW_YORK = ZoneInfo("America/New_York")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def short_window(monkeypatch):
    """Two months ahead instead of 400 days: the same code, fewer pages to write."""
    monkeypatch.setattr(ical_reader, "FUTURE_WINDOW", dt.timedelta(days=60))
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def torino(site_tree):
    return make_space(site_tree.spaces, "Cowo Torino", city="Torino", region="Piemonte",
                      time_zone="Europe/Rome")


def dates(subscription) -> dict[str, EventPage]:
    return {link.recurrence_id: EventPage.objects.get(pk=link.event_id)
            for link in ImportedEvent.objects.filter(subscription=subscription)}


def space_ics(client, space) -> Calendar:
    cache.clear()
    response = client.get(reverse("events:calendar_space", args=[space.slug]))
    assert response.status_code == 200
    return Calendar.from_ical(response.content)


def feed_items(client, space) -> list[dict]:
    cache.clear()
    response = client.get(reverse("events:feed_json"), {"space": space.slug, "when": "all"})
    assert response.status_code == 200
    document = response.json()
    jsonschema.Draft202012Validator(feed_schema()).validate(document)
    return document["items"]


def expand(calendar: Calendar, start: dt.datetime, end: dt.datetime, uid: str) -> dict:
    """{original start (UTC): (start, end, status, summary)} of `uid`, as a calendar app
    expands it (recurring-ical-events, independent of our code)."""
    out = {}
    for component in recurring_ical_events.of(calendar).between(start, end):
        if str(component["UID"]) != uid:
            continue
        rid = component.decoded("RECURRENCE-ID").astimezone(dt.UTC)
        out[rid] = (component.decoded("DTSTART").astimezone(dt.UTC),
                    component.decoded("DTEND").astimezone(dt.UTC),
                    str(component.get("STATUS", "CONFIRMED")), str(component["SUMMARY"]))
    return out


# --- reading ------------------------------------------------------------------------------

def test_the_master_of_an_endless_google_series_is_kept_as_received():
    items, masters = read_ical_feed(GOOGLE, default_tz=ROME, now=NOW)
    master = masters[WEEKLY]
    assert master.rrule == "FREQ=WEEKLY;BYDAY=TU"  # no end: kept without one
    assert master.first_start == dt.datetime(2026, 9, 22, 18, 30, tzinfo=ROME)
    assert (master.time_zone, master.sequence, master.title) == (
        "Europe/Rome", 1, "Aperitivo del martedì")
    assert master.exdates == [dt.datetime(2026, 10, 27, 17, 30, tzinfo=dt.UTC)]
    assert master.rdates == []
    by_rid = {item.recurrence_id: item for item in items}
    assert all(item.series is master for item in items)
    assert by_rid["20261103T173000Z"].override and by_rid["20261110T173000Z"].override
    assert not by_rid["20261117T173000Z"].override
    assert by_rid["20261117T173000Z"].original_start == dt.datetime(2026, 11, 17, 18, 30,
                                                                    tzinfo=ROME)
    assert by_rid["20261117T173000Z"].published_uid == ""  # the date has no UID of its own


def test_an_apple_rdate_and_an_until_written_as_a_date_are_kept(monkeypatch):
    monkeypatch.setattr(ical_reader, "FUTURE_WINDOW", dt.timedelta(days=400))
    items, masters = read_ical_feed(APPLE, default_tz=ROME, now=NOW)
    master = masters["5A1B2C3D-4E5F-4711-8899-AABBCCDDEEFF"]
    # The date UNTIL is put in UTC the way the expansion read it (midnight UTC), so the
    # republished rule gives exactly the dates imported.
    assert master.rrule == "FREQ=WEEKLY;UNTIL=20261203T000000Z;BYDAY=TH"
    assert master.rdates == [dt.datetime(2026, 12, 7, 22, 0, tzinfo=dt.UTC)]
    assert master.exdates == [dt.datetime(2026, 11, 26, 22, 0, tzinfo=dt.UTC)]
    local = sorted(item.starts_at.astimezone(NEW_YORK).strftime("%m-%d %H:%M")
                   for item in items)
    # 17:00 in New York before and after the change to winter time (1 November).
    assert local == ["10-15 17:00", "10-22 17:00", "10-29 17:00", "11-05 17:00",
                     "11-12 17:00", "11-19 17:00", "12-07 17:00"]


@pytest.mark.parametrize("change", [
    # Two RRULEs (RFC 5545 says SHOULD NOT): no single rule to keep.
    (b"RRULE:FREQ=WEEKLY;BYDAY=TU\r\n", b"RRULE:FREQ=WEEKLY;BYDAY=TU\r\nRRULE:FREQ=MONTHLY\r\n"),
    # A rule longer than EventSeries holds.
    (b"RRULE:FREQ=WEEKLY;BYDAY=TU\r\n",
     b"RRULE:FREQ=WEEKLY;BYDAY=TU;BYMONTH=" + b",".join(b"%d" % (m % 12 + 1)
                                                        for m in range(240)) + b"\r\n"),
])
def test_a_master_that_cannot_be_kept_faithfully_gives_single_dates(change):
    items, masters = read_ical_feed(GOOGLE.replace(*change), default_tz=ROME, now=NOW)
    assert masters == {}
    assert items and all(item.series is None and item.recurrence_id for item in items)


def test_a_custom_time_zone_without_a_known_name_gives_single_dates():
    custom = GOOGLE.replace(b"TZID=Europe/Rome", b"TZID=Ora di Torino").replace(
        b"TZID:Europe/Rome", b"TZID:Ora di Torino").replace(b"X-WR-TIMEZONE:Europe/Rome\r\n",
                                                            b"")
    items, masters = read_ical_feed(custom, default_tz=ROME, now=NOW)
    assert masters == {}
    first = min(items, key=lambda item: item.starts_at)
    assert first.starts_at == dt.datetime(2026, 9, 22, 16, 30, tzinfo=dt.UTC)


def test_an_endless_rule_is_expanded_only_inside_the_window():
    items = read_ical(GOOGLE, default_tz=ROME, now=NOW)
    starts = sorted(item.starts_at for item in items)
    assert starts[0].date() == dt.date(2026, 9, 22)
    assert starts[-1] <= NOW + dt.timedelta(days=60)
    assert len(items) == 9  # 22 Sep .. 24 Nov, without the EXDATE of 27 Oct


# --- syncing ------------------------------------------------------------------------------

def test_an_imported_series_is_one_series_here_with_its_dates(feed_server, torino):
    url = feed_server.serve("/weekly.ics", GOOGLE)
    subscription = subscription_get_or_create(torino, url, name="Torino")
    report = subscription_sync(subscription, now=NOW)
    assert (report.error, report.created, report.series_created) == ("", 9, 1)
    series = EventSeries.objects.get()
    assert (series.published_uid, series.rrule, series.time_zone, series.sequence) == (
        WEEKLY, "FREQ=WEEKLY;BYDAY=TU", "Europe/Rome", 1)
    assert series.uid != WEEKLY and series.space_id == torino.pk and series.is_imported
    assert series.first_starts_at == dt.datetime(2026, 9, 22, 16, 30, tzinfo=dt.UTC)
    assert series.exdates == ["2026-10-27T17:30:00+00:00"] and series.rdates == []
    link = ImportedSeries.objects.get()
    assert (link.subscription_id, link.series_id, link.uid) == (subscription.pk, series.pk,
                                                                WEEKLY)
    pages = dates(subscription)
    assert {page.series_id for page in pages.values()} == {series.pk}
    moved = pages["20261103T173000Z"]
    assert moved.recurrence_id == dt.datetime(2026, 11, 3, 17, 30, tzinfo=dt.UTC)
    assert moved.starts_at == dt.datetime(2026, 11, 3, 18, 0, tzinfo=dt.UTC)
    assert pages["20261110T173000Z"].status == EventStatus.CANCELLED


def test_our_ics_republishes_the_series_as_received_with_overrides(feed_server, torino,
                                                                   client):
    subscription = subscription_get_or_create(torino, feed_server.serve("/w.ics", GOOGLE))
    subscription_sync(subscription, now=NOW)
    ours = space_ics(client, torino)
    vevents = [v for v in ours.walk("VEVENT") if str(v["UID"]) == WEEKLY]
    masters = [v for v in vevents if "RECURRENCE-ID" not in v]
    assert len(masters) == 1 and len(vevents) == 10  # the master and the 9 dates
    master = masters[0]
    assert master["RRULE"].to_ical() == b"FREQ=WEEKLY;BYDAY=TU"
    assert master.decoded("DTSTART") == dt.datetime(2026, 9, 22, 18, 30, tzinfo=ROME)
    assert master["DTSTART"].params["TZID"] == "Europe/Rome"
    assert [d.dt for d in master["EXDATE"].dts] == [dt.datetime(2026, 10, 27, 18, 30,
                                                                tzinfo=ROME)]
    assert (str(master["SUMMARY"]), master["SEQUENCE"]) == ("Aperitivo del martedì", 1)
    # A calendar app reading our file sees exactly what it sees reading the origin's, in
    # the imported window and beyond it (the rule has no end: the dates go on).
    start, end = NOW - dt.timedelta(days=30), NOW + dt.timedelta(days=400)
    upstream = expand(Calendar.from_ical(GOOGLE), start, end, WEEKLY)
    republished = expand(ours, start, end, WEEKLY)
    assert republished == upstream
    assert len(upstream) == 58
    # 18:30 in Rome on both sides of both changes of time (25 Oct 2026, 28 Mar 2027).
    local_times = {s.astimezone(ROME).time() for rid, (s, _e, _st, _t) in republished.items()
                   if rid != dt.datetime(2026, 11, 3, 17, 30, tzinfo=dt.UTC)}
    assert local_times == {dt.time(18, 30)}
    assert republished[dt.datetime(2026, 11, 10, 17, 30, tzinfo=dt.UTC)][2] == "CANCELLED"


def test_our_json_feed_lists_the_dates_with_their_series(feed_server, torino, client):
    subscription = subscription_get_or_create(torino, feed_server.serve("/w.ics", GOOGLE))
    subscription_sync(subscription, now=NOW)
    items = feed_items(client, torino)
    assert len(items) == 9
    series = {json.dumps(item["series"]["id"]) for item in items}
    assert series == {json.dumps(WEEKLY)}
    moved = next(i for i in items if i["series"]["recurrence_id"] == "2026-11-03T18:30:00+01:00")
    assert moved["starts_at"] == "2026-11-03T19:00:00+01:00"
    assert moved["series"] | {"recurrence_id": None} == {
        "id": WEEKLY, "rrule": "FREQ=WEEKLY;BYDAY=TU", "recurrence_id": None,
        "starts_at": "2026-09-22T18:30:00+02:00", "rdates": [],
        "exdates": ["2026-10-27T18:30:00+01:00"], "sequence": 1, "cancelled": False}
    cancelled = next(i for i in items
                     if i["series"]["recurrence_id"] == "2026-11-10T18:30:00+01:00")
    assert cancelled["status"] == "cancelled"
    # Each date has its own id (our UID for it), distinct from the series'.
    assert len({item["id"] for item in items}) == 9 and WEEKLY not in {i["id"] for i in items}


def test_reimporting_a_series_changes_nothing(feed_server, torino):
    url = feed_server.serve("/w.ics", GOOGLE)
    subscription = subscription_get_or_create(torino, url)
    subscription_sync(subscription, now=NOW)
    pages = list(EventPage.objects.order_by("pk").values_list(
        "pk", "sequence", "last_published_at", "starts_at", "status", "series_id",
        "recurrence_id"))
    series = list(EventSeries.objects.values())
    feed_server.serve("/w.ics", GOOGLE.replace(b"DTSTAMP:20261001T080000Z",
                                               b"DTSTAMP:20261002T080000Z"))
    report = subscription_sync(subscription, now=NOW + dt.timedelta(minutes=5))
    assert (report.created, report.updated, report.unchanged, report.series_updated) == (
        0, 0, 9, 0)
    assert list(EventPage.objects.order_by("pk").values_list(
        "pk", "sequence", "last_published_at", "starts_at", "status", "series_id",
        "recurrence_id")) == pages
    assert list(EventSeries.objects.values()) == series


def test_a_date_moved_upstream_moves_only_that_date(feed_server, torino):
    url = feed_server.serve("/w.ics", GOOGLE)
    subscription = subscription_get_or_create(torino, url)
    subscription_sync(subscription, now=NOW)
    before = {rid: (p.starts_at, p.sequence, p.last_published_at)
              for rid, p in dates(subscription).items()}
    # Outlook-style: the 17 November date becomes an override an hour later, SEQUENCE 3.
    override = ("BEGIN:VEVENT\r\nUID:" + WEEKLY + "\r\n"
                "RECURRENCE-ID;TZID=Europe/Rome:20261117T183000\r\n"
                "DTSTART;TZID=Europe/Rome:20261117T193000\r\n"
                "DTEND;TZID=Europe/Rome:20261117T210000\r\nSEQUENCE:3\r\n"
                "SUMMARY:Aperitivo del martedì\r\nDTSTAMP:20261002T080000Z\r\n"
                "END:VEVENT\r\n").encode()
    feed_server.serve("/w.ics", GOOGLE.replace(b"END:VCALENDAR", override + b"END:VCALENDAR"))
    report = subscription_sync(subscription, now=NOW)
    assert (report.updated, report.created, report.series_updated) == (1, 0, 0)
    after = dates(subscription)
    moved = after["20261117T173000Z"]
    assert moved.starts_at == dt.datetime(2026, 11, 17, 18, 30, tzinfo=dt.UTC)
    assert moved.sequence == 3 and moved.origin["override"] is True
    assert {rid: (p.starts_at, p.sequence, p.last_published_at) for rid, p in after.items()
            if rid != "20261117T173000Z"} == {
        rid: value for rid, value in before.items() if rid != "20261117T173000Z"}
    # An older copy of that date (SEQUENCE 2) never overwrites it.
    feed_server.serve("/w.ics", GOOGLE.replace(b"END:VCALENDAR", override.replace(
        b"SEQUENCE:3", b"SEQUENCE:2").replace(b"T193000", b"T200000") + b"END:VCALENDAR"))
    report = subscription_sync(subscription, now=NOW)
    assert (report.stale, report.updated) == (1, 0)
    assert dates(subscription)["20261117T173000Z"].starts_at == moved.starts_at


def test_an_override_numbered_on_its_own_is_applied_and_our_sequence_never_goes_down(
        feed_server, torino):
    subscription = subscription_get_or_create(torino, feed_server.serve("/w.ics", GOOGLE))
    subscription_sync(subscription, now=NOW)
    assert dates(subscription)["20261117T173000Z"].sequence == 1  # the master's
    # Outlook numbers a new override from 0: it is not an older copy of the master's date.
    override = ("BEGIN:VEVENT\r\nUID:" + WEEKLY + "\r\n"
                "RECURRENCE-ID;TZID=Europe/Rome:20261117T183000\r\n"
                "DTSTART;TZID=Europe/Rome:20261117T200000\r\n"
                "DTEND;TZID=Europe/Rome:20261117T213000\r\nSEQUENCE:0\r\n"
                "SUMMARY:Aperitivo del martedì (alle 20)\r\nDTSTAMP:20261002T080000Z\r\n"
                "END:VEVENT\r\n").encode()
    feed_server.serve("/w.ics", GOOGLE.replace(b"END:VCALENDAR", override + b"END:VCALENDAR"))
    report = subscription_sync(subscription, now=NOW)
    assert (report.updated, report.stale) == (1, 0)
    moved = dates(subscription)["20261117T173000Z"]
    assert moved.starts_at == dt.datetime(2026, 11, 17, 19, 0, tzinfo=dt.UTC)
    assert moved.sequence == 2  # 0 upstream, but calendars must see it as newer than 1


def test_a_cancelled_date_stays_cancelled_in_our_feeds(feed_server, torino, client):
    url = feed_server.serve("/w.ics", GOOGLE)
    subscription = subscription_get_or_create(torino, url)
    subscription_sync(subscription, now=NOW)
    subscription_sync(subscription, now=NOW + dt.timedelta(hours=1))
    cancelled = dates(subscription)["20261110T173000Z"]
    assert cancelled.status == EventStatus.CANCELLED
    override = next(v for v in space_ics(client, torino).walk("VEVENT")
                    if v.get("RECURRENCE-ID") is not None
                    and v.decoded("RECURRENCE-ID") == dt.datetime(2026, 11, 10, 18, 30,
                                                                  tzinfo=ROME))
    assert str(override["STATUS"]) == "CANCELLED"


def test_an_endless_rule_keeps_being_expanded_by_the_periodic_sync(feed_server, torino):
    url = feed_server.serve("/w.ics", GOOGLE, headers={"ETag": '"v1"'})
    subscription = subscription_get_or_create(torino, url)
    subscription_sync(subscription, now=NOW)
    assert max(dates(subscription)) == "20261124T173000Z"
    # An hour later: the server says 304 to the conditional GET, nothing is expanded.
    feed_server.serve("/w.ics", b"", status=304, headers={"ETag": '"v1"'})
    assert subscription_sync(subscription, now=NOW + dt.timedelta(hours=1)).not_modified
    # Three weeks later the window has moved: the feed is read again without the condition
    # (the same bytes) and the new dates are created; nothing else changes.
    feed_server.serve("/w.ics", GOOGLE, headers={"ETag": '"v1"'})
    later = NOW + dt.timedelta(days=21)
    report = subscription_sync(subscription, now=later)
    assert (report.error, report.created, report.updated) == ("", 3, 0)
    assert "If-None-Match" not in feed_server.requests[-1]["headers"]
    assert max(dates(subscription)) == "20261215T173000Z"
    assert EventSeries.objects.count() == 1
    subscription.refresh_from_db()
    assert subscription.expanded_at == later


def test_a_series_gone_upstream_is_cancelled_as_a_whole(feed_server, torino, client):
    url = feed_server.serve("/w.ics", GOOGLE)
    subscription = subscription_get_or_create(torino, url)
    subscription_sync(subscription, now=NOW)
    feed_server.serve("/w.ics", OUTLOOK)  # the weekly series is gone
    report = subscription_sync(subscription, now=NOW)
    assert (report.series_cancelled, report.cancelled_gone, report.series_created) == (1, 7, 1)
    series = EventSeries.objects.get(origin__uid=WEEKLY)
    assert (series.cancelled, series.sequence) == (True, 2)
    # Its dates still to come are cancelled; those over (22 and 29 Sep) stay as they were.
    assert {(p.ends_at > NOW, p.status) for p in EventPage.objects.filter(series=series)} == {
        (True, "cancelled"), (False, "scheduled")}
    master = next(v for v in space_ics(client, torino).walk("VEVENT")
                  if str(v["UID"]) == WEEKLY and "RECURRENCE-ID" not in v)
    assert str(master["STATUS"]) == "CANCELLED"
    # It comes back when it reappears, with a SEQUENCE above ours.
    feed_server.serve("/w.ics", GOOGLE)
    report = subscription_sync(subscription, now=NOW)
    series.refresh_from_db()
    assert (series.cancelled, series.sequence, report.series_updated) == (False, 3, 1)


def test_outlook_series_keeps_its_windows_zone_as_iana_and_its_until(feed_server, torino,
                                                                     client):
    subscription = subscription_get_or_create(torino, feed_server.serve("/o.ics", OUTLOOK))
    subscription_sync(subscription, now=NOW)
    series = EventSeries.objects.get()
    assert (series.time_zone, series.rrule) == (
        "Europe/Berlin", "FREQ=MONTHLY;UNTIL=20270131T090000Z;INTERVAL=1;BYMONTHDAY=15")
    uid = series.published_uid
    start, end = NOW - dt.timedelta(days=30), NOW + dt.timedelta(days=400)
    assert expand(space_ics(client, torino), start, end, uid) == expand(
        Calendar.from_ical(OUTLOOK), start, end, uid)


def test_an_apple_series_with_rdate_is_republished_with_it(feed_server, torino, client):
    subscription = subscription_get_or_create(torino, feed_server.serve("/a.ics", APPLE))
    subscription_sync(subscription, now=NOW)
    uid = "5A1B2C3D-4E5F-4711-8899-AABBCCDDEEFF"
    ours = space_ics(client, torino)
    master = next(v for v in ours.walk("VEVENT")
                  if str(v["UID"]) == uid and "RECURRENCE-ID" not in v)
    assert [d.dt for d in master["RDATE"].dts] == [dt.datetime(2026, 12, 7, 17, 0,
                                                               tzinfo=NEW_YORK)]
    start, end = NOW - dt.timedelta(days=30), NOW + dt.timedelta(days=400)
    assert expand(ours, start, end, uid) == expand(Calendar.from_ical(APPLE), start, end, uid)


def test_an_imported_series_cannot_be_changed_here(feed_server, torino, admin_client):
    subscription = subscription_get_or_create(torino, feed_server.serve("/w.ics", GOOGLE))
    subscription_sync(subscription, now=NOW)
    series = EventSeries.objects.get()
    with pytest.raises(SeriesInvalid, match="imported from another calendar"):
        series_rule_change(series, rrule="FREQ=WEEKLY;COUNT=3", now=NOW)
    response = admin_client.get(reverse("events_series_rule", args=[series.pk]))
    assert response.status_code == 404
    page = dates(subscription)["20261117T173000Z"]
    with pytest.raises(EventError, match="site it comes from"):
        registration_create(page, guest_name="Ada", guest_email="ada@example.org")


# --- JSON feeds -----------------------------------------------------------------------------

def _json_item(**series) -> dict:
    base = {"id": "occ-1@espresso", "url": "https://a.example/e/1/", "title": "Weekly",
            "summary": "", "description": "", "format": "meetup", "language": "it",
            "topics": [], "status": "scheduled", "status_reason": "",
            "starts_at": "2026-10-13T18:30:00+02:00", "ends_at": "2026-10-13T20:00:00+02:00",
            "time_zone": "Europe/Rome", "attendance_mode": "offline", "online_url": None,
            "venue": {"name": "", "room": "", "address": "", "city": "", "region": "",
                      "country": "", "latitude": None, "longitude": None},
            "organizer": {"name": "", "url": None, "email": None}, "capacity": None,
            "seats_left": None, "waitlist": True, "price": {"amount": 0, "currency": "XCR"},
            "registration": {"opens_at": None, "closes_at": "2026-10-13T18:30:00+02:00",
                             "guests_allowed": False},
            "sequence": 0, "created_at": None, "updated_at": None}
    base["series"] = {"id": "s@espresso", "rrule": "FREQ=WEEKLY;COUNT=4",
                      "recurrence_id": "2026-10-13T18:30:00+02:00", **series}
    return base


def _page(*items) -> bytes:
    return json.dumps({"version": "espresso-events/1.0", "title": "A", "home_page_url": None,
                       "feed_url": "https://a.example/feed.json", "next_url": None,
                       "items": list(items)}).encode()


def test_a_json_series_with_its_master_is_read_as_a_series():
    items, _next = read_json_page(_page(_json_item(
        starts_at="2026-10-06T18:30:00+02:00", exdates=["2026-10-20T18:30:00+02:00"],
        rdates=[], sequence=2)))
    master = items[0].series
    assert (master.uid, master.rrule, master.sequence, master.time_zone) == (
        "s@espresso", "FREQ=WEEKLY;COUNT=4", 2, "Europe/Rome")
    assert master.first_start == dt.datetime(2026, 10, 6, 16, 30, tzinfo=dt.UTC)
    assert master.exdates == [dt.datetime(2026, 10, 20, 16, 30, tzinfo=dt.UTC)]
    assert items[0].original_start == dt.datetime(2026, 10, 13, 16, 30, tzinfo=dt.UTC)
    assert items[0].published_uid == "occ-1@espresso"


def test_an_older_json_feed_without_the_master_gives_single_dates():
    items, _next = read_json_page(_page(_json_item()))
    assert items[0].series is None and items[0].recurrence_id


@pytest.mark.parametrize("series, message", [
    ({"starts_at": "2026-10-06T18:30:00+02:00", "rrule": "FREQ=FORTNIGHTLY"}, "not valid"),
    ({"starts_at": "2026-10-06T18:30:00+02:00", "rrule": "FREQ=WEEKLY\nX"}, "Espresso format"),
    ({"starts_at": "2026-10-06T18:30:00+02:00", "rrule": ""}, "neither a repeat rule"),
    ({"starts_at": "yesterday"}, "Espresso format"),
    ({"starts_at": "2026-10-06T18:30:00+02:00", "exdates": ["x"] * 1001}, "Espresso format"),
])
def test_a_bad_json_series_is_refused_with_a_reason(series, message):
    with pytest.raises(FeedInvalid, match=message):
        read_json_page(_page(_json_item(**series)))


def test_json_dates_describing_their_series_differently_are_refused(feed_server, torino):
    first = _json_item(starts_at="2026-10-06T18:30:00+02:00")
    second = _json_item(starts_at="2026-10-06T18:30:00+02:00", rrule="FREQ=WEEKLY;COUNT=5")
    second["id"] = "occ-2@espresso"
    second["series"]["recurrence_id"] = "2026-10-20T18:30:00+02:00"
    url = feed_server.serve("/feed.json", _page(first, second),
                            headers={"Content-Type": "application/json"})
    subscription = subscription_get_or_create(torino, url)
    report = subscription_sync(subscription, now=NOW)
    assert "describe it in different ways" in report.error
    assert EventPage.objects.filter(space=torino).count() == 0
    assert EventSeries.objects.count() == 0
