"""Pronouns (issue 9): an optional profile field, edited by the member, exported with
their data, and printed on their badges under the name (portrait) or before the role
(label sheets); nothing is printed for people who gave none."""

import subprocess

import pytest

from events import badges, services
from network.models import MemberProfile
from network.privacy import _profile_export
from network.services import profile_ensure
from tests.events.registration_factories import publish_event, space_in
from tests.network.factories import MemberProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def pdftotext(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "badges.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["/usr/bin/pdftotext", "-enc", "UTF-8", str(path), "-"],  # noqa: S603
                          check=True, capture_output=True, text=True).stdout


@pytest.fixture
def event(site_tree):
    return publish_event(space_in(site_tree, title="Cowo Pronomi"), capacity=10,
                         guests_allowed=True)


@pytest.mark.parametrize("layout", ["A6", "L7163"])
def test_pronouns_are_printed_on_the_badge_when_given(event, tmp_path, layout):
    with_pronouns = MemberProfileFactory(display_name="Robin Rossi", pronouns="they/them")
    arabic = MemberProfileFactory(display_name="نور الهدى", pronouns="هي")
    without = MemberProfileFactory(display_name="Ada Lovelace", pronouns="")
    for profile in (with_pronouns, arabic, without):
        services.registration_create(event, user=profile.user)
    made = badges.badges_for(event, badges.LAYOUTS[layout],
                             list(badges.badge_registrations(event)))
    assert [b.pronouns for b in made] == ["they/them", "هي", ""]
    text = pdftotext(badges.badges_pdf(event, layout), tmp_path)
    assert "they/them" in text and "Robin Rossi" in text
    assert "هي" in text
    assert "Ada Lovelace" in text


def test_a_guest_badge_has_no_pronouns(event):
    services.registration_create(event, guest_name="Gina Ospite", guest_email="g@ex.org")
    (badge,) = badges.badges_for(event, badges.LAYOUTS["A6"],
                                 list(badges.badge_registrations(event)))
    assert badge.pronouns == ""


def test_a_member_sets_pronouns_and_control_characters_are_refused(client, site_tree):
    user = UserFactory()
    profile_ensure(user)
    client.force_login(user)
    data = {"display_name": "Giulia Verdi", "pronouns": "  she/her ", "headline": "",
            "bio": "", "skills": "", "city": "", "home_space": "", "website": "",
            "links": "", "visibility": "network"}
    response = client.post("/me/profile/", data)
    assert response.status_code == 302
    assert MemberProfile.objects.get(user=user).pronouns == "she/her"
    response = client.post("/me/profile/", {**data, "pronouns": "she\nher"})
    assert response.status_code == 200 and response.context["form"].errors["pronouns"]
    response = client.post("/me/profile/", {**data, "pronouns": "x" * 41})
    assert response.context["form"].errors["pronouns"]
    assert MemberProfile.objects.get(user=user).pronouns == "she/her"


def test_pronouns_are_part_of_the_members_data_export():
    profile = MemberProfileFactory(pronouns="ze/zir")
    assert _profile_export(profile)["pronouns"] == "ze/zir"
