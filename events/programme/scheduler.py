"""The automatic scheduler: fills the room x slot grid with OR-Tools CP-SAT.

A pure function of plain data (`Instance` -> `Result`), no database: `services` builds the
instance and writes the result.

Hard rules: a proposal is placed at most once, in a room that has what it needs, on one slot
or on two consecutive slots of the same day (`starts`); one session per room and slot; no
host in two sessions at the same time; fixed placements (pinned sessions, and every placed
session unless the organiser asks for a full re-plan) stay where they are.

Objective (maximised), in people:
    100 x served interest - 100 x clashes + 1 x sessions placed
- served interest of a placed proposal = min(its dots, the room's capacity): a popular
  session in a small room serves fewer of the people who asked for it;
- a clash counts every voter who put dots on two sessions that run at the same time (they
  can attend only one);
- the +1 per session places proposals nobody voted for when there is room, without ever
  trading a person for it.

CP-SAT runs with a time limit and starts from a greedy solution (`greedy_schedule`, given as
a hint); if the solver finds nothing in time, the greedy solution is the answer, so the
scheduler always returns a feasible grid when the fixed placements are feasible.

OR-Tools (with pandas and numpy, about 80 MB and 0.4 s) is imported when `solve` first
runs, not when Django starts: every web and task process loads this module, and only the
one that schedules needs the solver.
"""

from __future__ import annotations

import importlib
import math
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

SERVE_WEIGHT = 100
CLASH_WEIGHT = 100
PLACE_WEIGHT = 1


@dataclass(frozen=True)
class SProposal:
    id: int
    votes: int = 0
    length: int = 1
    hosts: frozenset[int] = frozenset()
    needs: frozenset[str] = frozenset()


@dataclass(frozen=True)
class SRoom:
    id: int
    capacity: int
    equipment: frozenset[str] = frozenset()


@dataclass
class Instance:
    proposals: list[SProposal]
    rooms: list[SRoom]
    slots: list[int]
    #: first slot id -> the slot ids a two-slot session starting there covers
    runs: dict[int, list[int]] = field(default_factory=dict)
    #: proposal id -> (room id, first slot id) that must not change
    fixed: dict[int, tuple[int, int]] = field(default_factory=dict)
    #: (proposal id, proposal id) with the smaller id first -> voters with dots on both
    shared: dict[tuple[int, int], int] = field(default_factory=dict)

    def covered(self, proposal: SProposal, first: int) -> list[int] | None:
        if proposal.length == 1:
            return [first]
        return self.runs.get(first)

    def options(self, proposal: SProposal) -> list[tuple[int, int]]:
        """Every (room, first slot) where the proposal may go."""
        if proposal.id in self.fixed:
            return [self.fixed[proposal.id]]
        return [(room.id, first) for room in self.rooms
                if proposal.needs <= room.equipment
                for first in self.slots if self.covered(proposal, first) is not None]


@dataclass
class Result:
    placements: dict[int, tuple[int, int]]
    objective: int
    bound: int
    status: str
    served: int
    clashes: int
    placed: int
    seconds: float
    fallback: bool = False

    @property
    def gap(self) -> float:
        """How far the objective is from the solver's bound, as a fraction of the bound."""
        if self.bound <= 0:
            return 0.0
        return max(self.bound - self.objective, 0) / self.bound

    def as_report(self) -> dict:
        return {"status": self.status, "objective": self.objective, "bound": self.bound,
                "gap": round(self.gap, 6), "served": self.served, "clashes": self.clashes,
                "placed": self.placed, "seconds": round(self.seconds, 3),
                "fallback": self.fallback}


class Infeasible(Exception):
    """The fixed placements break a hard rule (no grid can keep them)."""


