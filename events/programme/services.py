"""Every state change of an unconference programme.

Guarantees, each in one transaction:
- the phase rules (who may do what in which phase) are checked here, not only in templates;
- a participant never spends more dots than the programme gives (their Ballot row is locked
  with SELECT ... FOR UPDATE while the dots are counted; on SQLite the IMMEDIATE
  transaction serialises writers);
- one session per room and slot (the `programme_one_session_per_cell` constraint) and no
  host in two sessions at once (checked with the programme row locked, so two moves cannot
  both pass the check);
- a session's calendar SEQUENCE grows on every move.

Refusals are the named exceptions of `events.programme.exceptions`.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events import payments
from events import services as event_services
from events.models import EventPage, Registration, RegistrationRole, RegistrationState
from network.permissions import user_organises_space
from network.validators import validate_no_control_characters

from .exceptions import (
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
    RewardNotPaid,
)
from .models import (
    MAX_DOTS,
    MAX_ROOM_CAPACITY,
    Ballot,
    Cell,
    Equipment,
    NoteRevision,
    Phase,
    Programme,
    Proposal,
    ProposalKind,
    ProposalState,
    Room,
    Session,
    Slot,
    Vote,
)

# Only the control runs of the concurrency tests turn these on (through settings): the
# services then skip their row lock and wait between counting and writing, so the race the
# lock prevents becomes visible.
RACE_WINDOW_SECONDS = 0.05
TITLE_MAX = 140
DESCRIPTION_MAX = 4000
NOTES_MAX = 50_000
MAX_HOSTS = 5
MAX_SLOT_LENGTH = timedelta(hours=8)

PARTICIPANT_STATES = [RegistrationState.CONFIRMED, RegistrationState.ATTENDED]
PROPOSING_PHASES = (Phase.PROPOSALS, Phase.VOTING)
ORGANISER_EDIT_PHASES = (Phase.CLOSED, Phase.PROPOSALS, Phase.VOTING, Phase.SCHEDULED,
                         Phase.RUNNING)
SCHEDULING_PHASES = (Phase.VOTING, Phase.SCHEDULED, Phase.RUNNING)


def _vote_lock_disabled() -> bool:
    return bool(getattr(settings, "PROGRAMME_DISABLE_VOTE_LOCK", False))


def _grid_lock_disabled() -> bool:
    return bool(getattr(settings, "PROGRAMME_DISABLE_GRID_LOCK", False))


# --- Who is who ------------------------------------------------------------------------

def user_is_organiser(programme: Programme, user) -> bool:
    """Organisers of the event's space and network coordinators (network.permissions)."""
    return user_organises_space(user, programme.event.space_id)


def user_is_participant(programme: Programme, user) -> bool:
    """A member with a confirmed or attended registration for the event."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return Registration.objects.filter(event_id=programme.event_id, user=user,
                                       state__in=PARTICIPANT_STATES).exists()


def _require_organiser(programme: Programme, actor) -> None:
    if not user_is_organiser(programme, actor):
        raise NotAllowed(_("Only the event's organisers can do this."))


def _require_phase(programme: Programme, phases: Iterable[str], message=None) -> None:
    if programme.phase not in phases:
        raise PhaseClosed(message)


def _lock_programme(programme: Programme) -> Programme:
    qs = Programme.objects.select_related("event")
    if not _grid_lock_disabled():
        qs = qs.select_for_update(of=("self",))
    return qs.get(pk=programme.pk)


# --- The programme itself ----------------------------------------------------------------

def programme_ensure(event: EventPage) -> Programme:
    """The event's programme, created closed (idempotent)."""
    programme, _created = Programme.objects.get_or_create(event=event)
    return programme


