"""schema.org Event JSON-LD in the event page."""

import json
import re

import pytest

from tests.events.discovery_factories import fill_event, make_event
from tests.network.factories import make_space

pytestmark = pytest.mark.django_db

SCRIPT = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


@pytest.fixture
def lecce(site_tree):
    return make_space(site_tree.spaces, "Cowo Lecce", city="Lecce", region="Puglia",
                      address="Via Roma 1", latitude="40.352000", longitude="18.169000",
                      email="ciao@cowolecce.it")


def jsonld(client, event) -> dict:
    html = client.get(event.url).content.decode()
    scripts = SCRIPT.findall(html)
    assert len(scripts) == 1
    return json.loads(scripts[0])


def test_event_page_describes_the_event_as_schema_org(client, lecce):
    event = make_event(lecce, "Workshop Rust", summary="Learn Rust.", capacity=10,
                       price_credits=12, topics=["rust"], language="en", room="Sala B")
    fill_event(event, confirmed=4)
    data = jsonld(client, event)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Event"
    assert data["name"] == "Workshop Rust"
    assert data["identifier"] == event.ical_uid
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    assert data["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    assert data["startDate"] == event.local_starts_at.isoformat()
    assert data["location"] == {
        "@type": "Place", "name": "Sala B, Cowo Lecce",
        "address": {"@type": "PostalAddress", "streetAddress": "Via Roma 1",
                    "addressLocality": "Lecce", "addressRegion": "Puglia",
                    "addressCountry": "Italy"},
        "geo": {"@type": "GeoCoordinates", "latitude": 40.352, "longitude": 18.169},
    }
    assert data["organizer"]["name"] == "Cowo Lecce"
    assert data["organizer"]["email"] == "ciao@cowolecce.it"
    assert data["offers"]["price"] == 12
    assert data["offers"]["priceCurrency"] == "XCR"
    assert data["offers"]["availability"] == "https://schema.org/InStock"
    assert data["remainingAttendeeCapacity"] == 6
    assert data["isAccessibleForFree"] is False
    assert data["inLanguage"] == "en"


def test_hybrid_event_adds_a_virtual_location(client, lecce):
    event = make_event(lecce, "Hybrid", online_url="https://meet.example.org/h")
    data = jsonld(client, event)
    assert data["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    assert data["location"][1] == {"@type": "VirtualLocation", "url": "https://meet.example.org/h"}


def test_cancelled_and_full_events(client, lecce):
    cancelled = make_event(lecce, "Off", status="cancelled", status_reason="Strike")
    assert jsonld(client, cancelled)["eventStatus"] == "https://schema.org/EventCancelled"
    full = make_event(lecce, "Full", capacity=1)
    fill_event(full, confirmed=1)
    assert jsonld(client, full)["offers"]["availability"] == "https://schema.org/SoldOut"


def test_hostile_title_cannot_break_out_of_the_script(client, lecce):
    title = '</script><script>alert(1)</script> & "quotes" שלום'
    event = make_event(lecce, title)
    html = client.get(event.url).content.decode()
    assert "<script>alert(1)" not in html
    assert jsonld(client, event)["name"] == title
