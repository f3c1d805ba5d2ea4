"""Site search: pages and the member profiles the viewer may see, grouped and paginated."""

import pytest

from network.services import coordinators_group_ensure
from tests.events.discovery_factories import make_event
from tests.network.factories import MemberProfileFactory, UserFactory, make_space

# Search reads the index that saves fill (off by default in the suite, tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("wagtail_indexes")]


@pytest.fixture
def members(site_tree):
    return {
        "public": MemberProfileFactory(display_name="Zoë Quokkafield", visibility="public"),
        "network": MemberProfileFactory(display_name="Łukasz Quokkafield", visibility="network"),
        "hidden": MemberProfileFactory(display_name="Ana María Quokkafield",
                                       visibility="hidden"),
    }


def _found_members(client, query="Quokkafield") -> set[str]:
    response = client.get("/search/", {"q": query, "type": "members"})
    assert response.status_code == 200
    return {profile.display_name for profile in response.context["page_obj"].object_list}


def test_anonymous_visitors_find_public_members_only(client, members):
    assert _found_members(client) == {"Zoë Quokkafield"}
    assert "Ana María" not in client.get("/search/", {"q": "Quokkafield"}).content.decode()


def test_members_find_public_and_network_members_but_never_hidden_ones(client, members):
    client.force_login(UserFactory(username="viewer"))
    assert _found_members(client) == {"Zoë Quokkafield", "Łukasz Quokkafield"}
    html = client.get("/search/", {"q": "Quokkafield"}).content.decode()
    assert "Ana María" not in html


def test_hidden_member_finds_their_own_profile(client, members):
    client.force_login(members["hidden"].user)
    assert "Ana María Quokkafield" in _found_members(client)


def test_coordinators_find_hidden_members(client, members):
    coordinator = UserFactory(username="coordinator")
    coordinator.groups.add(coordinators_group_ensure())
    client.force_login(coordinator)
    assert _found_members(client) == {"Zoë Quokkafield", "Łukasz Quokkafield",
                                       "Ana María Quokkafield"}


def test_search_finds_spaces_and_the_format_page_grouped(client, site_tree):
    make_space(site_tree.spaces, "Cowo360", city="Roma", tagline="Quokka coworking")
    make_space(site_tree.spaces, "Closed Quokka", active=False)
    response = client.get("/search/", {"q": "Quokka"})
    groups = {group.key: group for group in response.context["groups"]}
    assert [p.title for p in groups["spaces"].results] == ["Cowo360"]
    assert groups["members"].count == 0
    format_response = client.get("/search/", {"q": "Espresso format", "type": "pages"})
    assert "The Espresso format" in [p.title for p in format_response.context["page_obj"]]


def test_search_paginates_a_group(client, site_tree):
    for number in range(25):
        make_space(site_tree.spaces, f"Quokka Space {number:02d}")
    first = client.get("/search/", {"q": "Quokka", "type": "spaces"})
    second = client.get("/search/", {"q": "Quokka", "type": "spaces", "page": "2"})
    assert len(first.context["page_obj"].object_list) == 20
    assert len(second.context["page_obj"].object_list) == 5
    overview = client.get("/search/", {"q": "Quokka"})
    assert len(overview.context["previews"][0][1]) == 5
    assert "All 25 results" in overview.content.decode()


@pytest.mark.parametrize("params", [
    {"q": "Quokka", "type": "spaces", "page": "abc"},
    {"q": "Quokka", "type": "spaces", "page": "-5"},
    {"q": "Quokka", "type": "spaces", "page": "99999999999999999999"},
    {"q": "Quokka", "type": "<script>"},
    {"q": "x" * 5000},
    {"q": "line\nbreak\x00nul"},
    {"q": "<script>alert(1)</script>"},
    {"q": "ليلى 🚀 ☕"},
    {"q": '"'},
    {"q": '"><script>'},
    {"q": 'Quokka "unclosed'},
    {"q": 'NOT OR AND NEAR( * ^ -Quokka'},
    {"q": "   "},
    {},
])
def test_bad_search_parameters_never_fail(client, site_tree, params):
    make_space(site_tree.spaces, "Quokka Space")
    response = client.get("/search/", params)
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()
    assert len(response.context["search_query"]) <= 200
    assert "\x00" not in response.context["search_query"]


def test_search_finds_events_and_shows_when_and_where(client, site_tree):
    space = make_space(site_tree.spaces, "Cowo360", city="Roma")
    make_event(space, "Quokka unconference", summary="A day of open sessions")
    response = client.get("/search/", {"q": "Quokka", "type": "events"})
    assert [event.title for event in response.context["page_obj"]] == ["Quokka unconference"]
    html = response.content.decode()
    assert "Cowo360" in html and "A day of open sessions" in html


@pytest.mark.postgres
def test_postgresql_uses_full_text_search_with_stemming(client, site_tree):
    from wagtail.search.backends import get_search_backend

    assert type(get_search_backend()).__name__ == "PostgresSearchBackend"
    make_space(site_tree.spaces, "Quokka Lab", tagline="Workshops for makers")
    response = client.get("/search/", {"q": "workshop", "type": "spaces"})
    assert [space.title for space in response.context["page_obj"]] == ["Quokka Lab"]


@pytest.mark.parametrize("raw", ['"', '"><script>', 'Quok"ka', '"Quokka Space"'])
def test_quotes_in_a_search_are_no_query_syntax(client, site_tree, raw):
    """Regression: a double quote reached SQLite's full-text syntax (an HTTP 500)."""
    make_space(site_tree.spaces, "Quokka Space")
    response = client.get("/search/", {"q": raw})
    assert response.status_code == 200
    assert '"' not in response.context["search_query"]


def test_a_quoted_search_still_finds_the_words(client, site_tree):
    make_space(site_tree.spaces, "Quokka Space")
    response = client.get("/search/", {"q": '"Quokka"', "type": "spaces"})
    assert [page.title for page in response.context["page_obj"]] == ["Quokka Space"]
