"""Top-ups: how credits enter members' accounts for money or as a gift.

A space's organiser *sells* credits (the space's account goes below zero, down to its
issuance limit: that is the space issuing credits) and records the external payment; a
network coordinator *grants* credits from the network's issuance account. Both are one
ledger transfer each, so they are atomic and idempotent through the ledger.
"""

from __future__ import annotations

import re
import uuid

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from network.models import Membership, SpacePage
from network.permissions import user_is_coordinator, user_organises_space

from ..exceptions import InsufficientCredits, InvalidTransfer
from ..memos import CREDITS_BOUGHT
from ..models import Transfer, TransferCode
from .accounts import (
    account_for_member,
    account_for_space,
    account_network,
)
from .ledger import (
    transfer_post,
)

MAX_TOPUP = 100_000   # credits in one sale or grant: more is surely a typing mistake
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def _key(prefix: str, token: str | None) -> str:
    if token is None:
        return f"{prefix}:{uuid.uuid4().hex}"
    if not isinstance(token, str) or not TOKEN_PATTERN.match(token):
        raise InvalidTransfer(_("The request is malformed; reload the page and retry."))
    return f"{prefix}:{token}"


def _amount(amount) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise InvalidTransfer(_("The amount must be a whole number of credits."))
    if amount <= 0:
        raise InvalidTransfer(_("The amount must be at least 1 credit."))
    if amount > MAX_TOPUP:
        raise InvalidTransfer(_("At most %(max)s credits at a time.") % {"max": MAX_TOPUP})
    return amount


def _one_line(value, label: str, max_length: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidTransfer(_("%(label)s is required.") % {"label": label})
    value = value.strip()
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise InvalidTransfer(_("%(label)s must be a single line.") % {"label": label})
    if len(value) > max_length:
        raise InvalidTransfer(_("%(label)s is longer than %(max)s characters.")
                              % {"label": label, "max": max_length})
    return value


def topup_sell(space: SpacePage, member, amount: int, external_reference: str, by, *,
               request_token: str | None = None) -> Transfer:
    """An organiser of `space` sells `amount` credits to `member`, a member of that space:
    one purchase transfer space → member carrying the external payment reference (receipt,
    bank transfer...). The same `request_token` replayed returns the first transfer.

    Raises PermissionDenied (`by` does not organise the space); InvalidTransfer (amount not
    1..MAX_TOPUP, missing or multi-line reference, member not of this space, token reused
    with other values); InsufficientCredits (the space has reached its issuance limit).
    """
    if not user_organises_space(by, space):
        raise PermissionDenied(_("Only the organisers of this space can sell its credits."))
    amount = _amount(amount)
    external_reference = _one_line(external_reference, _("The payment reference"), 200)
    if getattr(member, "pk", None) is None or not Membership.objects.filter(
            user=member, space=space).exists():
        raise InvalidTransfer(_("This person is not a member of %(space)s.")
                              % {"space": space.title})
    key = _key(f"credits.topup:{space.pk}", request_token)
    try:
        return transfer_post(debit=account_for_space(space), credit=account_for_member(member),
                             amount=amount, code=TransferCode.PURCHASE, idempotency_key=key,
                             memo=CREDITS_BOUGHT.text(space=space.title),
                             external_reference=external_reference, created_by=by)
    except InsufficientCredits as exc:
        raise InsufficientCredits(
            _("%(space)s has reached its issuance limit: it cannot sell more credits until "
              "members spend some there.") % {"space": space.title}) from exc


def grant_create(member, amount: int, memo: str, by, *,
                       request_token: str | None = None) -> Transfer:
    """A network coordinator grants `amount` credits to `member` from the network's
    issuance account (code grant), saying why in `memo`.

    Raises PermissionDenied (not a coordinator); InvalidTransfer (amount not 1..MAX_TOPUP,
    missing or multi-line memo, token reused with other values)."""
    if not user_is_coordinator(by):
        raise PermissionDenied(_("Only network coordinators can grant credits."))
    amount = _amount(amount)
    memo = _one_line(memo, _("The reason"), 300)
    if getattr(member, "pk", None) is None:
        raise InvalidTransfer(_("Choose a member."))
    return transfer_post(debit=account_network("issuance"), credit=account_for_member(member),
                         amount=amount, code=TransferCode.GRANT,
                         idempotency_key=_key("credits.grant", request_token), memo=memo,
                         created_by=by)
