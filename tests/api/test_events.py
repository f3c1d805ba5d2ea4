"""/api/v1/events/: the listing's filters, stable cursor pagination, conditional GET, a
bounded number of queries, and bad parameters answered with a 400."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from events.models import EventFormat
from events.selectors import event_list_filtered
from tests.api.helpers import assert_matches_schema, get
from tests.events.discovery_factories import fill_event, make_event
from tests.events.registration_factories import space_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()  # the throttles count in the cache
    yield
    cache.clear()


@pytest.fixture
def spaces(site_tree):
    rome = space_in(site_tree, "Cowo Roma", city="Roma", region="Lazio")
    milan = space_in(site_tree, "Cowo Milano", city="Milano", region="Lombardia")
    return rome, milan


def ids(response) -> list[int]:
    return [item["pk"] for item in response.json()["results"]]


def test_an_event_is_the_open_format_item_plus_its_id_and_space(client, spaces):
    rome, _milan = spaces
    event = make_event(rome, "Caffè & <b>HTML</b> 😀 שלום", capacity=10, price_credits=5,
                       topics=["design"])
    fill_event(event, confirmed=3)
    response = get(client, "events")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    item = response.json()["results"][0]
    assert_matches_schema(item, "Event")
    assert item["pk"] == event.pk
    assert item["space"] == rome.slug
    assert item["id"] == event.ical_uid
    assert item["title"] == "Caffè & <b>HTML</b> 😀 שלום"
    assert item["seats_left"] == 7
    assert item["price"] == {"amount": 5, "currency": "XCR"}
    assert item["topics"] == ["design"]
    detail = get(client, "event", pk=event.pk)
    assert detail.status_code == 200
    assert detail.json() == item


@pytest.mark.parametrize("params", [
    {},
    {"when": "past"},
    {"when": "all"},
    {"space": "cowo-milano"},
    {"city": "Roma"},
    {"region": "Lombardia"},
    {"format": "meetup"},
    {"topic": "design"},
    {"q": "coffee"},
    {"price": "paid"},
    {"seats": "on"},
    {"language": "it"},
    {"date_from": "2020-01-01", "date_to": "2999-01-01", "when": "all"},
])
def test_the_filters_are_the_listings(client, spaces, params):
    rome, milan = spaces
    make_event(rome, "Coffee and design", topics=["design"], language="en")
    make_event(milan, "Meetup", format=EventFormat.MEETUP, price_credits=3, language="it")
    full = make_event(milan, "Full", capacity=1, language="it")
    fill_event(full, confirmed=1)
    make_event(rome, "Yesterday", starts_in_days=-1, language="it")
    make_event(rome, "Last month", starts_in_days=-30, topics=["design"])
    _filterset, expected = event_list_filtered(params)
    response = get(client, "events", params={**params, "page_size": 100})
    assert response.status_code == 200
    assert ids(response) == [event.pk for event in expected]


def test_unpublished_events_are_not_found(client, spaces):
    event = make_event(spaces[0])
    event.unpublish()
    assert get(client, "events").json()["results"] == []
    response = get(client, "event", pk=event.pk)
    assert response.status_code == 404
    assert get(client, "event", pk=2**63 - 1).status_code == 404


def test_walking_the_pages_sees_every_event_once_while_events_are_added(client, spaces):
    rome, _milan = spaces
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=3)
    # Ties on the start time: the order goes on by id.
    events = [make_event(rome, f"E{i}", starts_at=start + dt.timedelta(hours=i // 2))
              for i in range(7)]
    seen, url, pages = [], reverse("api:events") + "?page_size=2", 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        body = response.json()
        seen += [item["pk"] for item in body["results"]]
        if pages == 0:
            # Added before the current position while the client is walking: never shown
            # twice, never shifts what comes next.
            make_event(rome, "Earlier", starts_at=start - dt.timedelta(hours=1))
        url, pages = body["next"], pages + 1
    assert seen == [event.pk for event in events]
    assert pages == 4


def test_past_events_page_latest_first(client, spaces):
    rome, _milan = spaces
    events = [make_event(rome, f"P{i}", starts_in_days=-i - 1) for i in range(5)]
    seen, url = [], reverse("api:events") + "?when=past&page_size=2"
    while url:
        body = client.get(url).json()
        seen += [item["pk"] for item in body["results"]]
        url = body["next"]
    assert seen == [event.pk for event in events]


def test_a_previous_link_goes_back_to_the_same_page(client, spaces):
    for i in range(5):
        make_event(spaces[0], f"E{i}", starts_in_days=i + 1)
    first = client.get(reverse("api:events") + "?page_size=2").json()
    second = client.get(first["next"]).json()
    back = client.get(second["previous"]).json()
    assert [i["pk"] for i in back["results"]] == [i["pk"] for i in first["results"]]


@pytest.mark.parametrize("params, field", [
    ({"date_from": "2024-13-45"}, "date_from"),
    ({"date_from": "1000-01-01"}, "date_from"),
    ({"date_from": "2025-02-01", "date_to": "2025-01-01"}, "date_to"),
    ({"space": "no-such-space"}, "space"),
    ({"format": "<script>"}, "format"),
    ({"q": "x" * 201}, "q"),
    ({"q": "nul\x00byte"}, "q"),
    ({"when": "tomorrow"}, "when"),
    ({"language": "xx"}, "language"),
    ({"page_size": "0"}, "page_size"),
    ({"page_size": "-1"}, "page_size"),
    ({"page_size": "101"}, "page_size"),
    ({"page_size": "²"}, "page_size"),
    ({"page_size": "9" * 5000}, "page_size"),
    ({"cursor": "garbage"}, "cursor"),
    ({"cursor": "x" * 5000}, "cursor"),
])
def test_bad_parameters_are_a_400_naming_the_parameter(client, spaces, params, field):
    make_event(spaces[0])
    response = get(client, "events", params=params)
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_a_cursor_of_another_order_or_forged_is_a_400(client, spaces):
    for i in range(3):
        make_event(spaces[0], f"E{i}", starts_in_days=-i - 1)
        make_event(spaces[0], f"F{i}", starts_in_days=i + 1)
    past_next = client.get(reverse("api:events") + "?when=past&page_size=1").json()["next"]
    cursor = past_next.split("cursor=")[1].split("&")[0]
    # The same cursor with the upcoming order (another sort key direction): refused.
    response = get(client, "events", params={"cursor": cursor, "when": "upcoming"})
    assert response.status_code == 400
    # A cursor whose signature was tampered with: refused.
    tampered = cursor[:-3] + ("AAA" if not cursor.endswith("AAA") else "BBB")
    assert get(client, "events", params={"cursor": tampered, "when": "past"}).status_code == 400


def test_an_unchanged_answer_is_a_304_and_a_change_a_new_etag(client, spaces):
    event = make_event(spaces[0], capacity=5)
    first = get(client, "events")
    etag = first["ETag"]
    assert etag.startswith('"') and len(etag) == 34
    assert "Accept-Language" in first["Vary"] and "Authorization" in first["Vary"]
    again = client.get(reverse("api:events"), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    fill_event(event, confirmed=1)  # seats left change the body
    changed = client.get(reverse("api:events"), HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    detail = get(client, "event", pk=event.pk)
    assert client.get(reverse("api:event", kwargs={"pk": event.pk}),
                      HTTP_IF_NONE_MATCH=detail["ETag"]).status_code == 304


def test_the_language_shapes_the_answer_and_its_etag(client, spaces):
    make_event(spaces[0])
    english = client.get(reverse("api:events"), {"format": "nope"}, HTTP_ACCEPT_LANGUAGE="en")
    italian = client.get(reverse("api:events"), {"format": "nope"}, HTTP_ACCEPT_LANGUAGE="it")
    assert english.status_code == italian.status_code == 400
    assert english.json() != italian.json()


def test_the_number_of_queries_does_not_grow_with_the_events(client, spaces):
    rome, milan = spaces

    def count() -> int:
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert get(client, "events", params={"page_size": 100}).status_code == 200
        return len(queries)

    make_event(rome, topics=["a"])
    few = count()
    for i in range(12):
        fill_event(make_event(milan if i % 2 else rome, topics=["a", f"t{i}"]), confirmed=1)
    assert count() == few
    # Spaces, live translations, topics, events, their topics, the locales (texts in the
    # visitor's language), the site twice and the events section: nine at most.
    assert few <= 9
