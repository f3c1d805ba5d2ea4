"""The member's own data over HTTP: /me/data/ (readable page), its JSON download, the
erasure with its confirmation, and the coordinators' erase action in the Wagtail admin."""

import json

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.test import Client
from django.urls import reverse

from credits.models import Transfer
from events.models import RegistrationState
from network.models import MemberProfile
from tests.home.privacy_factories import (
    EMAIL,
    NASTY_NAME,
    PASSWORD,
    member_with_everything,
    verified_user,
)
from tests.network.factories import make_coordinator, make_organiser

pytestmark = pytest.mark.django_db

MY_DATA = reverse("home:my_data")
DOWNLOAD = reverse("home:my_data_download")
ERASE = reverse("home:account_erase")


@pytest.fixture
def world(site_tree):
    return member_with_everything(site_tree)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def erased(user) -> bool:
    user.refresh_from_db()
    return not user.is_active and user.email.endswith("@erased.invalid")


# --- seeing and downloading ----------------------------------------------------------------

@pytest.mark.parametrize("url", [MY_DATA, DOWNLOAD, ERASE])
def test_pages_need_a_login(client, site_tree, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_page_shows_the_members_own_data_escaped(world):
    response = logged_in(world.member).get(MY_DATA)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    # The nasty name is escaped and isolated for right-to-left text, never markup.
    assert "<bdi>Zoë \u200fمريم &lt;b&gt;Brûlée&lt;/b&gt; ☕</bdi>" in html
    assert "<b>Brûlée</b>" not in html and "<script>two" not in html
    for text in ("Paid workshop", "Full meetup", "Open evening", "Cowo Privacy", EMAIL,
                 "Facilitation", "https://github.com/zoe", world.day_pass.code):
        assert text in html, text


def test_the_page_is_translated(world, italian_catalog):
    client = logged_in(world.member)
    response = client.get(MY_DATA, headers={"accept-language": "it"})
    assert "I miei dati" in response.content.decode()


def test_another_member_sees_only_their_own_data(world):
    other = verified_user("someone.else@example.org")
    for url in (MY_DATA, DOWNLOAD):
        text = logged_in(other).get(url).content.decode()
        assert "someone.else@example.org" in text
        assert "Brûlée" not in text and "Paid workshop" not in text


def test_download_is_a_json_file_with_everything(world):
    response = logged_in(world.member).get(DOWNLOAD)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="espresso-my-data-')
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["account"]["email"] == EMAIL
    assert data["network"]["profile"]["display_name"] == NASTY_NAME
    assert [r["event"] for r in data["events"]["registrations"]] == ["Paid workshop",
                                                                    "Full meetup"]
    assert [p["code"] for p in data["credits"]["day_passes"]] == [world.day_pass.code]


# --- erasing one's own account ---------------------------------------------------------------

def test_the_erase_page_says_what_will_happen(world):
    response = logged_in(world.member).get(ERASE)
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("Paid workshop", "Full meetup", "Open evening", "100 credits"):
        assert text in html, text


@pytest.mark.parametrize("data", [
    {"password": PASSWORD},                              # no tick
    {"password": "wrong password", "confirm": "on"},     # wrong password
    {"confirm": "on"},                                   # no password
])
def test_erasure_needs_the_password_and_the_tick(world, data):
    response = logged_in(world.member).post(ERASE, data)
    assert response.status_code == 400
    assert not erased(world.member)
    world.seat.refresh_from_db()
    assert world.seat.state == RegistrationState.CONFIRMED


def test_a_superuser_is_told_why_their_account_is_not_erased(site_tree):
    admin = get_user_model().objects.create_superuser("root", "root@example.org", PASSWORD)
    response = logged_in(admin).post(ERASE, {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 400
    assert "superuser status first" in response.content.decode()
    admin.refresh_from_db()
    assert admin.is_active and admin.email == "root@example.org"


def test_erasure_without_the_csrf_token_is_refused(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.member)
    response = client.post(ERASE, {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 403
    assert not erased(world.member)


def test_member_erases_their_account_and_is_logged_out(world):
    client = logged_in(world.member)
    response = client.post(ERASE, {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == reverse("home:account_erased")
    assert SESSION_KEY not in client.session
    assert erased(world.member)
    goodbye = client.get(response["Location"])
    assert goodbye.status_code == 200
    assert "Brûlée" not in goodbye.content.decode()
    # The old password no longer opens anything.
    assert not Client().login(username=world.member.username, password=PASSWORD)


def test_a_replayed_erase_is_harmless(world):
    client = logged_in(world.member)
    client.post(ERASE, {"password": PASSWORD, "confirm": "on"})
    transfers = Transfer.objects.count()
    replay = client.post(ERASE, {"password": PASSWORD, "confirm": "on"})
    assert replay.status_code == 302
    assert replay["Location"].startswith(reverse("account_login"))
    assert Transfer.objects.count() == transfers


def test_an_old_session_of_the_member_dies_with_the_account(world):
    other_device = logged_in(world.member)
    logged_in(world.member).post(ERASE, {"password": PASSWORD, "confirm": "on"})
    response = other_device.get(MY_DATA)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_profile_pages_link_to_the_data_page(world):
    client = logged_in(world.member)
    assert MY_DATA in client.get(reverse("network:profile_edit")).content.decode()
    assert MY_DATA in client.get(world.profile.get_absolute_url()).content.decode()
    other = logged_in(verified_user("someone.else@example.org"))
    assert MY_DATA not in other.get(world.profile.get_absolute_url()).content.decode()


# --- coordinators in the admin ---------------------------------------------------------------

def admin_erase_url(profile: MemberProfile) -> str:
    return reverse("member_erase", args=[profile.pk])


def test_coordinators_see_the_erase_button_on_a_profile(world):
    html = logged_in(make_coordinator()).get(
        reverse("member_profiles:edit", args=[world.profile.pk])).content.decode()
    assert admin_erase_url(world.profile) in html


def test_organisers_cannot_erase_members(world):
    organiser = make_organiser(world.space)
    client = logged_in(organiser)
    url = admin_erase_url(world.profile)
    # Wagtail answers a refused admin view by sending the user back to the dashboard.
    for response in (client.get(url), client.post(url, {"email": EMAIL, "confirm": "on"})):
        assert (response.status_code, response["Location"]) == (302, reverse("wagtailadmin_home"))
    assert not erased(world.member)
    edit = client.get(reverse("member_profiles:edit", args=[world.profile.pk]))
    assert url not in edit.content.decode()


def test_a_coordinator_must_type_the_members_address(world):
    response = logged_in(make_coordinator()).post(
        admin_erase_url(world.profile), {"email": "someone@example.org", "confirm": "on"})
    assert response.status_code == 400
    assert not erased(world.member)


def test_a_coordinator_erases_a_member_with_the_same_service(world):
    coordinator = make_coordinator()
    client = logged_in(coordinator)
    page = client.get(admin_erase_url(world.profile))
    assert page.status_code == 200
    assert "Paid workshop" in page.content.decode()
    assert "<b>Brûlée</b>" not in page.content.decode()
    assert "&lt;b&gt;Brûlée&lt;/b&gt;" in page.content.decode()
    response = client.post(admin_erase_url(world.profile),
                           {"email": EMAIL.upper(), "confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == reverse("member_profiles:index")
    assert erased(world.member)
    world.next_in_line.refresh_from_db()
    assert world.next_in_line.state == RegistrationState.CONFIRMED
    # The coordinator stays logged in; the erased profile is gone from the admin.
    assert client.get(admin_erase_url(world.profile)).status_code == 404
