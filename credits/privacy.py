"""The credits' part of a member's own data: their account, every transfer touching it and
their day passes.

`home.privacy` orchestrates every app's part. The ledger is append-only and its rows must
keep balancing (`manage.py verify_ledger`), so an erasure never deletes or edits a transfer:
the account stays, owned by the anonymised user, and only its name is replaced.

Guarantees of `member_data_erase`: day passes for a day still to come are cancelled through
`daypass_cancel` (the purchase is reversed, the code stops working); a pass the space cannot
refund (its account at its limit) stays valid and is counted as kept. Every hold still open
on the account is voided through `hold_void` (nobody is charged after leaving). The account's
name becomes "Erased member #<id>". Whatever balance is left stays in the account.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext

from network.privacy import export_datetime

from .models import Account, AccountKind, DayPass, DayPassState, Transfer
from .selectors import account_balance, open_holds
from .services import CreditsError, daypass_cancel, hold_void
from .services.daypass import space_today

ERASED_ACCOUNT_NAME = "Erased member #{pk}"


def day_passes_to_refund(user) -> list[DayPass]:
    """The member's valid passes for a day still to come at the pass's space."""
    passes = (DayPass.objects.filter(user=user, state=DayPassState.VALID)
              .select_related("space").order_by("date", "pk"))
    return [day_pass for day_pass in passes if day_pass.date > space_today(day_pass.space)]


def account_open_holds(user) -> QuerySet[Transfer]:
    """Holds still open on the member's account (none if they have no account)."""
    return open_holds().filter(debit_account__user=user, debit_account__kind=AccountKind.MEMBER)


def _counterparty(transfer: Transfer, account: Account) -> str:
    other = transfer.credit_account if transfer.debit_account_id == account.pk \
        else transfer.debit_account
    # Another member's name is their data, not this member's.
    return gettext("another member") if other.kind == AccountKind.MEMBER else other.name


def _transfer_export(transfer: Transfer, account: Account) -> dict[str, Any]:
    return {
        "id": str(transfer.pk),
        "created_at": export_datetime(transfer.created_at),
        "direction": "out" if transfer.debit_account_id == account.pk else "in",
        "amount": transfer.amount,
        "code": transfer.code,
        "state": transfer.state,
        "counterparty": _counterparty(transfer, account),
        "memo": transfer.memo,
        "reference": transfer.reference,
        "external_reference": transfer.external_reference,
        "resolves": str(transfer.resolves_id) if transfer.resolves_id else None,
        "reverses": str(transfer.reverses_id) if transfer.reverses_id else None,
    }


def member_data_export(user) -> dict[str, Any]:
    """The member's account (None if they never had one) with its balance, every transfer
    touching it (oldest first; another member on the other side is not named) and their
    day passes. JSON-serialisable."""
    account = Account.objects.filter(user=user, kind=AccountKind.MEMBER).first()
    passes = DayPass.objects.filter(user=user).select_related("space").order_by("date", "pk")
    data: dict[str, Any] = {
        "account": None,
        "transfers": [],
        "day_passes": [
            {"space": day_pass.space.title, "date": export_datetime(day_pass.date),
             "price": day_pass.price, "state": day_pass.state, "code": day_pass.code,
             "created_at": export_datetime(day_pass.created_at),
             "used_at": export_datetime(day_pass.used_at)}
            for day_pass in passes
        ],
    }
    if account is None:
        return data
    balance = account_balance(account)
    data["account"] = {"name": account.name, "balance": balance.posted,
                       "on_hold": balance.on_hold, "available": balance.available,
                       "created_at": export_datetime(account.created_at)}
    transfers = (Transfer.objects.filter(Q(debit_account=account) | Q(credit_account=account))
                 .select_related("debit_account", "credit_account")
                 .order_by("created_at", "pk"))
    data["transfers"] = [_transfer_export(transfer, account) for transfer in transfers]
    return data


@transaction.atomic
def member_data_erase(user, *, by) -> dict[str, int]:
    """Refund future day passes, void open holds and anonymise the account (see the
    module's guarantees). `by` is who erases (the member or a coordinator). Safe to run
    twice. Returns how many passes were refunded and kept, and holds voided."""
    refunded = kept = 0
    for day_pass in day_passes_to_refund(user):
        try:
            daypass_cancel(day_pass, by)
        except (CreditsError, PermissionDenied):
            kept += 1
        else:
            refunded += 1
    voided = 0
    for hold in account_open_holds(user).order_by("created_at", "pk"):
        hold_void(hold, idempotency_key=f"privacy.erase:{hold.pk}:void", created_by=by)
        voided += 1
    for account in Account.objects.filter(user=user, kind=AccountKind.MEMBER):
        Account.objects.filter(pk=account.pk).update(
            name=ERASED_ACCOUNT_NAME.format(pk=account.pk))
    return {"day_passes_refunded": refunded, "day_passes_kept": kept, "holds_voided": voided}
