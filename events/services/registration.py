"""Registering, cancelling, leaving the waiting list, check-in and roles.

Every function runs in one transaction and takes the locks in the order of
`events.services.common`.
"""

import time
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from django.utils.translation.trans_real import get_languages

from network.permissions import user_organises_space
from network.validators import validate_no_control_characters

from .. import payments
from ..exceptions import (
    EventCancelled,
    EventFull,
    GuestsNotAllowed,
    RegistrationClosed,
    RegistrationElsewhere,
    RegistrationInvalid,
    RegistrationNotAllowed,
    RegistrationStateError,
    RewardNotPaid,
    SpaceCannotPayReward,
)
from ..models import (
    ACTIVE_STATES,
    CancelReason,
    EventPage,
    Registration,
    RegistrationRole,
    RegistrationState,
    RegistrationWindow,
)
from ..questions import CleanAnswer, answers_clean, answers_save, event_questions
from .common import (
    RACE_WINDOW_SECONDS,
    charge,
    fetch_locked,
    has_free_seat,
    lock_disabled,
    lock_event_for_registration,
    notify_on_commit,
    registration_insert,
    registration_tally,
)
from .waitlist import promote_locked, promotion_chain

GUEST_NAME_MAX_LENGTH = 120
_ROLES = frozenset(RegistrationRole.values)


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


def _check_open(event: EventPage, now) -> None:
    """Raise the refusal that matches `event.registration_window` (nothing when open)."""
    window = event.registration_window(now)
    if window == RegistrationWindow.ELSEWHERE:
        raise RegistrationElsewhere()
    if window == RegistrationWindow.CANCELLED:
        raise EventCancelled()
    if window in (RegistrationWindow.UNPUBLISHED, RegistrationWindow.NOT_YET_OPEN):
        raise RegistrationClosed(_("Registration for this event is not open yet."))
    if window == RegistrationWindow.CLOSED:
        raise RegistrationClosed()


def registration_language() -> str:
    """The language of the request registering someone (a site language), else ""."""
    language = translation.get_language() or ""
    # get_languages(): settings.LANGUAGES as a dict, built once (Django empties its cache
    # when the setting changes), not a set per registration.
    return language if language in get_languages() else ""


def registration_create(event: EventPage, *, user=None, guest_name: str = "",
                        guest_email: str = "", role: str = RegistrationRole.ATTENDEE,
                        actor=None, answers: dict | None = None) -> Registration:
    """Register a member (`user`) or a guest (`guest_name` + `guest_email`) for `event`.

    Guarantees: confirmed registrations never exceed the capacity; when full, the person
    joins the waiting list with the next `waitlist_position` (FIFO), and nobody jumps
    ahead of people already waiting; registering twice returns the same active
    registration. An organiser of the event's space (`actor`) may add people outside the
    registration window, add guests to free events, and give a non-attendee role.

    `answers` (question id -> answer) answer the event's registration questions; they are
    checked (`events.questions.answers_clean`) before anything is written and stored in the
    same transaction as a NEW registration (a replay keeps the first answers).
    `answers=None` means "no answers": a member or guest registering themself is then
    refused when the event asks a REQUIRED question (found in the query that locks the
    event, so an event without questions costs no extra query: issue 11's budget of 6). An
    organiser of the event's space adding someone (`actor`: the admin's "add", a walk-in at
    check-in) may leave required questions unanswered: the person was not shown the form,
    and their registration simply has no answers; answers an organiser does give are checked.

    Raises: RegistrationAnswersInvalid (answers that do not fit the questions; its
    `errors` name each question), RegistrationInvalid (bad guest data or role),
    GuestsNotAllowed, EventCancelled,
    RegistrationClosed, EventFull (full and no waiting list), RegistrationNotAllowed
    (a role other than attendee without being an organiser).
    """
    if user is not None and (guest_name or guest_email):
        raise RegistrationInvalid(_("A registration is either for a member or for a guest."))
    if user is None:
        guest_name, guest_email = _clean_guest(guest_name, guest_email)
    elif not user.is_active:
        raise RegistrationInvalid(_("This account is not active."))
    if role not in _ROLES:
        raise RegistrationInvalid(_("Unknown role."))
    by_organiser = actor is not None and user_organises_space(actor, event.space_id)
    if role != RegistrationRole.ATTENDEE and not by_organiser:
        raise RegistrationNotAllowed(_("Only organisers assign speakers, hosts and volunteers."))
    cleaned_answers = ([] if answers is None
                       else answers_clean(event_questions(event), answers))
    try:
        with transaction.atomic():
            return _registration_create_locked(
                event.pk, user=user, guest_name=guest_name, guest_email=guest_email,
                role=role, by_organiser=by_organiser, answers=cleaned_answers,
                unanswered=answers is None and not by_organiser)
    except IntegrityError:
        # Two submissions raced past the lock-free path: the partial unique constraint
        # kept one; hand back that one.
        existing = _active_registration(event.pk, user, guest_email)
        if existing is None:
            raise
        return existing


