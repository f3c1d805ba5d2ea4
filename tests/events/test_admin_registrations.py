"""Organisers manage registrations in the Wagtail admin, for their own spaces only."""

import pytest
from django.urls import reverse

from events import services
from events.models import Registration, RegistrationState
from tests.events.registration_factories import (
    make_coordinator,
    make_organiser,
    publish_event,
    space_in,
)
from tests.home.conftest import italian_catalog  # noqa: F401 — shared fixture
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db

INDEX = "event_registrations:index"
ADD = "event_registrations:add"
EDIT = "event_registrations:edit"


@pytest.fixture
def world(site_tree):
    space_a = space_in(site_tree, "Cowo A")
    space_b = space_in(site_tree, "Cowo B")
    event_a = publish_event(space_a, title="Evento A", capacity=5)
    event_b = publish_event(space_b, title="Evento B", capacity=5)
    reg_a = services.registration_create(event_a, user=UserFactory(email="anna@example.org"))
    reg_b = services.registration_create(event_b, user=UserFactory(email="bruno@example.org"))
    return {"organiser_a": make_organiser(space_a), "organiser_b": make_organiser(space_b),
            "event_a": event_a, "event_b": event_b, "reg_a": reg_a, "reg_b": reg_b}


def test_organiser_lists_only_registrations_of_their_space(client, world):
    client.force_login(world["organiser_a"])
    response = client.get(reverse(INDEX))
    assert response.status_code == 200
    content = response.content.decode()
    assert "anna@example.org" in content
    assert "bruno@example.org" not in content


def test_filtering_by_another_spaces_event_shows_nothing_of_it(client, world):
    client.force_login(world["organiser_a"])
    response = client.get(reverse(INDEX), {"event": world["event_b"].pk})
    assert "bruno@example.org" not in response.content.decode()


def test_filtering_by_state_and_role(client, world):
    client.force_login(world["organiser_a"])
    response = client.get(reverse(INDEX), {"state": "waitlisted"})
    assert "anna@example.org" not in response.content.decode()
    response = client.get(reverse(INDEX), {"state": "confirmed", "role": "attendee"})
    assert "anna@example.org" in response.content.decode()


def test_csv_export_contains_only_own_registrations(client, world):
    client.force_login(world["organiser_a"])
    response = client.get(reverse(INDEX), {"export": "csv", "event": world["event_a"].pk})
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode() if response.streaming \
        else response.content.decode()
    assert "anna@example.org" in body
    assert "bruno@example.org" not in body
    response = client.get(reverse(INDEX), {"export": "csv", "event": world["event_b"].pk})
    body = b"".join(response.streaming_content).decode() if response.streaming \
        else response.content.decode()
    assert "bruno@example.org" not in body


def test_organiser_cannot_open_another_spaces_registration(client, world):
    client.force_login(world["organiser_a"])
    assert client.get(reverse(EDIT, args=[world["reg_b"].pk])).status_code == 404


@pytest.mark.parametrize("action", ["cancel", "attended", "role"])
def test_organiser_cannot_change_another_spaces_registration(client, world, action):
    client.force_login(world["organiser_a"])
    response = client.post(reverse(EDIT, args=[world["reg_b"].pk]),
                           {"action": action, "role": "speaker"})
    assert response.status_code == 404
    reg_b = Registration.objects.get(pk=world["reg_b"].pk)
    assert (reg_b.state, reg_b.role) == (RegistrationState.CONFIRMED, "attendee")


def test_organiser_cannot_add_to_another_spaces_event(client, world):
    client.force_login(world["organiser_a"])
    response = client.post(reverse(ADD), {"event": world["event_b"].pk,
                                          "member_email": "anna@example.org",
                                          "role": "attendee"})
    assert response.status_code == 400
    assert not Registration.objects.filter(event=world["event_b"], user__email="anna@example.org")


def test_member_without_organiser_rights_is_kept_out(client, world):
    client.force_login(UserFactory())
    response = client.get(reverse(INDEX))
    assert response.status_code in (302, 403)
    response = client.post(reverse(EDIT, args=[world["reg_a"].pk]), {"action": "cancel"})
    assert response.status_code in (302, 403, 404)
    assert Registration.objects.get(pk=world["reg_a"].pk).state == RegistrationState.CONFIRMED


def test_organiser_changes_role_checks_in_and_cancels(client, world):
    client.force_login(world["organiser_a"])
    url = reverse(EDIT, args=[world["reg_a"].pk])
    assert client.get(url).status_code == 200
    client.post(url, {"action": "role", "role": "host"})
    assert Registration.objects.get(pk=world["reg_a"].pk).role == "host"
    client.post(url, {"action": "attended"})
    assert Registration.objects.get(pk=world["reg_a"].pk).state == RegistrationState.ATTENDED


def test_organiser_cancels_a_registration(client, world):
    client.force_login(world["organiser_a"])
    client.post(reverse(EDIT, args=[world["reg_a"].pk]), {"action": "cancel"})
    assert Registration.objects.get(pk=world["reg_a"].pk).state == RegistrationState.CANCELLED


