"""Day passes (the CoPass core): a member buys a day at any space with credits, the space's
organisers validate the pass's code once, and a pass cancelled before its day is refunded.

Every credit movement goes through the ledger (credits.services.ledger); this module only
keeps the pass's state right. State changes are exactly-once: a conditional
``UPDATE ... WHERE state = 'valid'`` on a row locked with select_for_update.

Lock order (the ledger's rule): the pass's row first (only that row, never the space's
page rows joined to it), then the member's and the space's accounts together with
``accounts_lock``, then the ledger call.
"""

from __future__ import annotations

import datetime
import re
import secrets
import uuid
import zoneinfo

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from network.models import SpacePage
from network.permissions import user_organises_space

from ..exceptions import DayPassError, IdempotencyMismatch
from ..memos import DAY_PASS, DAY_PASS_REFUND
from ..models import DayPass, DayPassState, Transfer, TransferCode, TransferState
from .accounts import (
    account_for_member,
    account_for_space,
    accounts_lock,
)
from .ledger import (
    transfer_post,
    transfer_reverse,
)

MAX_DAYS_AHEAD = 365
# Codes are typed by organisers when a QR code cannot be scanned: 12 symbols of an alphabet
# without look-alikes (no 0/O, 1/I/L), about 59 bits from `secrets`, shown as XXXX-XXXX-XXXX.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def daypass_reference(day_pass: DayPass) -> str:
    return f"credits.daypass:{day_pass.pk}"


def daypass_code_new() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, CODE_LENGTH, 4))


