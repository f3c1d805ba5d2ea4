"""iCalendar feeds: every feed parses with two independent parsers (ical, vobject), carries
the full set of properties, keeps a stable identity and answers conditional GETs."""

import datetime as dt
import time
from zoneinfo import ZoneInfo

import pytest
import vobject
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date
from ical.calendar_stream import IcsCalendarStream

from events.calendar import event_to_ical, events_to_ical
from events.calendar_links import google_calendar_url, webcal_url
from events.calendar_tokens import calendar_token_create, calendar_token_revoke
from events.models import EventPage, Registration, RegistrationState
from events.selectors import event_list_for_feed
from tests.events.discovery_factories import make_event
from tests.network.factories import UserFactory, make_space

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    """Feeds cache their bytes (keyed by version); each test starts from a cold cache."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()

NASTY_TITLE = 'X\nDTSTART:19700101T000000Z; a, b \\ c 😀 שלום "q"'
NASTY_SUMMARY = "Line one;\nLine two, with comma\\backslash\nEND:VEVENT\nBEGIN:VEVENT ☕ مرحبا"


@pytest.fixture
def lecce(site_tree):
    return make_space(site_tree.spaces, "Cowo Lecce", city="Lecce", region="Puglia",
                      latitude="40.352000", longitude="18.169000", email="ciao@cowolecce.it",
                      address="Via Roma 1")


def parse_both(body: bytes, expected_events: int):
    """Parse with `ical` (strict) and `vobject` (validate); return the vobject calendar."""
    text = body.decode("utf-8")
    # vobject keeps the first VTIMEZONE it saw per TZID for the whole process; forget them so
    # each feed is read with its own definitions.
    vobject.icalendar.__dict__["__tzidMap"].clear()
    strict = IcsCalendarStream.calendar_from_ics(text)
    assert len(strict.events) == expected_events
    calendar = vobject.readOne(text)
    calendar.validate(raiseException=True)
    assert len(getattr(calendar, "vevent_list", [])) == expected_events
    return calendar


def by_uid(calendar, uid: str):
    return next(v for v in calendar.vevent_list if v.uid.value == uid)


def test_every_vevent_carries_the_full_property_set(lecce):
    event = make_event(lecce, "Full set", topics=["Rust", "Open source"], room="Sala A",
                       online_url="https://meet.example.org/full", summary="Bring a laptop.")
    body = events_to_ical(event_list_for_feed(), "Espresso")
    vevent = by_uid(parse_both(body, 1), event.ical_uid)
    for name in ("dtstamp", "created", "last_modified", "sequence", "summary", "description",
                 "url", "location", "geo", "organizer", "categories", "status", "dtstart",
                 "dtend"):
        assert hasattr(vevent, name), name
    assert vevent.status.value == "CONFIRMED"
    assert vevent.organizer.value == "mailto:ciao@cowolecce.it"
    assert vevent.organizer.params["CN"] == ["Cowo Lecce"]
    assert vevent.geo.value == "40.352;18.169"
    assert vevent.location.value == "Sala A, Cowo Lecce, Via Roma 1, Lecce, Puglia, Italy"
    assert sorted(vevent.categories.value) == ["Open source", "Rust", "Workshop"]
    assert "Bring a laptop." in vevent.description.value
    assert "https://meet.example.org/full" in vevent.description.value
    assert vevent.url.value.endswith("/spaces/cowo-lecce/" + event.slug + "/")
    assert vevent.dtstart.params["X-VOBJ-ORIGINAL-TZID"] == ["Europe/Rome"]
    assert b"DTSTART;TZID=Europe/Rome:" in body


def test_calendar_has_name_refresh_interval_and_a_vtimezone_per_zone(lecce):
    make_event(lecce, "Rome")
    make_event(lecce, "New York", time_zone="America/New_York")
    body = events_to_ical(event_list_for_feed(), "Network").decode()
    assert "X-WR-CALNAME:Network" in body
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in body
    assert "X-PUBLISHED-TTL:PT1H" in body
    calendar = parse_both(body.encode(), 2)
    zones = sorted(tz.tzid.value for tz in calendar.vtimezone_list)
    assert zones == ["America/New_York", "Europe/Rome"]


def test_times_keep_their_zone_and_instant(lecce):
    start = dt.datetime(2031, 7, 1, 19, 0, tzinfo=ZoneInfo("America/New_York"))
    event = make_event(lecce, "NY evening", starts_at=start, ends_at=start + dt.timedelta(hours=3),
                       time_zone="America/New_York")
    vevent = by_uid(parse_both(event_to_ical(event), 1), event.ical_uid)
    assert vevent.dtstart.value == start
    assert vevent.dtstart.value.utcoffset() == dt.timedelta(hours=-4)
    assert vevent.dtend.value == start + dt.timedelta(hours=3)


def test_nasty_text_survives_a_round_trip_and_never_injects_a_property(lecce):
    event = make_event(lecce, NASTY_TITLE, summary=NASTY_SUMMARY.replace("\n", " "),
                       body=[("text", "<p>Para;one, \\ two</p><p>END:VCALENDAR ✓ עברית</p>")])
    body = events_to_ical(event_list_for_feed(), "Nasty ;,\\ name")
    calendar = parse_both(body, 1)
    vevent = calendar.vevent
    assert vevent.uid.value == event.ical_uid
    assert vevent.summary.value == NASTY_TITLE
    assert len(vevent.contents["dtstart"]) == 1
    assert vevent.dtstart.value.year != 1970
    description = vevent.description.value
    assert NASTY_SUMMARY.replace("\n", " ") in description
    assert "Para;one, \\ two\nEND:VCALENDAR ✓ עברית" in description
    strict = IcsCalendarStream.calendar_from_ics(body.decode())
    assert strict.events[0].summary == NASTY_TITLE


def test_control_characters_are_dropped_from_text(lecce):
    event = make_event(lecce, "Bell\x07 and\x1b escape\x7f")
    vevent = parse_both(event_to_ical(event), 1).vevent
    assert vevent.summary.value == "Bell and escape"


def test_cancelled_events_stay_in_feeds_with_status_cancelled_and_reason(lecce):
    cancelled = make_event(lecce, "Called off", status="cancelled", status_reason="Flooding")
    postponed = make_event(lecce, "Later maybe", status="postponed", status_reason="Speaker ill")
    calendar = parse_both(events_to_ical(event_list_for_feed(), "All"), 2)
    vevent = by_uid(calendar, cancelled.ical_uid)
    assert vevent.status.value == "CANCELLED"
    assert vevent.description.value.startswith("CANCELLED: Flooding")
    assert by_uid(calendar, postponed.ical_uid).status.value == "TENTATIVE"


def test_uid_is_stable_and_sequence_is_published(lecce):
    event = make_event(lecce, "Stable")
    uid = event.ical_uid
    EventPage.objects.filter(pk=event.pk).update(sequence=4, title="Renamed")
    event = EventPage.objects.get(pk=event.pk)
    vevent = parse_both(event_to_ical(event), 1).vevent
    assert vevent.uid.value == uid
    assert vevent.sequence.value == "4"


def test_space_without_email_is_organizer_by_its_page_address(site_tree, settings):
    settings.SITE_URL = "https://espresso.example"
    space = make_space(site_tree.spaces, "No Mail Lab")
    make_event(space, "Anywhere")
    vevent = parse_both(events_to_ical(event_list_for_feed(), "x"), 1).vevent
    assert vevent.organizer.value == "https://espresso.example/en/spaces/no-mail-lab/"
    assert not hasattr(vevent, "geo")


# --- the calendar's own properties ---------------------------------------------------------

TAGLINE = "Desks, a podcast studio; and a garden \\\\ ☕"


def test_calendar_name_and_description_are_text_escaped(client, site_tree):
    """NAME, X-WR-CALNAME, DESCRIPTION and X-WR-CALDESC read back whole: "Desks, a podcast
    studio and a garden" was read back as "Desks"."""
    space = make_space(site_tree.spaces, "Desks, a podcast studio and a garden",
                       tagline=TAGLINE)
    make_event(space, "Open day")
    body = client.get(reverse("events:calendar_space", kwargs={"slug": space.slug})).content
    assert "X-WR-CALNAME:Desks\\, a podcast studio and a garden — events\r\n" in body.decode()
    calendar = parse_both(body, 1)
    name = "Desks, a podcast studio and a garden — events"
    assert calendar.contents["name"][0].value == name
    assert calendar.contents["x-wr-calname"][0].value == name
    assert calendar.contents["description"][0].value == TAGLINE
    assert calendar.contents["x-wr-caldesc"][0].value == TAGLINE


