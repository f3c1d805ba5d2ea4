"""The waiting list: who may be promoted now, and promoting them (FIFO; paid events charge).
"""

from django.db import transaction
from django.utils import timezone

from .. import payments
from ..exceptions import NotEnoughCredits
from ..models import CancelReason, EventPage, Registration, RegistrationState
from .common import charge, lock_event, notify_on_commit, seats_taken


def promotion_chain(event: EventPage) -> list[Registration]:
    """Everyone `promote_locked` may reach now, in FIFO order: the whole waiting list while
    a seat is free (on a paid event anyone may fail to pay and pass the seat on), nobody
    when the event is full or cancelled. Their accounts are locked before the promotion."""
    if event.is_cancelled:
        return []
    if event.capacity is not None and event.capacity - seats_taken(event) <= 0:
        return []
    return list(Registration.objects.filter(event=event, state=RegistrationState.WAITLISTED)
                .select_related("user").order_by("waitlist_position", "id"))


def promote_locked(event: EventPage, chain: list[Registration]) -> list[Registration]:
    """Fill free seats from `chain` (see `promotion_chain`, computed in this transaction
    with the event locked, the accounts locked after it), first come first served. On a
    paid event a waiting person is charged now; whoever cannot pay is taken off the list
    (and told), and the seat goes to the next one."""
    if not chain:
        return []
    free = None if event.capacity is None else event.capacity - seats_taken(event)
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
                charge(registration, event)
        except NotEnoughCredits:
            registration.state = RegistrationState.CANCELLED
            registration.confirmed_at = None
            registration.cancelled_at = now
            registration.cancel_reason = CancelReason.PAYMENT_FAILED
            registration.save(update_fields=["state", "confirmed_at", "cancelled_at",
                                             "cancel_reason", "updated_at"])
            notify_on_commit("payment_failed", registration)
            continue
        notify_on_commit("promoted", registration)
        promoted.append(registration)
    return promoted


@transaction.atomic
def registration_promote_waitlist(event: EventPage) -> list[Registration]:
    """Fill free seats from the waiting list in FIFO order (e.g. after the capacity was
    raised); returns the promoted registrations. With the capacity lowered below the number
    of confirmed people nobody is dropped and nobody is promoted. On paid events people who
    cannot pay are skipped (their registration is cancelled and they are told)."""
    locked = lock_event(event.pk)
    chain = promotion_chain(locked)
    payments.registration_accounts_lock(locked, place=chain)
    return promote_locked(locked, chain)
