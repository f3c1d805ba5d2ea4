"""The dot limit and the grid's invariants under real concurrency (PostgreSQL row locks,
real threads released together by a barrier). Each control run turns a lock off to show the
race is real before the other test proves the lock closes it."""

import pytest

from events.programme import services
from events.programme.exceptions import CellTaken, HostDoubleBooked, NoDotsLeft
from events.programme.models import Cell, Phase, Vote
from tests.events.programme.factories import make_unconference
from tests.events.test_concurrency import run_together

pytestmark = [pytest.mark.postgres,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _voting(site_tree, proposals: int):
    u = make_unconference(site_tree, people=2, rooms=2, slots=2)
    items = [u.propose(u.people[0], f"Proposal {i}") for i in range(proposals)]
    u.set_phase(Phase.VOTING)
    return u, items


def test_twenty_parallel_votes_with_three_dots_place_exactly_three(site_tree):
    u, proposals = _voting(site_tree, 20)
    voter = u.people[1]

    results, errors = run_together(
        20, lambda i: services.vote_cast(proposals[i], actor=voter))

    assert Vote.objects.filter(ballot__user=voter).count() == 3
    assert len([r for r in results if r is not None]) == 3
    assert len(errors) == 17
    assert all(isinstance(e, NoDotsLeft) for e in errors)


def test_control_without_the_ballot_lock_a_voter_overspends(site_tree, settings):
    settings.PROGRAMME_DISABLE_VOTE_LOCK = True
    u, proposals = _voting(site_tree, 20)
    voter = u.people[1]

    _results, errors = run_together(
        20, lambda i: services.vote_cast(proposals[i], actor=voter))

    assert all(isinstance(e, NoDotsLeft) for e in errors)
    assert Vote.objects.filter(ballot__user=voter).count() > 3


def test_twenty_sessions_moved_into_one_cell_at_once_leave_exactly_one(site_tree):
    u = make_unconference(site_tree, people=20, rooms=2, slots=2)
    proposals = [u.propose(u.people[i], f"Session {i}") for i in range(20)]
    room, slot = u.rooms[0], u.slots[0]

    results, errors = run_together(20, lambda i: services.session_place(
        proposals[i], room=room, slot=slot, actor=u.organiser))

    assert Cell.objects.filter(room=room, slot=slot).count() == 1
    assert len([r for r in results if r is not None]) == 1
    assert len(errors) == 19 and all(isinstance(e, CellTaken) for e in errors)


def test_one_host_moved_into_two_rooms_at_once_lands_in_one(site_tree):
    u = make_unconference(site_tree, people=3, rooms=8, slots=2)
    host = u.people[0]
    proposals = [u.propose(host, f"Session {i}") for i in range(8)]

    _results, errors = run_together(8, lambda i: services.session_place(
        proposals[i], room=u.rooms[i], slot=u.slots[0], actor=u.organiser))

    assert Cell.objects.filter(slot=u.slots[0]).count() == 1
    assert len(errors) == 7 and all(isinstance(e, HostDoubleBooked) for e in errors)


def test_control_without_the_programme_lock_a_host_is_double_booked(site_tree, settings):
    settings.PROGRAMME_DISABLE_GRID_LOCK = True
    u = make_unconference(site_tree, people=3, rooms=8, slots=2)
    host = u.people[0]
    proposals = [u.propose(host, f"Session {i}") for i in range(8)]

    _results, errors = run_together(8, lambda i: services.session_place(
        proposals[i], room=u.rooms[i], slot=u.slots[0], actor=u.organiser))

    assert all(isinstance(e, HostDoubleBooked) for e in errors)
    assert Cell.objects.filter(slot=u.slots[0]).count() > 1
