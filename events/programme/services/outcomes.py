"""Notes (with history), attendance, the outcomes page, the hosts' reward role."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events import payments
from events import services as event_services
from events.models import EventPage, Registration, RegistrationRole, RegistrationState

from ..exceptions import (
    InvalidProposal,
    NotAllowed,
    NotesConflict,
    PhaseClosed,
    RewardNotPaid,
)
from ..models import (
    NoteRevision,
    Phase,
    Programme,
    ProposalState,
    Session,
)
from .common import (
    NOTES_MAX,
    PARTICIPANT_STATES,
    _lock_programme,
    _require_organiser,
    _require_phase,
    user_is_organiser,
    user_is_participant,
)

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
def note_save(session: Session, body: str, *, actor,
              base_revision_id: int | None = None) -> NoteRevision:
    """Save a new version of the session's notes (Markdown; rendered sanitised). Saving the
    same text again adds no version. `base_revision_id` is the version the writer started
    from (0: there were no notes yet); when someone saved another version since, nothing is
    saved and NotesConflict carries that version, so two people writing at once never
    silently overwrite each other. None skips the check.

    Raises: NotAllowed, PhaseClosed (notes are written while the programme runs),
    InvalidProposal (too long, control characters), NotesConflict."""
    # The session row is locked: two saves from the same base are decided one after the
    # other, and the second sees the first's version.
    session = (Session.objects.select_for_update(of=("self",))
               .select_related("programme__event", "proposal").get(pk=session.pk))
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
    if base_revision_id is not None and (latest.pk if latest else 0) != base_revision_id:
        raise NotesConflict(latest)
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
    """Hosts of placed sessions of `programme` that took place (attendance not recorded as
    0), each once, in id order. One filter call: its conditions hold for the same session (an
    `exclude()` would drop a host for any empty session, of any programme)."""
    user_model = get_user_model()
    return list(user_model.objects.filter(
        Q(programme_hosting__session__attendance__isnull=True)
        | Q(programme_hosting__session__attendance__gt=0),
        programme_hosting__session__programme=programme,
        programme_hosting__state=ProposalState.SUBMITTED).distinct().order_by("pk"))

def hosts_make_registration_hosts(programme: Programme, *, actor) -> list[Registration]:
    """Give the hosts of sessions that took place the registration role "host", through
    `events.services.registration_set_role`: at check-in (or now, if they were already
    checked in, by the same idempotent reward payment) they earn the event's host reward.
    Speakers and volunteers keep their role. No other money path exists.

    Raises: NotAllowed, events' RewardNotPaid (the space cannot pay; nothing changes)."""
    _require_organiser(programme, actor)
    changed = []
    with transaction.atomic():
        # The services' lock order (events.services): the event row, then every account
        # the rewards move, at once, before the first of them.
        list(EventPage.objects.select_for_update(of=("self",)).filter(pk=programme.event_id)
             .values_list("pk", flat=True))
        hosts = hosts_of_sessions_held(programme)
        registrations = list(Registration.objects.filter(
            event_id=programme.event_id, user__in=hosts,
            state__in=PARTICIPANT_STATES).select_related("user"))
        payments.registration_accounts_lock(programme.event, reward=[
            Registration(user=r.user, role=RegistrationRole.HOST) for r in registrations
            if r.role == RegistrationRole.ATTENDEE and r.state == RegistrationState.ATTENDED])
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
