"""Every state change of registrations: register, cancel, waiting list, check-in, roles,
and what happens when an event is published again.

Each public function runs in one transaction and first locks the event row
(`SELECT ... FOR UPDATE`; on SQLite the IMMEDIATE transaction serialises writers),
then counts seats and writes. E-mails are tasks (`events.tasks`), enqueued only after the
transaction commits.

Lock order, the same in every transaction: the event row, then registration rows, then
every credit account the transaction's payments can move, all at once
(`payments.registration_accounts_lock`, in the ledger's order), then the payments. So
when a cancellation charges one member and promotes others, it cannot deadlock with
another transaction over their accounts (e.g. the promoted person refunding a day pass).
"""

import time
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _

from network.permissions import user_organises_space
from network.validators import validate_no_control_characters

from . import payments, tasks
from .exceptions import (
    EventCancelled,
    EventFull,
    GuestsNotAllowed,
    NotEnoughCredits,
    NotEnoughCreditsForEvent,
    RegistrationClosed,
    RegistrationInvalid,
    RegistrationNotAllowed,
    RegistrationStateError,
    RewardNotPaid,
    SpaceCannotPayReward,
)
from .models import (
    ACTIVE_STATES,
    SEAT_STATES,
    CancelReason,
    EventPage,
    EventStatus,
    Registration,
    RegistrationRole,
    RegistrationState,
    RegistrationWindow,
)
from .selectors import event_seat_counts

# Only the control test of the concurrency suite turns this on (through settings): the
# service then skips the row lock and waits a moment between counting and inserting, so
# the race the lock prevents becomes visible.
RACE_WINDOW_SECONDS = 0.05
GUEST_NAME_MAX_LENGTH = 120

#: Fields whose change in a published event is news for registered people (and for calendars).
TIME_FIELDS = ("starts_at", "ends_at", "time_zone")
PLACE_FIELDS = ("room", "address_override", "online_url")


def _lock_disabled() -> bool:
    return bool(getattr(settings, "EVENTS_DISABLE_REGISTRATION_LOCK", False))


def _lock_event(event_pk: int, *, lock: bool = True) -> EventPage:
    """Fetch the event, locking its row (only the events table, not Wagtail's page row)."""
    qs = EventPage.objects.select_related("space")
    if lock:
        qs = qs.select_for_update(of=("self",))
    return qs.get(pk=event_pk)


def _clean_guest(guest_name: str, guest_email: str) -> tuple[str, str]:
    name = (guest_name or "").strip()
    email = (guest_email or "").strip()
    try:
        validate_no_control_characters(guest_name or "")
        validate_no_control_characters(guest_email or "")
    except ValidationError as exc:
        raise RegistrationInvalid(_("Names and e-mail addresses must be one line.")) from exc
    if not name or not strip_tags(name).strip() or len(name) > GUEST_NAME_MAX_LENGTH:
        raise RegistrationInvalid(_("Please give your name (up to 120 characters)."))
    try:
        validate_email(email)
    except ValidationError as exc:
        raise RegistrationInvalid(_("Please give a valid e-mail address.")) from exc
    return name, email.lower()


def _active_registration(event_pk: int, user, guest_email: str) -> Registration | None:
    qs = Registration.objects.filter(event_id=event_pk, state__in=ACTIVE_STATES)
    qs = qs.filter(user=user) if user is not None else qs.filter(user__isnull=True,
                                                                 guest_email=guest_email)
    return qs.select_related("user").first()


def _seats_taken(event: EventPage) -> int:
    # Called with the event's row locked, so the count holds until the commit.
    return event_seat_counts(event).taken


def _has_free_seat(event: EventPage, taken: int) -> bool:
    return event.capacity is None or taken < event.capacity


def _check_open(event: EventPage, now) -> None:
    """Raise the refusal that matches `event.registration_window` (nothing when open)."""
    window = event.registration_window(now)
    if window == RegistrationWindow.CANCELLED:
        raise EventCancelled()
    if window in (RegistrationWindow.UNPUBLISHED, RegistrationWindow.NOT_YET_OPEN):
        raise RegistrationClosed(_("Registration for this event is not open yet."))
    if window == RegistrationWindow.CLOSED:
        raise RegistrationClosed()


