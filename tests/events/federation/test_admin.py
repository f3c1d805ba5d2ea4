"""The admin: organisers subscribe their own spaces (a sync runs at once), imported events
cannot be edited here, and a recurring event is set up in one form."""

import datetime as dt
from pathlib import Path

import pytest
from django.urls import reverse

from events.federation.models import CalendarSubscription, ImportedEvent
from events.federation.services import subscription_get_or_create, subscription_sync
from events.models import EventPage, EventSeries
from tests.network.factories import make_organiser, make_space

SAMPLES = Path(__file__).parent / "samples"

pytestmark = pytest.mark.django_db


@pytest.fixture
def spaces(site_tree):
    return (make_space(site_tree.spaces, "Cowo Uno", city="Bari"),
            make_space(site_tree.spaces, "Cowo Due", city="Pisa"))


def test_an_organiser_subscribes_their_space_and_the_sync_runs_at_once(
        client, spaces, feed_server, django_capture_on_commit_callbacks):
    mine, other = spaces
    organiser = make_organiser(mine)
    client.force_login(organiser)
    body = (SAMPLES / "meetup.ics").read_bytes().replace(
        b":2026", f":{dt.date.today().year + 1}".encode())
    url = feed_server.serve("/m.ics", body)
    form = client.get(reverse("calendar_subscriptions:add"))
    assert form.status_code == 200
    choices = [str(c[0]) for c in form.context["form"].fields["space"].choices if c[0]]
    assert choices == [str(mine.pk)]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("calendar_subscriptions:add"),
                               {"space": mine.pk, "url": url, "name": "Python Milano",
                                "active": "on"})
    assert response.status_code == 302
    subscription = CalendarSubscription.objects.get()
    assert (subscription.space_id, subscription.created_by_id) == (mine.pk, organiser.pk)
    assert ImportedEvent.objects.filter(subscription=subscription).count() == 3
    refused = client.post(reverse("calendar_subscriptions:add"),
                          {"space": other.pk, "url": url, "name": "x"})
    assert refused.status_code == 200 and "space" in refused.context["form"].errors


def test_a_non_http_address_is_a_form_error(client, spaces):
    client.force_login(make_organiser(spaces[0]))
    response = client.post(reverse("calendar_subscriptions:add"),
                           {"space": spaces[0].pk, "url": "ftp://example.org/cal.ics"})
    assert response.status_code == 200
    assert response.context["form"].errors["url"]
    assert CalendarSubscription.objects.count() == 0


def test_an_organiser_sees_only_their_spaces_subscriptions(client, spaces):
    mine, other = spaces
    CalendarSubscription.objects.create(space=mine, url="https://a.example/mine.ics")
    theirs = CalendarSubscription.objects.create(space=other, url="https://b.example/x.ics")
    client.force_login(make_organiser(mine))
    listing = client.get(reverse("calendar_subscriptions:index"))
    assert b"a.example/mine.ics" in listing.content
    assert b"b.example" not in listing.content
    # Another space's subscription: refused (Wagtail sends the organiser to the dashboard).
    refused = client.get(reverse("calendar_subscriptions:edit", args=[theirs.pk]))
    assert (refused.status_code, refused["Location"]) == (302, reverse("wagtailadmin_home"))


def test_an_imported_event_cannot_be_edited_here(client, spaces, feed_server):
    mine = spaces[0]
    body = (SAMPLES / "meetup.ics").read_bytes().replace(
        b":2026", f":{dt.date.today().year + 1}".encode())
    subscription_sync(subscription_get_or_create(mine, feed_server.serve("/m.ics", body)))
    event = EventPage.objects.filter(space=mine).first()
    client.force_login(make_organiser(mine))
    response = client.get(reverse("wagtailadmin_pages:edit", args=[event.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_explore", args=[mine.pk])
    page = client.get(response["Location"])
    assert "is imported from" in page.content.decode()


def test_a_recurring_event_is_set_up_in_one_form(client, spaces):
    mine, other = spaces
    client.force_login(make_organiser(mine))
    url = reverse("events_series_create", args=[mine.pk])
    assert client.get(url).status_code == 200
    refused = client.get(reverse("events_series_create", args=[other.pk]))
    assert (refused.status_code, refused["Location"]) == (302, reverse("wagtailadmin_home"))
    first = dt.date.today() + dt.timedelta(days=30)
    data = {"title": "Coworking breakfast", "format": "meetup", "first_date": first,
            "start_time": "08:30", "end_time": "10:00", "freq": "WEEKLY", "interval": 1,
            "count": 4, "exceptions": (first + dt.timedelta(days=14)).isoformat(),
            "capacity": 12, "price_credits": 0}
    response = client.post(url, data)
    assert response.status_code == 302
    series = EventSeries.objects.get()
    events = list(series.occurrences.order_by("starts_at"))
    assert len(events) == 3 and all(e.capacity == 12 and e.live for e in events)
    assert len(series.exdates) == 1
    bad = client.post(url, {**data, "count": "", "until": ""})
    assert bad.status_code == 400
    assert "Say how the series ends" in bad.content.decode()
    assert EventSeries.objects.count() == 1
