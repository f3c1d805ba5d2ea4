"""Two Espresso instances: A serves its JSON feed from a live server, B (the test database)
imports it. Every field of the format round-trips (the loss list is empty), a re-import
changes nothing, an edit in A (SEQUENCE + 1) updates B, an event deleted in A is cancelled
in B, and A importing B's feed does not import A's own events back (no loop).

One database holds both instances' pages (A's space and B's space): an imported event gets
a UID of its own in the database and publishes the origin's UID, so nothing collides."""

import datetime as dt
import json

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from events.federation.models import ImportedEvent
from events.federation.services import subscription_get_or_create, subscription_sync
from events.models import EventPage, EventStatus
from tests.events.discovery_factories import fill_event, make_event
from tests.network.factories import make_space

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BODY = [
    {"type": "text", "value": '<p data-block-key="a1">Un giorno <b>intero</b> &amp; '
                              '<a href="https://espresso.example/format/">il formato</a></p>'
                              '<ul><li>uno</li><li>due — ✓</li></ul>', "id": "b1"},
    {"type": "agenda", "value": {"heading": "Programma", "items": [
        {"type": "item", "value": {"time": "09:30:00", "title": "Cerchio d'apertura",
                                   "description": "Tutti insieme\nin sala"}, "id": "i1"},
        {"type": "item", "value": {"time": "13:00:00", "title": "Pranzo",
                                   "description": ""}, "id": "i2"}]}, "id": "b2"},
    {"type": "speaker", "value": {"name": "Ada «Lovelace»", "role": "مهندسة",
                                  "bio": "Bio <script>x</script>", "photo": None,
                                  "link": "https://ada.example/"}, "id": "b3"},
]


@pytest.fixture(autouse=True)
def clean_cache(settings):
    settings.EVENTS_IMPORT_ALLOW_PRIVATE = True
    cache.clear()
    yield
    cache.clear()


def feed_items(client, space) -> dict[str, dict]:
    cache.clear()
    response = client.get(reverse("events:feed_json"), {"space": space.slug, "when": "all"})
    assert response.status_code == 200
    return {item["id"]: item for item in response.json()["items"]}


def test_b_imports_a_and_every_field_round_trips(live_server, client, site_tree):
    a = make_space(site_tree.spaces, "Cowo A", city="Lecce", region="Puglia",
                   latitude="40.352000", longitude="18.169000", email="ciao@cowo-a.example")
    b = make_space(site_tree.spaces, "Cowo B", city="Milano", region="Lombardia")
    start = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(days=10)
    full = make_event(
        a, "Espresso <b>day</b> — café 🎉 «שלום»", starts_at=start, hours=8,
        topics=["coworking", "community"], summary="Una giornata\u202e di non-conferenza",
        body=json.dumps(BODY), format="unconference", language="en", room="Sala 1",
        address_override="Via Roma 1, Lecce", online_url="https://meet.example/espresso",
        capacity=30, waitlist_enabled=False, guests_allowed=True,
        registration_opens_at=start - dt.timedelta(days=20),
        registration_closes_at=start - dt.timedelta(hours=2),
        cancellation_deadline_hours=48, reward_host=5, reward_speaker=3, reward_volunteer=2)
    full.save_revision().publish()  # published through Wagtail, as an organiser does
    full.refresh_from_db()
    fill_event(full, confirmed=3)
    paid = make_event(a, "Paid workshop", starts_in_days=12, price_credits=10,
                      time_zone="America/New_York", status=EventStatus.POSTPONED,
                      status_reason="The room flooded.", capacity=None)
    feed_url = f"{live_server.url}{reverse('events:feed_json')}?space={a.slug}"
    subscription = subscription_get_or_create(b, feed_url, name="Rete A")

    report = subscription_sync(subscription)
    assert (report.error, report.created) == ("", 2)

    a_items, b_items = feed_items(client, a), feed_items(client, b)
    assert a_items.keys() == b_items.keys() == {full.ical_uid, paid.ical_uid}
    losses = {}
    for uid, a_item in a_items.items():
        b_item = dict(b_items[uid])
        assert b_item.pop("origin") == {"url": a_item["url"], "feed_url": feed_url,
                                        "name": "Rete A"}
        assert b_item.pop("url") != a_item["url"]  # B's own page, with the link back
        a_item = {k: v for k, v in a_item.items() if k not in ("origin", "url")}
        losses[uid] = {k: (v, b_item.get(k)) for k, v in a_item.items() if b_item.get(k) != v}
        assert b_item.keys() == a_item.keys()
    assert losses == {full.ical_uid: {}, paid.ical_uid: {}}  # the loss list is empty
    assert a_items[full.ical_uid]["seats_left"] == 27
    assert [block["type"] for block in a_items[full.ical_uid]["body"]] == [
        "text", "agenda", "speaker"]

    # Re-import: nothing changes.
    rows = list(EventPage.objects.filter(space=b).order_by("pk").values_list(
        "pk", "sequence", "last_published_at", "starts_at", "title", "status"))
    again = subscription_sync(subscription)
    assert again.error == "" and again.created == again.updated == 0
    assert list(EventPage.objects.filter(space=b).order_by("pk").values_list(
        "pk", "sequence", "last_published_at", "starts_at", "title", "status")) == rows

    # An edit in A (a new time: SEQUENCE + 1) updates B.
    full.refresh_from_db()
    full.starts_at += dt.timedelta(hours=1)
    full.ends_at += dt.timedelta(hours=1)
    full.save_revision().publish()
    full.refresh_from_db()
    assert full.sequence == 1
    assert subscription_sync(subscription).updated == 1
    copy = EventPage.objects.get(imported_from__uid=full.ical_uid)
    assert (copy.starts_at, copy.sequence) == (full.starts_at, 1)

    # Deleted in A: cancelled in B, never deleted.
    paid.delete()
    report = subscription_sync(subscription)
    assert report.cancelled_gone == 1
    gone = EventPage.objects.get(imported_from__uid=paid.ical_uid)
    assert gone.status == EventStatus.CANCELLED
    assert feed_items(client, b)[paid.ical_uid]["status"] == "cancelled"

    # B's calendar names the origin's UID, place and organiser, and marks the import.
    response = client.get(reverse("events:calendar_space", args=[b.slug]))
    vevents = {str(v["UID"]): v for v in Calendar.from_ical(response.content).walk("VEVENT")}
    vevent = vevents[full.ical_uid]
    assert str(vevent["ORGANIZER"]) == "mailto:ciao@cowo-a.example"
    assert (vevent["GEO"].latitude, vevent["GEO"].longitude) == (40.352, 18.169)
    assert "Cowo A" in str(vevent["LOCATION"]) and "Cowo B" not in str(vevent["LOCATION"])
    assert str(vevent["X-ESPRESSO-ORIGIN"]) == a_items[full.ical_uid]["url"]

    # A subscribing to B's feed does not import its own events back.
    back = subscription_get_or_create(
        a, f"{live_server.url}{reverse('events:feed_json')}?space={b.slug}&when=all")
    report = subscription_sync(back)
    assert (report.error, report.created, len(report.skipped)) == ("", 0, 2)
    assert ImportedEvent.objects.filter(subscription=back).count() == 0
