"""events.federation.services exactly (issue 14, the mutation run): every column an imported
item writes, the body it is given, the identity (slug, UID) it gets, what a sync records on
the subscription, the JSON feed's pages and limits, the conditional download, what an update
and a disappearance write, the refusal of an event this site cannot hold, and the sync of
every active subscription."""

import datetime as dt
import hashlib
import json
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.text import slugify

from events.federation import services
from events.federation.items import ImportedItem
from events.federation.json_reader import read_json_page
from events.federation.models import CalendarSubscription, ImportedEvent
from events.federation.services import (
    subscription_get_or_create,
    subscription_sync,
    subscriptions_sync_all,
)
from events.models import EventPage, EventStatus
from network.models import SpacePage
from tests.network.factories import UserFactory, make_space

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 10, 1, 12, 0, tzinfo=dt.UTC)
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def torino(site_tree):
    return make_space(site_tree.spaces, "Cowo Torino", city="Torino", region="Piemonte",
                      time_zone="Europe/Rome")


def item(uid: str, **fields) -> dict:
    """One item of an Espresso JSON feed (docs/format/), a single event in October 2026."""
    data = {"id": uid, "url": f"https://a.example/e/{uid}/", "title": f"Event {uid}",
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
    data.update(fields)
    return data


def page(*items, next_url=None) -> bytes:
    return json.dumps({"version": "espresso-events/1.0", "title": "A", "home_page_url": None,
                       "feed_url": "https://a.example/feed.json", "next_url": next_url,
                       "items": list(items)}).encode()


def stripped(stream) -> list:
    """A StreamField's raw data without the generated block ids."""
    def clean(value):
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items() if k != "id"}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value
    return clean(list(stream.raw_data))


FULL = item(
    "full@a.example", title="Café <b>talk</b> ☕", summary="Short", description="Plain",
    format="talk", language="de", topics=["python", "django"], capacity=30, waitlist=False,
    online_url="https://meet.example/x",
    venue={"name": "Sala", "room": "Room 2", "address": "Via Roma 1", "city": "Torino",
           "region": "", "country": "Italy", "latitude": None, "longitude": None},
    registration={"opens_at": "2026-10-01T09:00:00+02:00",
                  "closes_at": "2026-10-13T17:00:00+02:00", "guests_allowed": True},
    cancellation_deadline_hours=48, rewards={"host": 5, "speaker": 7, "volunteer": 2},
    sequence=3,
    body=[{"type": "text", "html": "<p>Hello <b>there</b></p>"},
          {"type": "agenda", "heading": "Plan", "items": [
              {"time": "18:30", "title": "Welcome", "description": "Coffee"}]},
          {"type": "speaker", "name": "Ada", "role": "Engineer", "bio": "Bio", "link": None}])
CANCELLED = item("cancelled@a.example", status="cancelled", title="!!!",
                 description="Line one\nline <two>\n\nSecond para\n\n   \n\n")
PLAIN = item("plain@a.example", ends_at="2026-10-13T19:00:00+02:00")


def canonical_hash(data: dict, subscription) -> str:
    """The documented content hash: the item's values and the subscription's URL and label,
    as sorted JSON (a change of either rewrites the event)."""
    [parsed], _next = read_json_page(page(data))
    values = parsed.hash_data()
    values["_subscription"] = [subscription.url, subscription.label]
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()


