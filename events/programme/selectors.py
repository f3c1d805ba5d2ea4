"""Reads of the programme: proposals with their dots, a participant's dots, the grid,
now/next, a member's sessions. They return data, never a request context."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Count, Min, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from events.models import EventPage
from network.models import Visibility

from .models import (
    Ballot,
    NoteRevision,
    Phase,
    Programme,
    Proposal,
    ProposalState,
    Room,
    Session,
    Slot,
    Vote,
)
from .services import PARTICIPANT_STATES


def programme_for_event(event: EventPage | int) -> Programme | None:
    event_id = event if isinstance(event, int) else event.pk
    return Programme.objects.select_related("event", "event__space").filter(
        event_id=event_id).first()


def person_name(user) -> str:
    """The name shown for a host: the profile's display name, else the account's full name,
    else "—" (never an e-mail address)."""
    if user is None:
        return "—"
    profile = getattr(user, "profile", None)
    if profile is not None and profile.display_name:
        return profile.display_name
    return user.get_full_name() or "—"


def _hosts_prefetch() -> Prefetch:
    return Prefetch("hosts", queryset=get_user_model().objects.select_related("profile")
                    .order_by("pk"))


def proposals_active(programme: Programme) -> QuerySet[Proposal]:
    """Submitted proposals with `dot_count` and their hosts, most dots first."""
    return (Proposal.objects.filter(programme=programme, state=ProposalState.SUBMITTED)
            .annotate(dot_count=Count("votes"))
            .prefetch_related(_hosts_prefetch())
            .select_related("session", "session__room")
            .order_by("-dot_count", "created_at", "pk"))


def proposals_for_voting(programme: Programme) -> QuerySet[Proposal]:
    """Submitted proposals in the order they were made (a stable list while people vote)."""
    return (Proposal.objects.filter(programme=programme, state=ProposalState.SUBMITTED)
            .annotate(dot_count=Count("votes")).prefetch_related(_hosts_prefetch())
            .order_by("created_at", "pk"))


def user_dots(programme: Programme, user) -> dict[int, int]:
    """{proposal id: dots the user put on it}."""
    if user is None or not user.is_authenticated:
        return {}
    rows = (Vote.objects.filter(ballot__programme=programme, ballot__user=user)
            .values("proposal_id").annotate(n=Count("id")))
    return {row["proposal_id"]: row["n"] for row in rows}


def user_dots_left(programme: Programme, user) -> int:
    used = sum(user_dots(programme, user).values())
    return max(programme.dots_per_participant - used, 0)


def co_host_candidates(programme: Programme, exclude=None) -> QuerySet:
    """Participants who may be chosen as co-hosts: confirmed or attended, with a profile not
    hidden from other members."""
    qs = (get_user_model().objects.filter(
        registrations__event_id=programme.event_id,
        registrations__state__in=PARTICIPANT_STATES, is_active=True,
        profile__isnull=False).exclude(profile__visibility=Visibility.HIDDEN)
        .select_related("profile").order_by("profile__display_name", "pk").distinct())
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs


@dataclass
class GridRow:
    slot: Slot
    cells: list  # one entry per room: a Session, "cont" (a two-slot session's 2nd hour), None
    is_now: bool = False
    is_next: bool = False


@dataclass
class Grid:
    programme: Programme
    rooms: list[Room]
    rows: list[GridRow]
    unplaced: list[Proposal] = field(default_factory=list)
    now: list[Session] = field(default_factory=list)
    next: list[Session] = field(default_factory=list)


def sessions_placed(programme: Programme) -> QuerySet[Session]:
    return (Session.objects.filter(programme=programme)
            .select_related("room", "proposal", "first_slot", "last_slot")
            .prefetch_related(Prefetch("proposal__hosts", queryset=get_user_model().objects
                                       .select_related("profile").order_by("pk")), "cells")
            .annotate(dot_count=Count("proposal__votes"))
            .order_by("starts_at", "room__position", "room_id"))


def programme_next_change(now: dt.datetime) -> dt.datetime | None:
    """The next moment a slot starts or ends (an event page's "now" and "next" sessions
    change then, with no write): for the page cache's expiry (network.pagecache)."""
    moments = Slot.objects.aggregate(starts=Min("starts_at", filter=Q(starts_at__gt=now)),
                                     ends=Min("ends_at", filter=Q(ends_at__gt=now)))
    return min((m for m in moments.values() if m is not None), default=None)


