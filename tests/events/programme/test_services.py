"""The programme services: phase rules, proposals, dots, the grid, notes, outcomes."""

import datetime as dt

import pytest

from events.models import Registration, RegistrationRole, RegistrationState
from events.programme import services
from events.programme.exceptions import (
    AlreadyVoted,
    CellTaken,
    EquipmentMissing,
    HostDoubleBooked,
    InvalidGrid,
    InvalidProposal,
    NoDotsLeft,
    NotAllowed,
    NotAParticipant,
    PhaseClosed,
)
from events.programme.models import (
    Cell,
    Equipment,
    NoteRevision,
    Phase,
    ProposalState,
    Session,
    Vote,
)
from events.programme.services import ProposalData
from tests.events.programme.factories import make_unconference, participant
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def u(site_tree):
    return make_unconference(site_tree, people=4)


# --- Phases --------------------------------------------------------------------------------

@pytest.mark.parametrize("phase", [Phase.CLOSED, Phase.SCHEDULED, Phase.RUNNING,
                                   Phase.ARCHIVED])
def test_participants_cannot_propose_outside_the_proposal_and_voting_phases(u, phase):
    u.set_phase(phase)
    with pytest.raises(PhaseClosed):
        u.propose(u.people[0])


@pytest.mark.parametrize("phase", [Phase.PROPOSALS, Phase.VOTING])
def test_participants_propose_while_proposals_or_voting_are_open(u, phase):
    u.set_phase(phase)
    proposal = u.propose(u.people[0], "Pricing a day pass")
    assert list(proposal.hosts.all()) == [u.people[0]]
    assert proposal.proposer == u.people[0]


def test_someone_not_registered_cannot_propose(u):
    with pytest.raises(NotAParticipant):
        u.propose(UserFactory())


def test_a_waitlisted_person_cannot_propose(u):
    waiting = UserFactory()
    Registration.objects.create(event=u.event, user=waiting, state=RegistrationState.WAITLISTED,
                                waitlist_position=1)
    with pytest.raises(NotAParticipant):
        u.propose(waiting)


def test_only_organisers_change_the_phase(u):
    with pytest.raises(NotAllowed):
        services.programme_configure(u.programme, actor=u.people[0], phase=Phase.VOTING)
    u.programme.refresh_from_db()
    assert u.programme.phase == Phase.PROPOSALS


@pytest.mark.parametrize("dots", [0, -1, 51, True, "3"])
def test_dots_outside_one_to_fifty_are_refused(u, dots):
    with pytest.raises(InvalidGrid):
        services.programme_configure(u.programme, actor=u.organiser, dots_per_participant=dots)
    u.programme.refresh_from_db()
    assert u.programme.dots_per_participant == 3


def test_the_proposer_edits_until_the_programme_is_published(u):
    proposal = u.propose(u.people[0], "First title")
    services.proposal_update(proposal, actor=u.people[0], data=ProposalData(title="Second"))
    u.set_phase(Phase.SCHEDULED)
    with pytest.raises(PhaseClosed):
        services.proposal_update(proposal, actor=u.people[0], data=ProposalData(title="Late"))
    proposal.refresh_from_db()
    assert proposal.title == "Second"


def test_organisers_edit_after_publication_but_not_in_the_archive(u):
    proposal = u.propose(u.people[0], "First title")
    u.set_phase(Phase.RUNNING)
    services.proposal_update(proposal, actor=u.organiser, data=ProposalData(title="Fixed"))
    u.set_phase(Phase.ARCHIVED)
    with pytest.raises(PhaseClosed):
        services.proposal_update(proposal, actor=u.organiser, data=ProposalData(title="No"))
    proposal.refresh_from_db()
    assert proposal.title == "Fixed"


def test_nobody_else_edits_a_proposal(u):
    proposal = u.propose(u.people[0], "Mine")
    with pytest.raises(NotAllowed):
        services.proposal_update(proposal, actor=u.people[1], data=ProposalData(title="Yours"))


# --- Proposals: bad input -------------------------------------------------------------------

@pytest.mark.parametrize("title", ["", "   ", "x" * 141])
def test_empty_or_overlong_titles_are_refused(u, title):
    with pytest.raises(InvalidProposal):
        u.propose(u.people[0], title)
    assert not u.programme.proposals.exists()


