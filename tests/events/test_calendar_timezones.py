"""VTIMEZONEs: one stable definition per zone, read back by two independent readers (dateutil's
tzical through icalendar's `to_tz`, and the `ical` library) and compared with zoneinfo at every
hour of every year an event in the feed touches, in the event's own local time."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from django.urls import reverse
from ical.calendar_stream import IcsCalendarStream
from ical.timezone import IcsTimezoneInfo
from icalendar import Calendar

from events.calendar import event_to_ical
from events.models import EventPage
from events.vtimezone import COVERAGE_FIRST_YEAR, vtimezone_ical
from tests.events.discovery_factories import make_event
from tests.events.test_calendar import parse_both
from tests.network.factories import make_space

pytestmark = pytest.mark.django_db

ROME, NEW_YORK = ZoneInfo("Europe/Rome"), ZoneInfo("America/New_York")
VTIMEZONE = re.compile(rb"BEGIN:VTIMEZONE\r\nTZID:([^\r]+)\r\n.*?END:VTIMEZONE\r\n", re.S)


@pytest.fixture(autouse=True)
def empty_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def vtimezones(body: bytes) -> dict[str, bytes]:
    """{TZID: the VTIMEZONE's bytes}; fails if a zone is defined twice."""
    blocks = [(m.group(1).decode(), m.group(0)) for m in VTIMEZONE.finditer(body)]
    assert len({tzid for tzid, _ in blocks}) == len(blocks)
    return dict(blocks)


def readers(body: bytes, tzid: str) -> tuple:
    """The VTIMEZONE `tzid` of a calendar as two tzinfo objects built from its text alone."""
    by_icalendar = next(tz for tz in Calendar.from_ical(body).timezones if tz.tz_name == tzid)
    by_ical = next(tz for tz in IcsCalendarStream.calendar_from_ics(body.decode()).timezones
                   if tz.tz_id == tzid)
    return by_icalendar.to_tz(lookup_tzid=False), IcsTimezoneInfo.from_timezone(by_ical)


def assert_agrees_with_zoneinfo(body: bytes, tzid: str, years: set[int]) -> int:
    """Every hour of each local year: the offset both readers give to the local wall time
    equals zoneinfo's. `ical` cannot tell the two halves of a repeated hour apart (its tzinfo
    ignores `fold`), so it is spared those hours; dateutil is checked on them too."""
    zone = ZoneInfo(tzid)
    dateutil_tz, ical_tz = readers(body, tzid)
    checked = 0
    for year in sorted(years):
        moment = int(dt.datetime(year, 1, 1, tzinfo=zone).timestamp())
        end = int(dt.datetime(year + 1, 1, 1, tzinfo=zone).timestamp())
        while moment < end:
            expected = dt.datetime.fromtimestamp(moment, zone)
            offset, wall = expected.utcoffset(), expected.replace(tzinfo=None)
            assert wall.replace(tzinfo=dateutil_tz).utcoffset() == offset, (tzid, expected)
            if expected.replace(fold=1 - expected.fold).utcoffset() == offset:
                assert ical_tz.utcoffset(wall) == offset, (tzid, expected)
            checked += 1
            moment += 3600
    return checked


def local_years(events: list[EventPage]) -> dict[str, set[int]]:
    """{zone: every year, in the event's own local time, that an event of that zone touches}."""
    years: dict[str, set[int]] = {}
    for event in events:
        start, end = event.local_starts_at.year, event.local_ends_at.year
        years.setdefault(event.time_zone_name, set()).update(range(start, end + 1))
    return years


def zoneinfo_changes(zone: ZoneInfo, start: int, end: int) -> list[int]:
    """The UTC timestamps at which zoneinfo's offset changes, found independently of
    events.vtimezone (a day at a time, then bisected; no zone changes twice in a day)."""
    def offset_at(moment: int) -> dt.timedelta:
        return dt.datetime.fromtimestamp(moment, zone).utcoffset()

    changes = []
    for day in range(start, end, 86_400):
        low, high = day, min(day + 86_400, end)
        if offset_at(low) != offset_at(high):
            while high - low > 1:
                middle = (low + high) // 2
                low, high = (middle, high) if offset_at(middle) == offset_at(low) else (low, middle)
            changes.append(high)
    return changes


def onsets(component, until_year: int) -> list[dt.datetime]:
    """Local onsets of a STANDARD/DAYLIGHT component: DTSTART, RDATEs, RRULE occurrences."""
    start = component.DTSTART
    found = {start}
    rdates = component.get("RDATE", [])
    for rdate in rdates if isinstance(rdates, list) else [rdates]:
        found.update(period.dt for period in rdate.dts)
    if "RRULE" in component:
        rule = rrulestr(component["RRULE"].to_ical().decode(), dtstart=start)
        found.update(rule.between(start, dt.datetime(until_year, 12, 31), inc=True))
    return sorted(found)


# --- the onset hour (RFC 5545 §3.6.5) -------------------------------------------------------

@pytest.mark.parametrize("tzid", ["Europe/Rome", "America/New_York", "Australia/Sydney",
                                  "Asia/Jerusalem", "America/Sao_Paulo", "Asia/Kolkata"])
def test_every_onset_is_local_time_in_the_offset_before_the_change(tzid):
    """DTSTART - TZOFFSETFROM is the very second zoneinfo changes to TZOFFSETTO."""
    body = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n" + vtimezone_ical(tzid) + \
        b"END:VCALENDAR\r\n"
    zone = ZoneInfo(tzid)
    (timezone_component,) = Calendar.from_ical(body).timezones
    end = dt.datetime(2041, 1, 1, tzinfo=dt.UTC)
    changes = set()
    for component in timezone_component.subcomponents:
        offset_from, offset_to = component.TZOFFSETFROM, component.TZOFFSETTO
        for local in onsets(component, 2040):
            instant = (local - offset_from).replace(tzinfo=dt.UTC)
            assert instant.astimezone(zone).utcoffset() == offset_to, (tzid, local)
            if offset_from != offset_to and instant < end:
                before = instant - dt.timedelta(seconds=1)
                assert before.astimezone(zone).utcoffset() == offset_from, (tzid, local)
                changes.add(int(instant.timestamp()))
    start = int(dt.datetime(1970, 1, 1, tzinfo=zone).timestamp())
    assert sorted(changes) == zoneinfo_changes(zone, start, int(end.timestamp()))


def test_rome_daylight_begins_at_two_and_ends_at_three():
    """The defect: `DTSTART:20260329T030000` with `TZOFFSETFROM:+0100` (an hour late)."""
    body = vtimezone_ical("Europe/Rome").decode()
    assert ("BEGIN:DAYLIGHT\r\nDTSTART:19810329T020000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;"
            "BYMONTH=3\r\nTZNAME:CEST\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n") in body
    assert ("BEGIN:STANDARD\r\nDTSTART:19961027T030000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;"
            "BYMONTH=10\r\nTZNAME:CET\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n") in body
    assert "T030000\r\nTZNAME:CEST" not in body


def test_new_york_changes_at_two_both_ways():
    body = vtimezone_ical("America/New_York").decode()
    assert ("DTSTART:20070311T020000\r\nRRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3\r\n"
            "TZNAME:EDT\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\n") in body
    assert ("DTSTART:20071104T020000\r\nRRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11\r\n"
            "TZNAME:EST\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\n") in body


# --- one stable definition, checked hour by hour --------------------------------------------

@pytest.fixture
def network(site_tree):
    rome = make_space(site_tree.spaces, "Cowo Roma")
    new_york = make_space(site_tree.spaces, "Desk NYC", city="New York", country="USA",
                          time_zone="America/New_York")
    sydney = make_space(site_tree.spaces, "Desk Sydney", city="Sydney", country="Australia",
                        time_zone="Australia/Sydney")
    events = [
        make_event(rome, "Espresso 2017", starts_at=dt.datetime(2017, 9, 22, 9, 30,
                                                               tzinfo=ROME), hours=33),
        make_event(rome, "Spring in Rome", starts_at=dt.datetime(2026, 3, 29, 10, tzinfo=ROME)),
        make_event(new_york, "New Year's Eve", starts_at=dt.datetime(2031, 12, 31, 20,
                                                                     tzinfo=NEW_YORK)),
        # Sydney's summer spans the new year: one event from December into January.
        make_event(sydney, "Summer", starts_at=dt.datetime(2029, 12, 30, 18, tzinfo=dt.UTC),
                   hours=72),
        make_event(rome, "Kolkata guest", time_zone="Asia/Kolkata",
                   starts_at=dt.datetime(2030, 1, 1, 3, tzinfo=dt.UTC)),
    ]
    return {"rome": rome, "new_york": new_york, "sydney": sydney, "events": events}


def test_each_zone_has_one_definition_in_every_feed_and_file(client, network):
    rome = network["rome"]
    feeds = [
        client.get(reverse("events:calendar_listing"), {"when": "all"}).content,
        client.get(reverse("events:calendar_listing"), {"when": "all", "space": rome.slug}
                   ).content,
        client.get(reverse("events:calendar_space", kwargs={"slug": rome.slug})).content,
        client.get(reverse("events:calendar_network")).content,
        *(event_to_ical(event) for event in network["events"]),
    ]
    definitions: dict[str, set[bytes]] = {}
    for body in feeds:
        for tzid, block in vtimezones(body).items():
            definitions.setdefault(tzid, set()).add(block)
    assert sorted(definitions) == ["America/New_York", "Asia/Kolkata", "Australia/Sydney",
                                   "Europe/Rome"]
    assert all(len(blocks) == 1 for blocks in definitions.values()), definitions.keys()
    assert definitions["Europe/Rome"] == {vtimezone_ical("Europe/Rome")}


def test_feed_vtimezones_agree_with_zoneinfo_every_hour_of_every_year_of_its_events(
        client, network):
    body = client.get(reverse("events:calendar_listing"), {"when": "all"}).content
    parse_both(body, len(network["events"]))
    years = local_years(network["events"])
    assert years == {"Europe/Rome": {2017, 2026}, "America/New_York": {2031},
                     "Australia/Sydney": {2029, 2030}, "Asia/Kolkata": {2030}}
    assert set(vtimezones(body)) == set(years)
    checked = sum(assert_agrees_with_zoneinfo(body, tzid, zone_years)
                  for tzid, zone_years in years.items())
    assert checked == 8760 * 6   # six zone-years, none of them a leap year


def test_coverage_starts_in_the_local_year_of_an_event_older_than_1970(client, network):
    """20:00 on 31 December 1969 in New York is 1970 in UTC: the definition must still cover
    1969, the event's own year."""
    old = make_event(network["new_york"], "Before the epoch",
                     starts_at=dt.datetime(1969, 12, 31, 20, tzinfo=NEW_YORK))
    body = event_to_ical(old)
    assert local_years([old]) == {"America/New_York": {1969}}
    assert b"DTSTART:19690101T000000" in vtimezones(body)["America/New_York"]
    assert assert_agrees_with_zoneinfo(body, "America/New_York", {1969, 1970}) == 8760 * 2
    # Feeds without such an event keep the one definition from 1970.
    assert vtimezones(event_to_ical(network["events"][2]))["America/New_York"] == \
        vtimezone_ical("America/New_York", COVERAGE_FIRST_YEAR)


# Zones whose rules are unusual: southern summers, half-hour and 45-minute offsets, a
# 30-minute daylight shift, negative DST (Dublin), Friday-before-last-Sunday (Jerusalem),
# Saturday-23:00 onsets (Nuuk), Ramadan suspensions (Casablanca), a zone that dropped DST
# (Sao Paulo), one that never had it since 1970 (Kolkata), and the day-skipping Apia.
UNUSUAL_ZONES = ["Australia/Lord_Howe", "Pacific/Chatham", "Asia/Kathmandu", "Europe/Dublin",
                 "Asia/Jerusalem", "America/Nuuk", "Africa/Casablanca", "America/Sao_Paulo",
                 "Asia/Kolkata", "Pacific/Apia", "America/St_Johns", "Europe/Moscow",
                 "America/Santiago", "Asia/Tehran", "UTC"]


@pytest.mark.parametrize("tzid", UNUSUAL_ZONES)
def test_unusual_zones_agree_with_zoneinfo_around_every_change_up_to_2100(tzid):
    """Around each change (an hour and a second either side, and half-way to the next) and
    every 37 days, from 1970 to 2100; the hour-by-hour test above covers events' years."""
    body = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n" + vtimezone_ical(tzid) + \
        b"END:VCALENDAR\r\n"
    zone = ZoneInfo(tzid)
    dateutil_tz, ical_tz = readers(body, tzid)
    start = int(dt.datetime(1970, 1, 1, tzinfo=zone).timestamp())
    end = int(dt.datetime(2101, 1, 1, tzinfo=dt.UTC).timestamp())
    changes = zoneinfo_changes(zone, start, end)
    moments = set(range(start, end, 37 * 86_400))
    for change, following in zip(changes, [*changes[1:], end][:len(changes)], strict=True):
        moments.update({change - 3600, change - 1, change, change + 1, change + 3600,
                        (change + following) // 2})
    for moment in sorted(m for m in moments if m >= start):
        expected = dt.datetime.fromtimestamp(moment, zone)
        offset, wall = expected.utcoffset(), expected.replace(tzinfo=None)
        assert wall.replace(tzinfo=dateutil_tz).utcoffset() == offset, expected
        if expected.replace(fold=1 - expected.fold).utcoffset() == offset:
            assert ical_tz.utcoffset(wall) == offset, expected


@pytest.mark.parametrize(("tzid", "written_as_utc"), [
    ("UTC", True), ("Africa/Abidjan", True), ("Etc/GMT+5", False), ("US/Eastern", False),
    ("Asia/Calcutta", False)])
def test_every_tzid_a_file_uses_has_exactly_its_vtimezone(site_tree, tzid, written_as_utc):
    """Zones icalendar writes as UTC (…Z) get no VTIMEZONE; every other one, aliases
    included, gets one under the very TZID its times carry."""
    space = make_space(site_tree.spaces, "Anywhere")
    event = make_event(space, "Somewhere", time_zone=tzid,
                       starts_at=dt.datetime(2030, 7, 1, 9, tzinfo=ZoneInfo(tzid)))
    body = event_to_ical(event)
    vevent = parse_both(body, 1).vevent
    used = set(re.findall(rb";TZID=([^:;]+):", body))
    assert used == (set() if written_as_utc else {tzid.encode()})
    assert set(vtimezones(body)) == ({tzid} if used else set())
    assert vevent.dtstart.value.astimezone(dt.UTC) == event.starts_at.astimezone(dt.UTC)
    if not written_as_utc:
        assert assert_agrees_with_zoneinfo(body, tzid, {2030}) == 8760
