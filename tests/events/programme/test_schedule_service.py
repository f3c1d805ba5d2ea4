"""programme_schedule: the solver's result written to the grid under the services' rules."""

import pytest

from events.programme import services
from events.programme.exceptions import NotAllowed, PhaseClosed
from events.programme.models import Cell, Phase, Session
from tests.events.programme.factories import make_unconference

pytestmark = pytest.mark.django_db


@pytest.fixture
def u(site_tree):
    u = make_unconference(site_tree, people=6, rooms=2, slots=2, phase=Phase.VOTING)
    u.rooms[1].capacity = 3
    u.rooms[1].save()
    return u


def _vote(u, proposal, voters):
    for who in voters:
        services.vote_cast(proposal, actor=who)


def test_one_action_fills_the_grid_and_reports_objective_and_bound(u):
    popular = u.propose(u.people[0], "Popular")
    shared = u.propose(u.people[1], "Same crowd")
    quiet = u.propose(u.people[2], "Quiet")
    _vote(u, popular, u.people[:5])
    _vote(u, shared, u.people[:2])
    _vote(u, quiet, u.people[5:])

    result = services.programme_schedule(u.programme, actor=u.organiser, time_limit=10)

    sessions = {s.proposal_id: s for s in Session.objects.all()}
    assert set(sessions) == {popular.pk, shared.pk, quiet.pk}
    assert sessions[popular.pk].room == u.rooms[0]  # 20 seats for 5 people, not 3
    assert sessions[popular.pk].first_slot != sessions[shared.pk].first_slot
    assert result.status == "OPTIMAL"
    assert (result.served, result.clashes, result.placed) == (8, 0, 3)
    u.programme.refresh_from_db()
    report = u.programme.last_schedule_report
    assert (report["objective"], report["bound"], report["gap"]) == (803, 803, 0.0)
    assert Cell.objects.count() == 3


def test_rerunning_keeps_placed_sessions_and_full_replan_keeps_only_pinned(u):
    a, b = u.propose(u.people[0], "A"), u.propose(u.people[1], "B")
    services.session_place(a, room=u.rooms[1], slot=u.slots[1], actor=u.organiser)
    services.session_place(b, room=u.rooms[1], slot=u.slots[0], actor=u.organiser,
                           pinned=True)
    _vote(u, a, u.people[:5])

    services.programme_schedule(u.programme, actor=u.organiser, time_limit=10)
    assert Session.objects.get(proposal=a).room == u.rooms[1]

    services.programme_schedule(u.programme, actor=u.organiser, full_replan=True,
                                time_limit=10)
    moved = Session.objects.get(proposal=a)
    assert (moved.room, moved.sequence) == (u.rooms[0], 1)
    pinned = Session.objects.get(proposal=b)
    assert (pinned.room, pinned.first_slot, pinned.pinned, pinned.sequence) == (
        u.rooms[1], u.slots[0], True, 0)


def test_only_organisers_schedule_and_not_before_voting(u):
    with pytest.raises(NotAllowed):
        services.programme_schedule(u.programme, actor=u.people[0])
    u.set_phase(Phase.PROPOSALS)
    with pytest.raises(PhaseClosed):
        services.programme_schedule(u.programme, actor=u.organiser)
