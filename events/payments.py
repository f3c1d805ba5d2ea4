"""What registrations pay and earn, through `credits.services` only.

Called by `events.services` inside its transactions (with the event row locked), so a
refused payment rolls the registration change back with it. Every ledger call carries an
idempotency key derived from the registration, and the reference
"events.registration:<pk>", so a retry never charges or rewards twice.

Lock order: a transaction that makes several payments (a cancellation that charges one
member and promotes another, a cancelled event voiding every hold) first calls
`registration_accounts_lock` with all of them, so the account rows are locked at once in
the ledger's order (credits.services.ledger, "Lock order") and never one after the other.
"""

from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _

from credits import services as credits
from credits.selectors import hold_open_for_reference, open_holds

from .exceptions import NotEnoughCreditsForEvent, SpaceCannotPayReward
from .models import EventPage, Registration, RegistrationRole

REWARD_CODES = {
    RegistrationRole.HOST: ("reward_host", "earn_host"),
    RegistrationRole.SPEAKER: ("reward_speaker", "earn_speaker"),
    RegistrationRole.VOLUNTEER: ("reward_volunteer", "earn_volunteer"),
}


def registration_reference(registration: Registration) -> str:
    return f"events.registration:{registration.pk}"


def _key(registration: Registration, step: str) -> str:
    return f"{registration_reference(registration)}:{step}"


def registration_accounts_lock(event: EventPage, *, place: Iterable[Registration] = (),
                               post: Iterable[Registration] = (),
                               void: Iterable[Registration] = (),
                               reward: Iterable[Registration] = (),
                               space: bool = False) -> list[int]:
    """Lock, in one statement and in the ledger's order, every account that this
    transaction's payments for `event` can move, before the first of them:
    `place` (holds to place: the member's account, on a paid event), `post` (open holds to
    pay: the member's and the space's), `void` (open holds to release: the member's),
    `reward` (rewards to pay at check-in: the space's and the member's), `space` (the
    space's account anyway: a hold placed and posted in one transaction, as at a walk-in).

    A member who has no account yet gets one here (nobody else can hold its lock). Returns
    the locked account ids, ascending (none: nothing to lock, e.g. a free event). Must run
    inside the transaction that makes the payments.
    """
    users = []
    if event.price_credits:
        users += [r.user for r in place if r.user_id is not None]
    rewarded = [r for r in reward if _reward_amount(r, event)]
    users += [r.user for r in rewarded]
    pks = set(credits.account_ids_for_members(users).values())
    resolving = {registration_reference(r): False for r in void}
    resolving.update({registration_reference(r): True for r in post})
    if resolving:
        for reference, debit, credit in (open_holds().filter(reference__in=resolving)
                                         .values_list("reference", "debit_account_id",
                                                      "credit_account_id")):
            pks.add(debit)
            if resolving[reference]:
                pks.add(credit)
    if rewarded or (space and pks):
        pks.add(credits.account_for_space(event.space).pk)
    return credits.accounts_lock(pks)


def registration_hold_place(registration: Registration, event: EventPage, *, by=None) -> None:
    """Reserve the event's price on the member's account for the event's space.
    No-op for free events. Raises NotEnoughCreditsForEvent."""
    if not event.price_credits or registration.user_id is None:
        return
    try:
        credits.hold_place(
            debit=credits.account_for_member(registration.user),
            credit=credits.account_for_space(event.space),
            amount=event.price_credits, code="spend_event",
            idempotency_key=_key(registration, "hold"),
            memo=str(event.title)[:300], reference=registration_reference(registration),
            created_by=by or registration.user)
    except credits.InsufficientCredits as exc:
        raise NotEnoughCreditsForEvent(
            _("You need %(price)s credits for this event and your account does not have "
              "them available.") % {"price": event.price_credits}) from exc


def registration_hold_post(registration: Registration, *, by=None) -> bool:
    """Pay the open hold (check-in, the event started, or a late cancellation).
    Returns whether a hold was posted."""
    hold = hold_open_for_reference(registration_reference(registration))
    if hold is None:
        return False
    credits.hold_post(hold, idempotency_key=_key(registration, "post"), created_by=by)
    return True


def registration_hold_void(registration: Registration, *, by=None) -> bool:
    """Give the reserved credits back (a timely cancellation, a cancelled event).
    Returns whether a hold was voided."""
    hold = hold_open_for_reference(registration_reference(registration))
    if hold is None:
        return False
    credits.hold_void(hold, idempotency_key=_key(registration, "void"), created_by=by)
    return True


def _reward_amount(registration: Registration, event: EventPage) -> int:
    field_code = REWARD_CODES.get(registration.role)
    if field_code is None or registration.user_id is None:
        return 0
    return getattr(event, field_code[0]) or 0


def registration_reward_pay(registration: Registration, event: EventPage, *, by=None) -> int:
    """Pay a host, speaker or volunteer the event's reward from the space's account, once
    per registration (the idempotency key makes a retry return the first transfer).
    Returns the amount paid (0 when there is no reward). Raises SpaceCannotPayReward."""
    amount = _reward_amount(registration, event)
    if not amount:
        return 0
    try:
        credits.transfer_post(
            debit=credits.account_for_space(event.space),
            credit=credits.account_for_member(registration.user),
            amount=amount, code=REWARD_CODES[registration.role][1],
            idempotency_key=_key(registration, "reward"),
            memo=str(event.title)[:300], reference=registration_reference(registration),
            created_by=by)
    except credits.InsufficientCredits as exc:
        raise SpaceCannotPayReward(
            _("The space's account cannot pay this reward now (issuance limit reached).")
        ) from exc
    return amount
