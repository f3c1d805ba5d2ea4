"""The unconference scheduler (OR-Tools CP-SAT) on the size of a large Espresso day:
150 proposals, 8 rooms, 12 slots (two days of six), 200 voters with 3 dots each (popularity
skewed, as real dot-voting is), 10% two-slot sessions, 20% needing a projector, co-hosts.

Rows: the greedy start alone, then `services.programme_schedule` (full re-plan, through the
database) with a 10 s and a 30 s limit: wall time, objective, the best bound (the solver's or
the capacity bound, whichever is lower), the gap between them, people served, voters who
lost a session to a clash, sessions placed.
"""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid

PROPOSALS = 150
ROOMS = 8
SLOTS_PER_DAY = 6
DAYS = 2
VOTERS = 200
DOTS = 3


def _programme():
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from bench.bench_registration import _space
    from events.models import EventFormat, EventPage, Registration, RegistrationState
    from events.programme.models import (
        Ballot,
        Phase,
        Programme,
        Proposal,
        ProposalKind,
        Room,
        Slot,
        Vote,
    )

    rng = random.Random(2017)
    run = uuid.uuid4().hex[:6]
    space = _space()
    day = (timezone.now() + dt.timedelta(days=20)).date()
    start = dt.datetime(day.year, day.month, day.day, 7, 0, tzinfo=dt.UTC)
    event = EventPage(title="Bench unconference", slug=f"bench-unconf-{run}", starts_at=start,
                      ends_at=start + dt.timedelta(days=DAYS - 1, hours=11), language="en",
                      format=EventFormat.UNCONFERENCE)
    space.add_child(instance=event)
    event.save_revision().publish()
    user_model = get_user_model()
    people = user_model.objects.bulk_create(
        [user_model(username=f"sched-{run}-{i}", email=f"sched-{run}-{i}@example.org")
         for i in range(VOTERS)])
    Registration.objects.bulk_create(
        [Registration(event=event, user=u, state=RegistrationState.CONFIRMED) for u in people])
    organiser = user_model.objects.create(username=f"sched-{run}-admin", is_superuser=True,
                                          email=f"sched-{run}-admin@example.org")
    programme = Programme.objects.create(event=event, phase=Phase.VOTING)
    capacities = [12, 15, 20, 25, 30, 40, 60, 80]
    Room.objects.bulk_create([Room(
        programme=programme, name=f"Room {i + 1}", capacity=capacities[i], position=i,
        equipment=(["projector"] if i % 2 else []) + (["quiet"] if i == 0 else [])
        + (["whiteboard"] if i in (2, 5) else [])) for i in range(ROOMS)])
    slots = []
    for d in range(DAYS):
        at = start + dt.timedelta(days=d, hours=2)
        for _ in range(SLOTS_PER_DAY):
            slots.append(Slot(programme=programme, starts_at=at,
                              ends_at=at + dt.timedelta(minutes=45)))
            at += dt.timedelta(minutes=60)
    Slot.objects.bulk_create(slots)
    kinds = list(ProposalKind.values)
    proposals = Proposal.objects.bulk_create([Proposal(
        programme=programme, title=f"Session {i}", kind=rng.choice(kinds),
        length=2 if rng.random() < 0.1 else 1, language="en",
        needs=(["projector"] if rng.random() < 0.2 else [])
        + (["quiet"] if rng.random() < 0.03 else []),
        proposer=people[i % 120]) for i in range(PROPOSALS)])
    through = Proposal.hosts.through
    links = [through(proposal_id=p.pk, user_id=people[i % 120].pk)
             for i, p in enumerate(proposals)]
    links += [through(proposal_id=p.pk, user_id=people[(i * 7 + 3) % 120].pk)
              for i, p in enumerate(proposals) if rng.random() < 0.2
              and (i * 7 + 3) % 120 != i % 120]
    through.objects.bulk_create(links)
    ballots = Ballot.objects.bulk_create([Ballot(programme=programme, user=u) for u in people])
    weights = [1 / (rank + 4) for rank in range(PROPOSALS)]
    votes = []
    for ballot in ballots:
        chosen: set[int] = set()
        while len(chosen) < DOTS:
            chosen.add(rng.choices(range(PROPOSALS), weights)[0])
        votes += [Vote(ballot=ballot, proposal=proposals[i]) for i in chosen]
    Vote.objects.bulk_create(votes)
    return programme, organiser


def run() -> list[dict]:
    from events.programme import scheduler, services

    programme, organiser = _programme()
    rows = []
    instance = services.schedule_instance(programme, full_replan=True)
    started = time.monotonic()
    greedy = scheduler.greedy_schedule(instance)
    seconds = time.monotonic() - started
    objective, served, clashes, placed = scheduler.evaluate(instance, greedy)
    bound = scheduler.capacity_bound(instance)
    rows.append({"name": "scheduler greedy start (150 x 8 x 12, 200 voters)",
                 "seconds": round(seconds, 2), "objective": objective, "bound": bound,
                 "gap": f"{(bound - objective) / bound:.2%}", "served": served,
                 "clashes": clashes, "placed": placed})
    for limit in (10, 30):
        started = time.monotonic()
        result = services.programme_schedule(programme, actor=organiser, full_replan=True,
                                             time_limit=limit)
        rows.append({"name": f"scheduler CP-SAT, {limit} s limit", "status": result.status,
                     "seconds": round(time.monotonic() - started, 2),
                     "objective": result.objective, "bound": result.bound,
                     "gap": f"{result.gap:.2%}", "served": result.served,
                     "clashes": result.clashes, "placed": result.placed})
    return rows
