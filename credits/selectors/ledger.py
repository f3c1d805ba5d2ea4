"""Reads of the ledger itself: balances, transfers for a reference, open holds, the totals
derived from the transfers (and their discrepancies), who may see which account.

Every number is an integer amount of credits. Only *posted* transfers count as movements;
pending holds are shown apart ("on hold") and voided rows are history only.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import (
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)

from network.permissions import spaces_organised_by, user_is_coordinator

from ..models import (
    Account,
    Transfer,
    TransferState,
)


@dataclass(frozen=True)
class Balance:
    """What an account holds: posted balance, amount on hold, and what is available."""

    posted: int
    on_hold: int
    available: int


def account_balance(account: Account) -> Balance:
    """The account's balance read fresh from the database."""
    row = Account.objects.values("credits_posted", "debits_posted", "debits_pending").get(
        pk=account.pk)
    posted = row["credits_posted"] - row["debits_posted"]
    return Balance(posted=posted, on_hold=row["debits_pending"],
                   available=posted - row["debits_pending"])


def transfers_for_reference(reference: str) -> QuerySet[Transfer]:
    """Every row recorded for what a transfer pays for, e.g. "events.registration:42"."""
    return Transfer.objects.filter(reference=reference).order_by("created_at", "pk")


def open_holds() -> QuerySet[Transfer]:
    """Pending rows that no posted or voided row resolves yet."""
    resolved = Transfer.objects.filter(resolves=OuterRef("pk"))
    return Transfer.objects.filter(state=TransferState.PENDING).filter(~Exists(resolved))


def hold_open_for_reference(reference: str) -> Transfer | None:
    """The open hold for this reference, or None (the most recent one if several)."""
    return open_holds().filter(reference=reference).order_by("-created_at", "-pk").first()


def amount_sum(qs: QuerySet[Transfer]) -> int:
    return qs.aggregate(total=Sum("amount"))["total"] or 0


def account_totals_derived(account: Account) -> dict[str, int]:
    """The account's totals recomputed from its transfers (what verify_ledger compares)."""
    posted = Transfer.objects.filter(state=TransferState.POSTED)
    return {
        "credits_posted": amount_sum(posted.filter(credit_account=account)),
        "debits_posted": amount_sum(posted.filter(debit_account=account)),
        "debits_pending": amount_sum(open_holds().filter(debit_account=account)),
    }


def ledger_totals_derived() -> dict[int, dict[str, int]]:
    """Derived totals of every account, keyed by account id, in three grouped queries."""
    totals: dict[int, dict[str, int]] = {
        pk: {"credits_posted": 0, "debits_posted": 0, "debits_pending": 0}
        for pk in Account.objects.values_list("pk", flat=True)
    }
    posted = Transfer.objects.filter(state=TransferState.POSTED)
    queries = (
        ("credits_posted", "credit_account", posted),
        ("debits_posted", "debit_account", posted),
        ("debits_pending", "debit_account", open_holds()),
    )
    for field, side, qs in queries:
        for row in qs.order_by().values(side).annotate(total=Sum("amount")):
            totals.setdefault(row[side], {"credits_posted": 0, "debits_posted": 0,
                                          "debits_pending": 0})[field] = row["total"]
    return totals


def ledger_discrepancies() -> list[tuple[Account, dict[str, int], dict[str, int]]]:
    """Accounts whose stored totals differ from the derived ones: (account, stored, derived)."""
    derived = ledger_totals_derived()
    wrong = []
    for account in Account.objects.order_by("pk"):
        stored = {"credits_posted": account.credits_posted,
                  "debits_posted": account.debits_posted,
                  "debits_pending": account.debits_pending}
        if stored != derived.get(account.pk):
            wrong.append((account, stored, derived.get(account.pk, {})))
    return wrong


def ledger_balance_sum() -> int:
    """Sum of every account's posted balance: zero in a sound ledger."""
    totals = Account.objects.aggregate(c=Sum("credits_posted"), d=Sum("debits_posted"))
    return (totals["c"] or 0) - (totals["d"] or 0)


def accounts_visible_to(user) -> QuerySet[Account]:
    """Accounts a user may see in the admin: every account for coordinators (and
    superusers), their own spaces' accounts for organisers, none for anyone else."""
    if user_is_coordinator(user):
        return Account.objects.all()
    return Account.objects.filter(space__in=spaces_organised_by(user).values("pk"))


def transfers_visible_to(user) -> QuerySet[Transfer]:
    """Transfers touching an account the user may see (see accounts_visible_to)."""
    if user_is_coordinator(user):
        return Transfer.objects.all()
    visible = accounts_visible_to(user).values("pk")
    return Transfer.objects.filter(Q(debit_account__in=visible) | Q(credit_account__in=visible))