def test_a_json_item_is_written_column_by_column(feed_server, torino):
    body = page(FULL, CANCELLED, PLAIN)
    url = feed_server.serve("/feed.json", body,
                            headers={**JSON, "ETag": '"v1"',
                                     "Last-Modified": "Wed, 30 Sep 2026 10:00:00 GMT"})
    subscription = subscription_get_or_create(torino, url, name="Cowo A")
    report = subscription_sync(subscription, now=NOW)
    assert report.as_dict() == {
        "created": 3, "updated": 0, "unchanged": 0, "stale": 0, "cancelled_gone": 0,
        "series_created": 0, "series_updated": 0, "series_cancelled": 0, "skipped": [],
        "not_modified": False, "error": ""}
    links = {link.uid: link for link in ImportedEvent.objects.filter(subscription=subscription)}
    full = EventPage.objects.get(pk=links["full@a.example"].event_id)
    assert (full.title, full.summary, full.format, full.language, full.status,
            full.status_reason, full.time_zone, full.room, full.address_override,
            full.online_url, full.capacity, full.waitlist_enabled, full.price_credits,
            full.guests_allowed, full.cancellation_deadline_hours, full.reward_host,
            full.reward_speaker, full.reward_volunteer) == (
        "Café <b>talk</b> ☕", "Short", "talk", "en", "scheduled", "", "Europe/Rome", "Room 2",
        "Via Roma 1", "https://meet.example/x", 30, False, 0, True, 48, 5, 7, 2)
    assert (full.starts_at, full.ends_at, full.registration_opens_at,
            full.registration_closes_at) == (
        dt.datetime(2026, 10, 13, 16, 30, tzinfo=dt.UTC),
        dt.datetime(2026, 10, 13, 18, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 10, 1, 7, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 10, 13, 15, 0, tzinfo=dt.UTC))
    assert (full.live, full.first_published_at, full.last_published_at, full.sequence,
            full.series_id, full.recurrence_id) == (True, NOW, NOW, 3, None, None)
    assert full.get_parent().specific == torino
    assert sorted(full.topics.names()) == ["django", "python"]
    assert full.origin == {
        "url": "https://a.example/e/full@a.example/", "feed_url": url, "name": "Cowo A",
        "uid": "full@a.example", "recurrence_id": "", "published_uid": "full@a.example",
        "override": False,
        "data": {"venue": FULL["venue"], "organizer": FULL["organizer"], "seats_left": None,
                 "created_at": None, "updated_at": None, "language": "de"}}
    assert stripped(full.body) == [
        {"type": "text", "value": "<p>Hello <b>there</b></p>"},
        {"type": "agenda", "value": {"heading": "Plan", "items": [
            {"type": "item", "value": {"time": "18:30", "title": "Welcome",
                                       "description": "Coffee"}}]}},
        {"type": "speaker", "value": {"name": "Ada", "role": "Engineer", "bio": "Bio",
                                      "photo": None, "link": ""}}]
    key = f"{subscription.pk}\nfull@a.example\n"
    assert full.ical_uid == (
        f"{hashlib.sha256(key.encode()).hexdigest()[:40]}@import.espresso")
    suffix = hashlib.sha256(b"full@a.example\n").hexdigest()[:8]
    assert full.slug == f"{slugify('Café <b>talk</b> ☕')}-{suffix}"

    cancelled = EventPage.objects.get(pk=links["cancelled@a.example"].event_id)
    assert (cancelled.status, cancelled.status_reason, cancelled.language) == (
        "cancelled", "Cancelled by the organiser.", "it")
    assert "language" not in cancelled.origin["data"]
    assert stripped(cancelled.body) == [
        {"type": "text", "value": "<p>Line one<br/>line &lt;two&gt;</p><p>Second para</p>"}]
    suffix = hashlib.sha256(b"cancelled@a.example\n").hexdigest()[:8]
    assert cancelled.slug == f"event-{suffix}"
    plain = EventPage.objects.get(pk=links["plain@a.example"].event_id)
    assert list(plain.body.raw_data) == []
    assert plain.topics.count() == 0

    link = links["full@a.example"]
    assert (link.sequence, link.recurrence_id, link.gone, link.last_seen_at,
            link.content_hash) == (3, "", False, NOW, canonical_hash(FULL, subscription))
    subscription.refresh_from_db()
    assert (subscription.last_checked_at, subscription.last_success_at,
            subscription.expanded_at, subscription.last_error, subscription.etag,
            subscription.last_modified, subscription.content_hash) == (
        NOW, NOW, NOW, "", '"v1"', "Wed, 30 Sep 2026 10:00:00 GMT",
        hashlib.sha256(body).hexdigest())
    assert subscription.last_report == report.as_dict()


