"""The network's admin ViewSets over HTTP: organisers manage only their own space's
memberships; coordinators manage everything, including profiles."""

import pytest
from django.test import Client

from network.models import MemberProfile, Membership
from network.services import coordinators_group_ensure, membership_set, profile_ensure
from tests.network.factories import UserFactory, make_space

pytestmark = pytest.mark.django_db


@pytest.fixture
def spaces(site_tree):
    space_a = make_space(site_tree.spaces, "Cowo360", city="Roma")
    space_b = make_space(site_tree.spaces, "Toolbox", city="Torino")
    organiser = UserFactory(username="organiser-a")
    membership_set(organiser, space_a, "organiser")
    member_a = UserFactory(username="anna", email="anna@example.org")
    member_b = UserFactory(username="bruno", email="bruno@example.org")
    client = Client()
    client.force_login(organiser)
    return {
        "a": space_a, "b": space_b, "client": client, "organiser": organiser,
        "membership_a": membership_set(member_a, space_a, "member"),
        "membership_b": membership_set(member_b, space_b, "member"),
        "member_a": member_a, "member_b": member_b,
    }


def coordinator_client() -> Client:
    user = UserFactory(username="coordinator")
    user.groups.add(coordinators_group_ensure())
    client = Client()
    client.force_login(user)
    return client


def test_organiser_lists_only_memberships_of_their_space(spaces):
    response = spaces["client"].get("/admin/memberships/")
    assert response.status_code == 200
    listed = {m.pk for m in response.context["object_list"]}
    assert listed == {spaces["membership_a"].pk,
                      Membership.objects.get(user=spaces["organiser"]).pk}
    assert b"bruno@example.org" not in response.content


def test_organiser_cannot_open_or_edit_a_membership_of_another_space(spaces):
    other = spaces["membership_b"]
    assert spaces["client"].get(f"/admin/memberships/edit/{other.pk}/").status_code in (403, 404)
    response = spaces["client"].post(f"/admin/memberships/edit/{other.pk}/", {"role": "organiser"})
    assert response.status_code in (403, 404)
    other.refresh_from_db()
    assert other.role == "member"
    assert not spaces["member_b"].groups.filter(pk=spaces["b"].organiser_group_id).exists()


def test_organiser_cannot_delete_a_membership_of_another_space(spaces):
    other = spaces["membership_b"]
    response = spaces["client"].post(f"/admin/memberships/delete/{other.pk}/")
    assert response.status_code in (403, 404)
    assert Membership.objects.filter(pk=other.pk).exists()


def test_organiser_cannot_add_someone_to_another_space(spaces):
    response = spaces["client"].post("/admin/memberships/new/", {
        "email": "anna@example.org", "space": spaces["b"].pk, "role": "organiser"})
    assert response.status_code == 200
    assert "space" in response.context["form"].errors
    assert not Membership.objects.filter(user=spaces["member_a"], space=spaces["b"]).exists()


def test_organiser_promotes_a_member_of_their_space_to_organiser(spaces):
    membership = spaces["membership_a"]
    response = spaces["client"].post(f"/admin/memberships/edit/{membership.pk}/",
                                     {"role": "organiser"})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == "organiser"
    assert spaces["member_a"].groups.filter(pk=spaces["a"].organiser_group_id).exists()


def test_organiser_adds_a_member_by_email(spaces):
    response = spaces["client"].post("/admin/memberships/new/", {
        "email": "BRUNO@example.org", "space": spaces["a"].pk, "role": "host"})
    assert response.status_code == 302
    assert Membership.objects.get(user=spaces["member_b"], space=spaces["a"]).role == "host"


def test_adding_an_unknown_email_is_a_form_error(spaces):
    response = spaces["client"].post("/admin/memberships/new/", {
        "email": "nobody@example.org", "space": spaces["a"].pk, "role": "member"})
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert Membership.objects.filter(space=spaces["a"]).count() == 2


def test_deleting_an_organiser_membership_takes_them_out_of_the_group(spaces):
    membership = membership_set(spaces["member_a"], spaces["a"], "organiser")
    response = spaces["client"].post(f"/admin/memberships/delete/{membership.pk}/")
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert not spaces["member_a"].groups.filter(pk=spaces["a"].organiser_group_id).exists()


def test_organiser_has_no_access_to_profiles(spaces):
    response = spaces["client"].get("/admin/member_profiles/")
    assert response.status_code in (302, 403)


def test_coordinator_lists_every_membership(spaces):
    response = coordinator_client().get("/admin/memberships/")
    assert response.status_code == 200
    assert set(m.pk for m in response.context["object_list"]) == set(
        Membership.objects.values_list("pk", flat=True))


