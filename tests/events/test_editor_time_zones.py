"""Event times in the Wagtail editor are the EVENT's local times (issue 10, severe).

Regression: the edit form showed and read times in the editor's own zone (Europe/Rome), so
the Cambridge event at 17:00 New York showed as 23:00, and a US organiser who "corrected" it
moved it to 11:00. Everything here goes through the admin's HTTP forms.
"""

import datetime as dt
import re
import zoneinfo

import pytest
from django.test import Client
from django.utils import timezone
from wagtail.test.utils.form_data import querydict_from_html
from wagtail.users.models import UserProfile

from events.models import EventPage
from tests.events.registration_factories import make_organiser, publish_event, space_in

pytestmark = pytest.mark.django_db

UTC = dt.UTC
# 17:00 in New York on 15 January 2027 (EST, UTC-5) is 22:00 UTC, 23:00 in Rome.
CAMBRIDGE_START = dt.datetime(2027, 1, 15, 22, 0, tzinfo=UTC)


@pytest.fixture
def cambridge(site_tree):
    return space_in(site_tree, "Cambridge Innovation Center", city="Cambridge",
                    region="Massachusetts", country="United States",
                    time_zone="America/New_York")


@pytest.fixture
def event(cambridge):
    return publish_event(cambridge, title="Hardware meetup", starts_at=CAMBRIDGE_START,
                         ends_at=CAMBRIDGE_START + dt.timedelta(hours=2))


@pytest.fixture
def organiser(cambridge) -> Client:
    """An organiser whose own admin time zone is Rome (Wagtail activates it in the admin)."""
    user = make_organiser(cambridge)
    set_admin_time_zone(user, "Europe/Rome")
    client = Client()
    client.force_login(user)
    return client


def set_admin_time_zone(user, zone: str) -> None:
    profile = UserProfile.get_for_user(user)
    profile.current_time_zone = zone
    profile.save()


def edit_url(event: EventPage) -> str:
    return f"/admin/pages/{event.pk}/edit/"


def form_of(client: Client, url: str):
    response = client.get(url)
    assert response.status_code == 200
    data = querydict_from_html(response.content.decode(), form_id="page-edit-form")
    data.setdefault("body-count", "0")  # the StreamField editor is drawn by JavaScript
    return response, data


def post(client: Client, url: str, data, *, publish: bool = True, **changes):
    for name, value in changes.items():
        data[name] = value
    if publish:
        data["action-publish"] = "action-publish"
    return client.post(url, data)


def stored(event: EventPage) -> EventPage:
    return EventPage.objects.get(pk=event.pk)


def test_the_edit_form_shows_the_events_local_time_labelled_with_its_zone(organiser, event):
    response, data = form_of(organiser, edit_url(event))
    html = response.content.decode()
    assert data["starts_at"] == "2027-01-15 17:00"
    assert data["ends_at"] == "2027-01-15 19:00"
    assert "Local time in America/New_York." in html
    assert "2027-01-15 23:00" not in html


def test_posting_17_00_stores_22_00_utc(organiser, event):
    _, data = form_of(organiser, edit_url(event))
    response = post(organiser, edit_url(event), data, starts_at="2027-01-15 17:00",
                    ends_at="2027-01-15 18:30")
    assert response.status_code == 302
    page = stored(event)
    assert page.starts_at == dt.datetime(2027, 1, 15, 22, 0, tzinfo=UTC)
    assert page.ends_at == dt.datetime(2027, 1, 15, 23, 30, tzinfo=UTC)


def test_saving_the_form_unchanged_keeps_the_time(organiser, event):
    _, data = form_of(organiser, edit_url(event))
    assert post(organiser, edit_url(event), data).status_code == 302
    assert stored(event).starts_at == CAMBRIDGE_START