def test_a_title_with_a_newline_is_folded_to_one_line(u):
    proposal = u.propose(u.people[0], "Two\nlines")
    assert proposal.title == "Two lines"


def test_html_emoji_accents_and_rtl_titles_are_kept_as_written(u):
    title = "<script>alert(1)</script> Caffè ☕ שלום"
    assert u.propose(u.people[0], title).title == title


@pytest.mark.parametrize("fields", [{"kind": "lecture"}, {"length": 3}, {"length": 0},
                                    {"language": "xx"}, {"needs": ["laser"]},
                                    {"description": "a\x00b"}, {"description": "d" * 4001}])
def test_bad_proposal_fields_are_refused(u, fields):
    with pytest.raises(InvalidProposal):
        u.propose(u.people[0], "Title", **fields)


def test_co_hosts_must_be_participants(u):
    with pytest.raises(InvalidProposal):
        u.propose(u.people[0], "Together", co_hosts=(UserFactory(),))
    proposal = u.propose(u.people[0], "Together", co_hosts=(u.people[1], u.people[0]))
    assert set(proposal.hosts.all()) == {u.people[0], u.people[1]}


# --- Dots ----------------------------------------------------------------------------------

def test_dots_only_while_voting(u):
    proposal = u.propose(u.people[0])
    with pytest.raises(PhaseClosed):
        services.vote_cast(proposal, actor=u.people[1])
    u.set_phase(Phase.VOTING)
    services.vote_cast(proposal, actor=u.people[1])
    u.set_phase(Phase.SCHEDULED)
    with pytest.raises(PhaseClosed):
        services.vote_cast(proposal, actor=u.people[2])
    assert Vote.objects.count() == 1


def test_a_participant_has_exactly_their_dots(u):
    proposals = [u.propose(u.people[0], f"P{i}") for i in range(4)]
    u.set_phase(Phase.VOTING)
    for proposal in proposals[:3]:
        services.vote_cast(proposal, actor=u.people[1])
    with pytest.raises(NoDotsLeft):
        services.vote_cast(proposals[3], actor=u.people[1])
    assert Vote.objects.filter(ballot__user=u.people[1]).count() == 3


def test_one_dot_per_proposal_without_stacking_and_several_with(u):
    proposal = u.propose(u.people[0])
    u.set_phase(Phase.VOTING)
    services.vote_cast(proposal, actor=u.people[1])
    with pytest.raises(AlreadyVoted):
        services.vote_cast(proposal, actor=u.people[1])
    services.programme_configure(u.programme, actor=u.organiser, stacking_allowed=True)
    services.vote_cast(proposal, actor=u.people[1])
    services.vote_cast(proposal, actor=u.people[1])
    assert proposal.votes.count() == 3
    with pytest.raises(NoDotsLeft):
        services.vote_cast(proposal, actor=u.people[1])


def test_taking_a_dot_back_frees_it(u):
    a, b = u.propose(u.people[0], "A"), u.propose(u.people[0], "B")
    u.set_phase(Phase.VOTING)
    services.programme_configure(u.programme, actor=u.organiser, dots_per_participant=1)
    services.vote_cast(a, actor=u.people[1])
    assert services.vote_withdraw(a, actor=u.people[1]) is True
    assert services.vote_withdraw(a, actor=u.people[1]) is False
    services.vote_cast(b, actor=u.people[1])
    assert list(Vote.objects.values_list("proposal_id", flat=True)) == [b.pk]


def test_no_dots_on_a_withdrawn_proposal_and_its_dots_come_back(u):
    proposal = u.propose(u.people[0])
    u.set_phase(Phase.VOTING)
    services.vote_cast(proposal, actor=u.people[1])
    services.proposal_withdraw(proposal, actor=u.people[0])
    assert Vote.objects.count() == 0
    with pytest.raises(InvalidProposal):
        services.vote_cast(proposal, actor=u.people[2])


