"""Third-party iCalendar samples (Google-, Outlook- and Meetup-style) give the expected
events and times: RRULE, EXDATE, moved and cancelled occurrences, VTIMEZONE (IANA and
Windows names), all-day events, floating times, UTC times."""

import datetime as dt
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from events.federation import ical_reader
from events.federation.exceptions import FeedInvalid
from events.federation.ical_reader import read_ical

SAMPLES = Path(__file__).parent / "samples"
ROME = ZoneInfo("Europe/Rome")
NOW = dt.datetime(2026, 10, 1, 12, 0, tzinfo=dt.UTC)


def read(name: str, tz: ZoneInfo = ROME):
    items = read_ical((SAMPLES / name).read_bytes(), default_tz=tz, now=NOW)
    return {(item.uid, item.recurrence_id): item for item in items}


def local(item):
    return (item.starts_at.astimezone(ZoneInfo(item.time_zone)).replace(tzinfo=None),
            item.ends_at.astimezone(ZoneInfo(item.time_zone)).replace(tzinfo=None))


def test_google_weekly_series_expands_with_exdate_moved_and_cancelled_occurrences():
    items = read("google.ics")
    weekly = sorted((k, v) for k, v in items.items() if k[0] == "3k2j4h5g6f7d8s9a@google.com")
    # COUNT=5 from 13 Oct minus the EXDATE of 27 Oct: 13 Oct, 20 Oct, 3 Nov, 10 Nov.
    assert [k[1] for k, _v in weekly] == ["20261013T163000Z", "20261020T163000Z",
                                          "20261103T173000Z", "20261110T173000Z"]
    by_day = {local(v)[0].date(): v for _k, v in weekly}
    # 18:30 local before and after the change to winter time on 25 October.
    assert local(by_day[dt.date(2026, 10, 13)])[0].time() == dt.time(18, 30)
    assert by_day[dt.date(2026, 10, 13)].starts_at == dt.datetime(2026, 10, 13, 16, 30,
                                                                  tzinfo=dt.UTC)
    moved = by_day[dt.date(2026, 11, 3)]
    assert local(moved) == (dt.datetime(2026, 11, 3, 19, 0), dt.datetime(2026, 11, 3, 20, 30))
    assert moved.title == "Aperitivo dei coworker (spostato alle 19)"
    assert moved.starts_at == dt.datetime(2026, 11, 3, 18, 0, tzinfo=dt.UTC)
    assert by_day[dt.date(2026, 11, 10)].status == "cancelled"
    assert by_day[dt.date(2026, 10, 20)].status == "scheduled"
    assert all(v.time_zone == "Europe/Rome" for _k, v in weekly)
    first = by_day[dt.date(2026, 10, 13)]
    assert first.description == "Ogni martedì: <b>aperitivo</b> e networking.\nPorta un amico!"
    assert first.address == "Via Roma 1, 10121 Torino, Italia"


def test_google_all_day_event_runs_from_midnight_to_midnight_in_the_calendar_zone():
    item = read("google.ics")[("allday-open-day@google.com", "")]
    assert local(item) == (dt.datetime(2026, 11, 20, 0, 0), dt.datetime(2026, 11, 21, 0, 0))
    assert item.time_zone == "Europe/Rome"
    assert item.origin["all_day"] is True


def test_outlook_windows_zone_name_becomes_iana_and_monthly_until_is_respected():
    items = read("outlook.ics", ZoneInfo("UTC"))
    assert len(items) == 4  # 15 Oct, 15 Nov, 15 Dec 2026, 15 Jan 2027 (UNTIL 31 Jan)
    starts = sorted(local(v)[0] for v in items.values())
    assert starts == [dt.datetime(2026, 10, 15, 10), dt.datetime(2026, 11, 15, 10),
                      dt.datetime(2026, 12, 15, 10), dt.datetime(2027, 1, 15, 10)]
    assert {v.time_zone for v in items.values()} == {"Europe/Berlin"}
    october = min(items.values(), key=lambda v: v.starts_at)
    assert october.starts_at == dt.datetime(2026, 10, 15, 8, 0, tzinfo=dt.UTC)
    assert october.title == "Riunione soci"


def test_meetup_event_keeps_text_url_geo_and_times():
    items = read("meetup.ics")
    talk = items[("event_301234567@meetup.com", "")]
    assert talk.title == "Python Milano — Talk night 🐍 «لغة»"
    assert talk.url == "https://www.meetup.com/python-milano/events/301234567/"
    assert talk.starts_at == dt.datetime(2026, 10, 22, 17, 0, tzinfo=dt.UTC)
    assert talk.time_zone == "Europe/Rome"
    assert talk.origin["venue"]["latitude"] == 45.4642
    assert talk.origin["venue"]["longitude"] == 9.19
    assert talk.address == "Cowo Lambrate (Via Ventura 3, Milano, Italy)"
    assert talk.description.endswith(
        "Details: https://www.meetup.com/python-milano/events/301234567/")
    utc = items[("event_301234999@meetup.com", "")]
    assert utc.starts_at == dt.datetime(2026, 11, 5, 18, 0, tzinfo=dt.UTC)
    assert utc.time_zone == "UTC"


