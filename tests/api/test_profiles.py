"""/api/v1/profiles/ and the hosts of sessions follow the directory's one visibility rule
(network.selectors.profiles_visible_to): a hidden profile never shows, neither by a field
nor by its existence (its 404 is the same as a missing one's)."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events.programme import services
from events.programme.models import Phase
from network.models import MembershipRole, Visibility
from network.services import membership_set
from tests.api.helpers import assert_matches_schema, get, token_for
from tests.events.programme.factories import make_unconference
from tests.events.registration_factories import space_in
from tests.network.factories import MemberProfileFactory, UserFactory, make_coordinator

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def people(site_tree):
    space = space_in(site_tree, "Cowo Roma")
    public = MemberProfileFactory(display_name="Ada Public", visibility=Visibility.PUBLIC,
                                  headline="Maker", city="Roma", home_space=space,
                                  show_email=True, links="https://example.org/ada\njavascript:x")
    public.skills.add("Laser cutting")
    public.save()
    membership_set(public.user, space, MembershipRole.HOST)
    network = MemberProfileFactory(display_name="Nina Network", visibility=Visibility.NETWORK,
                                   show_email=False)
    hidden = MemberProfileFactory(display_name="Hugo Hidden", visibility=Visibility.HIDDEN,
                                  headline="Secret headline", city="Roma", show_email=True)
    membership_set(hidden.user, space, MembershipRole.MEMBER)
    return {"public": public, "network": network, "hidden": hidden, "space": space}


def names(response) -> list[str]:
    assert response.status_code == 200
    return [item["display_name"] for item in response.json()["results"]]


def test_anonymous_callers_see_public_profiles_only(client, people):
    response = get(client, "profiles")
    assert names(response) == ["Ada Public"]
    item = response.json()["results"][0]
    assert_matches_schema(item, "Profile")
    assert item["email"] == people["public"].user.email  # she shows it
    assert item["skills"] == ["Laser cutting"]
    assert item["links"] == ["https://example.org/ada"]
    assert item["home_space"] == people["space"].slug
    assert item["memberships"] == [{"space": people["space"].slug, "role": "host"}]


def test_a_member_token_sees_network_profiles_but_never_hidden_ones(client, people):
    member = UserFactory()
    token = token_for(member)
    assert names(get(client, "profiles", token=token)) == ["Ada Public", "Nina Network"]
    nina = get(client, "profile", token=token, slug=people["network"].slug).json()
    assert nina["email"] is None  # she does not show it


def test_the_hidden_member_sees_themself_and_a_coordinator_sees_all(client, people):
    hidden_token = token_for(people["hidden"].user)
    assert "Hugo Hidden" in names(get(client, "profiles", token=hidden_token))
    own = get(client, "profile", token=hidden_token, slug=people["hidden"].slug).json()
    assert own["email"] == people["hidden"].user.email
    coordinator_token = token_for(make_coordinator())
    assert names(get(client, "profiles", token=coordinator_token)) == [
        "Ada Public", "Hugo Hidden", "Nina Network"]


@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_a_hidden_profile_does_not_exist_for_others(client, people, who):
    token = token_for(UserFactory()) if who == "member" else None
    hidden = get(client, "profile", token=token, slug=people["hidden"].slug)
    missing = get(client, "profile", token=token, slug="no-such-member")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    # Not by a search on any of its fields, nor by the space it belongs to.
    for params in ({"q": "Hugo"}, {"q": "Secret headline"}, {"city": "Roma"},
                   {"space": str(people["space"].pk)}):
        response = get(client, "profiles", token=token, params=params)
        assert "Hugo Hidden" not in names(response)
        assert b"Hugo" not in response.content and b"Secret" not in response.content


def test_bad_directory_parameters_are_a_400(client, people):
    for params, field in (({"space": "9" * 30}, "space"), ({"space": "-3"}, "space"),
                          ({"q": "x" * 101}, "q"), ({"cursor": "%00"}, "cursor")):
        response = get(client, "profiles", params=params)
        assert response.status_code == 400
        assert list(response.json()) == [field]


def test_an_events_cursor_is_refused_on_the_profiles(client, people, site_tree):
    from tests.events.discovery_factories import make_event

    for i in range(3):
        make_event(people["space"], f"E{i}", starts_in_days=i + 1)
    events_next = get(client, "events", params={"page_size": 1}).json()["next"]
    cursor = events_next.split("cursor=")[1].split("&")[0]
    assert get(client, "profiles", params={"cursor": cursor}).status_code == 400


def test_profile_queries_do_not_grow_with_the_profiles(client, people):
    def count() -> int:
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert get(client, "profiles", params={"page_size": 100}).status_code == 200
        return len(queries)

    few = count()
    for i in range(10):
        profile = MemberProfileFactory(visibility=Visibility.PUBLIC, home_space=people["space"])
        profile.skills.add(f"skill {i}")
        membership_set(profile.user, people["space"], MembershipRole.MEMBER)
    assert count() == few


@pytest.fixture
def unconference(site_tree):
    u = make_unconference(site_tree, people=3)
    public, network, hidden = u.people
    MemberProfileFactory(user=public, display_name="Pia Public", visibility=Visibility.PUBLIC)
    MemberProfileFactory(user=network, display_name="Nico Network",
                         visibility=Visibility.NETWORK)
    MemberProfileFactory(user=hidden, display_name="Hana Hidden", visibility=Visibility.HIDDEN)
    first = u.propose(hidden, "Hidden's session", co_hosts=(public,))
    second = u.propose(network, "Network's session")
    u.set_phase(Phase.VOTING)
    services.session_place(first, room=u.rooms[0], slot=u.slots[0], actor=u.organiser)
    services.session_place(second, room=u.rooms[1], slot=u.slots[0], actor=u.organiser)
    return u


def test_sessions_wait_for_the_published_grid(client, unconference):
    response = get(client, "event_sessions", pk=unconference.event.pk)
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_session_hosts_follow_the_profiles_visibility(client, unconference):
    unconference.set_phase(Phase.SCHEDULED)
    anonymous = get(client, "event_sessions", pk=unconference.event.pk).json()["results"]
    assert [s["title"] for s in anonymous] == ["Hidden's session", "Network's session"]
    for session in anonymous:
        assert_matches_schema(session, "Session")
    assert [s["hosts"] for s in anonymous] == [
        [{"name": "Pia Public", "profile": unconference.people[0].profile.slug}], []]
    token = token_for(UserFactory())
    member = get(client, "event_sessions", pk=unconference.event.pk, token=token)
    hosts = [[h["name"] for h in s["hosts"]] for s in member.json()["results"]]
    assert hosts == [["Pia Public"], ["Nico Network"]]
    assert b"Hana" not in member.content
    assert get(client, "event_sessions", pk=2**40).status_code == 404