def registration_create(event: EventPage, *, user=None, guest_name: str = "",
                        guest_email: str = "", role: str = RegistrationRole.ATTENDEE,
                        actor=None) -> Registration:
    """Register a member (`user`) or a guest (`guest_name` + `guest_email`) for `event`.

    Guarantees: confirmed registrations never exceed the capacity; when full, the person
    joins the waiting list with the next `waitlist_position` (FIFO), and nobody jumps
    ahead of people already waiting; registering twice returns the same active
    registration. An organiser of the event's space (`actor`) may add people outside the
    registration window, add guests to free events, and give a non-attendee role.

    Raises: RegistrationInvalid (bad guest data or role), GuestsNotAllowed, EventCancelled,
    RegistrationClosed, EventFull (full and no waiting list), RegistrationNotAllowed
    (a role other than attendee without being an organiser).
    """
    if user is not None and (guest_name or guest_email):
        raise RegistrationInvalid(_("A registration is either for a member or for a guest."))
    if user is None:
        guest_name, guest_email = _clean_guest(guest_name, guest_email)
    elif not user.is_active:
        raise RegistrationInvalid(_("This account is not active."))
    if role not in RegistrationRole.values:
        raise RegistrationInvalid(_("Unknown role."))
    by_organiser = actor is not None and user_organises_space(actor, event.space_id)
    if role != RegistrationRole.ATTENDEE and not by_organiser:
        raise RegistrationNotAllowed(_("Only organisers assign speakers, hosts and volunteers."))
    try:
        with transaction.atomic():
            return _registration_create_locked(
                event.pk, user=user, guest_name=guest_name, guest_email=guest_email,
                role=role, by_organiser=by_organiser)
    except IntegrityError:
        # Two submissions raced past the lock-free path: the partial unique constraint
        # kept one; hand back that one.
        existing = _active_registration(event.pk, user, guest_email)
        if existing is None:
            raise
        return existing


def _registration_create_locked(event_pk: int, *, user, guest_name: str, guest_email: str,
                                role: str, by_organiser: bool) -> Registration:
    locked = not _lock_disabled()
    event = _lock_event(event_pk, lock=locked)
    existing = _active_registration(event.pk, user, guest_email)
    if existing is not None:
        return existing
    now = timezone.now()
    if by_organiser:
        if event.is_cancelled:
            raise EventCancelled()
    else:
        _check_open(event, now)
    # Organisers may add a guest (e.g. an outside speaker) to any free event; a guest
    # has no account, so never to a paid one.
    if user is None and not event.is_free:
        raise GuestsNotAllowed(_("Paid events are for members with credits."))
    if user is None and not (event.guests_allowed or by_organiser):
        raise GuestsNotAllowed()
    taken = _seats_taken(event)
    waiting = Registration.objects.filter(event=event,
                                          state=RegistrationState.WAITLISTED).exists()
    if waiting and _has_free_seat(event, taken):
        # Seats freed without a promotion (e.g. capacity raised): people waiting go first.
        # Their charges and the newcomer's are locked together, before the first one.
        chain = _promotion_chain(event)
        payments.registration_accounts_lock(event, place=[*chain, Registration(user=user)])
        _promote_locked(event, chain)
        taken = _seats_taken(event)
        waiting = Registration.objects.filter(event=event,
                                              state=RegistrationState.WAITLISTED).exists()
    if not locked:
        time.sleep(RACE_WINDOW_SECONDS)
    registration = Registration(event=event, user=user, guest_name=guest_name,
                                guest_email=guest_email, role=role, created_at=now)
    if _has_free_seat(event, taken) and not waiting:
        registration.state = RegistrationState.CONFIRMED
        registration.confirmed_at = now
    elif event.waitlist_enabled:
        last = Registration.objects.filter(event=event).aggregate(m=Max("waitlist_position"))["m"]
        registration.state = RegistrationState.WAITLISTED
        registration.waitlist_position = (last or 0) + 1
    else:
        raise EventFull()
    registration.save()
    registration.event = event
    if registration.state == RegistrationState.CONFIRMED:
        _charge(registration, event)
    kind = "confirmed" if registration.state == RegistrationState.CONFIRMED else "waitlisted"
    _notify_on_commit(kind, registration)
    return registration


def _charge(registration: Registration, event: EventPage, *, by=None) -> None:
    """Place the hold for a seat of a paid event (raises NotEnoughCredits; the caller's
    transaction then rolls the seat back with it)."""
    try:
        payments.registration_hold_place(registration, event, by=by)
    except NotEnoughCreditsForEvent as exc:
        raise NotEnoughCredits(str(exc)) from exc