def test_a_long_slug_is_cut_at_sixty_characters(feed_server, torino):
    url = feed_server.serve("/feed.json", page(item("long@a.example", title="word " * 30)),
                            headers=JSON)
    subscription_sync(subscription_get_or_create(torino, url), now=NOW)
    suffix = hashlib.sha256(b"long@a.example\n").hexdigest()[:8]
    assert EventPage.objects.get(space=torino).slug == f"{slugify('word ' * 30)[:60]}-{suffix}"


def test_an_update_and_a_disappearance_write_their_own_columns(feed_server, torino):
    url = feed_server.serve("/feed.json", page(FULL, CANCELLED, PLAIN), headers=JSON)
    subscription = subscription_get_or_create(torino, url)
    subscription_sync(subscription, now=NOW)
    later = NOW + dt.timedelta(hours=5)
    # changed without a new SEQUENCE (many calendars never count): still an update
    newer = {**FULL, "title": "Renamed", "topics": ["rust"]}
    feed_server.serve("/feed.json", page(newer, PLAIN), headers=JSON)
    report = subscription_sync(subscription, now=later)
    assert (report.updated, report.unchanged, report.stale, report.cancelled_gone) == (
        1, 1, 0, 1)
    links = {link.uid: link for link in ImportedEvent.objects.filter(subscription=subscription)}
    full = EventPage.objects.get(pk=links["full@a.example"].event_id)
    assert (full.title, full.sequence, full.first_published_at, full.last_published_at) == (
        "Renamed", 3, NOW, later)
    assert list(full.topics.names()) == ["rust"]
    link = links["full@a.example"]
    assert (link.sequence, link.gone, link.last_seen_at, link.content_hash) == (
        3, False, later, canonical_hash(newer, subscription))
    # already cancelled upstream, then gone: left as it is, only the link is marked
    gone = EventPage.objects.get(pk=links["cancelled@a.example"].event_id)
    assert (gone.status, gone.status_reason, gone.sequence, gone.last_published_at) == (
        "cancelled", "Cancelled by the organiser.", 0, NOW)
    assert (links["cancelled@a.example"].gone, links["cancelled@a.example"].content_hash) == (
        True, "")
    assert links["plain@a.example"].last_seen_at == NOW  # unchanged: not written at all

    # a scheduled event gone: cancelled here with the sentence, a new SEQUENCE, published now
    feed_server.serve("/feed.json", page(newer), headers=JSON)
    latest = later + dt.timedelta(hours=1)
    assert subscription_sync(subscription, now=latest).cancelled_gone == 1
    plain_link = ImportedEvent.objects.get(subscription=subscription, uid="plain@a.example")
    plain = EventPage.objects.get(pk=plain_link.event_id)
    assert (plain.status, plain.status_reason, plain.sequence, plain.last_published_at) == (
        "cancelled", "Removed from the calendar it was imported from.", 1, latest)
    assert (plain_link.gone, plain_link.content_hash) == (True, "")
    # back with the SEQUENCE we gave it when we cancelled it: ours goes up once more
    feed_server.serve("/feed.json", page(newer, {**PLAIN, "sequence": 1}), headers=JSON)
    assert subscription_sync(subscription, now=latest).updated == 1
    plain.refresh_from_db()
    assert (plain.status, plain.sequence) == ("scheduled", 2)