def test_the_editors_own_time_zone_plays_no_part(organiser, event, cambridge):
    tokyo = make_organiser(cambridge)
    set_admin_time_zone(tokyo, "Asia/Tokyo")
    client = Client()
    client.force_login(tokyo)
    _, data = form_of(client, edit_url(event))
    assert data["starts_at"] == "2027-01-15 17:00"
    assert post(client, edit_url(event), data, starts_at="2027-01-15 16:00").status_code == 302
    assert stored(event).starts_at == dt.datetime(2027, 1, 15, 21, 0, tzinfo=UTC)


def test_an_event_with_its_own_zone_is_shown_and_read_in_that_zone(organiser, cambridge):
    chicago = publish_event(cambridge, time_zone="America/Chicago",
                            starts_at=dt.datetime(2027, 7, 1, 15, 0, tzinfo=UTC),
                            ends_at=dt.datetime(2027, 7, 1, 17, 0, tzinfo=UTC))
    response, data = form_of(organiser, edit_url(chicago))
    assert data["starts_at"] == "2027-07-01 10:00"  # CDT, UTC-5
    assert "Local time in America/Chicago." in response.content.decode()
    assert post(organiser, edit_url(chicago), data, starts_at="2027-07-01 11:00").status_code \
        == 302
    assert stored(chicago).starts_at == dt.datetime(2027, 7, 1, 16, 0, tzinfo=UTC)


def test_changing_only_the_zone_keeps_the_wall_clock_time(organiser, event):
    """Decided and documented in events/page_form.py: the form's times are wall-clock times
    of the zone chosen on the same form."""
    _, data = form_of(organiser, edit_url(event))
    response = post(organiser, edit_url(event), data, time_zone="America/Chicago")
    assert response.status_code == 302
    page = stored(event)
    assert page.time_zone == "America/Chicago"
    assert page.local_starts_at.strftime("%H:%M") == "17:00"
    assert page.starts_at == dt.datetime(2027, 1, 15, 23, 0, tzinfo=UTC)  # CST, UTC-6


def test_the_zone_is_picked_from_a_list_with_common_zones_first(organiser, event):
    response, _ = form_of(organiser, edit_url(event))
    html = response.content.decode()
    select = re.search(r'<select name="time_zone".*?</select>', html, re.S).group(0)
    assert '<option value="" selected>The space&#x27;s time zone (America/New_York)</option>' \
        in select
    groups = re.findall(r'<optgroup label="([^"]+)">', select)
    assert groups == ["Common", "All time zones"]
    common = select.split('<optgroup label="All time zones">')[0]
    assert '<option value="Europe/Rome">' in common
    assert '<option value="America/New_York">' in common
    assert '<option value="Pacific/Chatham">' in select
    assert '<input type="text" name="time_zone"' not in html


def test_a_zone_not_in_the_list_is_refused(organiser, event):
    _, data = form_of(organiser, edit_url(event))
    response = post(organiser, edit_url(event), data, time_zone="EST5EDT; drop")
    assert response.status_code == 200
    assert "is not a known time zone" in response.content.decode()
    assert stored(event).time_zone == ""


def test_a_time_the_clocks_skip_is_a_form_error(organiser, event):
    """In New York the clocks go from 02:00 to 03:00 on 14 March 2027."""
    _, data = form_of(organiser, edit_url(event))
    response = post(organiser, edit_url(event), data, starts_at="2027-03-14 02:30",
                    ends_at="2027-03-14 05:00")
    assert response.status_code == 200
    assert ("02:30 does not exist in America/New_York: the clocks move forward then."
            in response.content.decode())
    assert stored(event).starts_at == CAMBRIDGE_START


def test_registration_times_are_local_too(organiser, event):
    _, data = form_of(organiser, edit_url(event))
    response = post(organiser, edit_url(event), data, registration_closes_at="2027-01-15 12:00")
    assert response.status_code == 302
    assert stored(event).registration_closes_at == dt.datetime(2027, 1, 15, 17, 0, tzinfo=UTC)
    _, again = form_of(organiser, edit_url(event))
    assert again["registration_closes_at"] == "2027-01-15 12:00"