def _registration_create_locked(event_pk: int, *, user, guest_name: str, guest_email: str,
                                role: str, by_organiser: bool,
                                answers: list[CleanAnswer], unanswered: bool) -> Registration:
    locked = not lock_disabled()
    # A member's row is locked first (member_lock), in the statement that locks the event.
    event = lock_event_for_registration(event_pk, lock=locked, asks_required=unanswered,
                                        member=user if locked else None,
                                        tally_of=(user, guest_email))
    if user is not None and locked and not event.member_active:
        raise RegistrationInvalid(_("This account is not active."))
    tally = event.tally
    if tally.mine:
        existing = _active_registration(event.pk, user, guest_email)
        if existing is not None:
            return existing
    now = timezone.now()
    if event.origin:  # imported: nobody registers here, organisers included
        raise RegistrationElsewhere()
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
    if unanswered and event.asks_required:
        answers_clean(event_questions(event), {})  # raises, naming each required question
    taken, waiting = tally.taken, tally.waiting > 0
    if waiting and has_free_seat(event, taken):
        # Seats freed without a promotion (e.g. capacity raised): people waiting go first.
        # Their charges and the newcomer's are locked together, before the first one.
        chain = promotion_chain(event)
        payments.registration_accounts_lock(event, place=[*chain, Registration(user=user)])
        promote_locked(event, chain)
        tally = registration_tally(event, user, guest_email)
        taken, waiting = tally.taken, tally.waiting > 0
    if not locked:
        time.sleep(RACE_WINDOW_SECONDS)
    registration = Registration(id=event.new_registration_id, event=event, user=user,
                                guest_name=guest_name, guest_email=guest_email, role=role,
                                created_at=now, language=registration_language())
    if has_free_seat(event, taken) and not waiting:
        registration.state = RegistrationState.CONFIRMED
        registration.confirmed_at = now
    elif event.waitlist_enabled:
        registration.state = RegistrationState.WAITLISTED
        registration.waitlist_position = tally.last_position + 1
    else:
        raise EventFull()
    kind = "confirmed" if registration.state == RegistrationState.CONFIRMED else "waitlisted"
    # registration.save() and its e-mail's task row, without compiling the INSERTs each time
    # and, on PostgreSQL with the database queue, in one round trip.
    registration_insert(registration, kind)
    if answers:
        answers_save(registration, answers)
    registration.event = event
    if registration.state == RegistrationState.CONFIRMED:
        charge(registration, event)
    return registration


def cancellation_deadline(event: EventPage):
    """Until this moment a member's own cancellation of a paid seat gives the credits back."""
    return event.starts_at - timedelta(hours=event.cancellation_deadline_hours)


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
    event, fresh = fetch_locked(registration)
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
    chain = promotion_chain(event)
    payments.registration_accounts_lock(event, void=[fresh] if refund else [],
                                        post=[] if refund else [fresh], place=chain)
    if refund:
        payments.registration_hold_void(fresh, by=actor)
    else:
        payments.registration_hold_post(fresh, by=actor)
    if not erasure:
        notify_on_commit("cancelled", fresh)
    promote_locked(event, chain)
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


@transaction.atomic
def registration_mark_attended(registration: Registration, *, actor) -> Registration:
    """Check a confirmed person in (organisers only). Idempotent. On a paid event the hold
    is posted to the space; a host, speaker or volunteer is paid the event's reward for the
    role from the space's account, once per registration.

    Raises: RegistrationNotAllowed, RegistrationStateError (waitlisted or cancelled),
    RewardNotPaid (the space's account is at its issuance limit; nothing changes).
    """
    event, fresh = fetch_locked(registration)
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
    event, fresh = fetch_locked(registration)
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