def cancellation_deadline(event: EventPage):
    """Until this moment a member's own cancellation of a paid seat gives the credits back."""
    return event.starts_at - timedelta(hours=event.cancellation_deadline_hours)


def _notify_on_commit(kind: str, registration: Registration) -> None:
    tasks.registration_notify_on_commit(kind, registration)


def _check_may_act_for(registration: Registration, actor, event: EventPage) -> None:
    """`actor=None` is the holder of the secret link (or the system); otherwise the person
    themself or an organiser of the event's space."""
    if actor is None:
        return
    if registration.user_id is not None and registration.user_id == actor.pk:
        return
    if user_organises_space(actor, event.space_id):
        return
    raise RegistrationNotAllowed()


def _fetch_locked(registration: Registration) -> tuple[EventPage, Registration]:
    event = _lock_event(registration.event_id)
    fresh = (Registration.objects.select_for_update(of=("self",)).select_related("user")
             .get(pk=registration.pk))
    fresh.event = event
    return event, fresh


def event_lock(event: EventPage) -> EventPage:
    """Inside the caller's transaction: lock the event row (the first lock of this module's
    order) and return a fresh copy; for callers that lock accounts before calling several
    services (events.checkin's walk-in)."""
    return _lock_event(event.pk)


def registration_lock(registration: Registration) -> tuple[EventPage, Registration]:
    """Inside the caller's transaction: lock the event row, then the registration's (this
    module's lock order), and return fresh copies of both. For services elsewhere in the app
    (events.checkin, events.tickets) that decide on the state before calling one of these."""
    return _fetch_locked(registration)


@transaction.atomic
def registration_cancel(registration: Registration, *, actor=None,
                        erasure: bool = False) -> Registration:
    """Cancel a confirmed or waitlisted registration (by the person, by an organiser, or by
    whoever holds the secret link when `actor` is None). Frees the seat and promotes the
    first people waiting (FIFO), who are told by e-mail. Cancelling twice is harmless.

    Paid events: a cancellation before `starts_at - cancellation_deadline_hours`, or by an
    organiser, voids the hold (credits back); a later one posts it (no refund). The
    accounts of the canceller, of the space (late) and of everyone the promotion may reach
    are locked together before the first payment (see the module's lock order).
    `erasure=True` (the person's data is being erased, see home.privacy): the hold is
    voided whatever the deadline, and the person gets no e-mail (they are leaving).

    Raises: RegistrationNotAllowed (someone else's registration), RegistrationStateError
    (already attended).
    """
    event, fresh = _fetch_locked(registration)
    _check_may_act_for(fresh, actor, event)
    if fresh.state == RegistrationState.CANCELLED:
        return fresh
    if fresh.state == RegistrationState.ATTENDED:
        raise RegistrationStateError(_("An attended registration cannot be cancelled."))
    now = timezone.now()
    by_organiser = (actor is not None and actor.pk != fresh.user_id
                    and user_organises_space(actor, event.space_id))
    fresh.state = RegistrationState.CANCELLED
    fresh.cancelled_at = now
    fresh.cancel_reason = CancelReason.ORGANISER if by_organiser else CancelReason.PERSON
    fresh.save(update_fields=["state", "cancelled_at", "cancel_reason", "updated_at"])
    # Paid seats: before the deadline (or when an organiser cancels) the credits come back;
    # after it the seat is paid for, as announced on the event page.
    refund = by_organiser or erasure or now < cancellation_deadline(event)
    chain = _promotion_chain(event)
    payments.registration_accounts_lock(event, void=[fresh] if refund else [],
                                        post=[] if refund else [fresh], place=chain)
    if refund:
        payments.registration_hold_void(fresh, by=actor)
    else:
        payments.registration_hold_post(fresh, by=actor)
    if not erasure:
        _notify_on_commit("cancelled", fresh)
    _promote_locked(event, chain)
    return fresh


def registration_leave_waitlist(registration: Registration, *, actor=None,
                                erasure: bool = False) -> Registration:
    """Take a waitlisted person off the waiting list (a cancellation of a waitlisted one;
    `erasure` as in registration_cancel).

    Raises: RegistrationStateError (not on the waiting list), RegistrationNotAllowed.
    """
    if registration.state != RegistrationState.WAITLISTED:
        raise RegistrationStateError(_("You are not on the waiting list."))
    return registration_cancel(registration, actor=actor, erasure=erasure)


