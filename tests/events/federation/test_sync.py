"""Syncing a subscription: upsert by UID, SEQUENCE respected, cancelled or gone upstream ->
cancelled here (never deleted), one transaction (a bad feed changes nothing), the command and
the periodic task share the code."""

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from events.exceptions import EventError
from events.federation.models import CalendarSubscription, ImportedEvent
from events.federation.services import subscription_get_or_create, subscription_sync
from events.federation.tasks import subscriptions_sync_periodic
from events.models import EventPage, EventStatus
from events.services import registration_create
from tests.events.discovery_factories import make_event
from tests.network.factories import make_space

SAMPLES = Path(__file__).parent / "samples"
GOOGLE = (SAMPLES / "google.ics").read_bytes()
NOW = dt.datetime(2026, 10, 1, 12, 0, tzinfo=dt.UTC)
WEEKLY = "3k2j4h5g6f7d8s9a@google.com"

def _next_autumn() -> bytes:
    """The Meetup sample moved to the next October-November to come (the command and the task
    read with the real "now", so the events must be inside the import window)."""
    today = timezone.now().date()
    year = today.year if today < dt.date(today.year, 10, 1) else today.year + 1
    return (SAMPLES / "meetup.ics").read_bytes().replace(b":2026", f":{year}".encode())


#: Three single events in the coming autumn.
FUTURE_MEETUP = _next_autumn()

pytestmark = pytest.mark.django_db


@pytest.fixture
def torino(site_tree):
    return make_space(site_tree.spaces, "Cowo Torino", city="Torino", region="Piemonte")


def imported(subscription) -> dict[tuple[str, str], EventPage]:
    return {(link.uid, link.recurrence_id): EventPage.objects.get(pk=link.event_id)
            for link in ImportedEvent.objects.filter(subscription=subscription)}


def test_an_ical_feed_becomes_events_of_the_space_marked_with_their_origin(feed_server,
                                                                          torino):
    url = feed_server.serve("/torino.ics", GOOGLE)
    subscription = subscription_get_or_create(torino, url, name="Torino calendar")
    report = subscription_sync(subscription, now=NOW)
    assert (report.created, report.error) == (5, "")
    events = imported(subscription)
    moved = events[(WEEKLY, "20261103T173000Z")]
    assert moved.title == "Aperitivo dei coworker (spostato alle 19)"
    assert moved.starts_at == dt.datetime(2026, 11, 3, 18, 0, tzinfo=dt.UTC)
    assert moved.time_zone == "Europe/Rome" and moved.space_id == torino.pk and moved.live
    assert moved.get_parent().pk == torino.pk
    assert events[(WEEKLY, "20261110T173000Z")].status == EventStatus.CANCELLED
    assert moved.origin["feed_url"] == url and moved.origin["name"] == "Torino calendar"
    assert moved.origin["uid"] == WEEKLY
    assert moved.published_uid == moved.ical_uid  # an expanded occurrence stands alone
    single = events[("allday-open-day@google.com", "")]
    assert single.published_uid == "allday-open-day@google.com"
    assert subscription.last_error == "" and subscription.last_success_at == NOW


def test_reimporting_the_same_feed_changes_nothing(feed_server, torino):
    url = feed_server.serve("/torino.ics", GOOGLE)
    subscription = subscription_get_or_create(torino, url)
    subscription_sync(subscription, now=NOW)
    before = list(EventPage.objects.order_by("pk").values_list(
        "pk", "sequence", "last_published_at", "title", "starts_at", "status"))
    # Same bytes: nothing read. Other bytes with the same events (a new DTSTAMP): unchanged.
    assert subscription_sync(subscription, now=NOW).not_modified is True
    feed_server.serve("/torino.ics", GOOGLE.replace(b"DTSTAMP:20261001T080000Z",
                                                    b"DTSTAMP:20261002T090000Z"))
    report = subscription_sync(subscription, now=NOW)
    assert (report.unchanged, report.updated, report.created) == (5, 0, 0)
    after = list(EventPage.objects.order_by("pk").values_list(
        "pk", "sequence", "last_published_at", "title", "starts_at", "status"))
    assert after == before


