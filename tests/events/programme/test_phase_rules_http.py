"""What each role may do in each phase, over HTTP (issue 8's "phase rules" tests, with
test_views for proposing and dots): notes (organisers once published, hosts and
participants while running, nobody else), a proposer's edits (until the grid is published;
organisers until the archive), the organisers' grid moves (until the archive)."""

import pytest
from django.urls import reverse

from events.programme import services
from events.programme.models import NoteRevision, Phase, Proposal, Session
from tests.events.programme.factories import make_unconference
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db

NOTES_RUNNING_ONLY = "Notes are written while the programme runs."


@pytest.fixture
def u(site_tree):
    u = make_unconference(site_tree, people=3)
    u.proposal = u.propose(u.people[0], "Mine", co_hosts=(u.people[1],))
    u.session = services.session_place(u.proposal, room=u.rooms[0], slot=u.slots[0],
                                       actor=u.organiser)
    u.outsider = UserFactory()
    return u


def who(u, role: str):
    return {"host": u.people[1], "participant": u.people[2], "organiser": u.organiser,
            "outsider": u.outsider}[role]


def session_url(u) -> str:
    return reverse("programme:session", args=[u.event.pk, u.session.pk])


@pytest.mark.parametrize(("phase", "role", "saved"), [
    (Phase.SCHEDULED, "host", False), (Phase.SCHEDULED, "participant", False),
    (Phase.SCHEDULED, "organiser", True), (Phase.SCHEDULED, "outsider", False),
    (Phase.RUNNING, "host", True), (Phase.RUNNING, "participant", True),
    (Phase.RUNNING, "organiser", True), (Phase.RUNNING, "outsider", False),
    (Phase.ARCHIVED, "host", False), (Phase.ARCHIVED, "participant", False),
    (Phase.ARCHIVED, "organiser", True), (Phase.ARCHIVED, "outsider", False),
])
def test_who_writes_notes_in_which_phase(client, u, phase, role, saved):
    u.set_phase(phase)
    client.force_login(who(u, role))
    response = client.post(session_url(u), {"body": f"Notes by the {role}"}, follow=True)
    assert response.redirect_chain == [(session_url(u), 302)]
    text = response.content.decode()
    assert NoteRevision.objects.filter(session=u.session).count() == (1 if saved else 0)
    assert ("Notes saved." in text) is saved
    if not saved and role != "outsider":
        assert NOTES_RUNNING_ONLY in text
    if not saved:
        assert 'name="body"' not in text  # no editor offered either


def test_an_anonymous_visitor_is_sent_to_sign_in_to_write_notes(client, u):
    u.set_phase(Phase.RUNNING)
    response = client.post(session_url(u), {"body": "Anonymous"})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={session_url(u)}"
    assert NoteRevision.objects.count() == 0


@pytest.mark.parametrize(("phase", "role", "saved"), [
    (Phase.PROPOSALS, "proposer", True), (Phase.VOTING, "proposer", True),
    (Phase.SCHEDULED, "proposer", False), (Phase.RUNNING, "proposer", False),
    (Phase.ARCHIVED, "proposer", False),
    (Phase.VOTING, "organiser", True), (Phase.RUNNING, "organiser", True),
    (Phase.ARCHIVED, "organiser", False),
])
def test_who_edits_a_proposal_in_which_phase(client, u, phase, role, saved):
    u.set_phase(phase)
    client.force_login(u.people[0] if role == "proposer" else u.organiser)
    response = client.post(
        reverse("programme:proposal_edit", args=[u.event.pk, u.proposal.pk]),
        {"title": "Renamed", "kind": "talk", "length": "1", "language": "en",
         "co_hosts": [u.people[1].pk]})
    assert response.status_code == 302
    assert Proposal.objects.get(pk=u.proposal.pk).title == ("Renamed" if saved else "Mine")


@pytest.mark.parametrize(("phase", "moved"), [
    (Phase.VOTING, True), (Phase.SCHEDULED, True), (Phase.RUNNING, True),
    (Phase.ARCHIVED, False)])
def test_organisers_move_sessions_until_the_archive(client, u, phase, moved):
    u.set_phase(phase)
    client.force_login(u.organiser)
    client.post(reverse("programme_admin:grid", args=[u.event.pk]), {
        "action": "move", "proposal": u.proposal.pk,
        "cell": f"{u.rooms[1].pk}:{u.slots[1].pk}"})
    session = Session.objects.get(pk=u.session.pk)
    assert (session.room, session.sequence) == ((u.rooms[1], 1) if moved
                                                else (u.rooms[0], 0))


def test_a_participant_cannot_move_a_session(client, u):
    u.set_phase(Phase.RUNNING)
    client.force_login(u.people[0])
    response = client.post(reverse("programme_admin:grid", args=[u.event.pk]), {
        "action": "move", "proposal": u.proposal.pk,
        "cell": f"{u.rooms[1].pk}:{u.slots[1].pk}"})
    assert response.status_code == 403  # a member without admin access (issue 10)
    assert Session.objects.get(pk=u.session.pk).room == u.rooms[0]