def _promotion_chain(event: EventPage) -> list[Registration]:
    """Everyone `_promote_locked` may reach now, in FIFO order: the whole waiting list while
    a seat is free (on a paid event anyone may fail to pay and pass the seat on), nobody
    when the event is full or cancelled. Their accounts are locked before the promotion."""
    if event.is_cancelled:
        return []
    if event.capacity is not None and event.capacity - _seats_taken(event) <= 0:
        return []
    return list(Registration.objects.filter(event=event, state=RegistrationState.WAITLISTED)
                .select_related("user").order_by("waitlist_position", "id"))


def _promote_locked(event: EventPage, chain: list[Registration]) -> list[Registration]:
    """Fill free seats from `chain` (see `_promotion_chain`, computed in this transaction
    with the event locked, the accounts locked after it), first come first served. On a
    paid event a waiting person is charged now; whoever cannot pay is taken off the list
    (and told), and the seat goes to the next one."""
    if not chain:
        return []
    free = None if event.capacity is None else event.capacity - _seats_taken(event)
    if free is not None and free <= 0:
        return []
    promoted: list[Registration] = []
    now = timezone.now()
    for registration in chain:
        if free is not None and len(promoted) >= free:
            break
        registration.event = event
        try:
            with transaction.atomic():
                registration.state = RegistrationState.CONFIRMED
                registration.confirmed_at = now
                registration.save(update_fields=["state", "confirmed_at", "updated_at"])
                _charge(registration, event)
        except NotEnoughCredits:
            registration.state = RegistrationState.CANCELLED
            registration.confirmed_at = None
            registration.cancelled_at = now
            registration.cancel_reason = CancelReason.PAYMENT_FAILED
            registration.save(update_fields=["state", "confirmed_at", "cancelled_at",
                                             "cancel_reason", "updated_at"])
            _notify_on_commit("payment_failed", registration)
            continue
        _notify_on_commit("promoted", registration)
        promoted.append(registration)
    return promoted


@transaction.atomic
def registration_promote_waitlist(event: EventPage) -> list[Registration]:
    """Fill free seats from the waiting list in FIFO order (e.g. after the capacity was
    raised); returns the promoted registrations. With the capacity lowered below the number
    of confirmed people nobody is dropped and nobody is promoted. On paid events people who
    cannot pay are skipped (their registration is cancelled and they are told)."""
    locked = _lock_event(event.pk)
    chain = _promotion_chain(locked)
    payments.registration_accounts_lock(locked, place=chain)
    return _promote_locked(locked, chain)


@transaction.atomic
def registration_mark_attended(registration: Registration, *, actor) -> Registration:
    """Check a confirmed person in (organisers only). Idempotent. On a paid event the hold
    is posted to the space; a host, speaker or volunteer is paid the event's reward for the
    role from the space's account, once per registration.

    Raises: RegistrationNotAllowed, RegistrationStateError (waitlisted or cancelled),
    RewardNotPaid (the space's account is at its issuance limit; nothing changes).
    """
    event, fresh = _fetch_locked(registration)
    if not user_organises_space(actor, event.space_id):
        raise RegistrationNotAllowed()
    if fresh.state == RegistrationState.ATTENDED:
        return fresh
    if fresh.state != RegistrationState.CONFIRMED:
        raise RegistrationStateError(_("Only confirmed people can be checked in."))
    fresh.state = RegistrationState.ATTENDED
    fresh.attended_at = timezone.now()
    fresh.attended_by = actor
    fresh.save(update_fields=["state", "attended_at", "attended_by", "updated_at"])
    payments.registration_accounts_lock(event, post=[fresh], reward=[fresh])
    payments.registration_hold_post(fresh, by=actor)
    try:
        payments.registration_reward_pay(fresh, event, by=actor)
    except SpaceCannotPayReward as exc:
        raise RewardNotPaid(str(exc)) from exc
    return fresh


@transaction.atomic
def registration_set_role(registration: Registration, role: str, *, actor) -> Registration:
    """Make someone an attendee, speaker, host or volunteer (organisers only).

    Raises: RegistrationNotAllowed, RegistrationInvalid (unknown role),
    RegistrationStateError (cancelled registration).
    """
    event, fresh = _fetch_locked(registration)
    if not user_organises_space(actor, event.space_id):
        raise RegistrationNotAllowed()
    if role not in RegistrationRole.values:
        raise RegistrationInvalid(_("Unknown role."))
    if fresh.state == RegistrationState.CANCELLED:
        raise RegistrationStateError(_("A cancelled registration has no role."))
    if fresh.role != role:
        fresh.role = role
        fresh.save(update_fields=["role", "updated_at"])
    return fresh