def test_an_event_ending_exactly_now_is_over_not_gone(feed_server, torino):
    url = feed_server.serve("/feed.json", page(PLAIN), headers=JSON)
    subscription = subscription_get_or_create(torino, url)
    subscription_sync(subscription, now=NOW)
    feed_server.serve("/feed.json", page(), headers=JSON)
    ends = dt.datetime(2026, 10, 13, 17, 0, tzinfo=dt.UTC)
    assert subscription_sync(subscription, now=ends).cancelled_gone == 0
    assert EventPage.objects.get(space=torino).status == EventStatus.SCHEDULED


def test_the_pages_of_a_json_feed_are_read_and_hashed_together(feed_server, torino):
    second_url = feed_server.url("/feed-2.json")
    first = page(FULL, next_url=second_url)
    feed_server.serve("/feed-2.json", page(PLAIN), headers=JSON)
    url = feed_server.serve("/feed.json", first, headers=JSON)
    subscription = subscription_get_or_create(torino, url)
    assert subscription_sync(subscription, now=NOW).created == 2
    subscription.refresh_from_db()
    assert subscription.content_hash == hashlib.sha256(first + page(PLAIN)).hexdigest()
    # only the second page changed: still a change
    feed_server.serve("/feed-2.json", page({**PLAIN, "title": "New"}), headers=JSON)
    assert subscription_sync(subscription, now=NOW).updated == 1


def test_a_json_feed_is_limited_in_pages_and_events(feed_server, torino, monkeypatch):
    monkeypatch.setattr(services, "MAX_PAGES", 2)
    monkeypatch.setattr(services, "MAX_ITEMS", 2)
    feed_server.serve("/p3.json", page(), headers=JSON)
    feed_server.serve("/p2.json", page(PLAIN), headers=JSON)
    two = feed_server.serve("/two.json", page(FULL, next_url=feed_server.url("/p2.json")),
                            headers=JSON)
    assert subscription_sync(subscription_get_or_create(torino, two), now=NOW).created == 2
    feed_server.serve("/p2b.json", page(next_url=feed_server.url("/p3.json")), headers=JSON)
    three = feed_server.serve("/three.json", page(next_url=feed_server.url("/p2b.json")),
                              headers=JSON)
    report = subscription_sync(subscription_get_or_create(torino, three), now=NOW)
    assert report.error == "The feed has more than 2 pages, or its pages loop."
    loop = feed_server.serve("/loop.json", page(next_url=feed_server.url("/loop.json")),
                             headers=JSON)
    report = subscription_sync(subscription_get_or_create(torino, loop), now=NOW)
    assert report.error == "The feed has more than 2 pages, or its pages loop."
    assert [r["path"] for r in feed_server.requests].count("/loop.json") == 1  # not again
    feed_server.serve("/p2c.json", page(CANCELLED, PLAIN), headers=JSON)
    many = feed_server.serve("/many.json", page(FULL, next_url=feed_server.url("/p2c.json")),
                             headers=JSON)
    report = subscription_sync(subscription_get_or_create(torino, many), now=NOW)
    assert report.error == "The calendar has more than 2 events."
    feed_server.serve("/p2d.json", page(FULL), headers=JSON)
    twice = feed_server.serve("/twice.json", page(FULL, next_url=feed_server.url("/p2d.json")),
                              headers=JSON)
    report = subscription_sync(subscription_get_or_create(torino, twice), now=NOW)
    assert report.error == "The feed lists the same event twice."
    assert EventPage.objects.filter(space=torino).count() == 2


