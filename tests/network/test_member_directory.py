"""The member directory and profile pages: visibility for every kind of viewer, e-mail
privacy, filters, pagination and a query count independent of the number of profiles."""

import pytest
from django.test import Client

from network.selectors import profiles_visible_to
from network.services import coordinators_group_ensure, membership_set, profile_ensure
from tests.network.factories import UserFactory, make_space

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(site_tree):
    space = make_space(site_tree.spaces, "Cowo360", city="Roma")
    other_space = make_space(site_tree.spaces, "Toolbox", city="Torino")
    made = {}
    for name, visibility, show_email in [
        ("Paola Pubblica", "public", True), ("Nino Network", "network", True),
        ("Ilaria Invisibile", "hidden", True), ("Quinto Quiet", "public", False),
    ]:
        user = UserFactory(username=name.split()[0].lower(),
                           email=f"{name.split()[0].lower()}@example.org")
        made[visibility if visibility != "public" or show_email else "quiet"] = profile_ensure(
            user, display_name=name, visibility=visibility, show_email=show_email)
    made["public"].skills.set(["Python", "Facilitation"])
    made["public"].save()
    membership_set(made["public"].user, space, "host")
    membership_set(made["network"].user, other_space, "member")
    organiser = UserFactory(username="organiser")
    membership_set(organiser, space, "organiser")
    coordinator = UserFactory(username="coordinator")
    coordinator.groups.add(coordinators_group_ensure())
    member = UserFactory(username="plainmember")
    return {"tree": site_tree, "space": space, "other_space": other_space,
            "organiser": organiser, "coordinator": coordinator, "member": member, **made}


def directory(client: Client, tree, query: str = ""):
    response = client.get(tree.members.url + query)
    assert response.status_code == 200
    return response


def names(response) -> list[str]:
    return [p.display_name for p in response.context["profiles"]]


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_directory_lives_at_members(people):
    assert people["tree"].members.url == "/en/members/"


def test_anonymous_sees_public_profiles_only(client, people):
    response = directory(client, people["tree"])
    assert names(response) == ["Paola Pubblica", "Quinto Quiet"]
    assert b"Nino Network" not in response.content
    assert b"Ilaria Invisibile" not in response.content


@pytest.mark.parametrize("viewer", ["member", "organiser"])
def test_logged_in_members_see_public_and_network_profiles(people, viewer):
    response = directory(logged_in(people[viewer]), people["tree"])
    assert names(response) == ["Nino Network", "Paola Pubblica", "Quinto Quiet"]
    assert b"Ilaria Invisibile" not in response.content


def test_coordinators_see_hidden_profiles_too(people):
    response = directory(logged_in(people["coordinator"]), people["tree"])
    assert names(response) == ["Ilaria Invisibile", "Nino Network", "Paola Pubblica",
                               "Quinto Quiet"]


def test_hidden_member_sees_their_own_profile_but_nobody_else_does(people):
    hidden = people["hidden"]
    url = hidden.get_absolute_url()
    assert logged_in(hidden.user).get(url).status_code == 200
    assert Client().get(url).status_code == 404
    assert logged_in(people["member"]).get(url).status_code == 404
    assert logged_in(people["organiser"]).get(url).status_code == 404
    assert logged_in(people["coordinator"]).get(url).status_code == 200


def test_network_profile_is_not_found_for_anonymous(client, people):
    assert client.get(people["network"].get_absolute_url()).status_code == 404
    assert logged_in(people["member"]).get(
        people["network"].get_absolute_url()).status_code == 200


def test_email_only_where_the_member_allowed_it(client, people):
    response = directory(client, people["tree"])
    assert b"paola@example.org" in response.content
    assert b"quinto@example.org" not in response.content
    page = client.get(people["quiet"].get_absolute_url())
    assert page.status_code == 200 and b"quinto@example.org" not in page.content
    coordinator_view = directory(logged_in(people["coordinator"]), people["tree"])
    assert b"quinto@example.org" not in coordinator_view.content
    assert b"ilaria@example.org" in coordinator_view.content


def test_email_of_a_network_profile_is_never_shown_to_anonymous(client, people):
    response = directory(client, people["tree"])
    assert b"nino@example.org" not in response.content
    assert b"nino@example.org" in directory(logged_in(people["member"]),
                                            people["tree"]).content


