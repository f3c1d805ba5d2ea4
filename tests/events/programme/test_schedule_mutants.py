"""events.programme.services.schedule exactly (issue 14, the mutation run): the scheduler's
view of the programme (`schedule_instance`), what `programme_schedule` asks the solver and
writes back (moves, swaps, removals, the report), and each refusal's sentence. The solver is
replaced by a fixed answer where the point is what the service does with it."""

import datetime as dt

import pytest
from django.utils import timezone

from events.models import EventFormat
from events.programme import scheduler, services
from events.programme.exceptions import NotAllowed, PhaseClosed, SchedulingFailed
from events.programme.models import Cell, Equipment, Phase, Proposal, ProposalState, Session, Vote
from tests.events.programme.factories import make_unconference
from tests.events.registration_factories import make_organiser, publish_event, space_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def u(site_tree):
    return make_unconference(site_tree, people=4, rooms=2, slots=3, phase=Phase.VOTING)


def _answer(placements: dict) -> scheduler.Result:
    return scheduler.Result(placements=placements, objective=7, bound=8, status="FEASIBLE",
                            served=3, clashes=1, placed=len(placements), seconds=0.25)


@pytest.fixture
def solver(monkeypatch):
    """The solver replaced: records what it is asked, answers `solver.answer`."""
    class Fake:
        answer: scheduler.Result | Exception | None = None
        calls: list = []
        meanwhile = None  # what someone else does while the solver runs

    def solve(instance, *, time_limit, workers, **kwargs):
        Fake.calls.append((instance, time_limit, workers))
        if Fake.meanwhile:
            Fake.meanwhile()
        if isinstance(Fake.answer, Exception):
            raise Fake.answer
        return Fake.answer

    Fake.calls = []
    monkeypatch.setattr(scheduler, "solve", solve)
    return Fake


def _cells():
    return sorted(Cell.objects.values_list("session__proposal_id", "room_id", "slot_id"))


# --- The scheduler's view ------------------------------------------------------------------

def test_the_instance_is_the_active_proposals_with_their_dots_hosts_needs_and_placements(
        site_tree, u):
    other = make_unconference(site_tree, people=1, rooms=1, slots=1, phase=Phase.VOTING)
    elsewhere = other.propose(other.people[0], "Elsewhere")
    for proposal in (elsewhere, other.propose(other.people[0], "Elsewhere too")):
        services.vote_cast(proposal, actor=other.people[0])  # a pair of dots, not shared here
    services.session_place(elsewhere, room=other.rooms[0], slot=other.slots[0],
                           actor=other.organiser)
    room_a, room_b = u.rooms
    services.room_save(u.programme, actor=u.organiser, name="Room 2", capacity=7,
                       equipment=[Equipment.QUIET, Equipment.PROJECTOR], room=room_b)
    p = u.people
    a = u.propose(p[0], "A", co_hosts=(p[1],), needs=[Equipment.PROJECTOR])
    b = u.propose(p[1], "B", length=2)
    c = u.propose(p[2], "C")
    gone = u.propose(p[3], "Gone")
    unvoted = u.propose(p[3], "Nobody's pick")
    for voter, chosen in ((p[0], (a, b)), (p[1], (a, b, c)), (p[2], (gone, c)), (p[3], (b,))):
        for proposal in chosen:
            services.vote_cast(proposal, actor=voter)
    services.session_place(a, room=room_b, slot=u.slots[1], actor=u.organiser, pinned=True)
    services.session_place(c, room=room_a, slot=u.slots[0], actor=u.organiser)
    services.session_place(gone, room=room_a, slot=u.slots[2], actor=u.organiser)
    # left behind by a change of state outside the services: neither its dots (nor the
    # pair they make with c) nor its place count
    Proposal.objects.filter(pk=gone.pk).update(state=ProposalState.WITHDRAWN)

    instance = services.schedule_instance(u.programme)

    s = [slot.pk for slot in u.slots]
    assert instance == scheduler.Instance(
        proposals=[
            scheduler.SProposal(id=a.pk, votes=2, length=1, hosts=frozenset({p[0].pk, p[1].pk}),
                                needs=frozenset({"projector"})),
            scheduler.SProposal(id=b.pk, votes=3, length=2, hosts=frozenset({p[1].pk})),
            scheduler.SProposal(id=c.pk, votes=2, length=1, hosts=frozenset({p[2].pk})),
            scheduler.SProposal(id=unvoted.pk, votes=0, length=1, hosts=frozenset({p[3].pk})),
        ],
        rooms=[scheduler.SRoom(id=room_a.pk, capacity=20),
               scheduler.SRoom(id=room_b.pk, capacity=7,
                               equipment=frozenset({"quiet", "projector"}))],
        slots=s, runs={s[0]: s[:2], s[1]: s[1:]},
        fixed={a.pk: (room_b.pk, s[1]), c.pk: (room_a.pk, s[0])},
        shared={(a.pk, b.pk): 2, (a.pk, c.pk): 1, (b.pk, c.pk): 1})
    replan = services.schedule_instance(u.programme, full_replan=True)
    assert replan.fixed == {a.pk: (room_b.pk, s[1])}
    assert Vote.objects.filter(proposal=gone).count() == 1