def test_the_download_is_conditional_unless_series_must_be_expanded(feed_server, torino):
    body = page(PLAIN)

    def answer(handler, route):
        if handler.headers.get("If-None-Match") == '"v1"':
            handler.send_response(304)
            handler.end_headers()
            return
        handler.send_response(200)
        for name, value in {**JSON, "ETag": '"v1"',
                            "Last-Modified": "Wed, 30 Sep 2026 10:00:00 GMT"}.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    url = feed_server.serve("/feed.json", handler=answer)
    subscription = subscription_get_or_create(torino, url)
    assert subscription_sync(subscription, now=NOW).created == 1
    later = NOW + dt.timedelta(days=2)
    report = subscription_sync(subscription, now=later)
    assert report.as_dict() == {
        "created": 0, "updated": 0, "unchanged": 0, "stale": 0, "cancelled_gone": 0,
        "series_created": 0, "series_updated": 0, "series_cancelled": 0, "skipped": [],
        "not_modified": True, "error": ""}
    headers = feed_server.requests[-1]["headers"]
    assert (headers.get("If-None-Match"), headers.get("If-Modified-Since")) == (
        '"v1"', "Wed, 30 Sep 2026 10:00:00 GMT")
    assert "If-None-Match" not in feed_server.requests[0]["headers"]
    subscription.refresh_from_db()
    assert (subscription.last_checked_at, subscription.last_success_at,
            subscription.expanded_at, subscription.last_report["not_modified"]) == (
        later, later, NOW, True)
    # a date of a recurring event imported here: a day later it is read again in full
    ImportedEvent.objects.filter(subscription=subscription).update(recurrence_id="x")
    feed_server.requests.clear()
    report = subscription_sync(subscription, now=later)
    assert report.not_modified is False
    assert "If-None-Match" not in feed_server.requests[0]["headers"]
    assert "If-Modified-Since" not in feed_server.requests[0]["headers"]


def test_a_republished_event_is_skipped_and_the_report_keeps_twenty(feed_server, torino):
    origin = {"url": "https://b.example/e/1/", "feed_url": "https://b.example/feed.json",
              "name": "B"}
    items = [item(f"copy-{n:02}@b.example", origin=origin) for n in range(21)]
    url = feed_server.serve("/feed.json", page(*items), headers=JSON)
    subscription = subscription_get_or_create(torino, url)
    report = subscription_sync(subscription, now=NOW)
    assert report.skipped == [f"copy-{n:02}@b.example" for n in range(21)]
    assert report.as_dict()["skipped"] == [f"copy-{n:02}@b.example" for n in range(20)]
    subscription.refresh_from_db()
    assert subscription.last_report["skipped"] == report.as_dict()["skipped"]
    assert EventPage.objects.filter(space=torino).count() == 0


def test_an_event_this_site_cannot_hold_refuses_the_whole_feed_with_the_reasons(
        feed_server, torino):
    bad = item("bad@a.example", price={"amount": 5, "currency": "XCR"},
               registration={"opens_at": None, "closes_at": "2026-10-14T10:00:00+02:00",
                             "guests_allowed": True})
    url = feed_server.serve("/feed.json", page(PLAIN, bad), headers=JSON)
    subscription = subscription_get_or_create(torino, url)
    report = subscription_sync(subscription, now=NOW)
    reason = ("Registration must close no later than the end of the event. "
              "Only free events can accept guests without an account.")
    assert report.error == f"An event of the feed was refused: {reason}"
    assert (report.ok, report.created) == (False, 0)
    subscription.refresh_from_db()
    assert (subscription.last_error, subscription.last_checked_at, subscription.last_success_at,
            subscription.content_hash, subscription.expanded_at) == (
        report.error, NOW, None, "", None)
    assert subscription.last_report == report.as_dict()
    assert EventPage.objects.filter(space=torino).count() == 0


def test_a_subscription_is_created_once_with_a_clean_name(torino):
    user = UserFactory()
    name = "Cowo\nA\t" + "x" * 200
    first = subscription_get_or_create(torino, "https://a.example/feed.json", name=name,
                                       user=user)
    assert (first.name, first.active, first.created_by) == (
        "Cowo A " + "x" * 113, True, user)
    again = subscription_get_or_create(torino, "https://a.example/feed.json", name="Other",
                                       active=False)
    assert again.pk == first.pk
    assert (again.name, again.active) == (first.name, True)
    assert CalendarSubscription.objects.count() == 1