def test_a_higher_sequence_updates_and_an_older_one_never_overwrites(feed_server, torino):
    url = feed_server.serve("/torino.ics", GOOGLE)
    subscription = subscription_get_or_create(torino, url)
    subscription_sync(subscription, now=NOW)
    key = ("allday-open-day@google.com", "")
    newer = GOOGLE.replace(b"SUMMARY:Open day", b"SEQUENCE:3\r\nSUMMARY:Open day (new)")
    feed_server.serve("/torino.ics", newer)
    assert subscription_sync(subscription, now=NOW).updated == 1
    assert imported(subscription)[key].title == "Open day (new)"
    assert imported(subscription)[key].sequence == 3
    older = GOOGLE.replace(b"SUMMARY:Open day", b"SEQUENCE:2\r\nSUMMARY:Open day (old)")
    feed_server.serve("/torino.ics", older)
    report = subscription_sync(subscription, now=NOW)
    assert (report.stale, report.updated) == (1, 0)
    assert imported(subscription)[key].title == "Open day (new)"


def test_cancelled_upstream_is_cancelled_here(feed_server, torino):
    url = feed_server.serve("/torino.ics", GOOGLE)
    subscription = subscription_get_or_create(torino, url)
    subscription_sync(subscription, now=NOW)
    feed_server.serve("/torino.ics", GOOGLE.replace(
        b"SUMMARY:Open day", b"SEQUENCE:1\r\nSTATUS:CANCELLED\r\nSUMMARY:Open day"))
    subscription_sync(subscription, now=NOW)
    event = imported(subscription)[("allday-open-day@google.com", "")]
    assert event.status == EventStatus.CANCELLED and event.status_reason


def test_gone_upstream_is_cancelled_never_deleted_and_comes_back(feed_server, torino):
    url = feed_server.serve("/torino.ics", GOOGLE)
    subscription = subscription_get_or_create(torino, url)
    subscription_sync(subscription, now=NOW)
    start = GOOGLE.index(b"BEGIN:VEVENT\nDTSTART;VALUE=DATE")
    end = GOOGLE.index(b"END:VEVENT", start) + len(b"END:VEVENT\n")
    feed_server.serve("/torino.ics", GOOGLE[:start] + GOOGLE[end:])
    report = subscription_sync(subscription, now=NOW)
    assert report.cancelled_gone == 1
    gone = imported(subscription)[("allday-open-day@google.com", "")]
    assert gone.status == EventStatus.CANCELLED
    assert gone.sequence == 1  # our own change of its status: SEQUENCE + 1
    assert EventPage.objects.count() == 5
    feed_server.serve("/torino.ics", GOOGLE)
    assert subscription_sync(subscription, now=NOW).updated == 1
    back = imported(subscription)[("allday-open-day@google.com", "")]
    assert back.status == EventStatus.SCHEDULED and back.sequence == 2  # never goes down


def test_events_over_are_not_cancelled_when_the_feed_drops_them(feed_server, torino):
    url = feed_server.serve("/torino.ics", GOOGLE)
    subscription = subscription_get_or_create(torino, url)
    subscription_sync(subscription, now=NOW)
    later = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)  # the October occurrences are over
    feed_server.serve("/torino.ics", GOOGLE.replace(b"COUNT=5", b"COUNT=1"))
    subscription_sync(subscription, now=later)
    events = imported(subscription)
    assert events[(WEEKLY, "20261020T163000Z")].status == EventStatus.SCHEDULED


@pytest.mark.parametrize("bad, message", [
    (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:garbage\r\n", "could not be read"),
    (b"<html><body>Moved</body></html>", "not an iCalendar file"),
    (b'{"version": "espresso-events/1.0", "title": 5, "feed_url": "x", "items": []}',
     "does not follow the Espresso format"),
])
def test_a_bad_feed_is_refused_with_the_reason_stored_and_nothing_changed(feed_server, torino,
                                                                          bad, message):
    url = feed_server.serve("/torino.ics", GOOGLE)
    subscription = subscription_get_or_create(torino, url)
    subscription_sync(subscription, now=NOW)
    before = list(EventPage.objects.order_by("pk").values_list("pk", "title", "status"))
    feed_server.serve("/torino.ics", bad)
    report = subscription_sync(subscription, now=NOW)
    assert message in report.error
    subscription.refresh_from_db()
    assert message in subscription.last_error
    assert subscription.last_success_at == NOW
    assert list(EventPage.objects.order_by("pk").values_list("pk", "title", "status")) == before


def test_a_feed_failing_half_way_writes_nothing(feed_server, torino, monkeypatch):
    """One transaction per sync: an error while writing the third event rolls back the
    first two."""
    from events.federation import services

    url = feed_server.serve("/torino.ics", GOOGLE)
    subscription = subscription_get_or_create(torino, url)
    real, calls = services._create, []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "_create", failing)
    with pytest.raises(RuntimeError):
        subscription_sync(subscription, now=NOW)
    assert EventPage.objects.count() == 0 and ImportedEvent.objects.count() == 0


