"""events.programme.services.proposals exactly (issue 14, the mutation run): each refusal's
sentence, each boundary (title 140, description 4000, five hosts), every field a proposal
is stored with, and what a withdrawal and a merge leave behind."""

import pytest
from django.db.models.query import QuerySet

from events.programme import services
from events.programme.exceptions import (
    InvalidProposal,
    NotAllowed,
    NotAParticipant,
    PhaseClosed,
)
from events.programme.models import (
    Cell,
    Equipment,
    Phase,
    Proposal,
    ProposalKind,
    ProposalState,
    Session,
    Vote,
)
from events.programme.services import ProposalData
from tests.events.programme.factories import make_unconference
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db

PHASE_CLOSED = r"^This is not possible in the programme's current phase\.$"


@pytest.fixture
def u(site_tree):
    return make_unconference(site_tree, people=7, rooms=2, slots=2)


def _fields(proposal: Proposal) -> tuple:
    proposal = Proposal.objects.get(pk=proposal.pk)
    return (proposal.title, proposal.description, proposal.kind, proposal.length,
            proposal.language, proposal.needs, proposal.proposer_id,
            sorted(proposal.hosts.values_list("pk", flat=True)))


# --- Cleaning ------------------------------------------------------------------------------

@pytest.mark.parametrize(("fields", "message"), [
    ({"title": "A\x00B"}, r"^The title must be one line\.$"),
    ({"title": " \n\t "}, r"^Give the session a title\.$"),
    ({"title": None}, r"^Give the session a title\.$"),
    ({"title": "x" * 141}, r"^Keep the title under 140 characters\.$"),
    ({"description": "d" * 4001}, r"^Keep the description under 4000 characters\.$"),
    ({"description": "bell\x07"}, r"^The description contains control characters\.$"),
    ({"kind": "lecture"}, r"^Unknown kind of session\.$"),
    ({"length": 3}, r"^A session lasts one or two slots\.$"),
    ({"length": True}, r"^A session lasts one or two slots\.$"),
    ({"language": "xx"}, r"^Unknown language\.$"),
    ({"needs": ["laser"]}, r"^Unknown equipment\.$"),
])
def test_each_bad_field_is_refused_with_its_sentence_and_nothing_is_stored(u, fields, message):
    data = ProposalData(**{"title": "Title", **fields})
    with pytest.raises(InvalidProposal, match=message):
        services.proposal_create(u.programme, actor=u.people[0], data=data)
    assert not Proposal.objects.exists()


def test_a_proposal_is_stored_with_every_field_as_cleaned(u):
    proposal = services.proposal_create(u.programme, actor=u.people[0], data=ProposalData(
        title="  Caffè\n  and  ☕ ", description="  line one\r\nline two\rline\tthree  ",
        kind=ProposalKind.WORKSHOP, length=2, language="en",
        needs=(Equipment.WHITEBOARD, Equipment.PROJECTOR, Equipment.WHITEBOARD),
        co_hosts=(u.people[1], u.people[1])))
    assert _fields(proposal) == (
        "Caffè and ☕", "line one\nline two\nline\tthree", "workshop", 2, "en",
        ["projector", "whiteboard"], u.people[0].pk, sorted([u.people[0].pk, u.people[1].pk]))
    assert (proposal.state, proposal.programme_id) == (ProposalState.SUBMITTED,
                                                       u.programme.pk)


def test_the_defaults_are_stored_as_given(u):
    proposal = u.propose(u.people[0], "Plain")
    assert _fields(proposal) == ("Plain", "", "discussion", 1, "it", [], u.people[0].pk,
                                 [u.people[0].pk])