# --- What is asked of the solver -----------------------------------------------------------

def test_the_solver_gets_the_time_and_workers_from_the_settings(u, solver, settings):
    solver.answer = _answer({})
    settings.PROGRAMME_SCHEDULER_SECONDS = "3.5"
    settings.PROGRAMME_SCHEDULER_WORKERS = "1"
    services.programme_schedule(u.programme, actor=u.organiser)
    del settings.PROGRAMME_SCHEDULER_SECONDS
    del settings.PROGRAMME_SCHEDULER_WORKERS
    services.programme_schedule(u.programme, actor=u.organiser)
    services.programme_schedule(u.programme, actor=u.organiser, time_limit=1.5)
    assert [(limit, type(limit), workers) for _i, limit, workers in solver.calls] == [
        (3.5, float, 1), (10.0, float, 2), (1.5, float, 2)]


def test_full_replan_is_passed_to_the_view(u, solver):
    a = u.propose(u.people[0], "A")
    services.session_place(a, room=u.rooms[0], slot=u.slots[0], actor=u.organiser)
    solver.answer = _answer({a.pk: (u.rooms[0].pk, u.slots[0].pk)})
    services.programme_schedule(u.programme, actor=u.organiser, full_replan=True)
    services.programme_schedule(u.programme, actor=u.organiser)
    assert [call[0].fixed for call in solver.calls] == [
        {}, {a.pk: (u.rooms[0].pk, u.slots[0].pk)}]


# --- Refusals ------------------------------------------------------------------------------

def test_refusals_say_why_and_change_nothing(u, solver):
    a = u.propose(u.people[0], "A")
    with pytest.raises(NotAllowed, match=r"^Only the event's organisers can do this\.$"):
        services.programme_schedule(u.programme, actor=u.people[0])
    u.set_phase(Phase.PROPOSALS)
    with pytest.raises(PhaseClosed, match=r"^Schedule once voting is open and until the "
                                          r"programme is archived\.$"):
        services.programme_schedule(u.programme, actor=u.organiser)
    u.set_phase(Phase.VOTING)
    solver.answer = scheduler.Infeasible()
    with pytest.raises(SchedulingFailed, match=r"^No programme fits the pinned sessions, "
                                               r"rooms and slots\.$"):
        services.programme_schedule(u.programme, actor=u.organiser)
    assert len(solver.calls) == 1
    assert not Session.objects.filter(proposal=a).exists()
    u.programme.refresh_from_db()
    assert u.programme.last_schedule_report in (None, {})


def test_an_answer_that_breaks_a_rule_applies_nothing(u, solver):
    """The first placement would fit, the second lands in the same cell: neither is
    written (one transaction)."""
    a, b = u.propose(u.people[0], "A"), u.propose(u.people[1], "B")
    solver.answer = _answer({a.pk: (u.rooms[0].pk, u.slots[0].pk),
                             b.pk: (u.rooms[0].pk, u.slots[0].pk)})
    with pytest.raises(SchedulingFailed,
                       match=r"^The grid changed while the scheduler ran; run it again\.$"):
        services.programme_schedule(u.programme, actor=u.organiser)
    assert not Session.objects.exists()
    u.programme.refresh_from_db()
    assert u.programme.last_schedule_report == {}


@pytest.mark.parametrize("change", ["placed", "moved", "taken out"])
def test_a_change_of_the_grid_while_the_solver_ran_is_not_undone(u, solver, change):
    """An organiser places, moves or takes out a session while the solver runs: the answer
    (which knows nothing of it) is refused instead of silently undoing it."""
    a, b = u.propose(u.people[0], "A"), u.propose(u.people[1], "B")
    if change != "placed":
        services.session_place(b, room=u.rooms[1], slot=u.slots[1], actor=u.organiser)
    answer = _answer({a.pk: (u.rooms[0].pk, u.slots[0].pk),
                      **({} if change == "placed" else {b.pk: (u.rooms[1].pk,
                                                                u.slots[1].pk)})})

    def meanwhile():
        if change == "taken out":
            services.session_unplace(Session.objects.get(proposal=b), actor=u.organiser)
        else:
            services.session_place(b, room=u.rooms[1], slot=u.slots[2], actor=u.organiser)

    solver.answer, solver.meanwhile = answer, meanwhile
    with pytest.raises(SchedulingFailed, match=r"^The grid changed while the scheduler"):
        services.programme_schedule(u.programme, actor=u.organiser)
    expected = [] if change == "taken out" else [(b.pk, u.rooms[1].pk, u.slots[2].pk)]
    assert _cells() == expected