def test_member_sees_their_own_email_on_their_profile(people):
    quiet = people["quiet"]
    response = logged_in(quiet.user).get(quiet.get_absolute_url())
    assert b"quinto@example.org" in response.content
    assert b"Edit my profile" in response.content


def test_profiles_visible_to_matches_the_four_viewers(people):
    from django.contrib.auth.models import AnonymousUser

    assert profiles_visible_to(AnonymousUser()).count() == 2
    assert profiles_visible_to(people["member"]).count() == 3
    assert profiles_visible_to(people["hidden"].user).count() == 4  # public, network, own
    assert profiles_visible_to(people["coordinator"]).count() == 4


# --- filters ----------------------------------------------------------------------------

def test_filter_by_space_includes_memberships(client, people):
    response = directory(logged_in(people["member"]), people["tree"],
                         f"?space={people['other_space'].pk}")
    assert names(response) == ["Nino Network"]


def test_filter_by_skill_ignores_case(client, people):
    assert names(directory(client, people["tree"], "?skill=python")) == ["Paola Pubblica"]


def test_filter_by_city_and_text(client, people):
    people["quiet"].city = "Milano"
    people["quiet"].save()
    assert names(directory(client, people["tree"], "?city=mil")) == ["Quinto Quiet"]
    assert names(directory(client, people["tree"], "?q=pubbl")) == ["Paola Pubblica"]


def test_filters_never_reveal_hidden_members(client, people):
    assert names(directory(client, people["tree"], "?q=Ilaria")) == []
    assert names(directory(logged_in(people["member"]), people["tree"], "?q=Ilaria")) == []


@pytest.mark.parametrize("query", [
    "?space=999999", "?space=abc", "?space=-1", "?space=" + "9" * 40,
    "?skill=" + "x" * 5000, "?q=%00%01", "?city=<script>", "?page=abc", "?page=-5",
    "?page=99999", "?page=" + "9" * 50, "?q=%F0%9F%98%80&space=&page=1.5",
])
def test_malformed_parameters_answer_with_a_list_not_an_error(client, people, query):
    response = directory(client, people["tree"], query)
    assert names(response) in (["Paola Pubblica", "Quinto Quiet"], [])


def test_unknown_space_id_is_ignored(client, people):
    assert names(directory(client, people["tree"], "?space=999999")) == [
        "Paola Pubblica", "Quinto Quiet"]


# --- pagination and query count --------------------------------------------------------

def make_profiles(count: int, space) -> None:
    for number in range(count):
        user = UserFactory(username=f"bulk{number:03d}")
        profile = profile_ensure(user, display_name=f"Member {number:03d}", visibility="public",
                                 city="Roma", home_space=space, show_email=number % 2 == 0,
                                 skills=["Python", f"skill-{number}"])
        membership_set(profile.user, space, "member")


def test_directory_is_paginated_by_20(client, people):
    make_profiles(43, people["space"])
    first = directory(client, people["tree"])
    assert len(first.context["profiles"].object_list) == 20
    assert first.context["profiles"].paginator.num_pages == 3
    last = directory(client, people["tree"], "?page=3")
    assert len(last.context["profiles"].object_list) == 5
    assert directory(client, people["tree"], "?page=abc").context["profiles"].number == 1
    assert directory(client, people["tree"], "?page=999").context["profiles"].number == 3


def test_pagination_links_keep_the_filters(client, people):
    make_profiles(25, people["space"])
    response = directory(client, people["tree"], "?skill=python")
    assert b'href="?skill=python&amp;page=2"' in response.content


@pytest.mark.parametrize("viewer", ["anonymous", "member", "coordinator"])
def test_directory_query_count_does_not_grow_with_profiles(people, viewer,
                                                           django_assert_max_num_queries):
    client = Client() if viewer == "anonymous" else logged_in(people[viewer])
    make_profiles(5, people["space"])
    client.get(people["tree"].members.url)  # warm Site and caches
    with django_assert_max_num_queries(25) as small:
        directory(client, people["tree"])
    make_profiles(55, people["space"])
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = directory(client, people["tree"], "?skill=python&city=roma")
    assert len(response.context["profiles"].object_list) == 20
