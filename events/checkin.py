"""Check-in at the door: by ticket code (scanned or typed), by a registration picked in the
search, walk-ins, and undo.

Guarantees:
- Only organisers of the event's space (and coordinators) check people in
  (`network.permissions.user_organises_space`), and only inside the check-in window:
  from `checkin_opens_hours_before` hours before the start (inclusive) until the end
  (exclusive), never for a cancelled event.
- Each function is one transaction that locks the event row, then the registration's
  (the lock order of `events.services`), and decides on the state it read under the lock:
  two doors checking the same ticket at once give one "checked in" and one "already
  checked in", never two check-ins.
- Money is `events.services.registration_mark_attended`'s alone: it posts the held payment
  and pays the role's reward, each exactly once per registration (idempotency keys).

Undo (same local day as the check-in, in the event's time zone) only flips attendance back
to "confirmed". It never moves credits: a payment posted at check-in stays paid (the seat
was taken), a reward paid stays paid, and checking the person in again pays nothing twice.
A coordinator corrects a real mistake with a reversing transfer in the ledger.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import TextChoices
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from network.permissions import user_organises_space

from . import payments, services, tickets
from .exceptions import (
    CheckinClosed,
    CheckinNotAllowed,
    EventFull,
    RegistrationNotFound,
    RegistrationStateError,
    UndoNotAllowed,
)
from .models import EventPage, Registration, RegistrationState


class CheckinOutcome(TextChoices):
    CHECKED_IN = "checked_in", _("Checked in")
    ALREADY = "already", _("Already checked in")
    WRONG_EVENT = "wrong_event", _("Not for this event")
    CANCELLED = "cancelled", _("Cancelled")
    WAITLISTED = "waitlisted", _("On the waiting list")
    REVOKED = "revoked", _("Revoked ticket")
    UNKNOWN = "unknown", _("Not a ticket")


#: outcome -> tone of the answer on the door's screen
OUTCOME_TONES = {
    CheckinOutcome.CHECKED_IN: "ok",
    CheckinOutcome.ALREADY: "warn",
    CheckinOutcome.WRONG_EVENT: "bad",
    CheckinOutcome.CANCELLED: "bad",
    CheckinOutcome.WAITLISTED: "bad",
    CheckinOutcome.REVOKED: "bad",
    CheckinOutcome.UNKNOWN: "bad",
}


@dataclass(frozen=True)
class CheckinResult:
    """The door's answer. `registration` is None for unknown codes and for tickets of
    another event (whose holder the door has no business seeing)."""

    outcome: str
    registration: Registration | None = None
    other_event: EventPage | None = None
    revoked_at: datetime | None = None

    @property
    def tone(self) -> str:
        return OUTCOME_TONES[self.outcome]

    @property
    def ok(self) -> bool:
        return self.outcome == CheckinOutcome.CHECKED_IN


def checkin_window(event: EventPage) -> tuple[datetime, datetime]:
    """(opens, closes): from `checkin_opens_hours_before` hours before the start, inclusive,
    to the end, exclusive."""
    return (event.starts_at - timedelta(hours=event.checkin_opens_hours_before),
            event.ends_at)


def checkin_is_open(event: EventPage, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    opens, closes = checkin_window(event)
    return not event.is_cancelled and opens <= now < closes


def _local(value: datetime, event: EventPage) -> str:
    return formats.date_format(timezone.localtime(value, event.tz), "D j M Y, H:i")


def _check_may_check_in(event: EventPage, actor, now: datetime) -> None:
    if not user_organises_space(actor, event.space_id):
        raise CheckinNotAllowed()
    if event.is_cancelled:
        raise CheckinClosed(_("This event has been cancelled: there is nobody to check in."))
    opens, closes = checkin_window(event)
    if now < opens:
        raise CheckinClosed(_("Check-in opens at %(opens)s (%(hours)s hours before the start).")
                            % {"opens": _local(opens, event),
                               "hours": event.checkin_opens_hours_before})
    if now >= closes:
        raise CheckinClosed(_("The event has ended: check-in is closed."))


def _check_in_locked(event: EventPage, registration: Registration, actor) -> CheckinResult:
    """With nothing locked yet: lock, read the state, and check in when it is confirmed."""
    _locked_event, fresh = services.registration_lock(registration)
    if fresh.state == RegistrationState.ATTENDED:
        return CheckinResult(CheckinOutcome.ALREADY, fresh)
    if fresh.state == RegistrationState.CANCELLED:
        return CheckinResult(CheckinOutcome.CANCELLED, fresh)
    if fresh.state == RegistrationState.WAITLISTED:
        return CheckinResult(CheckinOutcome.WAITLISTED, fresh)
    checked = services.registration_mark_attended(fresh, actor=actor)
    return CheckinResult(CheckinOutcome.CHECKED_IN, checked)


def _with_people(registration: Registration) -> Registration:
    """The registration with whom the door shows (holder, who checked in) loaded."""
    return (Registration.objects.select_related("event", "user", "user__profile",
                                                "attended_by", "attended_by__profile")
            .get(pk=registration.pk))


@transaction.atomic
def checkin_by_code(event: EventPage, code: str, *, actor,
                    now: datetime | None = None) -> CheckinResult:
    """Check in the holder of the ticket `code` (as scanned or typed; a ticket link is
    accepted) at `event`. Returns the door's answer: checked in, already checked in (with
    when and by whom), not for this event, cancelled, waitlisted, revoked, or not a ticket.
    Garbage input is "not a ticket" and changes nothing.

    Raises: CheckinNotAllowed (not an organiser of the event), CheckinClosed (outside the
    window or cancelled event), RewardNotPaid (nothing changes).
    """
    now = now or timezone.now()
    _check_may_check_in(event, actor, now)
    parsed = tickets.ticket_code_parse(code)
    if parsed is None:
        return CheckinResult(CheckinOutcome.UNKNOWN)
    registration, revoked = tickets.ticket_lookup(parsed)
    if registration is None:
        if revoked is not None and revoked.registration.event_id == event.pk:
            return CheckinResult(CheckinOutcome.REVOKED, _with_people(revoked.registration),
                                 revoked_at=revoked.revoked_at)
        if revoked is not None:
            return CheckinResult(CheckinOutcome.WRONG_EVENT,
                                 other_event=revoked.registration.event)
        return CheckinResult(CheckinOutcome.UNKNOWN)
    if registration.event_id != event.pk:
        return CheckinResult(CheckinOutcome.WRONG_EVENT, other_event=registration.event)
    result = _check_in_locked(event, registration, actor)
    return CheckinResult(result.outcome, _with_people(result.registration))


@transaction.atomic
def checkin_registration(event: EventPage, registration_pk: int, *, actor,
                         now: datetime | None = None) -> CheckinResult:
    """Check in the registration `registration_pk` of `event` (picked in the search).

    Raises: CheckinNotAllowed, CheckinClosed, RegistrationNotFound (no such registration
    of this event; nothing changes), RewardNotPaid.
    """
    now = now or timezone.now()
    _check_may_check_in(event, actor, now)
    registration = _registration_of(event, registration_pk)
    result = _check_in_locked(event, registration, actor)
    return CheckinResult(result.outcome, _with_people(result.registration))


def _registration_of(event: EventPage, registration_pk) -> Registration:
    try:
        pk = int(registration_pk)
    except (TypeError, ValueError):
        raise RegistrationNotFound() from None
    if not 0 < pk < 2**63:
        raise RegistrationNotFound()
    registration = Registration.objects.filter(pk=pk, event_id=event.pk).first()
    if registration is None:
        raise RegistrationNotFound()
    return registration


@transaction.atomic
def checkin_undo(event: EventPage, registration_pk: int, *, actor,
                 now: datetime | None = None) -> Registration:
    """Take back a check-in made by mistake, on the same day (the event's time zone) as the
    check-in: the registration is "confirmed" again. Credits do not move (see the module's
    docstring): what check-in paid stays paid. Returns the fresh registration.

    Raises: CheckinNotAllowed, RegistrationNotFound, RegistrationStateError (not checked
    in), UndoNotAllowed (checked in on an earlier day).
    """
    now = now or timezone.now()
    if not user_organises_space(actor, event.space_id):
        raise CheckinNotAllowed()
    registration = _registration_of(event, registration_pk)
    locked_event, fresh = services.registration_lock(registration)
    if fresh.state != RegistrationState.ATTENDED:
        raise RegistrationStateError(_("This person is not checked in."))
    tz = locked_event.tz
    if timezone.localtime(fresh.attended_at, tz).date() != timezone.localtime(now, tz).date():
        raise UndoNotAllowed()
    fresh.state = RegistrationState.CONFIRMED
    fresh.attended_at = None
    fresh.attended_by = None
    fresh.save(update_fields=["state", "attended_at", "attended_by", "updated_at"])
    return fresh


def checkin_walk_in(event: EventPage, *, name: str, email: str, actor,
                    now: datetime | None = None) -> CheckinResult:
    """Register someone at the door and check them in, in one step, when a seat is free.
    The e-mail of an active member registers that member (a paid event charges their
    credits); any other address registers a guest (free events only). Someone already
    registered and confirmed is simply checked in (not counted as a walk-in). The event's
    registration questions, required ones included, are not asked at the door: the
    organiser registers the walk-in (`registration_create`'s organiser exception), so the
    registration has no answers, which the registrations list shows as none given.

    Raises: CheckinNotAllowed, CheckinClosed, EventFull (no seat left: nobody is added,
    not even to the waiting list), RegistrationInvalid (bad name or e-mail),
    GuestsNotAllowed (a guest at a paid event), NotEnoughCredits, RewardNotPaid.
    """
    now = now or timezone.now()
    _check_may_check_in(event, actor, now)
    email = (email or "").strip()
    members = list(get_user_model().objects.filter(email__iexact=email, is_active=True)[:2])
    user = members[0] if email and len(members) == 1 else None
    started = timezone.now()
    full = EventFull(_("No seat left: the event is full. Nobody was added."))
    with transaction.atomic():
        # One lock order (events.services): the member, the event, then the accounts the hold
        # placed now and posted at check-in move (the member's and the space's), at once.
        if user is not None:
            services.member_lock(user)
        event_locked = services.event_lock(event)
        payments.registration_accounts_lock(
            event_locked, place=[Registration(user=user)] if user is not None else [],
            space=True)
        try:
            if user is not None:
                registration = services.registration_create(event, user=user, actor=actor)
            else:
                registration = services.registration_create(event, guest_name=name,
                                                            guest_email=email, actor=actor)
        except EventFull:
            raise full from None
        if registration.state == RegistrationState.WAITLISTED:
            # Rolls back a waiting-list place made just now; a walk-in takes a seat or nothing.
            raise full
        if registration.created_at >= started and not registration.walk_in:
            Registration.objects.filter(pk=registration.pk).update(walk_in=True)
        result = _check_in_locked(event, registration, actor)
    return CheckinResult(result.outcome, _with_people(result.registration))

