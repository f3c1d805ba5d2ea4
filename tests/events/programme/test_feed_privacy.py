"""Session hosts in the feeds and pages follow the directory's rule
(events.programme.privacy), as the read API does: the public .ics and JSON feed name hosts
with a public profile only; a member's own sessions feed names those that member may see;
hiding a profile changes the feeds' ETag, so a calendar app's next fetch no longer names
the host. The programme's pages (proposals, a session, the outcomes, the grid PDF) name
the hosts whoever asks may see."""

import json
import subprocess

import pytest
from django.core.cache import cache
from django.urls import reverse

from events.calendar_tokens import calendar_token_create
from events.programme import services
from events.programme.models import Phase
from network.services import profile_ensure
from tests.events.programme.factories import make_unconference, participant
from tests.events.test_calendar import by_uid, parse_both

pytestmark = pytest.mark.django_db

PUBLIC, NETWORK, HIDDEN = "Anna Pubblica", "Nina Rete", "Ugo Nascosto"


@pytest.fixture(autouse=True)
def cold_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def u(site_tree):
    u = make_unconference(site_tree, people=1)
    u.public, u.network, u.hidden, u.no_profile = (participant(u.event) for _ in range(4))
    profile_ensure(u.public, display_name=PUBLIC, visibility="public")
    profile_ensure(u.network, display_name=NETWORK, visibility="network")
    profile_ensure(u.hidden, display_name=HIDDEN, visibility="hidden")
    u.proposal = u.propose(u.public, "Pricing a day pass",
                           co_hosts=(u.network, u.hidden, u.no_profile))
    u.set_phase(Phase.VOTING)
    services.vote_cast(u.proposal, actor=u.people[0])
    u.session = services.session_place(u.proposal, room=u.rooms[0], slot=u.slots[0],
                                       actor=u.organiser)
    u.set_phase(Phase.SCHEDULED)
    return u


def event_ics(client, u, **headers):
    return client.get(reverse("events:calendar_event", kwargs={"pk": u.event.pk}), **headers)


def json_feed(client, **headers):
    return client.get(reverse("events:feed_json"), **headers)


def feed_hosts(response, u) -> list[str]:
    item = next(i for i in json.loads(response.content)["items"]
                if i["id"] == u.event.ical_uid)
    return item["sessions"][0]["hosts"]


def description(body: bytes, u) -> str:
    return by_uid(parse_both(body, expected_events=2), u.session.ical_uid).description.value


def personal_description(client, user, u) -> str:
    token = calendar_token_create(user)
    url = reverse("programme:sessions_calendar", kwargs={"token": token.token})
    return by_uid(parse_both(client.get(url).content, expected_events=1),
                  u.session.ical_uid).description.value


def test_the_json_feed_names_only_hosts_with_a_public_profile(client, u):
    assert feed_hosts(json_feed(client), u) == [PUBLIC]


def test_the_event_ics_names_only_hosts_with_a_public_profile(client, u):
    text = description(event_ics(client, u).content, u)
    assert PUBLIC in text
    assert NETWORK not in text and HIDDEN not in text
    assert u.no_profile.email not in text


def test_the_json_feed_is_the_same_for_a_signed_in_member(client, u):
    # The feed is public (and cached for everyone): a session cookie changes nothing.
    client.force_login(u.people[0])
    assert feed_hosts(json_feed(client), u) == [PUBLIC]


def test_a_members_sessions_feed_names_the_hosts_that_member_may_see(client, u):
    text = personal_description(client, u.people[0], u)
    assert PUBLIC in text and NETWORK in text
    assert HIDDEN not in text


def test_a_hidden_host_sees_their_own_name_in_their_own_feed(client, u):
    text = personal_description(client, u.hidden, u)
    assert HIDDEN in text and PUBLIC in text and NETWORK in text


def test_hiding_a_profile_changes_the_etag_and_drops_the_name(client, u):
    first_json, first_ics = json_feed(client), event_ics(client, u)
    assert json_feed(client, HTTP_IF_NONE_MATCH=first_json["ETag"]).status_code == 304
    assert event_ics(client, u, HTTP_IF_NONE_MATCH=first_ics["ETag"]).status_code == 304

    profile_ensure(u.public, visibility="hidden")

    again_json = json_feed(client, HTTP_IF_NONE_MATCH=first_json["ETag"])
    assert again_json.status_code == 200
    assert feed_hosts(again_json, u) == []
    again_ics = event_ics(client, u, HTTP_IF_NONE_MATCH=first_ics["ETag"])
    assert again_ics.status_code == 200
    assert PUBLIC not in description(again_ics.content, u)


def test_a_host_who_makes_their_profile_public_appears(client, u):
    first = json_feed(client)
    profile_ensure(u.network, visibility="public")
    again = json_feed(client, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    assert feed_hosts(again, u) == [PUBLIC, NETWORK]


def test_a_host_deleting_their_profile_changes_the_etag(client, u):
    profile_ensure(u.network, visibility="public")
    first = json_feed(client)
    u.public.profile.delete()
    again = json_feed(client, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    assert feed_hosts(again, u) == [NETWORK]


def page_text(client, name, u, *args) -> str:
    response = client.get(reverse(f"programme:{name}", args=[u.event.pk, *args]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("page", ["home", "session", "outcomes"])
def test_the_pages_name_hosts_as_the_visitor_may_see_them(client, u, page):
    u.set_phase(Phase.ARCHIVED)
    services.outcomes_publish(u.programme, actor=u.organiser)
    args = [u.session.pk] if page == "session" else []
    anonymous = page_text(client, page, u, *args)
    assert PUBLIC in anonymous
    assert NETWORK not in anonymous and HIDDEN not in anonymous
    client.force_login(u.people[0])
    member = page_text(client, page, u, *args)
    assert PUBLIC in member and NETWORK in member
    assert HIDDEN not in member
    client.force_login(u.hidden)
    assert HIDDEN in page_text(client, page, u, *args)


def test_a_session_whose_hosts_are_all_hidden_names_nobody(client, u):
    profile_ensure(u.public, visibility="hidden")
    text = page_text(client, "session", u, u.session.pk)
    assert "Hosted by" not in text
    assert PUBLIC not in text and HIDDEN not in text


def test_the_grid_pdf_names_only_public_hosts_for_an_anonymous_visitor(client, u, tmp_path):
    response = client.get(reverse("programme:grid_pdf", args=[u.event.pk]))
    path = tmp_path / "grid.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["/usr/bin/pdftotext", "-enc", "UTF-8", str(path), "-"],  # noqa: S603
                          check=True, capture_output=True, text=True).stdout
    assert PUBLIC in text
    assert NETWORK not in text and HIDDEN not in text