def test_exactly_at_the_limits_is_accepted(u):
    co_hosts = tuple(u.people[1:5])
    proposal = u.propose(u.people[0], "t" * 140, description=" " + "d" * 4000 + " ",
                         needs=tuple(Equipment.values), co_hosts=(*co_hosts, u.people[0]))
    assert len(proposal.title) == 140 and proposal.description == "d" * 4000
    assert proposal.needs == sorted(Equipment.values)
    assert proposal.hosts.count() == 5
    with pytest.raises(InvalidProposal, match=r"^A session has at most 5 hosts\.$"):
        u.propose(u.people[0], "Six", co_hosts=tuple(u.people[1:6]))
    assert Proposal.objects.count() == 1


def test_a_co_host_who_is_not_a_participant_is_refused_with_the_sentence(u):
    with pytest.raises(InvalidProposal, match=r"^Co-hosts must be participants of the event\.$"):
        u.propose(u.people[0], "Together", co_hosts=(u.people[1], UserFactory()))
    assert not Proposal.objects.exists()


def test_a_description_with_spaces_and_tabs_is_kept(u):
    proposal = u.propose(u.people[0], "Spaces", description="a b\tc\n d")
    assert proposal.description == "a b\tc\n d"


# --- Creating ------------------------------------------------------------------------------

def test_participants_are_told_when_proposals_are_not_open(u):
    u.set_phase(Phase.SCHEDULED)
    with pytest.raises(PhaseClosed, match=r"^Proposals are not open for this event\.$"):
        u.propose(u.people[0])
    u.set_phase(Phase.VOTING)
    with pytest.raises(NotAParticipant,
                       match=r"^Only confirmed participants of the event can do this\.$"):
        u.propose(UserFactory())
    assert not Proposal.objects.exists()


@pytest.mark.parametrize("phase", [Phase.CLOSED, Phase.SCHEDULED, Phase.RUNNING])
def test_organisers_propose_in_any_phase_but_the_archive(u, phase):
    u.set_phase(phase)
    proposal = u.propose(u.organiser, "From the desk")
    assert _fields(proposal)[6:] == (u.organiser.pk, [u.organiser.pk])


def test_organisers_cannot_propose_in_the_archive(u):
    u.set_phase(Phase.ARCHIVED)
    with pytest.raises(PhaseClosed, match=PHASE_CLOSED):
        u.propose(u.organiser)
    assert not Proposal.objects.exists()


def test_a_proposal_whose_hosts_fail_to_be_stored_is_not_stored(u, monkeypatch):
    """One transaction: the proposal row goes with its hosts or not at all."""
    through = Proposal.hosts.through
    bulk_create = QuerySet.bulk_create

    def failing(self, objs, *args, **kwargs):
        if self.model is through:
            raise RuntimeError("hosts not stored")
        return bulk_create(self, objs, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "bulk_create", failing)
    with pytest.raises(RuntimeError):
        u.propose(u.people[0], "Half")
    monkeypatch.undo()
    assert not Proposal.objects.exists()


# --- Editing -------------------------------------------------------------------------------

def test_an_organiser_edit_keeps_the_proposer_as_first_host(u):
    proposal = u.propose(u.people[0], "Old", co_hosts=(u.people[1],))
    updated = services.proposal_update(proposal, actor=u.organiser, data=ProposalData(
        title="New", description="More", kind=ProposalKind.DEMO, length=2, language="en",
        needs=(Equipment.QUIET,), co_hosts=(u.people[2], u.people[0], u.people[3],
                                            u.people[4], u.people[5])))
    assert _fields(updated) == _fields(proposal) == (
        "New", "More", "demo", 2, "en", ["quiet"], u.people[0].pk,
        sorted(p.pk for p in u.people[:6] if p != u.people[1]))


def test_edit_refusals_say_why(u):
    proposal = u.propose(u.people[0], "Mine")
    with pytest.raises(NotAllowed, match=r"^Only the proposer and the organisers can change "
                                         r"a proposal\.$"):
        services.proposal_update(proposal, actor=u.people[1], data=ProposalData(title="X"))
    with pytest.raises(NotAllowed, match=r"^Only the proposer and the organisers"):
        services.proposal_update(proposal, actor=None, data=ProposalData(title="X"))
    u.set_phase(Phase.SCHEDULED)
    with pytest.raises(PhaseClosed, match=r"^Proposals can be changed only until the "
                                          r"programme is published\.$"):
        services.proposal_update(proposal, actor=u.people[0], data=ProposalData(title="X"))
    u.set_phase(Phase.ARCHIVED)
    with pytest.raises(PhaseClosed, match=PHASE_CLOSED):
        services.proposal_update(proposal, actor=u.organiser, data=ProposalData(title="X"))
    assert _fields(proposal)[0] == "Mine"