def test_coordinator_edits_any_profile(spaces):
    profile = profile_ensure(spaces["member_b"], display_name="Bruno Neri", visibility="hidden")
    client = coordinator_client()
    response = client.get("/admin/member_profiles/")
    assert response.status_code == 200
    assert b"Bruno Neri" in response.content
    response = client.post(f"/admin/member_profiles/edit/{profile.pk}/", {
        "display_name": "Bruno Neri", "headline": "Maker", "bio": "", "skills": "Arduino, CNC",
        "city": "Torino", "home_space": "", "website": "", "links": "", "avatar": "",
        "visibility": "network"})
    assert response.status_code == 302, response.context["form"].errors
    profile = MemberProfile.objects.get(pk=profile.pk)
    assert (profile.headline, profile.visibility) == ("Maker", "network")
    assert profile.slug == "bruno-neri"
    assert sorted(profile.skills.names()) == ["Arduino", "CNC"]


def test_coordinator_searches_profiles_by_name_and_by_email(spaces):
    """Regression: any `?q=` in the profiles admin was an HTTP 500 (the search index has no
    user e-mail)."""
    profile_ensure(spaces["member_a"], display_name="Anna Quokka")
    profile_ensure(spaces["member_b"], display_name="Bruno Rossi")
    client = coordinator_client()
    by_name = client.get("/admin/member_profiles/", {"q": "quokka"})
    by_email = client.get("/admin/member_profiles/", {"q": "bruno@example"})
    assert by_name.status_code == 200
    assert [p.display_name for p in by_name.context["object_list"]] == ["Anna Quokka"]
    assert [p.display_name for p in by_email.context["object_list"]] == ["Bruno Rossi"]


@pytest.mark.parametrize("query", ['"', '"><script>', "x" * 500, "ليلى 🚀", "100%_"])
def test_profile_and_membership_searches_take_any_text(spaces, query):
    client = coordinator_client()
    assert client.get("/admin/member_profiles/", {"q": query}).status_code == 200
    assert client.get("/admin/memberships/", {"q": query}).status_code == 200


def test_coordinator_searches_memberships_by_email_and_space(spaces):
    client = coordinator_client()
    by_email = client.get("/admin/memberships/", {"q": "anna@"})
    by_space = client.get("/admin/memberships/", {"q": "toolbox"})
    assert [m.user.username for m in by_email.context["object_list"]] == ["anna"]
    assert [m.user.username for m in by_space.context["object_list"]] == ["bruno"]


@pytest.mark.parametrize("space", [str(2**63), "9" * 40, "²", "-1"])
def test_a_space_id_beyond_64_bits_in_an_admin_form_is_a_form_error(spaces, space):
    """Regression (found by tests/home/test_fuzz.py): page choosers in the admin's model forms
    passed such an id to SQLite, an HTTP 500."""
    before = Membership.objects.count()
    response = coordinator_client().post("/admin/memberships/new/", {
        "email": "anna@example.org", "space": space, "role": "member"})
    assert response.status_code == 200
    assert "space" in response.context["form"].errors
    assert Membership.objects.count() == before


@pytest.mark.parametrize("field", ["home_space", "avatar"])
@pytest.mark.parametrize("value", [str(2**63), "9" * 40, "²", "abc", '"><script>', "a\x00b"])
def test_a_bad_id_in_the_profile_admin_is_a_form_error(spaces, field, value):
    """Regression (issue 10, found by tests/home/test_fuzz.py): the chooser shown again with
    the bad value looked it up in the database, an HTTP 500; now the form says the choice
    is invalid and nothing changes."""
    profile = profile_ensure(spaces["member_b"], display_name="Bruno Neri", city="Torino")
    data = {"display_name": "Bruno Neri", "headline": "", "bio": "", "skills": "",
            "city": "Milano", "home_space": "", "website": "", "links": "", "avatar": "",
            "visibility": "network", field: value}
    response = coordinator_client().post(f"/admin/member_profiles/edit/{profile.pk}/", data)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    assert MemberProfile.objects.get(pk=profile.pk).city == "Torino"


def test_an_organiser_sees_where_a_membership_is_used(spaces):
    """Regression (issue 10): the usage view listed memberships instead of references to
    the membership, an HTTP 500."""
    membership = spaces["membership_a"]
    response = spaces["client"].get(f"/admin/memberships/usage/{membership.pk}/")
    assert response.status_code == 200
    other = spaces["membership_b"]
    refused = spaces["client"].get(f"/admin/memberships/usage/{other.pk}/")
    assert (refused.status_code, refused["Location"]) == (302, "/admin/")