def test_bad_role_is_refused_with_400(client, world):
    client.force_login(world["organiser_a"])
    response = client.post(reverse(EDIT, args=[world["reg_a"].pk]),
                           {"action": "role", "role": "emperor"})
    assert response.status_code == 400
    assert Registration.objects.get(pk=world["reg_a"].pk).role == "attendee"


def test_organiser_adds_a_guest_speaker(client, world):
    client.force_login(world["organiser_a"])
    response = client.post(reverse(ADD), {"event": world["event_a"].pk, "guest_name": "Zoë 🚀",
                                          "guest_email": "zoe@example.org", "role": "speaker"})
    assert response.status_code == 302, response.context["form"].errors
    registration = Registration.objects.get(event=world["event_a"], guest_email="zoe@example.org")
    assert (registration.role, registration.guest_name) == ("speaker", "Zoë 🚀")


def test_adding_a_member_by_unknown_email_says_why(client, world):
    client.force_login(world["organiser_a"])
    response = client.post(reverse(ADD), {"event": world["event_a"].pk,
                                          "member_email": "nobody@example.org",
                                          "role": "attendee"})
    assert response.status_code == 400
    assert "No member has this e-mail address." in response.content.decode()


def test_coordinator_sees_every_space(client, world):
    client.force_login(make_coordinator())
    content = client.get(reverse(INDEX)).content.decode()
    assert "anna@example.org" in content
    assert "bruno@example.org" in content


def test_the_csv_is_readable_local_times_labels_and_the_event_date(client, site_tree):
    """Issue 10: raw codes and UTC microseconds; now labels, times in the event's own zone
    to the minute, and the event's date (three events of one title told apart)."""
    import csv
    import datetime as dt
    import io
    from zoneinfo import ZoneInfo

    space = space_in(site_tree, "Cowo NY", time_zone="America/New_York")
    start = dt.datetime(2027, 1, 1, 1, 30, tzinfo=dt.UTC)  # 31 Dec 20:30 in New York
    event = publish_event(space, title="Meetup", starts_at=start,
                          ends_at=start + dt.timedelta(hours=2), capacity=1)
    first = services.registration_create(event, user=UserFactory(email="ann@example.org"))
    waiting = services.registration_create(event, user=UserFactory(email="bob@example.org"))
    services.registration_cancel(waiting)
    client.force_login(make_organiser(space))
    response = client.get(reverse(INDEX), {"export": "csv", "event": event.pk})
    body = b"".join(response.streaming_content).decode() if response.streaming \
        else response.content.decode()
    rows = {row["E-mail"]: row for row in csv.DictReader(io.StringIO(body))}
    local = first.created_at.astimezone(ZoneInfo("America/New_York"))
    assert rows["ann@example.org"] == {
        "Event": "Meetup", "Event date": "2026-12-31 20:30 EST", "Name":
        first.person_name, "E-mail": "ann@example.org", "Role": "Attendee",
        "State": "Confirmed", "Waiting list": "", "Cancel reason": "",
        "Registered": local.strftime("%Y-%m-%d %H:%M EST"),
        "Confirmed": first.confirmed_at.astimezone(ZoneInfo("America/New_York"))
        .strftime("%Y-%m-%d %H:%M EST"), "Cancelled": "", "Checked in": "",
        "Answers to the questions": ""}
    assert (rows["bob@example.org"]["State"], rows["bob@example.org"]["Cancel reason"]) == (
        "Cancelled", "Cancelled by the person")


def test_lists_show_the_event_date_beside_its_title(client, world):
    client.force_login(world["organiser_a"])
    from events.registration_export import event_label

    html = client.get(reverse(INDEX)).content.decode()
    label = event_label(world["event_a"])
    assert label.startswith("Evento A — 20")
    assert html.count(label) >= 2  # the list's event column and the event filter
    assert event_label(world["event_b"]) not in html


def test_the_registration_page_header_names_the_person_not_home(client, world):
    """Issue 10: the page's header was a lone "Home" breadcrumb."""
    import re

    client.force_login(world["organiser_a"])
    html = client.get(reverse(EDIT, args=[world["reg_a"].pk])).content.decode()
    crumbs = re.search(r'<nav[^>]*aria-label="Breadcrumb"[^>]*>(.*?)</nav>', html, re.S)
    text = " ".join(re.sub(r"<[^>]+>", " ", crumbs.group(1)).split())
    name = world["reg_a"].person_name
    assert text.endswith(f"Registrations {name}"), text
    index = reverse(INDEX) + f"?event={world['event_a'].pk}"
    assert f'href="{index}"' in crumbs.group(1)


@pytest.mark.usefixtures("italian_catalog")
def test_a_cancelled_registration_is_feminine_in_italian_an_event_is_not():
    """Issue 10: "Annullato" for registrations (una iscrizione è annullata); the committed
    catalogue, never a stale compiled one."""
    from django.utils import translation

    from events.models import EventStatus

    with translation.override("it"):
        assert str(RegistrationState.CANCELLED.label) == "Annullata"
        assert str(EventStatus.CANCELLED.label) == "Annullato"