def test_every_active_subscription_is_synced_in_order(feed_server, torino):
    first = subscription_get_or_create(torino, feed_server.serve("/1.json", page(PLAIN),
                                                                 headers=JSON))
    subscription_get_or_create(torino, feed_server.serve("/2.json", page(FULL), headers=JSON),
                               active=False)
    third = subscription_get_or_create(torino, feed_server.url("/missing.json"))
    reports = subscriptions_sync_all(now=NOW)
    assert list(reports) == [first.pk, third.pk]
    assert (reports[first.pk].created, reports[third.pk].error) == (
        1, "The server answered 404.")
    first.refresh_from_db()
    assert first.last_checked_at == NOW


def test_an_unknown_body_block_is_left_out_and_the_rest_kept():
    """The JSON reader refuses unknown kinds; the writer still skips one rather than stop."""
    imported = ImportedItem(
        uid="u", recurrence_id="", sequence=0, title="T", time_zone="UTC",
        starts_at=NOW, ends_at=NOW + dt.timedelta(hours=1),
        body=[{"type": "image", "src": "x"}, {"type": "text", "html": "<p>kept</p>"}])
    assert [(block["type"], block["value"]) for block in services._stream_body(imported)] == [
        ("text", "<p>kept</p>")]


def test_a_refusal_without_fields_is_stored_cut_to_its_length(feed_server, torino,
                                                              monkeypatch):
    def refuse(*args, **kwargs):
        raise ValidationError("é" * 400)

    monkeypatch.setattr(services, "_create", refuse)
    url = feed_server.serve("/feed.json", page(PLAIN), headers=JSON)
    subscription = subscription_get_or_create(torino, url)
    report = subscription_sync(subscription, now=NOW)
    assert report.error == "An event of the feed was refused: " + "é" * 300
    subscription.refresh_from_db()
    assert subscription.last_error == report.error


FLOATING = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\nBEGIN:VEVENT\r\n"
            b"UID:floating@test\r\nDTSTAMP:20261001T080000Z\r\nDTSTART:20261015T180000\r\n"
            b"DTEND:20261015T190000\r\nSUMMARY:Floating\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def test_a_floating_time_is_read_in_utc_for_a_space_without_a_time_zone(feed_server, torino):
    SpacePage.objects.filter(pk=torino.pk).update(time_zone="")
    url = feed_server.serve("/cal.ics", FLOATING, headers={"Content-Type": "text/calendar"})
    subscription = CalendarSubscription.objects.get(
        pk=subscription_get_or_create(torino, url).pk)  # the space read as stored
    assert subscription_sync(subscription, now=NOW).created == 1
    event = EventPage.objects.get(origin__uid="floating@test")
    assert event.starts_at == dt.datetime(2026, 10, 15, 18, 0, tzinfo=dt.UTC)


@pytest.mark.postgres
def test_a_sync_locks_its_subscription_before_reading_or_writing(feed_server, torino):
    """One sync at a time per subscription: the row lock comes first, so a second sync
    waits and then finds what the first wrote (as PostgreSQL receives it)."""
    url = feed_server.serve("/feed.json", page(PLAIN), headers=JSON)
    subscription = subscription_get_or_create(torino, url)
    with CaptureQueriesContext(connection) as queries:
        assert subscription_sync(subscription, now=NOW).created == 1
    table = CalendarSubscription._meta.db_table
    statements = [q["sql"] for q in queries.captured_queries]
    locks = [n for n, sql in enumerate(statements)
             if sql.startswith("SELECT") and sql.endswith("FOR UPDATE") and table in sql]
    writes = [n for n, sql in enumerate(statements) if sql.startswith(("INSERT", "UPDATE"))]
    assert len(locks) == 1
    assert locks[0] < writes[0]