def programme_grid(programme: Programme, *, now: dt.datetime | None = None,
                   with_unplaced: bool = False) -> Grid:
    """The rooms x slots grid, with the slots running now and starting next marked."""
    now = now or timezone.now()
    rooms = list(Room.objects.filter(programme=programme))
    slots = list(Slot.objects.filter(programme=programme).order_by("starts_at"))
    sessions = list(sessions_placed(programme))
    at: dict[tuple[int, int], object] = {}
    for session in sessions:
        for cell in session.cells.all():
            at[(cell.room_id, cell.slot_id)] = (session if cell.slot_id == session.first_slot_id
                                                else "cont")
    current = [s for s in slots if s.starts_at <= now < s.ends_at]
    upcoming = [s for s in slots if s.starts_at > now]
    next_slot = upcoming[0] if upcoming else None
    rows = [GridRow(slot=slot, cells=[at.get((room.pk, slot.pk)) for room in rooms],
                    is_now=slot in current, is_next=slot == next_slot) for slot in slots]
    grid = Grid(programme=programme, rooms=rooms, rows=rows)
    grid.now = [s for s in sessions if s.starts_at <= now < s.ends_at]
    grid.next = ([s for s in sessions if s.starts_at == next_slot.starts_at]
                 if next_slot else [])
    if with_unplaced:
        grid.unplaced = list(proposals_active(programme).filter(session__isnull=True))
    return grid


def sessions_of_user(programme: Programme, user) -> list[Session]:
    """Placed sessions the user hosts or put a dot on, in time order."""
    if user is None or not user.is_authenticated:
        return []
    return list(sessions_placed(programme).filter(
        Q(proposal__hosts=user) | Q(proposal__votes__ballot__user=user)).distinct())


@dataclass
class SessionOutcome:
    """What came of one placed session, for the outcomes and the event report."""

    session_id: int
    title: str
    kind: str
    room: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    hosts: list[str]  # display names (selectors.person_name), host order
    votes: int
    attendance: int | None  # None: not recorded
    notes: str  # the latest version, Markdown as written ("" without notes)


def session_outcomes(programme: Programme) -> list[SessionOutcome]:
    """Every placed session of `programme` in time then room order, with its hosts, dots,
    attendance and latest notes, in a fixed number of queries (four).
    Hosts are named for the organisers (no profile rule applied: callers that publish must
    filter them with `privacy.hosts_visible_to`)."""
    latest = (NoteRevision.objects.filter(session=OuterRef("pk"))
              .order_by("-created_at", "-id").values("body")[:1])
    sessions = sessions_placed(programme).annotate(latest_notes=Subquery(latest))
    return [SessionOutcome(
        session_id=s.pk, title=s.proposal.title, kind=s.proposal.get_kind_display(),
        room=s.room.name, starts_at=s.starts_at, ends_at=s.ends_at,
        hosts=[person_name(h) for h in s.proposal.hosts.all()], votes=s.dot_count,
        attendance=s.attendance, notes=s.latest_notes or "") for s in sessions]


def session_notes(session: Session) -> NoteRevision | None:
    return session.note_revisions.select_related("author", "author__profile").first()


def participants_count(programme: Programme) -> int:
    return Ballot.objects.filter(programme=programme).count()


def phase_is_public(programme: Programme) -> bool:
    return programme.phase != Phase.CLOSED
