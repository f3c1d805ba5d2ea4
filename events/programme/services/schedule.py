"""The automatic scheduler, written to the grid by the same rules as a manual move."""

from __future__ import annotations

import itertools

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import scheduler
from ..exceptions import (
    CellTaken,
    EquipmentMissing,
    HostDoubleBooked,
    InvalidGrid,
    InvalidProposal,
    SchedulingFailed,
)
from ..models import (
    Cell,
    Programme,
    Proposal,
    ProposalState,
    Room,
    Session,
    Slot,
    Vote,
)
from .common import (
    SCHEDULING_PHASES,
    _lock_programme,
    _require_organiser,
    _require_phase,
)
from .grid import (
    _place_locked,
    slot_runs,
    slots_in_order,
)

# --- Automatic scheduling --------------------------------------------------------------------

def schedule_instance(programme: Programme, *, full_replan: bool = False
                      ) -> scheduler.Instance:
    """The scheduler's view of the programme: active proposals with their dots, hosts and
    needs; rooms; slots; placements to keep (pinned ones always, every placed one unless
    `full_replan`); how many voters each pair of proposals shares."""
    proposals = list(Proposal.objects.filter(programme=programme,
                                             state=ProposalState.SUBMITTED)
                     .prefetch_related("hosts").order_by("pk"))
    votes: dict[int, int] = {}
    by_voter: dict[int, set[int]] = {}
    for ballot_id, proposal_id in Vote.objects.filter(
            proposal__programme=programme,
            proposal__state=ProposalState.SUBMITTED).values_list("ballot_id", "proposal_id"):
        votes[proposal_id] = votes.get(proposal_id, 0) + 1
        by_voter.setdefault(ballot_id, set()).add(proposal_id)
    shared: dict[tuple[int, int], int] = {}
    for chosen in by_voter.values():
        for pair in itertools.combinations(sorted(chosen), 2):
            shared[pair] = shared.get(pair, 0) + 1
    slots = slots_in_order(programme)
    runs = {first: [s.pk for s in run]
            for first, run in slot_runs(slots, programme.event.tz).items()}
    sessions = Session.objects.filter(programme=programme,
                                      proposal__state=ProposalState.SUBMITTED)
    if full_replan:
        sessions = sessions.filter(pinned=True)
    fixed = {pid: (room_id, slot_id) for pid, room_id, slot_id in
             sessions.values_list("proposal_id", "room_id", "first_slot_id")}
    return scheduler.Instance(
        proposals=[scheduler.SProposal(
            id=p.pk, votes=votes.get(p.pk, 0), length=p.length,
            hosts=frozenset(h.pk for h in p.hosts.all()), needs=frozenset(p.needs))
            for p in proposals],
        rooms=[scheduler.SRoom(id=r.pk, capacity=r.capacity, equipment=frozenset(r.equipment))
               for r in Room.objects.filter(programme=programme)],
        slots=[s.pk for s in slots], runs=runs, fixed=fixed, shared=shared)

def programme_schedule(programme: Programme, *, actor, full_replan: bool = False,
                       time_limit: float | None = None) -> scheduler.Result:
    """Fill the grid automatically (organisers; while voting, published or running).

    Pinned sessions never move; other placed sessions stay too unless `full_replan`. The
    solver runs outside any transaction (it may take `time_limit` seconds); the result is
    then written in one transaction with the programme row locked, each placement checked
    again by the same rules as a manual move, so a change made meanwhile can only make the
    whole result fail, never half-apply. The report (objective, bound, gap, clashes...) is
    kept on the programme.

    Raises: NotAllowed, PhaseClosed, SchedulingFailed (the kept placements break a rule, or
    the grid changed while the solver ran)."""
    _require_organiser(programme, actor)
    _require_phase(programme, SCHEDULING_PHASES,
                   _("Schedule once voting is open and until the programme is archived."))
    if time_limit is None:
        time_limit = float(getattr(settings, "PROGRAMME_SCHEDULER_SECONDS", 10.0))
    placed = _placements(programme)  # before the view: a change between them fails safe
    instance = schedule_instance(programme, full_replan=full_replan)
    try:
        result = scheduler.solve(instance, time_limit=time_limit,
                                 workers=int(getattr(settings, "PROGRAMME_SCHEDULER_WORKERS", 2)))
    except scheduler.Infeasible as exc:
        raise SchedulingFailed() from exc
    try:
        with transaction.atomic():
            _apply_schedule(programme, instance, result, placed)
    except (IntegrityError, CellTaken, HostDoubleBooked, EquipmentMissing, InvalidGrid,
            InvalidProposal, KeyError) as exc:  # KeyError: a proposal, room or slot deleted
        raise SchedulingFailed(_("The grid changed while the scheduler ran; run it again."))\
            from exc
    return result

def _placements(programme: Programme) -> dict[int, tuple[int, int]]:
    """{proposal id: (room id, first slot id)} of every session in the grid."""
    return {pid: (room_id, slot_id) for pid, room_id, slot_id in Session.objects.filter(
        programme=programme).values_list("proposal_id", "room_id", "first_slot_id")}

def _apply_schedule(programme: Programme, instance: scheduler.Instance,
                    result: scheduler.Result, placed: dict[int, tuple[int, int]]) -> None:
    """Write `result` with the programme row locked, if the grid is still the one the
    solver was given (`placed`): a session placed, moved or taken out meanwhile is not
    silently undone. Raises SchedulingFailed."""
    locked = _lock_programme(programme)
    if _placements(locked) != placed:
        raise SchedulingFailed(_("The grid changed while the scheduler ran; run it again."))
    current = {s.proposal_id: s for s in Session.objects.filter(programme=locked)}
    target = result.placements
    leaving = [s for pid, s in current.items()
               if target.get(pid) != (s.room_id, s.first_slot_id)]
    Cell.objects.filter(session__in=[s.pk for s in leaving]).delete()
    Session.objects.filter(pk__in=[s.pk for s in leaving if s.proposal_id not in target]
                           ).delete()
    proposals = Proposal.objects.in_bulk(list(target))
    rooms = Room.objects.filter(programme=locked).in_bulk()
    slots = Slot.objects.filter(programme=locked).in_bulk()
    for pid, (room_id, slot_id) in sorted(target.items()):
        existing = current.get(pid)
        if existing is not None and (existing.room_id, existing.first_slot_id) == (
                room_id, slot_id):
            continue
        proposal = proposals[pid]
        proposal.programme = locked
        _place_locked(proposal, rooms[room_id], slots[slot_id],
                      pinned=bool(existing and existing.pinned))
    locked.last_schedule_report = {**result.as_report(), "at": timezone.now().isoformat(),
                                   "proposals": len(instance.proposals),
                                   "kept": len(instance.fixed)}
    locked.save(update_fields=["last_schedule_report", "updated_at"])
