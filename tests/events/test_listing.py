"""The network-wide listing page, the event page and the event template tags."""

import re

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from events.models import EventIndexPage
from tests.events.discovery_factories import fill_event, make_event
from tests.network.factories import make_space

pytestmark = pytest.mark.django_db


@pytest.fixture
def listing_url(site_tree) -> str:
    return site_tree.events.url


@pytest.fixture
def lecce(site_tree):
    return make_space(site_tree.spaces, "Cowo Lecce", city="Lecce", region="Puglia",
                      latitude="40.352000", longitude="18.169000", email="ciao@cowolecce.it",
                      address="Via Roma 1")


def test_listing_shows_upcoming_events_soonest_first_and_hides_past(client, listing_url, lecce):
    make_event(lecce, "Later", starts_in_days=10)
    make_event(lecce, "Sooner", starts_in_days=2)
    make_event(lecce, "Long gone", starts_in_days=-30)
    html = client.get(listing_url).content.decode()
    assert html.index("Sooner") < html.index("Later")
    assert "Long gone" not in html


def test_past_archive_lists_ended_events_latest_first(client, listing_url, lecce):
    make_event(lecce, "Older", starts_in_days=-60)
    make_event(lecce, "Recent", starts_in_days=-3)
    make_event(lecce, "Coming", starts_in_days=3)
    html = client.get(listing_url, {"when": "past"}).content.decode()
    assert html.index("Recent") < html.index("Older")
    assert "Coming" not in html


def test_listing_paginates_by_twenty_and_keeps_the_filters_in_page_links(client, listing_url,
                                                                          lecce):
    for day in range(25):
        make_event(lecce, f"Meetup number {day:02d}", starts_in_days=day + 1, format="meetup")
    first = client.get(listing_url, {"format": "meetup"}).content.decode()
    assert first.count('class="card event-card') == 20
    assert "format=meetup&amp;page=2" in first
    second = client.get(listing_url, {"format": "meetup", "page": 2}).content.decode()
    assert second.count('class="card event-card') == 5
    assert "Meetup number 24" in second


def test_listing_card_shows_local_time_space_price_and_seats(client, listing_url, lecce):
    event = make_event(lecce, "Paid and nearly full", starts_in_days=5, price_credits=12,
                       capacity=3, time_zone="Europe/London")
    fill_event(event, confirmed=2)
    html = client.get(listing_url).content.decode()
    assert "12 credits" in html
    assert "1 seat left" in html
    assert 'title="Europe/London"' in html
    assert "Cowo Lecce · Lecce" in html


@pytest.mark.parametrize("query", [
    {"date_from": "2024-13-45"},
    {"date_from": "0001-01-01"},
    {"date_to": "99999-01-01"},
    {"date_from": "2020-01-02", "date_to": "2020-01-01"},
    {"space": "no-such-space"},
    {"space": "1 OR 1=1"},
    {"format": "<script>alert(1)</script>"},
    {"topic": "\u202e\U0001f600"},
    {"language": "xx"},
    {"when": "someday"},
    {"price": "-1"},
    {"seats": "maybe"},
    {"q": "a\x00b"},
    {"q": "x" * 5000},
    {"page": "-1"},
    {"page": "99999999999999999999"},
    {"page": "abc"},
])
def test_malformed_parameters_never_fail_and_show_an_error_or_an_empty_filter(client, listing_url,
                                                                             lecce, query):
    make_event(lecce, "Still listed", starts_in_days=3)
    response = client.get(listing_url, query)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    if set(query) - {"page", "seats"}:
        assert "filter-errors" in html
    assert "Still listed" in html


def test_listing_query_count_does_not_grow_with_the_number_of_events(
        client, listing_url, lecce, site_tree, django_assert_max_num_queries):
    other = make_space(site_tree.spaces, "FabLab Bari", city="Bari", region="Puglia")
    for i in range(10):
        event = make_event(lecce if i % 2 else other, starts_in_days=i + 1, topics=["maker"],
                           capacity=5)
        fill_event(event, confirmed=1)
    client.get(listing_url)  # warm caches (site root paths, content types)
    with django_assert_max_num_queries(20) as small:
        client.get(listing_url, {"seats": "on"})
    for i in range(30):
        make_event(lecce if i % 2 else other, starts_in_days=i + 1, topics=["maker", f"t{i}"],
                   capacity=5)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(listing_url, {"seats": "on"})
    assert response.content.decode().count('class="card event-card') == 20


