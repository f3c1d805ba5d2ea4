"""The member's own profile says who sees their e-mail, and offers "Remove my avatar" only
when there is an avatar (issue 10)."""

import pytest
from django.conf import settings
from django.test import Client

from network.models import MemberProfile
from tests.home.conftest import italian_catalog  # noqa: F401 — shared fixture
from tests.network.factories import UserFactory
from tests.network.test_profile_edit import URL, form_data, logged_in, png_upload

pytestmark = pytest.mark.django_db

PRIVATE_NOTE = "Only you see it: other members do not"


def _member(email: str = "giulia@example.org") -> tuple[object, Client]:
    user = UserFactory(email=email)
    client = logged_in(user)
    assert client.get(URL).status_code == 200  # creates the profile
    return user, client


def test_own_profile_says_only_you_see_the_hidden_email(site_tree):
    user, client = _member()
    profile = MemberProfile.objects.get(user=user)
    page = client.get(profile.get_absolute_url()).content.decode()
    assert "giulia@example.org" in page
    assert PRIVATE_NOTE in page


def test_own_profile_with_a_shared_email_has_no_private_note(site_tree):
    user, client = _member()
    client.post(URL, form_data(show_email="on"))
    profile = MemberProfile.objects.get(user=user)
    assert profile.show_email is True
    page = client.get(profile.get_absolute_url()).content.decode()
    assert "giulia@example.org" in page
    assert PRIVATE_NOTE not in page


def test_another_member_sees_neither_the_hidden_email_nor_the_note(site_tree):
    user, _client = _member()
    MemberProfile.objects.filter(user=user).update(visibility="network")
    profile = MemberProfile.objects.get(user=user)
    page = logged_in(UserFactory()).get(profile.get_absolute_url()).content.decode()
    assert "giulia@example.org" not in page
    assert PRIVATE_NOTE not in page


def test_edit_form_names_the_address_and_who_sees_it(site_tree):
    _user, client = _member()
    page = client.get(URL).content.decode()
    assert ("Your e-mail address giulia@example.org: only you see it on your profile unless "
            "you tick this") in page


@pytest.mark.usefixtures("italian_catalog")
def test_edit_form_in_italian_says_it_too(site_tree):
    _user, client = _member()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "it"
    page = client.get(URL).content.decode()
    assert "Il tuo indirizzo e-mail giulia@example.org: lo vedi solo tu" in page


def test_no_remove_avatar_without_an_avatar(site_tree):
    _user, client = _member()
    response = client.get(URL)
    assert "remove_avatar" not in response.context["form"].fields
    assert "Remove my avatar" not in response.content.decode()


def test_remove_avatar_offered_once_there_is_one(site_tree):
    user, client = _member()
    client.post(URL, {**form_data(), "avatar_upload": png_upload()})
    assert MemberProfile.objects.get(user=user).avatar is not None
    response = client.get(URL)
    assert "Remove my avatar" in response.content.decode()
    client.post(URL, form_data(remove_avatar="on"))
    assert MemberProfile.objects.get(user=user).avatar is None
    assert "Remove my avatar" not in client.get(URL).content.decode()


def test_remove_avatar_posted_without_an_avatar_changes_nothing(site_tree):
    user, client = _member()
    response = client.post(URL, form_data(remove_avatar="on", headline="Still here"))
    assert response.status_code == 302
    profile = MemberProfile.objects.get(user=user)
    assert (profile.avatar, profile.headline) == (None, "Still here")
