"""Rooms, slots and the grid: placing and moving sessions (one per room and slot, no
host in two places, a SEQUENCE bump on every move)."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..exceptions import (
    CellTaken,
    EquipmentMissing,
    HostDoubleBooked,
    InvalidGrid,
    InvalidProposal,
    NotAllowed,
    SessionPinned,
)
from ..models import (
    MAX_ROOM_CAPACITY,
    Cell,
    Equipment,
    Programme,
    Proposal,
    Room,
    Session,
    Slot,
)
from .common import (
    MAX_SLOT_LENGTH,
    ORGANISER_EDIT_PHASES,
    RACE_WINDOW_SECONDS,
    _grid_lock_disabled,
    _lock_programme,
    _require_organiser,
    _require_phase,
    user_is_organiser,
)

# --- Rooms and slots -------------------------------------------------------------------------

def _clean_room(name: str, capacity, equipment: Iterable[str]) -> tuple[str, int, list[str]]:
    name = " ".join((name or "").split())
    if not name or len(name) > 80:
        raise InvalidGrid(_("Give the room a name (up to 80 characters)."))
    if (isinstance(capacity, bool) or not isinstance(capacity, int)
            or not 1 <= capacity <= MAX_ROOM_CAPACITY):
        raise InvalidGrid(_("A room holds between 1 and %(max)s people.")
                          % {"max": MAX_ROOM_CAPACITY})
    equipment = sorted(set(equipment))
    if not set(equipment) <= set(Equipment.values):
        raise InvalidGrid(_("Unknown equipment."))
    return name, capacity, equipment

@transaction.atomic
def room_save(programme: Programme, *, actor, name: str, capacity: int,
              equipment: Iterable[str] = (), room: Room | None = None) -> Room:
    """Create a room, or change one (organisers only). A room that loses equipment keeps
    no session that needs it.

    Raises: NotAllowed, PhaseClosed, InvalidGrid (bad values, a name used twice),
    EquipmentMissing."""
    _require_organiser(programme, actor)
    programme = _lock_programme(programme)
    _require_phase(programme, ORGANISER_EDIT_PHASES)
    name, capacity, equipment = _clean_room(name, capacity, equipment)
    if Room.objects.filter(programme=programme, name__iexact=name).exclude(
            pk=room.pk if room else None).exists():
        raise InvalidGrid(_("There is already a room with this name."))
    if room is None:
        last = Room.objects.filter(programme=programme).order_by("-position").first()
        return Room.objects.create(programme=programme, name=name, capacity=capacity,
                                   equipment=equipment,
                                   position=(last.position + 1) if last else 0)
    room = Room.objects.get(pk=room.pk, programme=programme)
    for session in room.sessions.select_related("proposal"):
        if not set(session.proposal.needs) <= set(equipment):
            raise EquipmentMissing(_("“%(title)s” needs what the room would lose.")
                                   % {"title": session.proposal.title})
    room.name, room.capacity, room.equipment = name, capacity, equipment
    room.save()
    return room

@transaction.atomic
def room_delete(room: Room, *, actor) -> None:
    """Delete a room; its sessions go back to the unplaced proposals. Raises NotAllowed,
    PhaseClosed."""
    programme = _lock_programme(room.programme)
    _require_organiser(programme, actor)
    _require_phase(programme, ORGANISER_EDIT_PHASES)
    Session.objects.filter(room=room).delete()
    room.delete()

@transaction.atomic
def slot_create(programme: Programme, *, actor, starts_at, ends_at) -> Slot:
    """Add a time slot inside the event (organisers only); slots never overlap.

    Raises: NotAllowed, PhaseClosed, InvalidGrid (naive times, outside the event,
    overlapping another slot, longer than 8 hours)."""
    _require_organiser(programme, actor)
    programme = _lock_programme(programme)
    _require_phase(programme, ORGANISER_EDIT_PHASES)
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise InvalidGrid(_("Give times with their time zone."))
    event = programme.event
    if ends_at <= starts_at:
        raise InvalidGrid(_("A slot must end after it starts."))
    if ends_at - starts_at > MAX_SLOT_LENGTH:
        raise InvalidGrid(_("A slot lasts at most 8 hours."))
    if starts_at < event.starts_at or ends_at > event.ends_at:
        raise InvalidGrid(_("Slots must lie within the event's times."))
    if Slot.objects.filter(programme=programme, starts_at__lt=ends_at,
                           ends_at__gt=starts_at).exists():
        raise InvalidGrid(_("This slot overlaps another one."))
    return Slot.objects.create(programme=programme, starts_at=starts_at, ends_at=ends_at)

@transaction.atomic
def slot_delete(slot: Slot, *, actor) -> None:
    """Delete a slot; sessions in it go back to the unplaced proposals. Raises NotAllowed,
    PhaseClosed."""
    programme = _lock_programme(slot.programme)
    _require_organiser(programme, actor)
    _require_phase(programme, ORGANISER_EDIT_PHASES)
    Session.objects.filter(cells__slot=slot).delete()
    Session.objects.filter(first_slot=slot).delete()
    slot.delete()

def slots_in_order(programme: Programme) -> list[Slot]:
    return list(Slot.objects.filter(programme=programme).order_by("starts_at", "id"))

def slot_runs(slots: list[Slot], tz) -> dict[int, list[Slot]]:
    """{first slot id: [the slots a two-slot session starting there covers]} for every slot
    followed by another slot on the same local day."""
    runs: dict[int, list[Slot]] = {}
    for first, second in itertools.pairwise(slots):
        if timezone.localtime(first.starts_at, tz).date() == timezone.localtime(
                second.starts_at, tz).date():
            runs[first.pk] = [first, second]
    return runs

def covered_slots(programme: Programme, first: Slot, length: int) -> list[Slot]:
    """The slots a session of `length` starting at `first` covers. Raises InvalidGrid."""
    if first.programme_id != programme.pk:
        raise InvalidGrid(_("This slot belongs to another event."))
    if length == 1:
        return [first]
    run = slot_runs(slots_in_order(programme), programme.event.tz).get(first.pk)
    if run is None:
        raise InvalidGrid(_("A two-slot session needs the next slot of the same day."))
    return run

# --- The grid ----------------------------------------------------------------------------------

def _host_conflicts(programme: Programme, hosts: set[int], slot_ids: list[int],
                    exclude_session: int | None) -> bool:
    if not hosts or not slot_ids:
        return False
    qs = Cell.objects.filter(slot_id__in=slot_ids, session__programme=programme,
                             session__proposal__hosts__in=hosts)
    if exclude_session is not None:
        qs = qs.exclude(session_id=exclude_session)
    return qs.exists()

def _place_locked(proposal: Proposal, room: Room, first: Slot, *, pinned: bool) -> Session:
    """Place (or move) `proposal`'s session with the programme row already locked."""
    programme = proposal.programme
    if room.programme_id != programme.pk:
        raise InvalidGrid(_("This room belongs to another event."))
    if not proposal.is_active:
        raise InvalidProposal(_("This proposal was withdrawn or merged."))
    if not set(proposal.needs) <= set(room.equipment):
        raise EquipmentMissing()
    slots = covered_slots(programme, first, proposal.length)
    slot_ids = [s.pk for s in slots]
    session = Session.objects.filter(proposal=proposal).first()
    own = session.pk if session else None
    if Cell.objects.filter(room=room, slot_id__in=slot_ids).exclude(session_id=own).exists():
        raise CellTaken()
    hosts = set(proposal.hosts.values_list("pk", flat=True))
    if _host_conflicts(programme, hosts, slot_ids, own):
        raise HostDoubleBooked()
    if _grid_lock_disabled():
        time.sleep(RACE_WINDOW_SECONDS)
    moved = session is not None and (session.room_id != room.pk
                                     or session.first_slot_id != first.pk
                                     or session.last_slot_id != slots[-1].pk)
    if session is None:
        session = Session(programme=programme, proposal=proposal)
    session.room, session.first_slot, session.last_slot = room, slots[0], slots[-1]
    session.starts_at, session.ends_at = slots[0].starts_at, slots[-1].ends_at
    session.pinned = pinned
    if moved:
        session.sequence = F("sequence") + 1
    try:
        with transaction.atomic():
            session.save()
            Cell.objects.filter(session=session).delete()
            Cell.objects.bulk_create([Cell(session=session, room=room, slot=s) for s in slots])
    except IntegrityError as exc:
        raise CellTaken() from exc
    session.refresh_from_db()
    return session

