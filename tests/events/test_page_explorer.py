"""A space's events in Wagtail's page explorer show their dates and counts (issue 10: three
events of the same title could not be told apart, and nobody saw how full they were)."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from events import services
from events.models import EventPage, RegistrationState
from tests.events.registration_factories import (
    UserFactory,
    make_organiser,
    publish_event,
    space_in,
)
from tests.home.conftest import italian_catalog  # noqa: F401 — shared fixture

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")


def _rows(html: str) -> list[str]:
    """The listing's rows as text, tags and spacing squeezed out."""
    listing = html.split('<table class="listing', 1)[1]
    body = listing.split("<tbody", 1)[1].split("</tbody>", 1)[0]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
            for row in body.split("<tr")[1:]]


#: Start, confirmed, waiting, capacity, checked in, status.
CELLS = re.compile(r"(\w+ \d{1,2} \w+ \d{4}, \d\d:\d\d \w+) (\d+) (\d+) (\d+|No limit) (\d+) "
                   r"Current page status: (\w+)")


def _cells(html: str) -> list[tuple[str, ...]]:
    return [CELLS.search(row).groups() for row in _rows(html)]


@pytest.fixture
def space_with_three_workshops(site_tree):
    space = space_in(site_tree, "Cowo A")
    starts = [dt.datetime(2027, 3, 5, 17, 0, tzinfo=NEW_YORK),
              dt.datetime(2027, 1, 8, 17, 0, tzinfo=NEW_YORK),
              dt.datetime(2026, 12, 31, 20, 0, tzinfo=NEW_YORK)]
    events = [publish_event(space, title="Laser workshop", starts_at=start, capacity=2,
                            time_zone="America/New_York") for start in starts]
    first, organiser = events[0], make_organiser(space)
    for n in range(3):  # two seats taken, one waiting
        services.registration_create(first, user=UserFactory(email=f"p{n}@example.org"))
    services.registration_mark_attended(
        first.registrations.filter(state=RegistrationState.CONFIRMED).first(), actor=organiser)
    events[1].capacity = None
    events[1].save_revision().publish()
    return space, organiser


def test_explorer_shows_each_events_local_start_and_counts(client, space_with_three_workshops):
    space, organiser = space_with_three_workshops
    client.force_login(organiser)
    response = client.get(reverse("wagtailadmin_explore", args=[space.pk]))
    assert response.status_code == 200
    # Newest first; New York time with its abbreviation (the year-end one stays in 2026);
    # then confirmed (checked-in included), waiting, capacity, checked in, status.
    assert _cells(response.content.decode()) == [
        ("Fri 5 Mar 2027, 17:00 EST", "2", "1", "2", "1", "live"),
        ("Fri 8 Jan 2027, 17:00 EST", "0", "0", "No limit", "0", "live"),
        ("Thu 31 Dec 2026, 20:00 EST", "0", "0", "2", "0", "live"),
    ]


def test_explorer_sorts_by_start_and_by_counts(client, space_with_three_workshops):
    space, organiser = space_with_three_workshops
    client.force_login(organiser)
    url = reverse("wagtailadmin_explore", args=[space.pk])
    oldest_first = _cells(client.get(url, {"ordering": "starts_at"}).content.decode())
    assert [cells[0] for cells in oldest_first] == [
        "Thu 31 Dec 2026, 20:00 EST", "Fri 8 Jan 2027, 17:00 EST", "Fri 5 Mar 2027, 17:00 EST"]
    fullest_first = _cells(client.get(url, {"ordering": "-seats_taken_count"}).content.decode())
    assert fullest_first[0][0] == "Fri 5 Mar 2027, 17:00 EST"


def _registration_queries(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in queries if "events_registration" in query["sql"]]


def test_explorer_counts_cost_one_query_whatever_the_number_of_events(client, site_tree):
    space = space_in(site_tree, "Cowo B")
    organiser = make_organiser(space)
    publish_event(space, title="One")
    client.force_login(organiser)
    url = reverse("wagtailadmin_explore", args=[space.pk])
    assert len(_registration_queries(client, url)) == 1  # the listing's own query
    for n in range(6):
        publish_event(space, title=f"More {n}")
    assert len(_registration_queries(client, url)) == 1


@pytest.mark.usefixtures("italian_catalog")
def test_explorer_speaks_italian(client, space_with_three_workshops):
    space, organiser = space_with_three_workshops
    client.force_login(organiser)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "it"
    html = client.get(reverse("wagtailadmin_explore", args=[space.pk])).content.decode()
    for label in ("Inizio", "Confermati", "In attesa", "Capienza", "Presenti"):
        assert label in html
    assert "ven 5 mar 2027, 17:00 EST 2 1 2 1" in " ".join(_rows(html))


def _squeezed(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_registrations_list_filtered_to_an_event_says_how_full_it_is(
        client, space_with_three_workshops, site_tree):
    space, organiser = space_with_three_workshops
    client.force_login(organiser)
    url = reverse("event_registrations:index")
    first = EventPage.objects.child_of(space).order_by("-starts_at").first()
    text = _squeezed(client.get(url, {"event": first.pk}).content.decode())
    assert ("Laser workshop · Fri 5 Mar 2027, 17:00 EST: 2 confirmed · 1 waiting · "
            "capacity 2 · 1 checked in") in text
    assert 'class="help-block help-info event-counts"' not in client.get(url).content.decode()
    # Another space's event: no counts, nothing of it.
    other = publish_event(space_in(site_tree, "Cowo Z"), title="Elsewhere", capacity=9)
    html = client.get(url, {"event": other.pk}).content.decode()
    assert "event-counts" not in html and "Elsewhere" not in html


@pytest.mark.usefixtures("italian_catalog")
def test_registrations_list_names_every_column_in_italian(client, space_with_three_workshops):
    _space, organiser = space_with_three_workshops
    client.force_login(organiser)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "it"
    html = client.get(reverse("event_registrations:index"), {"ordering": "-created_at"})
    text = _squeezed(html.content.decode())
    assert "Data di iscrizione" in text and "Created at" not in text
    assert "p0@example.org" in text  # still sortable by that column