def test_a_proposal_without_a_proposer_is_edited_by_organisers_only(u):
    proposal = u.propose(u.people[0], "Orphan", co_hosts=(u.people[1],))
    Proposal.objects.filter(pk=proposal.pk).update(proposer=None)
    with pytest.raises(NotAllowed):
        services.proposal_update(proposal, actor=u.people[0], data=ProposalData(title="X"))
    updated = services.proposal_update(proposal, actor=u.organiser, data=ProposalData(
        title="Kept", co_hosts=(u.people[1], u.people[2])))
    assert _fields(updated)[6:] == (None, sorted([u.people[1].pk, u.people[2].pk]))


def test_a_withdrawn_proposal_cannot_be_edited(u):
    proposal = u.propose(u.people[0], "Gone")
    services.proposal_withdraw(proposal, actor=u.people[0])
    with pytest.raises(InvalidProposal, match=r"^This proposal was withdrawn or merged\.$"):
        services.proposal_update(proposal, actor=u.organiser, data=ProposalData(title="X"))
    assert _fields(proposal)[0] == "Gone"


def test_editing_a_placed_pinned_session_keeps_its_pin_and_grows_it(u):
    proposal = u.propose(u.people[0], "Short")
    services.session_place(proposal, room=u.rooms[1], slot=u.slots[0], actor=u.organiser,
                           pinned=True)
    services.proposal_update(proposal, actor=u.people[0],
                             data=ProposalData(title="Long", length=2))
    session = Session.objects.get(proposal=proposal)
    assert (session.room_id, session.first_slot_id, session.last_slot_id, session.pinned) == (
        u.rooms[1].pk, u.slots[0].pk, u.slots[1].pk, True)
    assert sorted(Cell.objects.values_list("slot_id", flat=True)) == [s.pk for s in u.slots]


# --- Withdrawing ---------------------------------------------------------------------------

def test_withdrawing_takes_the_session_and_the_dots_and_returns_the_proposal(u):
    proposal = u.propose(u.people[0], "Bye")
    other = u.propose(u.people[1], "Stays")
    services.session_place(proposal, room=u.rooms[0], slot=u.slots[0], actor=u.organiser)
    services.session_place(other, room=u.rooms[1], slot=u.slots[0], actor=u.organiser)
    u.set_phase(Phase.VOTING)
    services.vote_cast(proposal, actor=u.people[2])
    services.vote_cast(other, actor=u.people[2])
    returned = services.proposal_withdraw(proposal, actor=u.people[0])
    assert (returned.pk, returned.state) == (proposal.pk, ProposalState.WITHDRAWN)
    assert Proposal.objects.get(pk=proposal.pk).state == ProposalState.WITHDRAWN
    assert list(Session.objects.values_list("proposal_id", flat=True)) == [other.pk]
    assert list(Vote.objects.values_list("proposal_id", flat=True)) == [other.pk]


def test_withdrawing_a_merged_proposal_changes_nothing(u):
    duplicate, into = u.propose(u.people[0], "Dup"), u.propose(u.people[1], "Into")
    services.proposal_merge(duplicate, into, actor=u.organiser)
    returned = services.proposal_withdraw(duplicate, actor=u.organiser)
    assert (returned.state, returned.merged_into_id) == (ProposalState.MERGED, into.pk)
    stored = Proposal.objects.get(pk=duplicate.pk)
    assert (stored.state, stored.merged_into_id) == (ProposalState.MERGED, into.pk)