def test_event_page_shows_time_in_the_event_zone_with_the_zone_name(client, lecce):
    import datetime as dt
    from zoneinfo import ZoneInfo

    start = dt.datetime(2031, 3, 14, 18, 30, tzinfo=ZoneInfo("America/New_York"))
    event = make_event(lecce, "Remote pi day", starts_at=start,
                       ends_at=start + dt.timedelta(hours=2), time_zone="America/New_York",
                       room="Sala Grande", online_url="https://meet.example.org/pi")
    html = client.get(event.url).content.decode()
    assert "18:30" in html and "20:30" in html
    assert "America/New_York" in html
    assert "Sala Grande" in html
    assert "https://meet.example.org/pi" in html
    assert "openstreetmap.org/?mlat=40.352000" in html


def test_event_page_shows_cancelled_banner_with_reason_and_no_seats_badge(client, lecce):
    event = make_event(lecce, "Rained out", status="cancelled",
                       status_reason="The roof is being repaired.", capacity=10)
    html = client.get(event.url).content.decode()
    assert "This event is cancelled." in html
    assert "The roof is being repaired." in html


def test_event_page_renders_agenda_and_speaker_blocks(client, lecce):
    event = make_event(lecce, "With agenda", body=[
        ("agenda", {"heading": "Programma", "items": [
            {"time": "09:30", "title": "Opening circle", "description": ""},
            {"time": "10:00", "title": "Marketplace", "description": "Proposals <b>here</b>"},
        ]}),
        ("speaker", {"name": "Ada Lovelace", "role": "Analyst", "bio": "First programmer",
                     "photo": None, "link": ""}),
    ])
    html = client.get(event.url).content.decode()
    assert "Programma" in html and "09:30" in html and "Opening circle" in html
    assert "Proposals &lt;b&gt;here&lt;/b&gt;" in html
    assert "Ada Lovelace" in html and "Analyst" in html


def test_event_page_escapes_hostile_titles(client, lecce):
    event = make_event(lecce, '<img src=x onerror=alert(1)> "Ciao" שלום 😀')
    html = client.get(event.url).content.decode()
    assert "<img src=x" not in html
    assert "שלום 😀" in html


def test_event_page_offers_calendar_links(client, lecce):
    event = make_event(lecce, "Calendar me")
    html = client.get(event.url).content.decode()
    assert f"/events/calendar/event/{event.pk}.ics" in html
    assert "calendar.google.com/calendar/render?action=TEMPLATE" in html
    assert "outlook.live.com" in html
    assert "webcal://testserver/events/calendar/space/cowo-lecce.ics" in html


def _render(source: str, **context) -> str:
    request = RequestFactory().get("/")
    return Template("{% load event_tags %}" + source).render(Context({"request": request,
                                                                       **context}))


def test_upcoming_events_tag_lists_the_next_events_of_the_network(lecce,
                                                                   django_assert_max_num_queries):
    for day in range(8):
        make_event(lecce, f"Upcoming {day}", starts_in_days=day + 1)
    make_event(lecce, "Past one", starts_in_days=-2)
    # 5: with WAGTAIL_I18N_ENABLED, Wagtail's site root paths (a cache miss here) read the
    # translations of the root page too.
    with django_assert_max_num_queries(5):
        html = _render("{% upcoming_events 3 %}")
    assert re.findall(r"Upcoming \d", html) == ["Upcoming 0", "Upcoming 1", "Upcoming 2"]


def test_space_upcoming_events_tag_lists_only_that_space(lecce, site_tree):
    other = make_space(site_tree.spaces, "Cowo Milano", city="Milano")
    make_event(lecce, "In Lecce")
    make_event(other, "In Milano")
    html = _render("{% space_upcoming_events space 5 %}", space=lecce)
    assert "In Lecce" in html and "In Milano" not in html
    assert "webcal://testserver/events/calendar/space/cowo-lecce.ics" in html


def test_event_index_page_is_the_single_listing(site_tree):
    assert EventIndexPage.objects.count() == 1
