"""The CP-SAT scheduler as a pure function: hard rules, the objective against a brute-force
optimum on small instances, the time limit, the feasible fallback."""

import itertools
import random
import time

import pytest

from events.programme.scheduler import (
    Infeasible,
    Instance,
    SProposal,
    SRoom,
    capacity_bound,
    evaluate,
    greedy_schedule,
    solve,
)

SLOTS = [10, 11, 12]
RUNS = {10: [10, 11], 11: [11, 12]}


def brute_force(instance: Instance) -> int:
    """The best objective over every assignment (each proposal: nowhere or one option)."""
    choices = [[None, *instance.options(p)] for p in instance.proposals]
    best = None
    for combo in itertools.product(*choices):
        placements = {p.id: c for p, c in zip(instance.proposals, combo, strict=True)
                      if c is not None}
        try:
            objective = evaluate(instance, placements)[0]
        except Infeasible:
            continue
        best = objective if best is None else max(best, objective)
    return best


def random_instance(seed: int, proposals: int = 5, rooms: int = 2) -> Instance:
    rng = random.Random(seed)
    room_list = [SRoom(100 + i, rng.choice([2, 3, 5]),
                       frozenset(rng.sample(["projector", "quiet"], rng.randint(0, 1))))
                 for i in range(rooms)]
    votes = {p: 0 for p in range(proposals)}
    shared: dict = {}
    for _voter in range(8):
        picks = rng.sample(range(proposals), 2)
        for p in picks:
            votes[p] += 1
        a, b = sorted(picks)
        shared[(a, b)] = shared.get((a, b), 0) + 1
    props = [SProposal(p, votes[p], 2 if rng.random() < 0.25 else 1,
                       frozenset(rng.sample(range(4), rng.randint(1, 2))),
                       frozenset(["projector"]) if rng.random() < 0.2 else frozenset())
             for p in range(proposals)]
    return Instance(props, room_list, SLOTS, RUNS, {}, shared)


@pytest.mark.parametrize("seed", range(12))
def test_on_small_instances_the_objective_equals_the_brute_force_optimum(seed):
    instance = random_instance(seed)
    result = solve(instance, time_limit=20)
    assert result.status == "OPTIMAL"
    assert result.objective == brute_force(instance)
    assert result.bound == result.objective
    assert evaluate(instance, result.placements)[0] == result.objective


def test_pinned_sessions_stay_where_they_are():
    # Unpinned, the popular session 1 would take the big room 2.
    instance = Instance([SProposal(1, 9, hosts=frozenset({1})),
                         SProposal(2, 1, hosts=frozenset({2})),
                         SProposal(3, 2, hosts=frozenset({3}))],
                        [SRoom(1, 3), SRoom(2, 20)], [10, 11], {},
                        {1: (1, 11), 2: (2, 11)})
    result = solve(instance, time_limit=10)
    assert result.placements[1] == (1, 11)
    assert result.placements[2] == (2, 11)
    assert result.placements[3][1] == 10


def test_fixed_placements_that_break_a_rule_are_infeasible():
    instance = Instance([SProposal(1, 3, hosts=frozenset({7})),
                         SProposal(2, 3, hosts=frozenset({7}))],
                        [SRoom(1, 10), SRoom(2, 10)], [10], {}, {1: (1, 10), 2: (2, 10)})
    with pytest.raises(Infeasible):
        solve(instance, time_limit=5)


def test_a_host_is_never_in_two_places():
    host = frozenset({42})
    instance = Instance([SProposal(i, 5, hosts=host) for i in range(3)],
                        [SRoom(1, 10), SRoom(2, 10), SRoom(3, 10)], [10, 11], {}, {})
    result = solve(instance, time_limit=10)
    assert len(result.placements) == 2
    assert {first for _room, first in result.placements.values()} == {10, 11}


def test_equipment_is_respected():
    instance = Instance([SProposal(1, 9, needs=frozenset({"projector"})), SProposal(2, 1)],
                        [SRoom(1, 50), SRoom(2, 5, frozenset({"projector"}))], [10], {}, {})
    result = solve(instance, time_limit=10)
    assert result.placements == {1: (2, 10), 2: (1, 10)}


def test_the_popular_session_gets_the_big_room():
    instance = Instance([SProposal(1, 30), SProposal(2, 4)],
                        [SRoom(1, 5), SRoom(2, 40)], [10], {}, {})
    result = solve(instance, time_limit=10)
    assert result.placements == {1: (2, 10), 2: (1, 10)}
    assert result.served == 34


def test_sessions_sharing_voters_go_to_different_slots():
    instance = Instance([SProposal(1, 6), SProposal(2, 6), SProposal(3, 1)],
                        [SRoom(1, 10), SRoom(2, 10)], [10, 11], shared={(1, 2): 5})
    result = solve(instance, time_limit=10)
    assert result.placements[1][1] != result.placements[2][1]
    assert result.clashes == 0


def test_a_two_slot_session_takes_consecutive_slots_of_one_day():
    instance = Instance([SProposal(1, 3, length=2)], [SRoom(1, 10)], [10, 11, 12],
                        {10: [10, 11]}, {})
    assert solve(instance, time_limit=10).placements == {1: (1, 10)}


def _big_instance(proposals: int, rooms: int, slots: int, voters: int) -> Instance:
    rng = random.Random(7)
    room_list = [SRoom(i, rng.choice([10, 20, 40, 80]),
                       frozenset(["projector"]) if i % 2 else frozenset())
                 for i in range(rooms)]
    slot_ids = list(range(1000, 1000 + slots))
    votes = dict.fromkeys(range(proposals), 0)
    shared: dict = {}
    for _ in range(voters):
        picks = sorted(rng.sample(range(proposals), 3))
        for p in picks:
            votes[p] += 1
        for a, b in itertools.combinations(picks, 2):
            shared[(a, b)] = shared.get((a, b), 0) + 1
    props = [SProposal(p, votes[p], 2 if p % 9 == 0 else 1, frozenset({p % 50}),
                       frozenset(["projector"]) if p % 5 == 0 else frozenset())
             for p in range(proposals)]
    runs = {s: [s, s + 1] for s in slot_ids[:-1]}
    return Instance(props, room_list, slot_ids, runs, {}, shared)


def test_it_finishes_within_its_time_limit_with_a_valid_grid():
    instance = _big_instance(60, 4, 8, 80)
    started = time.monotonic()
    result = solve(instance, time_limit=4)
    elapsed = time.monotonic() - started
    assert elapsed < 4 + 1.0
    evaluate(instance, result.placements)
    assert result.objective <= result.bound <= capacity_bound(instance)


def test_with_no_time_to_search_the_greedy_grid_is_returned():
    instance = _big_instance(60, 4, 8, 80)
    result = solve(instance, time_limit=0)
    greedy = greedy_schedule(instance)
    assert (result.status, result.fallback) == ("FALLBACK", True)
    assert result.placements == greedy
    assert result.objective == evaluate(instance, greedy)[0]
    assert result.bound == capacity_bound(instance)


@pytest.mark.parametrize("seed", range(20))
def test_the_greedy_grid_is_always_feasible(seed):
    instance = random_instance(seed, proposals=7, rooms=2)
    placeable = next(p for p in instance.proposals if instance.options(p))
    instance.fixed = {placeable.id: instance.options(placeable)[-1]}
    evaluate(instance, greedy_schedule(instance))


def test_the_capacity_bound_is_above_every_feasible_grid():
    for seed in range(10):
        instance = random_instance(seed)
        assert capacity_bound(instance) >= brute_force(instance)
