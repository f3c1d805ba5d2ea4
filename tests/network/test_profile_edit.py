"""Own-profile editing at /me/profile/: only the logged-in member, only their own profile."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image as PILImage

from network.models import MemberProfile
from network.services import profile_ensure
from tests.network.factories import UserFactory, make_space

pytestmark = pytest.mark.django_db

URL = "/me/profile/"


def form_data(**changes) -> dict:
    data = {"display_name": "Giulia Verdi", "headline": "Service designer", "bio": "Ciao!",
            "skills": "Facilitation, Python", "city": "Roma", "home_space": "",
            "website": "https://giulia.example.org",
            "links": "https://github.com/giulia\nhttps://mastodon.social/@giulia",
            "visibility": "network"}
    data.update(changes)
    return data


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def png_upload(name: str = "me.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    PILImage.new("RGB", (64, 64), (122, 62, 29)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_profile_editing_requires_login(client, site_tree):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_opening_the_form_creates_a_missing_profile(site_tree):
    user = UserFactory(email="made.elsewhere@example.org")
    assert logged_in(user).get(URL).status_code == 200
    assert MemberProfile.objects.get(user=user).display_name == "made.elsewhere"


def test_member_saves_their_profile(site_tree):
    space = make_space(site_tree.spaces, "Cowo360")
    user = UserFactory()
    response = logged_in(user).post(URL, form_data(home_space=space.pk, show_email="on"))
    profile = MemberProfile.objects.get(user=user)
    assert response.status_code == 302
    assert response["Location"] == profile.get_absolute_url()
    assert (profile.display_name, profile.headline, profile.city, profile.home_space,
            profile.visibility, profile.show_email) == (
        "Giulia Verdi", "Service designer", "Roma", space, "network", True)
    assert sorted(profile.skills.names()) == ["Facilitation", "Python"]
    assert profile.link_list == ["https://github.com/giulia", "https://mastodon.social/@giulia"]


def test_the_slug_stays_when_the_name_changes(site_tree):
    user = UserFactory()
    client = logged_in(user)
    client.post(URL, form_data())
    slug = MemberProfile.objects.get(user=user).slug
    client.post(URL, form_data(display_name="Giulia V. Rossi"))
    assert MemberProfile.objects.get(user=user).slug == slug == user.username


def test_posting_another_users_id_still_edits_only_your_own(site_tree):
    victim = profile_ensure(UserFactory(), display_name="Victim", visibility="public")
    attacker = UserFactory()
    logged_in(attacker).post(URL, form_data(user=victim.user.pk, slug=victim.slug,
                                            display_name="Pwned"))
    victim.refresh_from_db()
    assert victim.display_name == "Victim"
    assert MemberProfile.objects.get(user=attacker).display_name == "Pwned"


def test_avatar_upload_and_removal(site_tree):
    user = UserFactory()
    client = logged_in(user)
    response = client.post(URL, {**form_data(), "avatar_upload": png_upload()})
    assert response.status_code == 302
    profile = MemberProfile.objects.get(user=user)
    assert profile.avatar is not None
    assert profile.avatar.collection.name == "Member avatars"
    page = client.get(profile.get_absolute_url())
    assert b'class="avatar"' in page.content
    client.post(URL, form_data(remove_avatar="on"))
    assert MemberProfile.objects.get(user=user).avatar is None


def test_a_non_image_avatar_is_refused(site_tree):
    user = UserFactory()
    response = logged_in(user).post(URL, {**form_data(), "avatar_upload": SimpleUploadedFile(
        "evil.png", b"<script>alert(1)</script>", content_type="image/png")})
    assert response.status_code == 200
    assert "avatar_upload" in response.context["form"].errors
    assert MemberProfile.objects.get(user=user).avatar is None
