"""What happens to registrations when an event is published again, leaves the site, or has
taken place (settling its held payments).
"""

from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .. import payments, tasks
from ..models import (
    ACTIVE_STATES,
    SEAT_STATES,
    EventPage,
    EventStatus,
    Registration,
    RegistrationState,
)
from .common import lock_event
from .waitlist import promote_locked, promotion_chain

#: Fields whose change in a published event is news for registered people (and for calendars).
TIME_FIELDS = ("starts_at", "ends_at", "time_zone")
PLACE_FIELDS = ("room", "address_override", "online_url")


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
    locked = lock_event(event.pk)
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
                payments.registration_hold_void(registration)
        # One task that fans out, whatever the number of registrants (see events.tasks).
        tasks.event_change_notify_on_commit(locked)
    chain = promotion_chain(locked)
    payments.registration_accounts_lock(locked, place=chain)
    promote_locked(locked, chain)
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
    locked = lock_event(event.pk)
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
            event = lock_event(event_pk)
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