def evaluate(instance: Instance, placements: dict[int, tuple[int, int]]
             ) -> tuple[int, int, int, int]:
    """(objective, served, clashes, placed) of a grid; raises Infeasible if it breaks a
    hard rule. The one definition of the objective, shared by the tests' brute force."""
    by_id = {p.id: p for p in instance.proposals}
    rooms = {r.id: r for r in instance.rooms}
    cells: set[tuple[int, int]] = set()
    host_slots: set[tuple[int, int]] = set()
    slots_of: dict[int, set[int]] = {}
    served = 0
    for pid, (room_id, first) in placements.items():
        proposal, room = by_id[pid], rooms[room_id]
        covered = instance.covered(proposal, first)
        if covered is None or not proposal.needs <= room.equipment:
            raise Infeasible(pid)
        for slot in covered:
            if (room_id, slot) in cells:
                raise Infeasible(pid)
            cells.add((room_id, slot))
            for host in proposal.hosts:
                if (host, slot) in host_slots:
                    raise Infeasible(pid)
                host_slots.add((host, slot))
        slots_of[pid] = set(covered)
        served += min(proposal.votes, room.capacity)
    for pid, (room_id, first) in instance.fixed.items():
        if placements.get(pid) != (room_id, first):
            raise Infeasible(pid)
    clashes = sum(count for (p, q), count in instance.shared.items()
                  if p in slots_of and q in slots_of and slots_of[p] & slots_of[q])
    placed = len(placements)
    objective = SERVE_WEIGHT * served - CLASH_WEIGHT * clashes + PLACE_WEIGHT * placed
    return objective, served, clashes, placed


def capacity_bound(instance: Instance) -> int:
    """An upper bound on the objective that CP-SAT may not prove in a short time: no clash,
    every proposal served up to the largest room that has what it needs, and at most
    rooms x slots cells filled (the fractional knapsack over the proposals' lengths)."""
    cells = len(instance.rooms) * len(instance.slots)
    items = []
    for proposal in instance.proposals:
        capacities = [r.capacity for r in instance.rooms if proposal.needs <= r.equipment]
        if not capacities or not instance.options(proposal):
            continue
        value = SERVE_WEIGHT * min(proposal.votes, max(capacities)) + PLACE_WEIGHT
        items.append((value / proposal.length, value, proposal.length))
    items.sort(reverse=True)
    total = 0.0
    for ratio, value, length in items:
        if cells <= 0:
            break
        take = min(length, cells)
        total += value if take == length else ratio * take
        cells -= take
    return math.floor(total + 1e-9)


def greedy_schedule(instance: Instance) -> dict[int, tuple[int, int]]:
    """A feasible grid fast: the fixed placements, then each proposal by dots (most first) in
    the free place that adds most to the objective. Raises Infeasible if the fixed
    placements are."""
    placements = dict(instance.fixed)
    evaluate(instance, placements)
    cells: set[tuple[int, int]] = set()
    host_slots: set[tuple[int, int]] = set()
    slot_members: dict[int, set[int]] = defaultdict(set)
    by_id = {p.id: p for p in instance.proposals}
    rooms = {r.id: r for r in instance.rooms}
    neighbours: dict[int, dict[int, int]] = defaultdict(dict)
    for (p, q), count in instance.shared.items():
        neighbours[p][q] = count
        neighbours[q][p] = count

    def take(pid: int, room_id: int, first: int) -> None:
        for slot in instance.covered(by_id[pid], first):
            cells.add((room_id, slot))
            slot_members[slot].add(pid)
            for host in by_id[pid].hosts:
                host_slots.add((host, slot))

    for pid, (room_id, first) in placements.items():
        take(pid, room_id, first)
    for proposal in sorted(instance.proposals, key=lambda p: (-p.votes, p.id)):
        if proposal.id in placements:
            continue
        best, best_gain = None, None
        for room_id, first in instance.options(proposal):
            covered = instance.covered(proposal, first)
            if any((room_id, s) in cells for s in covered) or any(
                    (h, s) in host_slots for h in proposal.hosts for s in covered):
                continue
            others = set().union(*(slot_members[s] for s in covered))
            clash = sum(neighbours[proposal.id].get(o, 0) for o in others)
            gain = (SERVE_WEIGHT * min(proposal.votes, rooms[room_id].capacity)
                    - CLASH_WEIGHT * clash + PLACE_WEIGHT)
            if best_gain is None or gain > best_gain:
                best, best_gain = (room_id, first), gain
        if best is not None and best_gain > 0:
            placements[proposal.id] = best
            take(proposal.id, *best)
    return placements