def _fields_changed(event: EventPage, previous: EventPage, fields: tuple[str, ...]) -> bool:
    return any(getattr(event, name) != getattr(previous, name) for name in fields)


@transaction.atomic
def event_record_published_change(event: EventPage, previous: EventPage | None = None) -> bool:
    """Called when `event` is published; `previous` is the previously live version (None
    on the first publication). When its time, place or status changed: SEQUENCE grows by
    one (F() update, so concurrent publishes never lose a step) and every active registrant
    is told "event changed" or "event cancelled" (by tasks, after commit). Free seats (e.g. a raised
    capacity) are offered to the waiting list. When the event is cancelled, every open hold
    is voided (credits back). Returns whether the change was news."""
    locked = _lock_event(event.pk)
    changed = previous is not None and (
        _fields_changed(locked, previous, TIME_FIELDS)
        or _fields_changed(locked, previous, PLACE_FIELDS)
        or locked.status != previous.status)
    if changed:
        EventPage.objects.filter(pk=locked.pk).update(sequence=F("sequence") + 1)
        locked.refresh_from_db(fields=["sequence"])
        event.sequence = locked.sequence
        if locked.status == EventStatus.CANCELLED:
            registrations = list(Registration.objects.filter(event=locked,
                                                             state__in=ACTIVE_STATES)
                                 .select_related("user"))
            payments.registration_accounts_lock(locked, void=registrations)
            for registration in registrations:
                registration.event = locked
                payments.registration_hold_void(registration)
        # One task that fans out, whatever the number of registrants (see events.tasks).
        tasks.event_change_notify_on_commit(locked)
    chain = _promotion_chain(locked)
    payments.registration_accounts_lock(locked, place=chain)
    _promote_locked(locked, chain)
    return changed


@transaction.atomic
def event_withdraw(event: EventPage, *, actor=None, delete_registrations: bool = False) -> int:
    """The event is leaving the site (an organiser unpublishes or deletes it) while people
    hold seats or wait. Every active registration is cancelled, every open hold is voided
    (credits back: nobody is charged for it later) and each person is told once that the
    event is cancelled. The e-mails are built now, in this transaction, because the event
    may no longer exist when they leave; tasks send them after the commit.

    With `delete_registrations`, the registration rows are then removed (the page is about
    to be deleted; the ledger keeps its rows, which name the event in their memo).
    Idempotent: a second call finds nobody active. Returns the number of people told."""
    locked = _lock_event(event.pk)
    registrations = list(Registration.objects.select_for_update(of=("self",))
                         .filter(event=locked, state__in=ACTIVE_STATES).select_related("user")
                         .order_by("pk"))
    payments.registration_accounts_lock(locked, void=registrations)
    now = timezone.now()
    told = 0
    for registration in registrations:
        registration.event = locked
        payments.registration_hold_void(registration, by=actor)
        tasks.registration_notify_prepared_on_commit("event_cancelled", registration)
        registration.state = RegistrationState.CANCELLED
        registration.cancelled_at = now
        registration.save(update_fields=["state", "cancelled_at", "updated_at"])
        told += 1
    if delete_registrations:
        Registration.objects.filter(event=locked).delete()
    return told


def event_settle_started(*, now=None, window: timedelta = timedelta(days=30)) -> int:
    """Post the open holds of confirmed or attended registrations of paid events that
    took place: started (within `window` before `now`), still published and not cancelled.
    An event that was unpublished or cancelled by any path charges nobody: its open holds
    are voided instead. One transaction per event, with its row locked, so a concurrent
    cancellation or check-in cannot resolve the same hold. Idempotent.
    Returns the number of holds posted."""
    now = now or timezone.now()
    events = (EventPage.objects.filter(price_credits__gt=0, starts_at__lte=now,
                                       starts_at__gte=now - window)
              .values_list("pk", flat=True))
    posted = 0
    for event_pk in events:
        with transaction.atomic():
            event = _lock_event(event_pk)
            took_place = event.live and not event.is_cancelled
            registrations = list(Registration.objects.filter(event_id=event_pk,
                                                             state__in=SEAT_STATES))
            if took_place:
                payments.registration_accounts_lock(event, post=registrations)
            else:
                payments.registration_accounts_lock(event, void=registrations)
            for registration in registrations:
                if took_place:
                    posted += payments.registration_hold_post(registration)
                else:
                    payments.registration_hold_void(registration)
    return posted