def test_an_unreachable_feed_is_recorded_on_the_subscription(feed_server, torino):
    subscription = subscription_get_or_create(torino, feed_server.url("/missing.ics"))
    report = subscription_sync(subscription, now=NOW)
    assert report.error == "The server answered 404."
    subscription.refresh_from_db()
    assert subscription.last_error == "The server answered 404."
    assert subscription.last_success_at is None


def test_a_private_address_is_refused_without_the_setting(torino, settings):
    settings.EVENTS_IMPORT_ALLOW_PRIVATE = False
    subscription = subscription_get_or_create(torino, "http://127.0.0.1:9/cal.ics")
    report = subscription_sync(subscription, now=NOW)
    assert "private, loopback or link-local" in report.error


def test_registration_for_an_imported_event_happens_on_the_origin_site(feed_server, torino):
    url = feed_server.serve("/torino.ics", GOOGLE)
    subscription = subscription_get_or_create(torino, url)
    subscription_sync(subscription, now=NOW)
    event = imported(subscription)[("allday-open-day@google.com", "")]
    assert event.registration_window(NOW) == "elsewhere"
    with pytest.raises(EventError, match="site it comes from"):
        registration_create(event, guest_name="Ada", guest_email="ada@example.org")


def test_the_command_imports_once_and_reports(feed_server, torino, settings):
    url = feed_server.serve("/meetup.ics", FUTURE_MEETUP)
    out = _call("events_import", url, "--space", torino.slug)
    assert out.startswith("3 created, 0 updated")
    assert CalendarSubscription.objects.get().active is False  # not picked up by the task
    assert _call("events_import", url, "--space", torino.slug) == (
        "Not modified since the last import.\n")
    with pytest.raises(CommandError, match="No space with the slug 'nowhere'"):
        _call("events_import", url, "--space", "nowhere")
    with pytest.raises(CommandError, match="Only http and https"):
        _call("events_import", "file:///etc/passwd", "--space", torino.slug)
    with pytest.raises(CommandError, match="answered 404"):
        _call("events_import", feed_server.url("/nope.ics"), "--space", torino.slug)


def _call(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_the_periodic_task_syncs_active_subscriptions_only(feed_server, torino):
    body = FUTURE_MEETUP
    active = subscription_get_or_create(torino, feed_server.serve("/a.ics", body))
    broken = subscription_get_or_create(torino, feed_server.url("/broken.ics"))
    paused = subscription_get_or_create(torino, feed_server.serve("/p.ics", body),
                                        active=False)
    result = subscriptions_sync_periodic.enqueue().return_value
    assert result == {"synced": 1, "refused": 1}
    assert ImportedEvent.objects.filter(subscription=active).count() == 3
    assert ImportedEvent.objects.filter(subscription=paused).count() == 0
    broken.refresh_from_db()
    assert broken.last_error == "The server answered 404."


def test_our_own_events_are_never_touched_by_an_import(feed_server, torino):
    own = make_event(torino, "Our own event")
    url = feed_server.serve("/torino.ics", GOOGLE)
    subscription_sync(subscription_get_or_create(torino, url), now=NOW)
    own.refresh_from_db()
    assert (own.title, own.origin, own.status) == ("Our own event", {}, EventStatus.SCHEDULED)
    assert timezone.now() > NOW  # the sync ran with a fixed "now"; our event is untouched


def test_the_event_page_shows_the_origin_and_sends_registration_there(feed_server, torino,
                                                                     client):
    url = feed_server.serve("/meetup.ics", FUTURE_MEETUP)
    subscription_sync(subscription_get_or_create(torino, url, name="Python Milano"))
    event = EventPage.objects.get(origin__uid="event_301234567@meetup.com")
    response = client.get(event.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Imported from Python Milano" in html
    assert 'href="https://www.meetup.com/python-milano/events/301234567/"' in html
    assert "Register on the original site" in html
    assert reverse("events:register", args=[event.pk]) not in html
    assert "Cowo Lambrate (Via Ventura 3, Milano, Italy)" in html
