"""The listing filters (events.filters through events.selectors.event_list_filtered)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from events.selectors import event_list_filtered, event_list_upcoming
from tests.events.discovery_factories import fill_event, make_event
from tests.network.factories import make_space

pytestmark = pytest.mark.django_db

ROME = ZoneInfo("Europe/Rome")


@pytest.fixture
def spaces(site_tree):
    return {
        "lecce": make_space(site_tree.spaces, "Cowo Lecce", city="Lecce", region="Puglia"),
        "bari": make_space(site_tree.spaces, "FabLab Bari", city="Bari", region="Puglia"),
        "torino": make_space(site_tree.spaces, "Officina Torino", city="Torino",
                             region="Piemonte"),
    }


def titles(params: dict) -> list[str]:
    filterset, queryset = event_list_filtered(params)
    assert filterset.is_valid(), filterset.errors
    return [event.title for event in queryset]


def test_space_city_and_region_filter_by_the_events_space(spaces):
    make_event(spaces["lecce"], "L")
    make_event(spaces["bari"], "B", starts_in_days=8)
    make_event(spaces["torino"], "T", starts_in_days=9)
    assert titles({"space": "fablab-bari"}) == ["B"]
    assert titles({"city": "Torino"}) == ["T"]
    assert titles({"region": "Puglia"}) == ["L", "B"]


def test_format_topic_and_language(spaces):
    make_event(spaces["lecce"], "Meetup it", format="meetup", language="it", topics=["caffè"])
    make_event(spaces["lecce"], "Talk en", format="talk", language="en", topics=["Rust", "caffè"],
               starts_in_days=8)
    assert titles({"format": "talk"}) == ["Talk en"]
    assert titles({"language": "it"}) == ["Meetup it"]
    assert titles({"topic": "rust"}) == ["Talk en"]
    assert titles({"topic": "caffè"}) == ["Meetup it", "Talk en"]


def test_date_range_keeps_events_overlapping_the_days(spaces):
    def at(day: int, hour: int) -> dt.datetime:
        return dt.datetime(2031, 5, day, hour, tzinfo=ROME)

    make_event(spaces["lecce"], "May 10", starts_at=at(10, 18), ends_at=at(10, 20))
    make_event(spaces["lecce"], "May 11-12", starts_at=at(11, 9), ends_at=at(12, 17))
    make_event(spaces["lecce"], "May 14", starts_at=at(14, 9), ends_at=at(14, 11))
    assert titles({"date_from": "2031-05-12", "date_to": "2031-05-14"}) == ["May 11-12",
                                                                          "May 14"]
    assert titles({"date_to": "2031-05-10"}) == ["May 10"]
    assert titles({"date_from": "2031-05-11", "date_to": "2031-05-11"}) == ["May 11-12"]


def test_free_and_paid(spaces):
    make_event(spaces["lecce"], "Free")
    make_event(spaces["lecce"], "Paid", price_credits=10, starts_in_days=8)
    assert titles({"price": "free"}) == ["Free"]
    assert titles({"price": "paid"}) == ["Paid"]


def test_seats_left_counts_confirmed_and_attended_and_unlimited_has_seats(spaces):
    full = make_event(spaces["lecce"], "Full", capacity=2)
    fill_event(full, confirmed=2, waitlisted=3)
    one_left = make_event(spaces["lecce"], "One left", capacity=3, starts_in_days=8)
    fill_event(one_left, confirmed=2, waitlisted=0)
    make_event(spaces["lecce"], "Unlimited", starts_in_days=9)
    assert titles({"seats": "on"}) == ["One left", "Unlimited"]
    assert [e.seats_left for e in event_list_upcoming()] == [0, 1, None]


def test_text_search_matches_title_summary_space_and_topic(spaces):
    make_event(spaces["lecce"], "Arduino base", summary="Led e sensori")
    make_event(spaces["bari"], "Stampa 3D", topics=["Maker"], starts_in_days=8)
    assert titles({"q": "ARDUINO"}) == ["Arduino base"]
    assert titles({"q": "sensori"}) == ["Arduino base"]
    assert titles({"q": "bari"}) == ["Stampa 3D"]
    assert titles({"q": "maker"}) == ["Stampa 3D"]
    assert titles({"q": "   "}) == ["Arduino base", "Stampa 3D"]


def test_upcoming_is_the_default_and_includes_events_in_progress(spaces):
    make_event(spaces["lecce"], "Running now", starts_in_days=-0.05, hours=5)
    make_event(spaces["lecce"], "Over", starts_in_days=-1)
    make_event(spaces["lecce"], "Tomorrow", starts_in_days=1)
    assert titles({}) == ["Running now", "Tomorrow"]
    assert titles({"when": "past"}) == ["Over"]
    assert titles({"when": "all"}) == ["Over", "Running now", "Tomorrow"]


def test_unpublished_events_are_never_listed(spaces):
    from events.models import EventPage

    draft = make_event(spaces["lecce"], "Draft")
    EventPage.objects.filter(pk=draft.pk).update(live=False)
    assert titles({"when": "all"}) == []


@pytest.mark.parametrize(("params", "field"), [
    ({"date_from": "2024-02-30"}, "date_from"),
    ({"date_from": "1899-12-31"}, "date_from"),
    ({"date_to": "3000-01-01"}, "date_to"),
    ({"date_from": "2031-01-02", "date_to": "2031-01-01"}, "date_to"),
    ({"space": "../../etc"}, "space"),
    ({"city": "Atlantis"}, "city"),
    ({"topic": "no-such-topic"}, "topic"),
    ({"when": "yesterday"}, "when"),
    ({"q": "nul\x00byte"}, "q"),
    ({"q": "x" * 201}, "q"),
])
def test_malformed_values_are_errors_and_are_not_applied(spaces, params, field):
    make_event(spaces["lecce"], "Visible")
    filterset, queryset = event_list_filtered(params)
    assert not filterset.is_valid()
    assert field in filterset.errors
    if field in ("when", "q", "space", "city", "topic"):
        assert [e.title for e in queryset] == ["Visible"]
    assert filterset.time_window == "upcoming"


def test_active_filters_rebuild_a_bookmarkable_query(spaces):
    filterset, _qs = event_list_filtered({"space": "cowo-lecce", "date_from": "2031-01-01",
                                          "seats": "on", "when": "upcoming", "q": ""})
    assert filterset.active_filters == {"space": "cowo-lecce", "date_from": "2031-01-01",
                                        "seats": "on"}