@transaction.atomic
def programme_configure(programme: Programme, *, actor, phase: str | None = None,
                        dots_per_participant: int | None = None,
                        stacking_allowed: bool | None = None) -> Programme:
    """Set the phase, the dots each participant has and whether dots may stack (organisers
    only). Lowering the dots keeps the dots already placed.

    Raises: NotAllowed, InvalidGrid (unknown phase, dots outside 1..MAX_DOTS)."""
    _require_organiser(programme, actor)
    locked = _lock_programme(programme)
    if phase is not None:
        if phase not in Phase.values:
            raise InvalidGrid(_("Unknown phase."))
        locked.phase = phase
    if dots_per_participant is not None:
        if (isinstance(dots_per_participant, bool) or not isinstance(dots_per_participant, int)
                or not 1 <= dots_per_participant <= MAX_DOTS):
            raise InvalidGrid(_("Give between 1 and %(max)s dots.") % {"max": MAX_DOTS})
        locked.dots_per_participant = dots_per_participant
    if stacking_allowed is not None:
        locked.stacking_allowed = bool(stacking_allowed)
    locked.save()
    programme.__dict__.update({k: getattr(locked, k) for k in (
        "phase", "dots_per_participant", "stacking_allowed", "updated_at")})
    return locked


# --- Proposals -----------------------------------------------------------------------------

@dataclass
class ProposalData:
    title: str
    description: str = ""
    kind: str = ProposalKind.DISCUSSION
    length: int = 1
    language: str = "it"
    needs: tuple[str, ...] = ()
    co_hosts: tuple = ()


def _clean_proposal(programme: Programme, data: ProposalData, proposer) -> ProposalData:
    title = " ".join((data.title or "").split()) if data.title else ""
    try:
        validate_no_control_characters(title)
    except ValidationError as exc:
        raise InvalidProposal(_("The title must be one line.")) from exc
    if not title:
        raise InvalidProposal(_("Give the session a title."))
    if len(title) > TITLE_MAX:
        raise InvalidProposal(_("Keep the title under %(max)s characters.") % {"max": TITLE_MAX})
    description = (data.description or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(description) > DESCRIPTION_MAX:
        raise InvalidProposal(_("Keep the description under %(max)s characters.")
                              % {"max": DESCRIPTION_MAX})
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in description):
        raise InvalidProposal(_("The description contains control characters."))
    if data.kind not in ProposalKind.values:
        raise InvalidProposal(_("Unknown kind of session."))
    if data.length not in (1, 2) or isinstance(data.length, bool):
        raise InvalidProposal(_("A session lasts one or two slots."))
    if data.language not in dict(settings.LANGUAGES):
        raise InvalidProposal(_("Unknown language."))
    needs = tuple(sorted(set(data.needs)))
    if not set(needs) <= set(Equipment.values):
        raise InvalidProposal(_("Unknown equipment."))
    co_hosts = tuple({u.pk: u for u in data.co_hosts if proposer is None or u.pk != proposer.pk}
                     .values())
    if len(co_hosts) + 1 > MAX_HOSTS:
        raise InvalidProposal(_("A session has at most %(max)s hosts.") % {"max": MAX_HOSTS})
    for user in co_hosts:
        if not user_is_participant(programme, user):
            raise InvalidProposal(_("Co-hosts must be participants of the event."))
    return ProposalData(title=title, description=description, kind=data.kind,
                        length=data.length, language=data.language, needs=needs,
                        co_hosts=co_hosts)


def _host_conflicts(programme: Programme, hosts: set[int], slot_ids: list[int],
                    exclude_session: int | None) -> bool:
    if not hosts or not slot_ids:
        return False
    qs = Cell.objects.filter(slot_id__in=slot_ids, session__programme=programme,
                             session__proposal__hosts__in=hosts)
    if exclude_session is not None:
        qs = qs.exclude(session_id=exclude_session)
    return qs.exists()