def test_others_cannot_withdraw(u):
    proposal = u.propose(u.people[0], "Mine")
    with pytest.raises(NotAllowed):
        services.proposal_withdraw(proposal, actor=u.people[1])
    assert Proposal.objects.get(pk=proposal.pk).state == ProposalState.SUBMITTED


# --- Merging -------------------------------------------------------------------------------

def test_merge_refusals_say_why_and_change_nothing(site_tree, u):
    a, b = u.propose(u.people[0], "A"), u.propose(u.people[1], "B")
    with pytest.raises(NotAllowed, match=r"^Only the event's organisers can do this\.$"):
        services.proposal_merge(a, b, actor=u.people[0])
    with pytest.raises(InvalidProposal,
                       match=r"^Choose another proposal of the same event\.$"):
        services.proposal_merge(a, a, actor=u.organiser)
    other = make_unconference(site_tree, people=1, rooms=1, slots=1)
    elsewhere = other.propose(other.people[0], "Elsewhere")
    with pytest.raises(InvalidProposal, match=r"^Choose another proposal"):
        services.proposal_merge(a, elsewhere, actor=u.organiser)
    gone = u.propose(u.people[2], "Gone")
    services.proposal_withdraw(gone, actor=u.people[2])
    for duplicate, into in ((gone, a), (a, gone)):
        with pytest.raises(InvalidProposal,
                           match=r"^Only submitted proposals can be merged\.$"):
            services.proposal_merge(duplicate, into, actor=u.organiser)
    u.set_phase(Phase.ARCHIVED)
    with pytest.raises(PhaseClosed, match=PHASE_CLOSED):
        services.proposal_merge(a, b, actor=u.organiser)
    assert set(Proposal.objects.filter(programme=u.programme).values_list("title", "state")) \
        == {("A", "submitted"), ("B", "submitted"), ("Gone", "withdrawn")}


def test_merging_returns_the_target_and_takes_the_duplicates_session_off_the_grid(u):
    duplicate, into = u.propose(u.people[0], "Dup"), u.propose(u.people[1], "Into")
    services.session_place(duplicate, room=u.rooms[0], slot=u.slots[0], actor=u.organiser)
    services.session_place(into, room=u.rooms[1], slot=u.slots[0], actor=u.organiser)
    returned = services.proposal_merge(duplicate, into, actor=u.organiser)
    assert returned.pk == into.pk
    assert list(Session.objects.values_list("proposal_id", flat=True)) == [into.pk]


def test_with_stacking_a_merge_moves_every_dot(u):
    duplicate, into = u.propose(u.people[0], "Dup"), u.propose(u.people[1], "Into")
    u.set_phase(Phase.VOTING)
    services.programme_configure(u.programme, actor=u.organiser, stacking_allowed=True)
    services.vote_cast(into, actor=u.people[2])
    services.vote_cast(duplicate, actor=u.people[2])
    services.vote_cast(duplicate, actor=u.people[2])
    services.proposal_merge(duplicate, into, actor=u.organiser)
    assert into.votes.count() == 3
    assert not duplicate.votes.exists()


def test_without_stacking_a_merge_keeps_one_dot_per_voter_the_oldest(u):
    """Dots stacked while stacking was on, merged after it was turned off."""
    duplicate, into = u.propose(u.people[0], "Dup"), u.propose(u.people[1], "Into")
    u.set_phase(Phase.VOTING)
    services.programme_configure(u.programme, actor=u.organiser, stacking_allowed=True)
    first = services.vote_cast(duplicate, actor=u.people[2])
    services.vote_cast(duplicate, actor=u.people[2])
    other = services.vote_cast(duplicate, actor=u.people[3])
    services.programme_configure(u.programme, actor=u.organiser, stacking_allowed=False)
    services.proposal_merge(duplicate, into, actor=u.organiser)
    assert sorted(into.votes.values_list("pk", flat=True)) == sorted([first.pk, other.pk])
    assert not duplicate.votes.exists()
