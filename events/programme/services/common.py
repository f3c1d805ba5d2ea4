"""Who is who, the phase rules, the programme row lock, the programme's settings."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import SEAT_STATES, EventPage, Registration
from network.permissions import user_organises_space

from ..exceptions import (
    InvalidGrid,
    NotAllowed,
    PhaseClosed,
)
from ..models import MAX_DOTS, PHASE_ORDER, PHASE_TIME_FIELDS, Phase, Programme

# Only the control runs of the concurrency tests turn these on (through settings): the
# services then skip their row lock and wait between counting and writing, so the race the
# lock prevents becomes visible.
RACE_WINDOW_SECONDS = 0.05
TITLE_MAX = 140
DESCRIPTION_MAX = 4000
NOTES_MAX = 50_000
MAX_HOSTS = 5
MAX_SLOT_LENGTH = timedelta(hours=8)

#: People taking part in an event are those holding a seat.
PARTICIPANT_STATES = SEAT_STATES
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
    programme_phase_catch_up(programme)
    if programme.phase not in phases:
        raise PhaseClosed(message)

def _lock_programme(programme: Programme) -> Programme:
    """Lock the programme row for a change of the grid and mark it changed: its
    `updated_at` is what the event's feeds' ETag follows (events.extensions). The control
    runs of the concurrency tests skip both (the UPDATE would take the row lock too)."""
    qs = Programme.objects.select_related("event")
    if _grid_lock_disabled():
        return qs.get(pk=programme.pk)
    locked = qs.select_for_update(of=("self",)).get(pk=programme.pk)
    locked.updated_at = timezone.now()
    Programme.objects.filter(pk=locked.pk).update(updated_at=locked.updated_at)
    _catch_up_locked(locked, locked.updated_at)
    return locked

# --- The phase by time -----------------------------------------------------------------

def _catch_up_locked(locked: Programme, now) -> bool:
    """With the programme row locked: apply the latest set time that has come and was not
    applied yet, moving the phase forward only. Returns whether a time was applied."""
    due = locked.phase_due(now)
    if due is None or due == locked.timed_phase_applied:
        return False
    if PHASE_ORDER.index(due) > PHASE_ORDER.index(locked.phase):
        locked.phase = due
    locked.timed_phase_applied = due
    Programme.objects.filter(pk=locked.pk).update(phase=locked.phase, timed_phase_applied=due,
                                                  updated_at=now)
    return True

def programme_phase_catch_up(programme: Programme, *, now=None) -> Programme:
    """Move `programme` to the phase its timetable says has begun: each set time acts once
    and only forwards (an organiser who went back by hand afterwards is not overruled, and
    one who went further ahead stays there). Free when nothing new is due (no query); else
    one short transaction with the row locked, so two requests at once apply it once.
    Updates `programme` in place and returns it."""
    now = now or timezone.now()
    due = programme.phase_due(now)
    if due is None or due == programme.timed_phase_applied:
        return programme
    with transaction.atomic():
        locked = Programme.objects.select_for_update(of=("self",)).get(pk=programme.pk)
        _catch_up_locked(locked, now)
    programme.phase = locked.phase
    programme.timed_phase_applied = locked.timed_phase_applied
    return programme

def programmes_phase_catch_up(*, now=None) -> int:
    """The periodic job: catch up every programme with a set time that has come and is not
    applied yet. Idempotent. Returns how many programmes changed phase."""
    now = now or timezone.now()
    changed = 0
    for programme in Programme.objects.exclude(phase=Phase.ARCHIVED):
        before = programme.phase
        if programme.phase_due(now) not in (None, programme.timed_phase_applied):
            changed += programme_phase_catch_up(programme, now=now).phase != before
    return changed

def _clean_phase_times(programme: Programme, phase_times: dict) -> dict:
    """The timetable as given (phase -> aware datetime or None), checked: known phases,
    aware times, in the order of the phases, within a year of the event."""
    cleaned = {}
    for phase, at in phase_times.items():
        if phase not in PHASE_TIME_FIELDS:
            raise InvalidGrid(_("Unknown phase."))
        if at is not None and (not hasattr(at, "tzinfo") or timezone.is_naive(at)):
            raise InvalidGrid(_("Give each phase's time with its time zone."))
        if at is not None and abs(at - programme.event.starts_at) > timedelta(days=366):
            raise InvalidGrid(_("Each phase's time must be within a year of the event."))
        cleaned[phase] = at
    timetable = {phase: cleaned.get(phase, getattr(programme, field))
                 for phase, field in PHASE_TIME_FIELDS.items()}
    times = [at for phase in PHASE_ORDER if (at := timetable.get(phase)) is not None]
    if times != sorted(times):
        raise InvalidGrid(_("The phases' times must follow the order of the phases."))
    return cleaned

# --- The programme itself ----------------------------------------------------------------

def programme_ensure(event: EventPage) -> Programme:
    """The event's programme, created closed (idempotent)."""
    programme, _created = Programme.objects.get_or_create(event=event)
    return programme

@transaction.atomic
def programme_configure(programme: Programme, *, actor, phase: str | None = None,
                        dots_per_participant: int | None = None,
                        stacking_allowed: bool | None = None,
                        phase_times: dict | None = None) -> Programme:
    """Set the phase, the dots each participant has, whether dots may stack and the
    timetable (`phase_times`: phase -> the time it begins, or None; organisers only).
    Lowering the dots keeps the dots already placed. The phase chosen now holds: times
    already past do not move it again, times to come will.

    Raises: NotAllowed, InvalidGrid (unknown phase, dots outside 1..MAX_DOTS, a timetable
    out of order or far from the event)."""
    _require_organiser(programme, actor)
    locked = _lock_programme(programme)
    if phase_times is not None:
        for time_phase, at in _clean_phase_times(locked, phase_times).items():
            setattr(locked, PHASE_TIME_FIELDS[time_phase], at)
    if phase is not None:
        if phase not in Phase.values:
            raise InvalidGrid(_("Unknown phase."))
        locked.phase = phase
    if phase is not None or phase_times is not None:
        locked.timed_phase_applied = locked.phase_due(locked.updated_at) or ""
    if dots_per_participant is not None:
        if (isinstance(dots_per_participant, bool) or not isinstance(dots_per_participant, int)
                or not 1 <= dots_per_participant <= MAX_DOTS):
            raise InvalidGrid(_("Give between 1 and %(max)s dots.") % {"max": MAX_DOTS})
        locked.dots_per_participant = dots_per_participant
    if stacking_allowed is not None:
        locked.stacking_allowed = bool(stacking_allowed)
    locked.save()
    programme.__dict__.update({k: getattr(locked, k) for k in (
        "phase", "dots_per_participant", "stacking_allowed", "updated_at",
        "timed_phase_applied", *PHASE_TIME_FIELDS.values())})
    return locked