# --- publishing an event that starts in the past -----------------------------------------

def add_url(space) -> str:
    return f"/admin/pages/add/events/eventpage/{space.pk}/"


def new_event_data(organiser: Client, space, start: dt.datetime):
    _, data = form_of(organiser, add_url(space))
    local = timezone.localtime(start, zoneinfo.ZoneInfo(space.time_zone))
    data.update({"title": "Late night demo", "slug": "late-night-demo",
                 "starts_at": local.strftime("%Y-%m-%d %H:%M"),
                 "ends_at": (local + dt.timedelta(hours=2)).strftime("%Y-%m-%d %H:%M")})
    return data


def test_publishing_an_event_that_starts_in_the_past_asks_for_confirmation(organiser,
                                                                           cambridge):
    yesterday = timezone.now() - dt.timedelta(days=1)
    data = new_event_data(organiser, cambridge, yesterday)
    response = post(organiser, add_url(cambridge), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "This event starts in the past" in html
    assert 'name="confirm_past_start"' in html
    assert not EventPage.objects.filter(slug="late-night-demo").exists()

    data["confirm_past_start"] = "on"
    assert post(organiser, add_url(cambridge), data).status_code == 302
    page = EventPage.objects.get(slug="late-night-demo")
    assert page.live
    assert abs(page.starts_at - yesterday) < dt.timedelta(minutes=1)


def test_the_confirmation_box_is_hidden_until_it_is_needed(organiser, cambridge):
    response, _ = form_of(organiser, add_url(cambridge))
    assert 'name="confirm_past_start"' not in response.content.decode()


def test_a_future_event_publishes_without_confirmation(organiser, cambridge):
    data = new_event_data(organiser, cambridge, timezone.now() + dt.timedelta(days=3))
    assert post(organiser, add_url(cambridge), data).status_code == 302
    assert EventPage.objects.get(slug="late-night-demo").live


def test_saving_a_past_event_as_a_draft_asks_nothing(organiser, cambridge):
    data = new_event_data(organiser, cambridge, timezone.now() - dt.timedelta(days=1))
    assert post(organiser, add_url(cambridge), data, publish=False).status_code == 302
    assert not EventPage.objects.get(slug="late-night-demo").live


def test_editing_a_past_live_event_without_moving_it_asks_nothing(organiser, cambridge):
    past = publish_event(cambridge, starts_in_days=-3)
    _, data = form_of(organiser, edit_url(past))
    assert post(organiser, edit_url(past), data, room="Sala Verde").status_code == 302
    assert stored(past).room == "Sala Verde"


def test_moving_a_live_event_into_the_past_asks_for_confirmation(organiser, event):
    _, data = form_of(organiser, edit_url(event))
    response = post(organiser, edit_url(event), data, starts_at="2020-01-15 17:00",
                    ends_at="2020-01-15 19:00")
    assert response.status_code == 200
    assert "This event starts in the past" in response.content.decode()
    assert stored(event).starts_at == CAMBRIDGE_START


# --- spaces pick their zone from the same list -------------------------------------------

def test_the_space_form_offers_the_same_list(site_tree, cambridge):
    from tests.network.factories import UserFactory

    admin = Client()
    admin.force_login(UserFactory(is_superuser=True, is_staff=True))
    response, data = form_of(admin, f"/admin/pages/{cambridge.pk}/edit/")
    html = response.content.decode()
    assert data["time_zone"] == "America/New_York"
    assert re.search(r'<select name="time_zone"[^>]*>\s*<optgroup label="Common">', html)
    data["time_zone"] = "Atlantis/Capital"
    data.setdefault("description-count", "0")
    response = admin.post(f"/admin/pages/{cambridge.pk}/edit/", data)
    assert response.status_code == 200
    assert "is not a known time zone" in response.content.decode()