def test_a_refusal_records_only_its_own_columns(feed_server, torino):
    """A sync that is refused writes what it found out (checked, report, error), not the
    rest of the caller's copy of the subscription, which may be older than the row."""
    url = feed_server.serve("/feed.json", page(PLAIN), headers={**JSON, "ETag": '"v1"'})
    subscription = subscription_get_or_create(torino, url)
    stale = CalendarSubscription.objects.get(pk=subscription.pk)
    assert subscription_sync(subscription, now=NOW).created == 1
    feed_server.serve("/feed.json", b"{}", headers=JSON)
    later = NOW + dt.timedelta(hours=1)
    report = subscription_sync(stale, now=later)
    assert report.error.startswith("The feed does not follow the Espresso format")
    row = CalendarSubscription.objects.get(pk=subscription.pk)
    assert (row.last_checked_at, row.last_error, row.last_success_at, row.etag,
            row.content_hash, row.expanded_at) == (
        later, report.error, NOW, '"v1"', hashlib.sha256(page(PLAIN)).hexdigest(), NOW)


def test_a_subscription_without_a_name_is_labelled_by_its_address(torino):
    subscription = subscription_get_or_create(torino, "https://b.example/cal.ics")
    assert (subscription.name, subscription.label) == ("", "https://b.example/cal.ics")


def test_an_unknown_status_is_scheduled_and_a_regional_site_language_is_cut(settings):
    """What a reader could give that EventPage cannot hold: a status of no EventStatus
    (scheduled, with no reason), a language of no site language (the site's own, without
    its region: the column holds a site language)."""
    settings.LANGUAGE_CODE = "en-gb"
    imported = ImportedItem(uid="u", recurrence_id="", sequence=0, title="T", time_zone="UTC",
                            starts_at=NOW, ends_at=NOW + dt.timedelta(hours=1),
                            status="tentative", language="de")
    values = services._event_values(imported, CalendarSubscription(url="https://x.example/"))
    assert (values["status"], values["status_reason"], values["language"]) == (
        "scheduled", "", "en")
    assert imported.origin == {"language": "de"}


def test_a_date_imported_without_its_series_keeps_no_original_start():
    """A date of a series whose master cannot be kept (an older JSON feed's date without
    its series) is imported as a single event: its original start stays in the origin's
    recurrence_id, not in the column, which only a date of a series kept here may fill."""
    original = dt.datetime(2026, 10, 13, 16, 30, tzinfo=dt.UTC)
    imported = ImportedItem(uid="u", recurrence_id="20261013T163000Z", sequence=0, title="T",
                            time_zone="UTC", starts_at=NOW, ends_at=NOW + dt.timedelta(hours=1),
                            original_start=original)
    values = services._event_values(imported, CalendarSubscription(url="https://x.example/"))
    assert (values["series"], values["recurrence_id"]) == (None, None)
    assert values["origin"]["recurrence_id"] == "20261013T163000Z"


def test_every_block_and_agenda_entry_gets_its_own_new_id(monkeypatch):
    """StreamField raw data as Wagtail writes it: each block, and each entry of an agenda,
    has an id of its own (a new UUID), in the order they are made."""
    counter = iter(range(1, 100))
    monkeypatch.setattr(services, "uuid", type("FakeUuid", (), {
        "uuid4": staticmethod(lambda: uuid.UUID(int=next(counter)))}))
    [full, cancelled], _next = read_json_page(page(FULL, CANCELLED))
    body = services._stream_body(full)
    # the agenda's entries are made before the agenda block itself
    assert [(block["type"], block["id"]) for block in body] == [
        ("text", str(uuid.UUID(int=1))), ("agenda", str(uuid.UUID(int=3))),
        ("speaker", str(uuid.UUID(int=4)))]
    assert [entry["id"] for entry in body[1]["value"]["items"]] == [str(uuid.UUID(int=2))]
    assert [block["id"] for block in services._stream_body(cancelled)] == [
        str(uuid.UUID(int=5))]


