"""Sessions in the open format: one VEVENT each in the event's .ics (RELATED-TO the event,
LOCATION the room, SEQUENCE bumped by a move, the ETag following), the JSON feed's
`sessions` (valid against the schema), the member's personal sessions feed."""

import json

import jsonschema
import pytest
from django.core.cache import cache
from django.urls import reverse

from events.calendar_tokens import calendar_token_create, calendar_token_revoke
from events.programme import services
from events.programme.models import Phase
from tests.events.programme.factories import make_unconference
from tests.events.test_calendar import by_uid, parse_both
from tests.events.test_feeds import FORMAT_CHECKER, SCHEMA

pytestmark = pytest.mark.django_db

HOSTILE = 'X\nDTSTART:19700101T000000Z; a, b \\ c 😀 שלום <b>"q"</b>'


@pytest.fixture(autouse=True)
def cold_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def u(site_tree):
    u = make_unconference(site_tree, people=3)
    u.proposal = u.propose(u.people[0], HOSTILE, co_hosts=(u.people[1],))
    u.other = u.propose(u.people[2], "Second session")
    u.set_phase(Phase.VOTING)
    services.vote_cast(u.proposal, actor=u.people[2])
    u.session = services.session_place(u.proposal, room=u.rooms[0], slot=u.slots[0],
                                       actor=u.organiser)
    services.session_place(u.other, room=u.rooms[1], slot=u.slots[0], actor=u.organiser)
    return u


def event_ics(client, u, **headers):
    return client.get(reverse("events:calendar_event", kwargs={"pk": u.event.pk}), **headers)


def test_sessions_are_not_in_the_ics_before_the_grid_is_published(client, u):
    parse_both(event_ics(client, u).content, expected_events=1)


def test_each_session_is_a_vevent_related_to_the_event(client, u):
    u.set_phase(Phase.SCHEDULED)
    calendar = parse_both(event_ics(client, u).content, expected_events=3)
    vevent = by_uid(calendar, u.session.ical_uid)
    assert vevent.summary.value == "X DTSTART:19700101T000000Z; a, b \\ c 😀 שלום <b>\"q\"</b>"
    assert vevent.related_to.value == u.event.ical_uid
    assert vevent.location.value.startswith("Room 1, ")
    assert vevent.sequence.value == "0"
    assert vevent.dtstart.value == u.slots[0].starts_at


def test_a_move_bumps_the_sequence_and_the_etag(client, u):
    u.set_phase(Phase.SCHEDULED)
    first = event_ics(client, u)
    etag = first["ETag"]
    assert event_ics(client, u, HTTP_IF_NONE_MATCH=etag).status_code == 304
    services.session_place(u.proposal, room=u.rooms[0], slot=u.slots[1], actor=u.organiser)
    second = event_ics(client, u, HTTP_IF_NONE_MATCH=etag)
    assert second.status_code == 200
    vevent = by_uid(parse_both(second.content, expected_events=3), u.session.ical_uid)
    assert vevent.sequence.value == "1"
    assert vevent.dtstart.value == u.slots[1].starts_at


def test_the_json_feed_lists_sessions_and_validates(client, u):
    u.set_phase(Phase.SCHEDULED)
    data = json.loads(client.get(reverse("events:feed_json")).content)
    jsonschema.Draft202012Validator(SCHEMA, format_checker=FORMAT_CHECKER).validate(data)
    item = next(i for i in data["items"] if i["id"] == u.event.ical_uid)
    first = item["sessions"][0]
    assert {k: first[k] for k in ("id", "title", "room", "votes", "sequence")} == {
        "id": u.session.ical_uid, "title": u.proposal.title, "room": "Room 1", "votes": 1,
        "sequence": 0}
    assert first["hosts"] == []  # no host has a public profile (see test_feed_privacy)
    assert [s["title"] for s in item["sessions"]] == [u.proposal.title, "Second session"]


def test_events_without_a_programme_have_an_empty_sessions_list(client, u):
    data = json.loads(client.get(reverse("events:feed_json")).content)
    item = next(i for i in data["items"] if i["id"] == u.event.ical_uid)
    assert item["sessions"] == []


def test_the_personal_sessions_feed_follows_the_token(client, u):
    u.set_phase(Phase.SCHEDULED)
    token = calendar_token_create(u.people[2])
    url = reverse("programme:sessions_calendar", kwargs={"token": token.token})
    calendar = parse_both(client.get(url).content, expected_events=2)
    assert {v.uid.value for v in calendar.vevent_list} == {
        u.session.ical_uid, u.other.session.ical_uid}
    calendar_token_revoke(u.people[2])
    assert client.get(url).status_code == 404


def test_the_personal_sessions_feed_answers_304_until_something_of_it_changes(client, u):
    u.set_phase(Phase.SCHEDULED)
    token = calendar_token_create(u.people[2])
    url = reverse("programme:sessions_calendar", kwargs={"token": token.token})
    first = client.get(url)
    etag = first.headers["ETag"]
    assert first.headers["X-Robots-Tag"] == "noindex"
    assert "private" in first.headers["Cache-Control"]

    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["ETag"] == etag

    u.rooms[0].name = "Sala Grande"
    u.rooms[0].save(update_fields=["name"])
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert b"Sala Grande" in changed.content
    assert client.get(reverse("programme:sessions_calendar",
                              kwargs={"token": "bad\x00token"})).status_code == 404