def test_floating_time_is_read_in_the_space_zone_when_the_calendar_has_none():
    items = read("meetup.ics", ZoneInfo("America/New_York"))
    floating = items[("floating-1@meetup.com", "")]
    assert floating.time_zone == "America/New_York"
    assert floating.starts_at == dt.datetime(2026, 11, 13, 0, 0, tzinfo=dt.UTC)


def test_events_outside_the_import_window_are_not_read():
    later = NOW + dt.timedelta(days=60)  # the 13 and 20 October occurrences are > 30 days old
    items = read_ical((SAMPLES / "google.ics").read_bytes(), default_tz=ROME, now=later)
    keys = {k[1] for k in ((i.uid, i.recurrence_id) for i in items) if k}
    assert "20261013T163000Z" not in keys and "20261103T173000Z" in keys


@pytest.mark.parametrize("data, message", [
    (b"<html>not a calendar</html>", "not an iCalendar file"),
    (b"\xff\xfe\x00garbage", "not UTF-8"),
    (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:nonsense\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
     "could not be read"),
    (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:x\r\nDTSTART:20261020T100000Z\r\n"
     b"END:VEVENT\r\nEND:VCALENDAR\r\n", "no UID"),
    (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART:20261020T100000Z\r\n"
     b"SEQUENCE:many\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", "could not be read"),
])
def test_malformed_calendars_are_refused_with_a_reason(data, message):
    with pytest.raises(FeedInvalid, match=message):
        read_ical(data, default_tz=ROME, now=NOW)


def test_a_calendar_with_too_many_events_is_refused(monkeypatch):
    monkeypatch.setattr(ical_reader, "MAX_ITEMS", 20)
    event = ("BEGIN:VEVENT\r\nUID:e{n}\r\nDTSTART:20261020T100000Z\r\n"
             "DTEND:20261020T110000Z\r\nSUMMARY:x\r\nEND:VEVENT\r\n")
    body = "BEGIN:VCALENDAR\r\n" + "".join(event.format(n=n) for n in range(21))
    with pytest.raises(FeedInvalid, match="more than 20 events"):
        read_ical((body + "END:VCALENDAR\r\n").encode(), default_tz=ROME, now=NOW)


def test_hostile_text_is_cleaned_not_executed():
    body = ("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:h@x\r\nDTSTART:20261020T100000Z\r\n"
            "DTEND:20261020T110000Z\r\nSUMMARY:<script>alert(1)</script>\x07 \u202eevil\\nline"
            "\r\nLOCATION:" + "L" * 1000 + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    item = read_ical(body.encode(), default_tz=ROME, now=NOW)[0]
    # The bell (a control character) goes; the right-to-left override is text and stays.
    assert item.title == "<script>alert(1)</script> \u202eevil line"
    assert len(item.address) == 255


@pytest.mark.parametrize("prodid, status", [
    ("-//Espresso//Espresso events//EN", "postponed"),  # how Espresso writes a postponed event
    ("-//Google Inc//Google Calendar 70.9054//EN", "scheduled"),  # a date not yet confirmed
])
def test_tentative_is_postponed_only_in_an_espresso_calendar(prodid, status):
    body = (f"BEGIN:VCALENDAR\r\nPRODID:{prodid}\r\nBEGIN:VEVENT\r\nUID:t@x\r\n"
            "DTSTART:20261020T100000Z\r\nDTEND:20261020T110000Z\r\nSUMMARY:x\r\n"
            "STATUS:TENTATIVE\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    item = read_ical(body.encode(), default_tz=ROME, now=NOW)[0]
    assert item.status == status
    assert item.status_reason == ("Postponed by the organiser." if status == "postponed" else "")


def test_a_rule_giving_too_many_dates_is_refused_quickly(monkeypatch):
    # By the minute since 2020, without an end: millions of dates before the window even
    # starts (every rule is expanded from its DTSTART). A tenth of the real bound keeps the
    # test short; the work is the bound's, not the rule's.
    monkeypatch.setattr(ical_reader, "MAX_RULE_DATES", 20_000)
    body = ("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:flood@x\r\nDTSTART:20200101T000000Z\r\n"
            "DTEND:20200101T000030Z\r\nRRULE:FREQ=MINUTELY\r\nSUMMARY:x\r\nEND:VEVENT\r\n"
            "END:VCALENDAR\r\n")
    started = time.monotonic()
    with pytest.raises(FeedInvalid, match="more than 20000 dates"):
        read_ical(body.encode(), default_tz=ROME, now=NOW)
    assert time.monotonic() - started < 10  # bounded work, not the millions of dates


def test_a_weekly_rule_started_years_ago_is_not_too_many():
    body = ("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:old@x\r\nDTSTART:20000104T170000Z\r\n"
            "DTEND:20000104T180000Z\r\nRRULE:FREQ=WEEKLY\r\nSUMMARY:x\r\nEND:VEVENT\r\n"
            "END:VCALENDAR\r\n")
    items = read_ical(body.encode(), default_tz=ROME, now=NOW)
    assert 60 <= len(items) <= 62  # 30 days back to 400 ahead, weekly
