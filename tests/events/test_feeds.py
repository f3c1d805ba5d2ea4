"""The JSON feed: valid against docs/format/event-feed.schema.json, same filters as the listing."""

import json
from pathlib import Path

import jsonschema
import pytest
from django.urls import reverse

from events.models import EventPage
from events.views import feeds as feed_views
from tests.events.discovery_factories import fill_event, make_event
from tests.network.factories import UserFactory, make_space

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    """Feeds cache their bytes (keyed by version); each test starts from a cold cache."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "docs" / "format"
                     / "event-feed.schema.json").read_text())
FORMAT_CHECKER = jsonschema.Draft202012Validator.FORMAT_CHECKER


def validate(data: dict) -> None:
    jsonschema.Draft202012Validator(SCHEMA, format_checker=FORMAT_CHECKER).validate(data)


@pytest.fixture
def lecce(site_tree):
    return make_space(site_tree.spaces, "Cowo Lecce", city="Lecce", region="Puglia",
                      latitude="40.352000", longitude="18.169000", email="ciao@cowolecce.it")


def get_feed(client, **params) -> dict:
    response = client.get(reverse("events:feed_json"), params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/feed+json; charset=utf-8"
    return response.json()


def test_schema_is_itself_a_valid_json_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_feed_validates_against_the_schema_with_every_kind_of_event(client, lecce, site_tree):
    bare = make_space(site_tree.spaces, "Bare Space", latitude=None, longitude=None)
    full = make_event(lecce, "Full hybrid", capacity=2, online_url="https://meet.example.org/a",
                      topics=["AI", "caffè"], price_credits=7, room="Sala 1",
                      body=[("text", "<p>Hello <b>world</b></p>")])
    fill_event(full, confirmed=2, waitlisted=1)
    make_event(bare, "Unlimited", status="cancelled", status_reason="Because ;,\\ 😀",
               address_override="Piazza Duomo 1, Milano", language="en")
    make_event(lecce, 'Nasty "title"\n<script>', time_zone="Asia/Kolkata", format="talk")
    data = get_feed(client)
    validate(data)
    assert len(data["items"]) == 3
    item = next(i for i in data["items"] if i["title"] == "Full hybrid")
    assert item["id"] == full.ical_uid
    assert item["seats_left"] == 0 and item["capacity"] == 2
    assert item["attendance_mode"] == "mixed"
    assert item["price"] == {"amount": 7, "currency": "XCR"}
    assert item["topics"] == ["AI", "caffè"]
    assert item["description"] == "Hello world"
    assert item["venue"]["latitude"] == 40.352
    kolkata = next(i for i in data["items"] if i["time_zone"] == "Asia/Kolkata")
    assert kolkata["starts_at"].endswith("+05:30")


def test_feed_uses_the_listing_filters(client, lecce, site_tree):
    other = make_space(site_tree.spaces, "Cowo Torino", city="Torino", region="Piemonte")
    make_event(lecce, "Free in Lecce")
    make_event(other, "Paid in Torino", price_credits=5)
    make_event(other, "Past in Torino", starts_in_days=-3)
    assert [i["title"] for i in get_feed(client, city="Torino")["items"]] == ["Paid in Torino"]
    assert [i["title"] for i in get_feed(client, price="free")["items"]] == ["Free in Lecce"]
    assert [i["title"] for i in get_feed(client, when="past")["items"]] == ["Past in Torino"]


def test_feed_pages_with_next_url(client, lecce, monkeypatch):
    monkeypatch.setattr(feed_views, "FEED_PAGE_SIZE", 2)
    make_event(lecce, "one", starts_in_days=1)
    make_event(lecce, "two", starts_in_days=2)
    make_event(lecce, "three", starts_in_days=3)
    first = get_feed(client, format="workshop")
    validate(first)
    assert [i["title"] for i in first["items"]] == ["one", "two"]
    assert first["next_url"] == "http://testserver/events/feed.json?format=workshop&page=2"
    second = client.get(first["next_url"]).json()
    assert [i["title"] for i in second["items"]] == ["three"]
    assert second["next_url"] is None


@pytest.mark.parametrize("query", [{"date_to": "2024-02-30"}, {"topic": "\x00"},
                                   {"seats": "on", "when": "tomorrow"}, {"page": "0"},
                                   {"page": "-3"}, {"page": "-1"}, {"page": "1e9"},
                                   {"page": "²"}, {"page": "\u0661"}, {"page": " 1"}, {"page": ""},
                                   {"page": "1000001"}, {"page": "9" * 400},
                                   {"page": "9" * 5000}])
def test_malformed_parameters_get_a_400_with_the_reason(client, lecce, query):
    response = client.get(reverse("events:feed_json"), query)
    assert response.status_code == 400
    assert "error" in response.json()


def test_feed_answers_304_when_nothing_changed(client, lecce):
    event = make_event(lecce, "Cached")
    first = client.get(reverse("events:feed_json"))
    assert client.get(reverse("events:feed_json"),
                      headers={"if-none-match": first["ETag"]}).status_code == 304
    EventPage.objects.filter(pk=event.pk).update(live=False)
    assert client.get(reverse("events:feed_json"),
                      headers={"if-none-match": first["ETag"]}).status_code == 200


def test_feed_query_count_is_constant(client, lecce, django_assert_max_num_queries):
    for i in range(10):
        make_event(lecce, starts_in_days=i + 1, topics=["x"])
    client.get(reverse("events:feed_json"))
    with django_assert_max_num_queries(12) as small:
        client.get(reverse("events:feed_json"))
    for i in range(30):
        make_event(lecce, starts_in_days=i + 1, topics=["x", f"y{i}"])
    with django_assert_max_num_queries(len(small.captured_queries)):
        data = client.get(reverse("events:feed_json")).json()
    assert len(data["items"]) == 40


def test_a_page_past_the_end_is_a_404(client, lecce, monkeypatch):
    """feed.json?page=99 answered 200 with the last page."""
    monkeypatch.setattr(feed_views, "FEED_PAGE_SIZE", 2)
    url = reverse("events:feed_json")
    assert client.get(url).json()["items"] == []          # an empty feed still has page 1
    assert client.get(url, {"page": "2"}).status_code == 404
    for n in range(3):
        make_event(lecce, f"e{n}", starts_in_days=n + 1)
    assert [i["title"] for i in client.get(url, {"page": "02"}).json()["items"]] == ["e2"]
    for page in ("3", "99", "1000000"):
        response = client.get(url, {"page": page})
        assert response.status_code == 404
        assert response.json() == {"error": f"There is no page {page}: the last page is 2."}


def test_feed_etag_changes_with_the_seats_left(client, lecce):
    """The JSON feed's ETag ignored seat changes: a 304 kept an old seats_left."""
    from events import services

    event = make_event(lecce, "Few seats", capacity=3)
    first = client.get(reverse("events:feed_json"))
    assert first.json()["items"][0]["seats_left"] == 3
    registration = services.registration_create(event, user=UserFactory())
    second = client.get(reverse("events:feed_json"), headers={"if-none-match": first["ETag"]})
    assert second.status_code == 200
    assert second.json()["items"][0]["seats_left"] == 2
    services.registration_cancel(registration, actor=registration.user)
    third = client.get(reverse("events:feed_json"), headers={"if-none-match": second["ETag"]})
    assert third.status_code == 200
    assert third.json()["items"][0]["seats_left"] == 3
    assert client.get(reverse("events:feed_json"),
                      headers={"if-none-match": third["ETag"]}).status_code == 304
