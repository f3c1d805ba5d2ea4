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
from ..models import (
    MAX_DOTS,
    Phase,
    Programme,
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
    return locked

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
