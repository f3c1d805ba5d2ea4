"""Editor validation of EventPage: through full_clean() and through the Wagtail admin's
edit view (what an organiser actually submits)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from wagtail.test.utils.form_data import querydict_from_html

from events.models import EventPage
from tests.events.registration_factories import make_organiser, publish_event, space_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def space(site_tree):
    return space_in(site_tree)


@pytest.fixture
def event(space):
    return publish_event(space, capacity=10)


def errors_of(event: EventPage) -> dict:
    with pytest.raises(ValidationError) as info:
        event.full_clean()
    return info.value.message_dict


def test_a_valid_event_passes(event):
    event.full_clean()


def test_end_must_come_after_start(event):
    event.ends_at = event.starts_at
    assert errors_of(event)["ends_at"] == ["The end must come after the start."]


def test_event_lasts_at_most_fourteen_days(event):
    event.ends_at = event.starts_at + dt.timedelta(days=14, minutes=1)
    assert errors_of(event)["ends_at"] == ["An event lasts at most 14 days."]


def test_fourteen_days_exactly_is_fine(event):
    event.ends_at = event.starts_at + dt.timedelta(days=14)
    event.full_clean()


@pytest.mark.parametrize("capacity", [0, -1])
def test_capacity_at_least_one(event, capacity):
    event.capacity = capacity
    assert "capacity" in errors_of(event)


def test_huge_capacity_is_refused(event):
    event.capacity = 10**12
    assert "capacity" in errors_of(event)


def test_registration_closes_no_later_than_the_end(event):
    event.registration_closes_at = event.ends_at + dt.timedelta(minutes=1)
    assert errors_of(event)["registration_closes_at"] == [
        "Registration must close no later than the end of the event."]


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "europe/rome ", "UTC+2", "../etc/passwd"])
def test_time_zone_must_be_a_known_iana_zone(event, zone):
    event.time_zone = zone
    assert "time_zone" in errors_of(event)


@pytest.mark.parametrize("price", [-1, -1000])
def test_price_cannot_be_negative(event, price):
    event.price_credits = price
    assert "price_credits" in errors_of(event)


def test_guests_only_on_free_events(event):
    event.price_credits, event.guests_allowed = 5, True
    assert "guests_allowed" in errors_of(event)


def test_cancelled_needs_a_reason(event):
    event.status = "cancelled"
    assert "status_reason" in errors_of(event)


# --- through the Wagtail admin -------------------------------------------------------------


def local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def admin_edit(client, event: EventPage, **changes):
    url = f"/admin/pages/{event.pk}/edit/"
    data = querydict_from_html(client.get(url).content.decode(), form_id="page-edit-form")
    # The StreamField editor is drawn by JavaScript; an empty body posts a zero count.
    data.setdefault("body-count", "0")
    for name, value in changes.items():
        data[name] = value
    data["action-publish"] = "action-publish"
    return client.post(url, data)


@pytest.fixture
def organiser_client(client, space):
    client.force_login(make_organiser(space))
    return client


def test_admin_edit_round_trip_publishes_a_valid_change(organiser_client, event):
    response = admin_edit(organiser_client, event, room="Sala Verde")
    assert response.status_code == 302
    assert EventPage.objects.get(pk=event.pk).room == "Sala Verde"


@pytest.mark.parametrize("field,value,message", [
    ("ends_at", "start", "The end must come after the start."),
    ("ends_at", "start+15d", "An event lasts at most 14 days."),
    ("capacity", "0", "Ensure this value is greater than or equal to 1."),
    ("registration_closes_at", "end+1h",
     "Registration must close no later than the end of the event."),
    ("time_zone", "Moon/Tranquility", "is not a known time zone"),
    ("price_credits", "-5", "Ensure this value is greater than or equal to 0."),
])
def test_admin_edit_refuses_bad_values_with_a_clear_message(organiser_client, event, field,
                                                            value, message):
    resolved = {"start": local(event.starts_at),
                "start+15d": local(event.starts_at + dt.timedelta(days=15)),
                "end+1h": local(event.ends_at + dt.timedelta(hours=1))}.get(value, value)
    before = EventPage.objects.filter(pk=event.pk).values().get()
    response = admin_edit(organiser_client, event, **{field: resolved})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert EventPage.objects.filter(pk=event.pk).values().get() == before


def test_organiser_of_another_space_cannot_edit(client, site_tree, event):
    other = space_in(site_tree, "Altro Cowo")
    client.force_login(make_organiser(other))
    response = client.get(f"/admin/pages/{event.pk}/edit/")
    assert response.status_code in (302, 403)
