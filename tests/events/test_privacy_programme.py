"""The unconference programme's part of a member's data (events.programme.privacy): what
the export lists, which proposals an erasure withdraws, and how the programme names an
erased member afterwards."""

import pytest
from django.test import Client
from django.urls import reverse

from events.programme import services
from events.programme.models import NoteRevision, Phase, ProposalState, Vote
from events.programme.privacy import member_data_erase, member_data_export
from events.programme.selectors import person_name
from home.privacy import member_data_export as site_export
from home.privacy import member_erase
from network.services import profile_ensure
from tests.events.programme.factories import make_unconference

pytestmark = pytest.mark.django_db


@pytest.fixture
def unconference(site_tree):
    u = make_unconference(site_tree, people=3)
    profile_ensure(u.people[0], display_name="Zoë <b>Brûlée</b>")
    return u


def test_export_lists_proposals_dots_and_notes(unconference):
    u = unconference
    me, friend = u.people[0], u.people[1]
    mine = u.propose(me, "Coffee & code", description="Bring a mug")
    theirs = u.propose(friend, "Printing", co_hosts=(me,))
    u.set_phase(Phase.VOTING)
    services.vote_cast(theirs, actor=me)
    session = services.session_place(mine, room=u.rooms[0], slot=u.slots[0],
                                     actor=u.organiser)
    NoteRevision.objects.create(session=session, body="We met.", author=me)

    data = member_data_export(me)
    assert [(p["title"], p["proposer"], p["host"], p["state"]) for p in data["proposals"]] == [
        ("Coffee & code", True, True, "submitted"), ("Printing", False, True, "submitted")]
    assert data["proposals"][0]["description"] == "Bring a mug"
    assert data["dots"] == [{"event": "Espresso day", "proposal": "Printing", "dots": 1}]
    assert [(n["session"], n["text"]) for n in data["session_notes"]] == [
        ("Coffee & code", "We met.")]
    assert site_export(me)["programme"] == data
    client = Client()
    client.force_login(me)
    html = client.get(reverse("home:my_data")).content.decode()
    assert "Coffee &amp; code" in html and "Printing" in html and "co-host" in html
    erase_page = client.get(reverse("home:account_erase")).content.decode()
    assert "<bdi>Coffee &amp; code</bdi>" in erase_page


def test_erasure_withdraws_open_proposals_and_gives_the_dots_back(unconference):
    u = unconference
    me, voter = u.people[0], u.people[1]
    mine = u.propose(me, "Coffee & code")
    u.set_phase(Phase.VOTING)
    services.vote_cast(mine, actor=voter)
    assert member_data_erase(me) == {"proposals_withdrawn": 1, "proposals_kept": 0}
    mine.refresh_from_db()
    assert mine.state == ProposalState.WITHDRAWN
    assert not Vote.objects.filter(proposal=mine).exists()
    assert member_data_erase(me) == {"proposals_withdrawn": 0, "proposals_kept": 0}


def test_a_published_programme_keeps_the_session_and_no_longer_names_the_member(unconference):
    u = unconference
    me = u.people[0]
    mine = u.propose(me, "Coffee & code")
    u.set_phase(Phase.SCHEDULED)
    assert person_name(me) == "Zoë <b>Brûlée</b>"
    result = member_erase(me, by=me)
    assert result.done["programme"] == {"proposals_withdrawn": 0, "proposals_kept": 0}
    mine.refresh_from_db()
    assert mine.state == ProposalState.SUBMITTED
    assert list(mine.hosts.all()) == [me]
    assert person_name(me) == "—"