def daypass_code_normalise(code: str) -> str:
    """What an organiser typed (any case, spaces or dashes) in the stored XXXX-XXXX-XXXX form."""
    raw = re.sub(r"[\s-]+", "", str(code)).upper()
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def space_today(space: SpacePage) -> datetime.date:
    """Today's date where the space is (its own time zone)."""
    try:
        zone = zoneinfo.ZoneInfo(space.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = timezone.get_default_timezone()
    return timezone.now().astimezone(zone).date()


def _buy_key(user, token: str | None) -> str:
    if token is None:
        token = uuid.uuid4().hex
    elif not isinstance(token, str) or not TOKEN_PATTERN.match(token):
        raise DayPassError(_("The purchase request is malformed; reload the page and retry."))
    return f"credits.daypass.buy:{user.pk}:{token}"


def _pass_bought_with(key: str, space: SpacePage, date: datetime.date) -> DayPass | None:
    """The pass an earlier request with this key bought (a double submit), if any."""
    transfer = Transfer.objects.filter(idempotency_key=key).first()
    if transfer is None:
        return None
    pk = transfer.reference.rpartition(":")[2]
    day_pass = DayPass.objects.filter(pk=int(pk)).first() if pk.isdigit() else None
    if day_pass is None or day_pass.space_id != space.pk or day_pass.date != date:
        raise DayPassError(_("This purchase request was already used for another pass; "
                             "reload the page and retry."))
    return day_pass


def _check_buyable(user, space: SpacePage, date: datetime.date) -> None:
    if getattr(user, "pk", None) is None or not user.is_authenticated:
        raise DayPassError(_("Log in to buy a day pass."))
    if not isinstance(date, datetime.date) or isinstance(date, datetime.datetime):
        raise DayPassError(_("Choose a date for the day pass."))
    if not space.active or not space.live:
        raise DayPassError(_("%(space)s does not sell day passes at the moment.")
                           % {"space": space.title})
    if not space.day_pass_price:
        raise DayPassError(_("%(space)s does not sell day passes.") % {"space": space.title})
    today = space_today(space)
    if date < today:
        raise DayPassError(_("A day pass cannot be bought for a past date (%(date)s).")
                           % {"date": date.isoformat()})
    if date > today + datetime.timedelta(days=MAX_DAYS_AHEAD):
        raise DayPassError(_("A day pass can be bought at most one year ahead."))


def daypass_buy(user, space: SpacePage, date: datetime.date, *,
                request_token: str | None = None) -> DayPass:
    """Buy a day pass for `date` at `space`'s current price, in one transaction: the pass
    (state valid, a fresh unguessable code) and the spend_daypass transfer member → space,
    referenced "credits.daypass:<pk>".

    `request_token` (from the form) makes a double submit buy one pass: the same user and
    token return the pass bought the first time. Both accounts are locked first, together
    and in the ledger's order (``accounts_lock``), so one member's purchases at a space
    serialise and never deadlock with another service.

    Raises DayPassError (not logged in, inactive space, no day passes, past date or more
    than a year ahead, already holding a valid pass for that day there, token reused for
    another pass), InsufficientCredits (nothing is created).
    """
    key = _buy_key(user, request_token)
    _check_buyable(user, space, date)
    try:
        with transaction.atomic():
            member, space_account = account_for_member(user), account_for_space(space)
            accounts_lock([member, space_account])
            earlier = _pass_bought_with(key, space, date)
            if earlier is not None:
                return earlier
            if DayPass.objects.filter(user=user, space=space, date=date,
                                      state=DayPassState.VALID).exists():
                raise DayPassError(_("You already have a day pass for %(space)s on %(date)s.")
                                   % {"space": space.title, "date": date.isoformat()})
            day_pass = DayPass.objects.create(user=user, space=space, date=date,
                                              price=space.day_pass_price,
                                              code=daypass_code_new())
            transfer_post(debit=member, credit=space_account, amount=day_pass.price,
                          code=TransferCode.SPEND_DAYPASS, idempotency_key=key,
                          reference=daypass_reference(day_pass),
                          memo=DAY_PASS.text(date=date), created_by=user)
    except IdempotencyMismatch:
        # A concurrent double submit won the key first: ours rolled back; return theirs.
        earlier = _pass_bought_with(key, space, date)
        if earlier is None:
            raise
        return earlier
    return day_pass


def daypass_validate(code: str, space: SpacePage, by) -> DayPass:
    """An organiser of `space` validates a pass on its day: valid → used, exactly once.

    Raises PermissionDenied if `by` does not organise `space`; DayPassError with the
    reason for an unknown code, a pass of another space, a pass already used or refunded,
    an expired pass or one for a later day. Nothing changes when it raises.
    """
    if not user_organises_space(by, space):
        raise PermissionDenied(_("Only the organisers of this space can validate its passes."))
    code = daypass_code_normalise(code)
    with transaction.atomic():
        day_pass = (DayPass.objects.select_for_update(of=("self",)).select_related("space")
                    .filter(code=code).first() if code else None)
        if day_pass is None:
            raise DayPassError(_("No day pass has the code %(code)s.") % {"code": code or "—"})
        if day_pass.space_id != space.pk:
            raise DayPassError(_("This pass is for %(other)s, not for %(space)s.")
                               % {"other": day_pass.space.title, "space": space.title})
        if day_pass.state == DayPassState.USED:
            raise DayPassError(_("This pass was already used on %(when)s.") % {
                "when": timezone.localtime(day_pass.used_at).strftime("%Y-%m-%d %H:%M")})
        if day_pass.state == DayPassState.REFUNDED:
            raise DayPassError(_("This pass was cancelled and refunded."))
        today = space_today(space)
        if day_pass.date < today:
            raise DayPassError(_("This pass has expired: it was for %(date)s.")
                               % {"date": day_pass.date.isoformat()})
        if day_pass.date > today:
            raise DayPassError(_("This pass is for %(date)s, not for today.")
                               % {"date": day_pass.date.isoformat()})
        now = timezone.now()
        updated = DayPass.objects.filter(pk=day_pass.pk, state=DayPassState.VALID).update(
            state=DayPassState.USED, used_at=now, validated_by=by)
        if updated != 1:
            raise DayPassError(_("This pass was already used."))
    day_pass.state, day_pass.used_at, day_pass.validated_by = DayPassState.USED, now, by
    return day_pass


def daypass_cancel(day_pass: DayPass, by) -> DayPass:
    """Cancel a valid pass before its day and give the credits back (state refunded).

    The refund is the ledger's reversal of the purchase (space → member, code reversal,
    `reverses` pointing at it), recorded once. Only the pass's holder, an organiser of its
    space or a coordinator may cancel. Locks the pass, then both accounts in the ledger's
    order, so it cannot deadlock with a service that keeps the same rule (e.g. a late
    cancellation at the same space that promotes this member).

    Raises PermissionDenied; DayPassError (already used or refunded, its day has come);
    InsufficientCredits if the space's account cannot pay the refund back (nothing changes).
    """
    if not (getattr(by, "pk", None) == day_pass.user_id
            or user_organises_space(by, day_pass.space_id)):
        raise PermissionDenied(_("Only the holder or the space's organisers can cancel a pass."))
    with transaction.atomic():
        # of=("self",): the pass's row only. Locking the joined space's page rows too would
        # block every purchase at the space (a new pass checks its space's row) while this
        # transaction waits for the space's account: a deadlock with daypass_buy.
        locked = (DayPass.objects.select_for_update(of=("self",)).select_related("space")
                  .get(pk=day_pass.pk))
        if locked.state == DayPassState.USED:
            raise DayPassError(_("This pass was already used and cannot be refunded."))
        if locked.state == DayPassState.REFUNDED:
            raise DayPassError(_("This pass was already refunded."))
        if locked.date <= space_today(locked.space):
            raise DayPassError(_("A pass can be cancelled only before its day."))
        updated = DayPass.objects.filter(pk=locked.pk, state=DayPassState.VALID).update(
            state=DayPassState.REFUNDED)
        if updated != 1:
            raise DayPassError(_("This pass changed meanwhile; reload the page."))
        purchase = Transfer.objects.filter(reference=daypass_reference(locked),
                                           code=TransferCode.SPEND_DAYPASS,
                                           state=TransferState.POSTED).first()
        if purchase is None:
            raise DayPassError(_("No payment was found for this pass."))
        accounts_lock([purchase.debit_account_id, purchase.credit_account_id])
        transfer_reverse(purchase, idempotency_key=f"{daypass_reference(locked)}:refund",
                         memo=DAY_PASS_REFUND.text(date=locked.date),
                         created_by=by)
    locked.state = DayPassState.REFUNDED
    return locked
