"""Two people writing a session's notes at once: the second save is not lost silently; it is
refused with the version saved meanwhile, the writer's text stays in the editor, and a save
from the new version goes through."""

import re

import pytest
from django.urls import reverse

from events.programme import services
from events.programme.exceptions import NotesConflict
from events.programme.models import NoteRevision, Phase
from tests.events.programme.factories import make_unconference

pytestmark = pytest.mark.django_db


@pytest.fixture
def u(site_tree):
    return make_unconference(site_tree, people=3)


@pytest.fixture
def session(u):
    proposal = u.propose(u.people[0], "Notes")
    placed = services.session_place(proposal, room=u.rooms[0], slot=u.slots[0],
                                    actor=u.organiser)
    u.set_phase(Phase.RUNNING)
    return placed


def session_url(u, session):
    return reverse("programme:session", args=[u.event.pk, session.pk])


def base_of(html: str) -> str:
    return re.search(r'name="base_revision" value="(\d+)"', html).group(1)


def test_a_save_from_an_old_version_is_refused_with_the_newer_one(u, session):
    first = services.note_save(session, "Alice's notes", actor=u.people[1], base_revision_id=0)

    with pytest.raises(NotesConflict) as refused:
        services.note_save(session, "Bob's notes", actor=u.people[2], base_revision_id=0)

    assert refused.value.latest == first
    assert list(NoteRevision.objects.values_list("body", flat=True)) == ["Alice's notes"]
    again = services.note_save(session, "Alice's notes\nBob's notes", actor=u.people[2],
                               base_revision_id=first.pk)
    assert again.body == "Alice's notes\nBob's notes"


def test_saving_the_same_text_as_the_newer_version_is_no_conflict(u, session):
    first = services.note_save(session, "Same", actor=u.people[1], base_revision_id=0)
    assert services.note_save(session, "Same", actor=u.people[2], base_revision_id=0) == first
    assert NoteRevision.objects.count() == 1


def test_two_people_saving_from_the_same_page_over_http(client, u, session):
    client.force_login(u.people[1])
    page = client.get(session_url(u, session)).content.decode()
    assert base_of(page) == "0"
    other = client.__class__()
    other.force_login(u.people[2])
    other_page = other.get(session_url(u, session)).content.decode()

    saved = client.post(session_url(u, session), {"body": "Alice: agenda & more",
                                                  "base_revision": base_of(page)})
    assert saved.status_code == 302

    late = other.post(session_url(u, session), {"body": "Bob: שלום ☕",
                                                "base_revision": base_of(other_page)})
    html = late.content.decode()
    assert late.status_code == 409
    assert "Someone saved these notes while you were writing." in html
    assert "Bob: שלום ☕" in html  # the writer's text stays in the editor
    assert '<div class="prose notes"><p>Alice: agenda &amp; more</p>' in html  # the newer one
    latest = NoteRevision.objects.get()
    assert base_of(html) == str(latest.pk)

    merged = other.post(session_url(u, session), {
        "body": "Alice: agenda\nBob: שלום ☕", "base_revision": base_of(html)})
    assert merged.status_code == 302
    assert NoteRevision.objects.first().body == "Alice: agenda\nBob: שלום ☕"
    assert NoteRevision.objects.count() == 2


@pytest.mark.parametrize("base", ["-1", "x", "99999999999999999999999"])
def test_a_tampered_base_version_is_a_form_error(client, u, session, base):
    client.force_login(u.people[1])
    response = client.post(session_url(u, session), {"body": "Text", "base_revision": base})
    assert response.status_code == 400
    assert not NoteRevision.objects.exists()