@transaction.atomic
def proposal_create(programme: Programme, *, actor, data: ProposalData) -> Proposal:
    """A participant proposes a session while proposals or voting are open; organisers may
    add one in any phase but the archive. The proposer is its first host.

    Raises: PhaseClosed, NotAParticipant, InvalidProposal."""
    organiser = user_is_organiser(programme, actor)
    if organiser:
        _require_phase(programme, ORGANISER_EDIT_PHASES)
    else:
        _require_phase(programme, PROPOSING_PHASES,
                       _("Proposals are not open for this event."))
        if not user_is_participant(programme, actor):
            raise NotAParticipant()
    clean = _clean_proposal(programme, data, actor)
    proposal = Proposal.objects.create(
        programme=programme, title=clean.title, description=clean.description,
        kind=clean.kind, length=clean.length, language=clean.language, needs=list(clean.needs),
        proposer=actor)
    proposal.hosts.set([actor, *clean.co_hosts])
    return proposal


def _check_may_edit(proposal: Proposal, actor) -> bool:
    """Returns whether the actor edits as an organiser; raises otherwise."""
    programme = proposal.programme
    if user_is_organiser(programme, actor):
        _require_phase(programme, ORGANISER_EDIT_PHASES)
        return True
    if proposal.proposer_id is None or actor is None or proposal.proposer_id != actor.pk:
        raise NotAllowed(_("Only the proposer and the organisers can change a proposal."))
    _require_phase(programme, PROPOSING_PHASES,
                   _("Proposals can be changed only until the programme is published."))
    return False


@transaction.atomic
def proposal_update(proposal: Proposal, *, actor, data: ProposalData) -> Proposal:
    """The proposer edits their proposal until the programme is published; organisers edit
    any proposal until the archive. A placed session keeps its cells only if its new length,
    needs and hosts still fit them.

    Raises: NotAllowed, PhaseClosed, InvalidProposal, EquipmentMissing, HostDoubleBooked,
    InvalidGrid (a longer session that does not fit its place)."""
    _lock_programme(proposal.programme)
    proposal = Proposal.objects.select_related("programme__event").get(pk=proposal.pk)
    _check_may_edit(proposal, actor)
    if not proposal.is_active:
        raise InvalidProposal(_("This proposal was withdrawn or merged."))
    clean = _clean_proposal(proposal.programme, data, proposal.proposer)
    proposal.title, proposal.description = clean.title, clean.description
    proposal.kind, proposal.length, proposal.language = clean.kind, clean.length, clean.language
    proposal.needs = list(clean.needs)
    proposal.save()
    hosts = [u for u in [proposal.proposer, *clean.co_hosts] if u is not None]
    proposal.hosts.set(hosts)
    session = Session.objects.filter(proposal=proposal).select_related("room").first()
    if session is not None:
        _place_locked(proposal, session.room, session.first_slot, pinned=session.pinned)
    return proposal


@transaction.atomic
def proposal_withdraw(proposal: Proposal, *, actor) -> Proposal:
    """The proposer (until the programme is published) or an organiser withdraws a proposal;
    its dots go back to the voters and its session leaves the grid.

    Raises: NotAllowed, PhaseClosed."""
    _lock_programme(proposal.programme)
    proposal = Proposal.objects.select_related("programme__event").get(pk=proposal.pk)
    _check_may_edit(proposal, actor)
    if proposal.state != ProposalState.SUBMITTED:
        return proposal
    Session.objects.filter(proposal=proposal).delete()
    proposal.votes.all().delete()
    proposal.state = ProposalState.WITHDRAWN
    proposal.save(update_fields=["state", "updated_at"])
    return proposal