@pytest.mark.parametrize("gone", ["proposal", "room", "slot"])
def test_an_answer_naming_what_was_deleted_meanwhile_is_refused(u, solver, gone):
    a = u.propose(u.people[0], "A")
    placement = {"proposal": (a.pk + 1000, u.rooms[0].pk, u.slots[0].pk),
                 "room": (a.pk, u.rooms[0].pk + 1000, u.slots[0].pk),
                 "slot": (a.pk, u.rooms[0].pk, u.slots[0].pk + 1000)}[gone]
    solver.answer = _answer({placement[0]: placement[1:]})
    with pytest.raises(SchedulingFailed, match=r"^The grid changed while the scheduler ran"):
        services.programme_schedule(u.programme, actor=u.organiser)
    assert not Session.objects.exists()


# --- Writing the answer --------------------------------------------------------------------

def test_the_answer_is_written_moves_swaps_removals_and_the_report(u, solver):
    p, (r0, r1), (s0, s1, s2) = u.people, u.rooms, u.slots
    kept = u.propose(p[0], "Kept")
    left, right = u.propose(p[1], "Left"), u.propose(p[2], "Right")
    dropped = u.propose(p[3], "Dropped")
    new = u.propose(p[0], "New")
    for proposal, room, slot in ((kept, r0, s2), (left, r0, s0), (right, r1, s0),
                                 (dropped, r1, s1)):
        services.session_place(proposal, room=room, slot=slot, actor=u.organiser,
                               pinned=proposal is left)
    before = {s.proposal_id: s for s in Session.objects.all()}
    solver.answer = _answer({kept.pk: (r0.pk, s2.pk), left.pk: (r1.pk, s0.pk),
                             right.pk: (r0.pk, s0.pk), new.pk: (r1.pk, s1.pk)})
    started = timezone.now()

    returned = services.programme_schedule(u.programme, actor=u.organiser)

    assert returned is solver.answer
    assert _cells() == sorted([(kept.pk, r0.pk, s2.pk), (left.pk, r1.pk, s0.pk),
                               (right.pk, r0.pk, s0.pk), (new.pk, r1.pk, s1.pk)])
    after = {s.proposal_id: s for s in Session.objects.all()}
    assert set(after) == {kept.pk, left.pk, right.pk, new.pk}
    for pid in (kept.pk, left.pk, right.pk):
        assert after[pid].ical_uid == before[pid].ical_uid
    assert {pid: (s.sequence, s.pinned) for pid, s in after.items()} == {
        kept.pk: (0, False), left.pk: (1, True), right.pk: (1, False), new.pk: (0, False)}
    assert after[kept.pk].updated_at == before[kept.pk].updated_at
    u.programme.refresh_from_db()
    report = u.programme.last_schedule_report
    at = dt.datetime.fromisoformat(report.pop("at"))
    assert started <= at <= timezone.now()
    assert report == {"status": "FEASIBLE", "objective": 7, "bound": 8, "gap": 0.125,
                      "served": 3, "clashes": 1, "placed": 4, "seconds": 0.25,
                      "fallback": False, "proposals": 5, "kept": 4}


def test_two_slot_runs_follow_the_events_own_time_zone(site_tree):
    """An evening in New York crosses midnight in Rome (the site's zone): the two slots are
    one run in the event's zone."""
    space = space_in(site_tree, title="Cowo NY")
    organiser = make_organiser(space)
    day = (timezone.now() + dt.timedelta(days=7)).date()
    start = dt.datetime(day.year, day.month, day.day, 21, 0, tzinfo=dt.UTC)
    event = publish_event(space, starts_at=start, ends_at=start + dt.timedelta(hours=4),
                          format=EventFormat.UNCONFERENCE, time_zone="America/New_York")
    programme = services.programme_ensure(event)
    first = services.slot_create(programme, actor=organiser, starts_at=start,
                                 ends_at=start + dt.timedelta(minutes=45))
    second = services.slot_create(programme, actor=organiser,
                                  starts_at=start + dt.timedelta(minutes=135),
                                  ends_at=start + dt.timedelta(minutes=180))
    assert services.schedule_instance(programme).runs == {first.pk: [first.pk, second.pk]}