@transaction.atomic
def session_place(proposal: Proposal, *, room: Room, slot: Slot, actor,
                  pinned: bool | None = None) -> Session:
    """Put a proposal in the grid at `room` from `slot`, or move its session there
    (organisers only). A move bumps the session's SEQUENCE. `pinned` None keeps the pin,
    and then a pinned session stays where it is: moving it needs an unpin first (or an
    explicit `pinned`), so a slip of the hand on the grid cannot move it.

    Raises: NotAllowed, PhaseClosed, InvalidGrid, InvalidProposal, EquipmentMissing,
    CellTaken, HostDoubleBooked, SessionPinned."""
    programme = _lock_programme(proposal.programme)
    _require_organiser(programme, actor)
    _require_phase(programme, ORGANISER_EDIT_PHASES)
    proposal = Proposal.objects.get(pk=proposal.pk)
    proposal.programme = programme
    if pinned is None:
        current = (Session.objects.filter(proposal=proposal)
                   .values("pinned", "room_id", "first_slot_id").first())
        pinned = bool(current and current["pinned"])
        if pinned and (current["room_id"], current["first_slot_id"]) != (room.pk, slot.pk):
            raise SessionPinned()
    return _place_locked(proposal, Room.objects.get(pk=room.pk), Slot.objects.get(pk=slot.pk),
                         pinned=pinned)