@transaction.atomic
def proposal_merge(duplicate: Proposal, into: Proposal, *, actor) -> Proposal:
    """Merge a duplicate into another proposal (organisers only): its hosts join the
    target's, its dots move to the target (without stacking, a voter who had a dot on both
    gets the second dot back), its session leaves the grid.

    Raises: NotAllowed, PhaseClosed, InvalidProposal (same proposal, other programme,
    inactive proposal)."""
    programme = _lock_programme(duplicate.programme)
    _require_organiser(programme, actor)
    _require_phase(programme, ORGANISER_EDIT_PHASES)
    if duplicate.pk == into.pk or duplicate.programme_id != into.programme_id:
        raise InvalidProposal(_("Choose another proposal of the same event."))
    duplicate = Proposal.objects.get(pk=duplicate.pk)
    into = Proposal.objects.get(pk=into.pk)
    if not (duplicate.is_active and into.is_active):
        raise InvalidProposal(_("Only submitted proposals can be merged."))
    into.hosts.add(*duplicate.hosts.all())
    if not programme.stacking_allowed:
        already = set(into.votes.values_list("ballot_id", flat=True))
        seen: set[int] = set(already)
        for vote in duplicate.votes.order_by("id"):
            if vote.ballot_id in seen:
                vote.delete()
            else:
                seen.add(vote.ballot_id)
    duplicate.votes.update(proposal=into)
    Session.objects.filter(proposal=duplicate).delete()
    duplicate.state = ProposalState.MERGED
    duplicate.merged_into = into
    duplicate.save(update_fields=["state", "merged_into", "updated_at"])
    return into


# --- Dots ----------------------------------------------------------------------------------

def _ballot_locked(programme: Programme, user) -> Ballot:
    ballot, _created = Ballot.objects.get_or_create(programme=programme, user=user)
    if _vote_lock_disabled():
        return ballot
    return Ballot.objects.select_for_update().get(pk=ballot.pk)


@transaction.atomic
def vote_cast(proposal: Proposal, *, actor) -> Vote:
    """Put one of the actor's dots on `proposal` (participants, while voting is open).

    Guarantees: a participant never has more dots placed than the programme's
    `dots_per_participant`, however many votes they send at once; without stacking, at most
    one dot per proposal.

    Raises: PhaseClosed, NotAParticipant, InvalidProposal (withdrawn or merged),
    NoDotsLeft, AlreadyVoted."""
    programme = Programme.objects.select_related("event").get(pk=proposal.programme_id)
    _require_phase(programme, (Phase.VOTING,), _("Voting is not open."))
    if not user_is_participant(programme, actor):
        raise NotAParticipant()
    if not Proposal.objects.filter(pk=proposal.pk, state=ProposalState.SUBMITTED).exists():
        raise InvalidProposal(_("This proposal was withdrawn or merged."))
    ballot = _ballot_locked(programme, actor)
    placed = list(ballot.votes.values_list("proposal_id", flat=True))
    if len(placed) >= programme.dots_per_participant:
        raise NoDotsLeft()
    if not programme.stacking_allowed and proposal.pk in placed:
        raise AlreadyVoted()
    if _vote_lock_disabled():
        time.sleep(RACE_WINDOW_SECONDS)
    return Vote.objects.create(ballot=ballot, proposal_id=proposal.pk)