def solve(instance: Instance, *, time_limit: float = 10.0, workers: int = 2,
          seed: int = 0) -> Result:
    """The best grid CP-SAT finds within `time_limit` seconds, with its bound.

    Raises Infeasible when the fixed placements cannot all be kept."""
    started = time.monotonic()
    cp_model = importlib.import_module("ortools.sat.python.cp_model")
    hint = greedy_schedule(instance)
    model = cp_model.CpModel()
    by_id = {p.id: p for p in instance.proposals}
    rooms = {r.id: r for r in instance.rooms}
    x: dict[tuple[int, int, int], cp_model.IntVar] = {}
    cover: dict[tuple[int, int], list] = defaultdict(list)
    host_cover: dict[tuple[int, int], list] = defaultdict(list)
    runs_in: dict[tuple[int, int], list] = defaultdict(list)  # (proposal, slot) -> vars
    served_terms = []
    for proposal in instance.proposals:
        options = instance.options(proposal)
        mine = []
        for room_id, first in options:
            var = model.new_bool_var(f"x_{proposal.id}_{room_id}_{first}")
            x[(proposal.id, room_id, first)] = var
            mine.append(var)
            for slot in instance.covered(proposal, first):
                cover[(room_id, slot)].append(var)
                runs_in[(proposal.id, slot)].append(var)
                for host in proposal.hosts:
                    host_cover[(host, slot)].append(var)
            served_terms.append(
                (SERVE_WEIGHT * min(proposal.votes, rooms[room_id].capacity) + PLACE_WEIGHT,
                 var))
        if mine:
            model.add_at_most_one(mine)
        if proposal.id in instance.fixed:
            model.add(sum(mine) == 1)
    for group in (*cover.values(), *host_cover.values()):
        if len(group) > 1:
            model.add_at_most_one(group)
    clash_terms = []
    hint_slots = {pid: set(instance.covered(by_id[pid], first))
                  for pid, (_room, first) in hint.items()}
    for (p, q), count in instance.shared.items():
        if p not in by_id or q not in by_id or count <= 0:
            continue
        common = [s for s in instance.slots if runs_in.get((p, s)) and runs_in.get((q, s))]
        if not common:
            continue
        clash = model.new_bool_var(f"clash_{p}_{q}")
        for slot in common:
            model.add(sum(runs_in[(p, slot)]) + sum(runs_in[(q, slot)]) - 1 <= clash)
        clash_terms.append((CLASH_WEIGHT * count, clash))
        model.add_hint(clash, bool(hint_slots.get(p, set()) & hint_slots.get(q, set())))
    model.maximize(sum(w * v for w, v in served_terms) - sum(w * v for w, v in clash_terms))
    for (pid, room_id, first), var in x.items():
        model.add_hint(var, hint.get(pid) == (room_id, first))

    solver = cp_model.CpSolver()
    # The time limit covers the whole call: building the model counts too. With no time
    # left the solver is not started and the greedy grid is the answer.
    left = float(time_limit) - (time.monotonic() - started)
    if left <= 0.05:
        return _result(instance, hint, "FALLBACK", [], started)
    solver.parameters.max_time_in_seconds = left
    solver.parameters.num_workers = max(int(workers), 1)
    solver.parameters.random_seed = seed
    # Probing costs seconds on a model of this size and proves little here; the search
    # starts at once from the (complete, feasible) hint.
    solver.parameters.cp_model_probing_level = 0
    status = solver.solve(model)
    if status == cp_model.INFEASIBLE:
        raise Infeasible("fixed placements")
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _result(instance, hint, "FALLBACK", [], started)
    placements = {pid: (room_id, first) for (pid, room_id, first), var in x.items()
                  if solver.boolean_value(var)}
    bounds = []
    if math.isfinite(solver.best_objective_bound):
        bounds.append(math.floor(solver.best_objective_bound + 1e-6))
    return _result(instance, placements, solver.status_name(status), bounds, started)


def _result(instance: Instance, placements: dict[int, tuple[int, int]], status: str,
            solver_bounds: list[int], started: float) -> Result:
    objective, served, clashes, placed = evaluate(instance, placements)
    if status == "OPTIMAL":
        bound = objective
    else:
        bound = max(min([capacity_bound(instance), *solver_bounds]), objective)
    return Result(placements=placements, objective=objective, bound=bound, status=status,
                  served=served, clashes=clashes, placed=placed,
                  seconds=time.monotonic() - started, fallback=status == "FALLBACK")