def test_nasty_calendar_name_stays_one_escaped_line(lecce):
    make_event(lecce, "x")
    body = events_to_ical(event_list_for_feed(), 'A;B,C\\D\nE:F 😀 שלום "q"').decode()
    assert 'NAME:A\\;B\\,C\\\\D E:F 😀 שלום "q"\r\n' in body
    calendar = parse_both(body.encode(), 1)
    assert calendar.contents["x-wr-calname"][0].value == 'A;B,C\\D E:F 😀 שלום "q"'


def test_space_feed_is_in_the_spaces_time_zone(client, site_tree):
    """X-WR-TIMEZONE said Europe/Rome on the New York space's feed."""
    new_york = make_space(site_tree.spaces, "Desk NYC", time_zone="America/New_York")
    url = reverse("events:calendar_space", kwargs={"slug": new_york.slug})
    empty = parse_both(client.get(url).content, 0)
    assert empty.contents["x-wr-timezone"][0].value == "America/New_York"
    make_event(new_york, "Rome guest night", time_zone="Europe/Rome")
    calendar = parse_both(client.get(url).content, 1)
    assert calendar.contents["x-wr-timezone"][0].value == "America/New_York"


def test_network_feed_names_a_time_zone_only_when_all_its_events_share_one(client, lecce,
                                                                            site_tree):
    url = reverse("events:calendar_network")
    assert "x-wr-timezone" not in parse_both(client.get(url).content, 0).contents
    make_event(lecce, "Rome")
    assert parse_both(client.get(url).content, 1).contents["x-wr-timezone"][0].value == \
        "Europe/Rome"
    new_york = make_space(site_tree.spaces, "Desk NYC", time_zone="America/New_York")
    make_event(new_york, "New York")
    assert "x-wr-timezone" not in parse_both(client.get(url).content, 2).contents