def test_merging_moves_hosts_and_dots_and_refunds_a_double_dot(u):
    original = u.propose(u.people[0], "Coworking and schools")
    duplicate = u.propose(u.people[1], "Schools in coworkings")
    u.set_phase(Phase.VOTING)
    services.vote_cast(original, actor=u.people[2])
    services.vote_cast(duplicate, actor=u.people[2])
    services.vote_cast(duplicate, actor=u.people[3])
    with pytest.raises(NotAllowed):
        services.proposal_merge(duplicate, original, actor=u.people[0])
    services.proposal_merge(duplicate, original, actor=u.organiser)
    duplicate.refresh_from_db()
    assert duplicate.state == ProposalState.MERGED
    assert duplicate.merged_into == original
    assert set(original.hosts.all()) == {u.people[0], u.people[1]}
    assert sorted(original.votes.values_list("ballot__user_id", flat=True)) == sorted(
        [u.people[2].pk, u.people[3].pk])


# --- The grid --------------------------------------------------------------------------------

def test_placing_a_session_fills_its_cell_and_a_second_one_is_refused(u):
    a, b = u.propose(u.people[0], "A"), u.propose(u.people[1], "B")
    session = services.session_place(a, room=u.rooms[0], slot=u.slots[0], actor=u.organiser)
    assert (session.starts_at, session.ends_at) == (u.slots[0].starts_at, u.slots[0].ends_at)
    with pytest.raises(CellTaken):
        services.session_place(b, room=u.rooms[0], slot=u.slots[0], actor=u.organiser)
    assert Cell.objects.count() == 1


def test_participants_cannot_place_sessions(u):
    a = u.propose(u.people[0], "A")
    with pytest.raises(NotAllowed):
        services.session_place(a, room=u.rooms[0], slot=u.slots[0], actor=u.people[0])


def test_a_host_cannot_be_in_two_rooms_at_once(u):
    a = u.propose(u.people[0], "A")
    b = u.propose(u.people[1], "B", co_hosts=(u.people[0],))
    services.session_place(a, room=u.rooms[0], slot=u.slots[0], actor=u.organiser)
    with pytest.raises(HostDoubleBooked):
        services.session_place(b, room=u.rooms[1], slot=u.slots[0], actor=u.organiser)
    services.session_place(b, room=u.rooms[1], slot=u.slots[1], actor=u.organiser)


def test_a_session_needing_a_projector_needs_a_room_with_one(site_tree):
    u = make_unconference(site_tree, rooms=1)
    proposal = u.propose(u.people[0], "Slides", needs=[Equipment.PROJECTOR])
    with pytest.raises(EquipmentMissing):
        services.session_place(proposal, room=u.rooms[0], slot=u.slots[0], actor=u.organiser)
    room = services.room_save(u.programme, actor=u.organiser, name="Sala", capacity=30,
                              equipment=[Equipment.PROJECTOR])
    services.session_place(proposal, room=room, slot=u.slots[0], actor=u.organiser)
    with pytest.raises(EquipmentMissing):
        services.room_save(u.programme, actor=u.organiser, name="Sala", capacity=30,
                           equipment=[], room=room)


def test_a_two_slot_session_takes_two_cells_and_needs_a_next_slot(u):
    long = u.propose(u.people[0], "Workshop", length=2)
    with pytest.raises(InvalidGrid):
        services.session_place(long, room=u.rooms[0], slot=u.slots[1], actor=u.organiser)
    session = services.session_place(long, room=u.rooms[0], slot=u.slots[0],
                                     actor=u.organiser)
    assert sorted(session.cells.values_list("slot_id", flat=True)) == [s.pk for s in u.slots]
    assert session.ends_at == u.slots[1].ends_at


def test_moving_a_session_bumps_its_sequence_and_keeps_its_uid(u):
    a = u.propose(u.people[0], "A")
    session = services.session_place(a, room=u.rooms[0], slot=u.slots[0], actor=u.organiser)
    uid = session.ical_uid
    moved = services.session_place(a, room=u.rooms[1], slot=u.slots[1], actor=u.organiser)
    assert (moved.pk, moved.ical_uid, moved.sequence) == (session.pk, uid, 1)
    same = services.session_place(a, room=u.rooms[1], slot=u.slots[1], actor=u.organiser)
    assert same.sequence == 1
    assert list(Cell.objects.values_list("room_id", "slot_id")) == [(u.rooms[1].pk,
                                                                     u.slots[1].pk)]