def test_each_count_of_the_report_counts_every_item(feed_server, torino):
    """Two items in each case: stale, updated, unchanged, gone (a count is a sum)."""
    url = feed_server.serve("/feed.json", page(FULL, {**PLAIN, "sequence": 2}), headers=JSON)
    subscription = subscription_get_or_create(torino, url)
    subscription_sync(subscription, now=NOW)
    # both come back changed with an older SEQUENCE (a mirror behind the origin, say)
    feed_server.serve("/feed.json", page({**FULL, "sequence": 2, "title": "Older"},
                                         {**PLAIN, "sequence": 1, "title": "Older"}),
                      headers=JSON)
    report = subscription_sync(subscription, now=NOW + dt.timedelta(hours=1))
    assert (report.stale, report.updated, report.unchanged, report.created) == (2, 0, 0, 0)
    assert sorted(EventPage.objects.values_list("title", "sequence")) == [
        ("Café <b>talk</b> ☕", 3), ("Event plain@a.example", 2)]
    newer = [{**FULL, "sequence": 4, "title": "Newer"}, {**PLAIN, "sequence": 3,
                                                         "title": "Newer"}]
    feed_server.serve("/feed.json", page(*newer), headers=JSON)
    report = subscription_sync(subscription, now=NOW + dt.timedelta(hours=2))
    assert (report.stale, report.updated, report.unchanged, report.created) == (0, 2, 0, 0)
    feed_server.serve("/feed.json", page(*newer, CANCELLED), headers=JSON)
    report = subscription_sync(subscription, now=NOW + dt.timedelta(hours=3))
    assert (report.stale, report.updated, report.unchanged, report.created) == (0, 0, 2, 1)
    feed_server.serve("/feed.json", page(CANCELLED), headers=JSON)
    report = subscription_sync(subscription, now=NOW + dt.timedelta(hours=4))
    assert (report.cancelled_gone, report.unchanged) == (2, 1)
    assert sorted(EventPage.objects.values_list("title", "status")) == [
        ("!!!", "cancelled"), ("Newer", "cancelled"), ("Newer", "cancelled")]


def test_a_refused_feed_is_logged_once_with_its_address_and_reason(feed_server, torino,
                                                                    caplog):
    url = feed_server.serve("/feed.json", b"{not json", headers=JSON)
    subscription = subscription_get_or_create(torino, url)
    with caplog.at_level("INFO", logger="events.federation.services"):
        report = subscription_sync(subscription, now=NOW)
    assert report.error == "The feed is not valid JSON."
    assert [(r.name, r.levelname, r.getMessage()) for r in caplog.records
            if r.name == "events.federation.services"] == [
        ("events.federation.services", "INFO",
         f"import of {url} refused: The feed is not valid JSON.")]
    assert CalendarSubscription.objects.get(pk=subscription.pk).last_error == report.error


def test_pages_looping_after_the_first_are_refused_once_each_page_was_read(feed_server, torino,
                                                                            monkeypatch):
    """Every page read is remembered, not only the first: a feed whose second and third
    pages point at each other is refused as a loop as soon as it comes back to one, each
    page fetched once (not read round and round until the item limit stops it)."""
    monkeypatch.setattr(services, "MAX_ITEMS", 10)
    feed_server.serve("/p2.json", page(PLAIN, next_url=feed_server.url("/p3.json")),
                      headers=JSON)
    feed_server.serve("/p3.json", page(CANCELLED, next_url=feed_server.url("/p2.json")),
                      headers=JSON)
    url = feed_server.serve("/feed.json", page(FULL, next_url=feed_server.url("/p2.json")),
                            headers=JSON)
    report = subscription_sync(subscription_get_or_create(torino, url), now=NOW)
    assert report.error == "The feed has more than 50 pages, or its pages loop."
    assert [r["path"] for r in feed_server.requests] == ["/feed.json", "/p2.json", "/p3.json"]
    assert EventPage.objects.filter(space=torino).count() == 0