def test_single_event_file_is_in_the_events_time_zone(lecce):
    event = make_event(lecce, "Kolkata call", time_zone="Asia/Kolkata")
    calendar = parse_both(event_to_ical(event), 1)
    assert calendar.contents["x-wr-timezone"][0].value == "Asia/Kolkata"


# --- HTTP feeds ----------------------------------------------------------------------------

def test_network_feed_has_future_and_recent_events_not_older_ones(client, lecce):
    make_event(lecce, "Next week", starts_in_days=7)
    make_event(lecce, "Last month", starts_in_days=-30)
    make_event(lecce, "Two years ago", starts_in_days=-730)
    response = client.get(reverse("events:calendar_network"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = parse_both(response.content, 2)
    assert sorted(v.summary.value for v in calendar.vevent_list) == ["Last month", "Next week"]


def test_space_feed_has_only_that_space(client, lecce, site_tree):
    other = make_space(site_tree.spaces, "Cowo Torino", city="Torino")
    make_event(lecce, "Here")
    make_event(other, "There")
    response = client.get(reverse("events:calendar_space", kwargs={"slug": "cowo-lecce"}))
    calendar = parse_both(response.content, 1)
    assert calendar.vevent.summary.value == "Here"
    assert "Cowo Lecce" in calendar.contents["x-wr-calname"][0].value


def test_unknown_space_feed_is_404(client, site_tree):
    assert client.get("/events/calendar/space/nope.ics").status_code == 404


def test_listing_feed_uses_the_listing_filters(client, lecce):
    make_event(lecce, "A meetup", format="meetup", topics=["coffee"])
    make_event(lecce, "A workshop", format="workshop", topics=["coffee"])
    make_event(lecce, "Old meetup", format="meetup", starts_in_days=-5)
    response = client.get(reverse("events:calendar_listing"), {"format": "meetup",
                                                                "topic": "coffee"})
    assert parse_both(response.content, 1).vevent.summary.value == "A meetup"
    response = client.get(reverse("events:calendar_listing"), {"format": "meetup",
                                                                "when": "past"})
    assert parse_both(response.content, 1).vevent.summary.value == "Old meetup"


@pytest.mark.parametrize("query", [{"date_from": "2024-02-30"}, {"space": "x\x00y"},
                                   {"format": "nope"}])
def test_listing_feed_answers_malformed_filters_with_400_and_the_reason(client, lecce, query):
    response = client.get(reverse("events:calendar_listing"), query)
    assert response.status_code == 400
    assert "Invalid filter parameters." in response.content.decode()


def test_single_event_download(client, lecce):
    event = make_event(lecce, "Download me")
    response = client.get(reverse("events:calendar_event", kwargs={"pk": event.pk}))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{event.slug}.ics"'
    calendar = parse_both(response.content, 1)
    assert calendar.method.value == "PUBLISH"
    assert calendar.vevent.uid.value == event.ical_uid


def test_unpublished_event_has_no_calendar(client, lecce):
    event = make_event(lecce, "Draft")
    EventPage.objects.filter(pk=event.pk).update(live=False)
    assert client.get(reverse("events:calendar_event", kwargs={"pk": event.pk})
                      ).status_code == 404
    assert parse_both(client.get(reverse("events:calendar_network")).content, 0) is not None


def test_feed_answers_conditional_get_with_304_until_a_change_is_published(client, lecce):
    event = make_event(lecce, "Cached")
    url = reverse("events:calendar_network")
    first = client.get(url)
    etag = first["ETag"]
    assert "Last-Modified" not in first
    assert client.get(url, headers={"if-none-match": etag}).status_code == 304
    EventPage.objects.filter(pk=event.pk).update(
        last_published_at=event.last_published_at + dt.timedelta(minutes=5))
    changed = client.get(url, headers={"if-none-match": etag})
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_unpublishing_an_event_leaves_no_stale_304(client, lecce):
    """After unpublishing, If-Modified-Since on the network feed still answered 304 (its
    Last-Modified was the latest publication among the events still there)."""
    kept = make_event(lecce, "Kept", published_at=timezone.now() - dt.timedelta(days=2))
    dropped = make_event(lecce, "Dropped", published_at=timezone.now() - dt.timedelta(days=1))
    url = reverse("events:calendar_network")
    first = client.get(url)
    parse_both(first.content, 2)
    dropped.unpublish()
    just_now = http_date(time.time())
    for headers in ({"if-none-match": first["ETag"]}, {"if-modified-since": just_now},
                    {"if-none-match": first["ETag"], "if-modified-since": just_now}):
        response = client.get(url, headers=headers)
        assert response.status_code == 200, headers
        assert parse_both(response.content, 1).vevent.uid.value == kept.ical_uid


def test_etag_changes_when_one_event_leaves_a_feed_as_another_enters(client, lecce):
    """Same number of events, same newest id, same latest publication: the ids differ."""
    published = timezone.now() - dt.timedelta(days=3)
    ending = make_event(lecce, "Ends now", starts_in_days=1, published_at=published)
    leaving = make_event(lecce, "Unpublished", starts_in_days=-3, published_at=published)
    make_event(lecce, "Stays", starts_in_days=-2, published_at=published)
    url = reverse("events:calendar_listing") + "?when=past"
    first = client.get(url)
    assert sorted(v.summary.value for v in parse_both(first.content, 2).vevent_list) == \
        ["Stays", "Unpublished"]
    # Time passes: the first event ends and enters the past; the other one is unpublished.
    EventPage.objects.filter(pk=ending.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=3),
        ends_at=timezone.now() - dt.timedelta(hours=1))
    leaving.unpublish()
    response = client.get(url, headers={"if-none-match": first["ETag"]})
    assert response.status_code == 200
    assert sorted(v.summary.value for v in parse_both(response.content, 2).vevent_list) == \
        ["Ends now", "Stays"]
def test_feeds_keep_a_constant_query_count(client, lecce, site_tree,
                                            django_assert_max_num_queries):
    from django.core.cache import cache

    other = make_space(site_tree.spaces, "FabLab Bari", city="Bari", time_zone="Europe/Rome")
    for i in range(10):
        make_event(lecce if i % 2 else other, starts_in_days=i + 1, topics=["t"])
    url = reverse("events:calendar_network")
    client.get(url)
    cache.clear()
    with django_assert_max_num_queries(10) as small:
        client.get(url)
    for i in range(30):
        make_event(lecce if i % 2 else other, starts_in_days=i + 1, topics=["t", f"x{i}"])
    cache.clear()
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    parse_both(response.content, 40)


def test_a_repeated_feed_request_is_served_from_the_cache_with_one_query(
        client, lecce, django_assert_num_queries):
    make_event(lecce, "Cached bytes")
    url = reverse("events:calendar_network")
    first = client.get(url)
    with django_assert_num_queries(1):
        second = client.get(url)
    assert second.content == first.content


def test_a_cached_vevent_is_never_stale(lecce):
    event = make_event(lecce, "Before")
    events_to_ical(event_list_for_feed(), "x")
    EventPage.objects.filter(pk=event.pk).update(title="After")
    vevent = parse_both(events_to_ical(event_list_for_feed(), "x"), 1).vevent
    assert vevent.summary.value == "After"


# --- personal feed -------------------------------------------------------------------------

def test_personal_feed_lists_only_my_active_registrations(client, lecce):
    me, someone = UserFactory(), UserFactory()
    mine = make_event(lecce, "Mine")
    waiting = make_event(lecce, "Waiting")
    cancelled = make_event(lecce, "I cancelled")
    theirs = make_event(lecce, "Theirs")
    Registration.objects.create(event=mine, user=me, state=RegistrationState.CONFIRMED)
    Registration.objects.create(event=waiting, user=me, state=RegistrationState.WAITLISTED,
                                waitlist_position=1)
    Registration.objects.create(event=cancelled, user=me, state=RegistrationState.CANCELLED)
    Registration.objects.create(event=theirs, user=someone, state=RegistrationState.CONFIRMED)
    token = calendar_token_create(me)
    response = client.get(reverse("events:calendar_personal", kwargs={"token": token.token}))
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    calendar = parse_both(response.content, 2)
    assert by_uid(calendar, mine.ical_uid).status.value == "CONFIRMED"
    tentative = by_uid(calendar, waiting.ical_uid)
    assert tentative.status.value == "TENTATIVE"
    assert tentative.description.value.startswith("You are on the waiting list.")


def test_personal_feed_changes_etag_when_a_registration_changes(client, lecce):
    me = UserFactory()
    token = calendar_token_create(me)
    url = reverse("events:calendar_personal", kwargs={"token": token.token})
    etag = client.get(url)["ETag"]
    Registration.objects.create(event=make_event(lecce, "New"), user=me,
                                state=RegistrationState.CONFIRMED)
    response = client.get(url, headers={"if-none-match": etag})
    assert response.status_code == 200
    parse_both(response.content, 1)


def test_a_new_registration_leaves_no_stale_304_on_the_personal_feed(client, lecce):
    """After registering, If-Modified-Since on the personal feed still answered 304."""
    from events import services

    me = UserFactory()
    event = make_event(lecce, "Registered later", capacity=10)
    url = reverse("events:calendar_personal", kwargs={"token": calendar_token_create(me).token})
    first = client.get(url)
    parse_both(first.content, 0)
    services.registration_create(event, user=me)
    just_now = http_date(time.time())
    for headers in ({"if-none-match": first["ETag"]}, {"if-modified-since": just_now}):
        response = client.get(url, headers=headers)
        assert response.status_code == 200, headers
        assert parse_both(response.content, 1).vevent.uid.value == event.ical_uid
    assert client.get(url, headers={"if-none-match": response["ETag"]}).status_code == 304


def test_revoked_or_replaced_token_stops_working(client, site_tree):
    me = UserFactory()
    old = calendar_token_create(me)
    new = calendar_token_create(me)
    assert client.get(reverse("events:calendar_personal", kwargs={"token": old.token})
                      ).status_code == 404
    url = reverse("events:calendar_personal", kwargs={"token": new.token})
    assert client.get(url).status_code == 200
    assert calendar_token_revoke(me) == 1
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("token", ["x", "a" * 70, "%00", "a%00" + "b" * 30, "' OR 1=1 --",
                                   "é" * 30])
def test_unknown_tokens_are_404(client, site_tree, token):
    assert client.get(f"/events/calendar/personal/{token}.ics").status_code == 404


def test_subscription_page_creates_and_revokes_the_token(client, site_tree):
    me = UserFactory()
    client.force_login(me)
    page = reverse("events:calendar_subscription")
    assert "Create my calendar address" in client.get(page).content.decode()
    client.post(page, {"action": "create"})
    token = me.calendar_tokens.get(revoked_at__isnull=True)
    html = client.get(page).content.decode()
    assert f"webcal://testserver/events/calendar/personal/{token.token}.ics" in html
    client.post(page, {"action": "revoke"})
    assert not me.calendar_tokens.filter(revoked_at__isnull=True).exists()


def test_subscription_page_needs_login(client, site_tree):
    response = client.get(reverse("events:calendar_subscription"))
    assert response.status_code == 302


# --- links ---------------------------------------------------------------------------------

def test_webcal_url_replaces_the_scheme():
    assert webcal_url("https://a.example/x.ics") == "webcal://a.example/x.ics"
    assert webcal_url("http://a.example/x.ics") == "webcal://a.example/x.ics"


def test_google_link_carries_utc_times_and_zone(lecce):
    start = dt.datetime(2031, 1, 10, 9, 0, tzinfo=ZoneInfo("Europe/Rome"))
    event = make_event(lecce, "G & co", starts_at=start, ends_at=start + dt.timedelta(hours=1))
    url = google_calendar_url(event, "https://x.example/e/")
    assert "dates=20310110T080000Z%2F20310110T090000Z" in url
    assert "text=G+%26+co" in url
    assert "ctz=Europe%2FRome" in url


# --- links to the public site --------------------------------------------------------------

def test_event_links_use_the_configured_public_address(client, lecce, settings):
    """Links in .ics files and in the Google / Outlook buttons pointed to http://localhost/
    (the Site record's host name): they come from settings.SITE_URL, whatever host the
    request came through."""
    import html
    import re
    from urllib.parse import parse_qs, urlsplit

    settings.SITE_URL = "https://espresso.example"
    event = make_event(lecce, "Linked", summary="Bring a laptop.")
    page = "https://espresso.example/en/spaces/cowo-lecce/" + event.slug + "/"
    for body in (client.get(reverse("events:calendar_network"),
                            headers={"host": "internal:8080"}).content,
                 client.get(reverse("events:calendar_event", kwargs={"pk": event.pk})).content):
        vevent = by_uid(parse_both(body, 1), event.ical_uid)
        assert vevent.url.value == page
        assert vevent.description.value.endswith("\n\n" + page)
        assert b"localhost" not in body and b"testserver" not in body
        assert b"internal" not in body
    text = client.get(event.url).content.decode()
    links = {urlsplit(href).hostname: parse_qs(urlsplit(href).query)
             for href in map(html.unescape, re.findall(r'href="(https://[^"]+)"', text))
             if "calendar" in href}
    assert links["calendar.google.com"]["details"][0].endswith("\n\n" + page)
    assert links["outlook.live.com"]["body"][0].endswith("\n\n" + page)


def test_site_url_setting_is_a_bare_origin():
    from django.core.exceptions import ImproperlyConfigured

    from espresso.settings.base import site_url

    assert site_url("https://espresso.example/") == "https://espresso.example"
    assert site_url(" http://127.0.0.1:8000 ") == "http://127.0.0.1:8000"
    for bad in ("espresso.example", "ftp://espresso.example", "https://espresso.example/x",
                "https://espresso.example/?a=1", "https://user@espresso.example", "https://"):
        with pytest.raises(ImproperlyConfigured):
            site_url(bad)