@transaction.atomic
def vote_withdraw(proposal: Proposal, *, actor) -> bool:
    """Take back one of the actor's dots from `proposal` while voting is open.
    Returns False when there was none.

    Raises: PhaseClosed."""
    programme = Programme.objects.get(pk=proposal.programme_id)
    _require_phase(programme, (Phase.VOTING,), _("Voting is not open."))
    ballot = Ballot.objects.filter(programme=programme, user=actor).first()
    if ballot is None:
        return False
    ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
    vote = ballot.votes.filter(proposal_id=proposal.pk).order_by("-id").first()
    if vote is None:
        return False
    vote.delete()
    return True


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
    (organisers only). A move bumps the session's SEQUENCE. `pinned` None keeps the pin.

    Raises: NotAllowed, PhaseClosed, InvalidGrid, InvalidProposal, EquipmentMissing,
    CellTaken, HostDoubleBooked."""
    programme = _lock_programme(proposal.programme)
    _require_organiser(programme, actor)
    _require_phase(programme, ORGANISER_EDIT_PHASES)
    proposal = Proposal.objects.get(pk=proposal.pk)
    proposal.programme = programme
    if pinned is None:
        current = Session.objects.filter(proposal=proposal).values_list("pinned", flat=True)
        pinned = bool(current.first())
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


# --- Notes and outcomes ----------------------------------------------------------------------

def user_may_edit_notes(session: Session, user) -> bool:
    """Organisers once the programme is published; hosts and participants while it runs."""
    programme = session.programme
    if user_is_organiser(programme, user):
        return programme.phase in (Phase.SCHEDULED, Phase.RUNNING, Phase.ARCHIVED)
    if programme.phase != Phase.RUNNING:
        return False
    return user_is_participant(programme, user) or session.proposal.hosts.filter(
        pk=getattr(user, "pk", None)).exists()


@transaction.atomic
def note_save(session: Session, body: str, *, actor) -> NoteRevision:
    """Save a new version of the session's notes (Markdown; rendered sanitised). Saving the
    same text again adds no version.

    Raises: NotAllowed, PhaseClosed (notes are written while the programme runs),
    InvalidProposal (too long, control characters)."""
    session = Session.objects.select_related("programme__event", "proposal").get(pk=session.pk)
    if not user_may_edit_notes(session, actor):
        if user_is_participant(session.programme, actor):
            raise PhaseClosed(_("Notes are written while the programme runs."))
        raise NotAllowed()
    body = (body or "").replace("\r\n", "\n").replace("\r", "\n")
    if len(body) > NOTES_MAX:
        raise InvalidProposal(_("Notes are limited to %(max)s characters.") % {"max": NOTES_MAX})
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in body):
        raise InvalidProposal(_("The notes contain control characters."))
    latest = session.note_revisions.first()
    if latest is not None and latest.body == body:
        return latest
    return NoteRevision.objects.create(session=session, body=body, author=actor)


@transaction.atomic
def outcomes_publish(programme: Programme, *, actor, publish: bool = True) -> Programme:
    """Publish (or hide) the outcomes page once the programme is archived (organisers only).

    Raises: NotAllowed, PhaseClosed."""
    programme = _lock_programme(programme)
    _require_organiser(programme, actor)
    _require_phase(programme, (Phase.ARCHIVED,),
                   _("Archive the programme before publishing its outcomes."))
    programme.outcomes_published_at = timezone.now() if publish else None
    programme.save(update_fields=["outcomes_published_at", "updated_at"])
    return programme


def hosts_of_sessions_held(programme: Programme) -> list:
    """Hosts of placed sessions that took place (attendance not recorded as 0)."""
    user_model = get_user_model()
    return list(user_model.objects.filter(
        programme_hosting__session__programme=programme,
        programme_hosting__state=ProposalState.SUBMITTED).exclude(
        programme_hosting__session__attendance=0).distinct().order_by("pk"))


def hosts_make_registration_hosts(programme: Programme, *, actor) -> list[Registration]:
    """Give the hosts of sessions that took place the registration role "host", through
    `events.services.registration_set_role`: at check-in (or now, if they were already
    checked in, by the same idempotent reward payment) they earn the event's host reward.
    Speakers and volunteers keep their role. No other money path exists.

    Raises: NotAllowed, events' RewardNotPaid (the space cannot pay; nothing changes)."""
    _require_organiser(programme, actor)
    changed = []
    with transaction.atomic():
        hosts = hosts_of_sessions_held(programme)
        registrations = Registration.objects.filter(
            event_id=programme.event_id, user__in=hosts,
            state__in=PARTICIPANT_STATES).select_related("user")
        for registration in registrations:
            if registration.role != RegistrationRole.ATTENDEE:
                continue
            fresh = event_services.registration_set_role(registration, RegistrationRole.HOST,
                                                         actor=actor)
            if fresh.state == RegistrationState.ATTENDED:
                try:
                    payments.registration_reward_pay(fresh, programme.event, by=actor)
                except payments.SpaceCannotPayReward as exc:
                    raise RewardNotPaid(str(exc)) from exc
            changed.append(fresh)
    return changed
