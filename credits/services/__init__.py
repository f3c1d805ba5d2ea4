"""Every state change of the ledger. Split by concept: ledger (transfers, holds,
reversals), daypass (day passes), topup (sales and grants). Import from here; the named
errors live in credits.exceptions and are re-exported here for callers of the services."""

from ..exceptions import (
    AlreadyReversed,
    CreditsError,
    DayPassError,
    HoldAlreadyResolved,
    IdempotencyMismatch,
    InsufficientCredits,
    InvalidTransfer,
)
from .accounts import (
    account_for_member,
    account_for_space,
    account_ids_for_members,
    account_network,
    accounts_lock,
)
from .daypass import daypass_buy, daypass_cancel, daypass_validate
from .ledger import (
    hold_place,
    hold_post,
    hold_void,
    transfer_post,
    transfer_reverse,
)
from .topup import grant_create, topup_sell

__all__ = [
    "AlreadyReversed",
    "CreditsError",
    "DayPassError",
    "HoldAlreadyResolved",
    "IdempotencyMismatch",
    "InsufficientCredits",
    "InvalidTransfer",
    "account_for_member",
    "account_for_space",
    "account_ids_for_members",
    "account_network",
    "accounts_lock",
    "daypass_buy",
    "daypass_cancel",
    "daypass_validate",
    "grant_create",
    "hold_place",
    "hold_post",
    "hold_void",
    "topup_sell",
    "transfer_post",
    "transfer_reverse",
]