def test_slots_must_lie_inside_the_event_and_not_overlap(u):
    start = u.slots[0].starts_at
    with pytest.raises(InvalidGrid):
        services.slot_create(u.programme, actor=u.organiser, starts_at=start,
                             ends_at=start + dt.timedelta(minutes=10))
    with pytest.raises(InvalidGrid):
        services.slot_create(u.programme, actor=u.organiser,
                             starts_at=u.event.starts_at - dt.timedelta(hours=1),
                             ends_at=u.event.starts_at)
    with pytest.raises(InvalidGrid):
        services.slot_create(u.programme, actor=u.organiser,
                             starts_at=start.replace(tzinfo=None),
                             ends_at=start.replace(tzinfo=None) + dt.timedelta(hours=1))
    assert u.programme.slots.count() == 2


@pytest.mark.parametrize("capacity", [0, -5, 100_001, "ten"])
def test_rooms_hold_a_positive_number_of_people(u, capacity):
    with pytest.raises(InvalidGrid):
        services.room_save(u.programme, actor=u.organiser, name="Kitchen", capacity=capacity)


def test_deleting_a_room_unplaces_its_sessions(u):
    a = u.propose(u.people[0], "A")
    services.session_place(a, room=u.rooms[0], slot=u.slots[0], actor=u.organiser)
    services.room_delete(u.rooms[0], actor=u.organiser)
    assert Session.objects.count() == 0
    a.refresh_from_db()
    assert a.state == ProposalState.SUBMITTED


# --- Notes, outcomes, rewards --------------------------------------------------------------------

def test_participants_write_notes_only_while_running_and_each_save_is_kept(u):
    a = u.propose(u.people[0], "A")
    session = services.session_place(a, room=u.rooms[0], slot=u.slots[0], actor=u.organiser)
    u.set_phase(Phase.SCHEDULED)
    with pytest.raises(PhaseClosed):
        services.note_save(session, "early", actor=u.people[1])
    u.set_phase(Phase.RUNNING)
    services.note_save(session, "# Key points\n- one", actor=u.people[1])
    services.note_save(session, "# Key points\n- one\n- two", actor=u.people[0])
    services.note_save(session, "# Key points\n- one\n- two", actor=u.people[0])
    with pytest.raises(NotAllowed):
        services.note_save(session, "spam", actor=UserFactory())
    assert [r.body for r in NoteRevision.objects.filter(session=session)] == [
        "# Key points\n- one\n- two", "# Key points\n- one"]


def test_outcomes_are_published_only_from_the_archive(u):
    with pytest.raises(PhaseClosed):
        services.outcomes_publish(u.programme, actor=u.organiser)
    u.set_phase(Phase.ARCHIVED)
    with pytest.raises(NotAllowed):
        services.outcomes_publish(u.programme, actor=u.people[0])
    assert services.outcomes_publish(u.programme, actor=u.organiser).outcomes_published_at


def test_hosts_of_held_sessions_become_registration_hosts(u):
    held = u.propose(u.people[0], "Held", co_hosts=(u.people[1],))
    empty = u.propose(u.people[2], "Nobody came")
    services.session_place(held, room=u.rooms[0], slot=u.slots[0], actor=u.organiser)
    session = services.session_place(empty, room=u.rooms[1], slot=u.slots[0],
                                     actor=u.organiser)
    services.session_set_attendance(session, 0, actor=u.organiser)
    Registration.objects.filter(user=u.people[1]).update(role=RegistrationRole.VOLUNTEER)
    changed = services.hosts_make_registration_hosts(u.programme, actor=u.organiser)
    assert [r.user for r in changed] == [u.people[0]]
    roles = dict(Registration.objects.filter(event=u.event).values_list("user_id", "role"))
    assert roles[u.people[0].pk] == RegistrationRole.HOST
    assert roles[u.people[1].pk] == RegistrationRole.VOLUNTEER
    assert roles[u.people[2].pk] == RegistrationRole.ATTENDEE


def test_a_participant_of_another_event_is_not_a_participant_here(site_tree, u):
    other = make_unconference(site_tree, people=0)
    outsider = participant(other.event)
    with pytest.raises(NotAParticipant):
        u.propose(outsider)