@transaction.atomic
def session_unplace(session: Session, *, actor) -> None:
    """Take a session out of the grid (its proposal stays). Raises NotAllowed, PhaseClosed."""
    programme = _lock_programme(session.programme)
    _require_organiser(programme, actor)
    _require_phase(programme, ORGANISER_EDIT_PHASES)
    Session.objects.filter(pk=session.pk).delete()

@transaction.atomic
def session_set_pinned(session: Session, pinned: bool, *, actor) -> Session:
    """Pin a session (the scheduler never moves it) or unpin it. Raises NotAllowed."""
    programme = _lock_programme(session.programme)
    _require_organiser(programme, actor)
    Session.objects.filter(pk=session.pk).update(pinned=bool(pinned))
    return Session.objects.get(pk=session.pk)

@transaction.atomic
def session_set_attendance(session: Session, attendance: int | None, *, actor) -> Session:
    """Record how many people came (organisers and the session's hosts).

    Raises: NotAllowed, InvalidGrid (negative or huge)."""
    programme = Programme.objects.select_related("event").get(pk=session.programme_id)
    is_host = session.proposal.hosts.filter(pk=getattr(actor, "pk", None)).exists()
    if not (is_host or user_is_organiser(programme, actor)):
        raise NotAllowed()
    if attendance is not None and (isinstance(attendance, bool) or not isinstance(
            attendance, int) or not 0 <= attendance <= MAX_ROOM_CAPACITY):
        raise InvalidGrid(_("Give a number of people between 0 and %(max)s.")
                          % {"max": MAX_ROOM_CAPACITY})
    Session.objects.filter(pk=session.pk).update(attendance=attendance)
    return Session.objects.get(pk=session.pk)
