"""Statements of an account (with the balance after each line) and day passes.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    F,
    Q,
    QuerySet,
    Sum,
    When,
)

from network.models import SpacePage

from ..models import (
    Account,
    AccountKind,
    DayPass,
    DayPassState,
    Transfer,
    TransferState,
)
from .ledger import (
    account_balance,
)


def member_label(user) -> str:
    """How a member is named to organisers and coordinators: their directory name, else
    their full name, else their username (never their e-mail address)."""
    profile = getattr(user, "profile", None)
    if profile is not None and profile.display_name:
        return profile.display_name
    return user.get_full_name() or user.get_username()


def _signed_amount(account: Account) -> Case:
    return Case(When(credit_account=account, then=F("amount")), default=-F("amount"),
                output_field=BigIntegerField())


def statement_transfers(account: Account) -> QuerySet[Transfer]:
    """Posted transfers touching `account`, newest first, annotated with `signed` (the
    change they made to its balance)."""
    return (Transfer.objects
            .filter(Q(debit_account=account) | Q(credit_account=account),
                    state=TransferState.POSTED)
            .select_related("debit_account", "credit_account", "reverses")
            .annotate(signed=_signed_amount(account))
            .order_by("-created_at", "-id"))


@dataclass
class StatementLine:
    transfer: Transfer
    signed: int
    balance_after: int
    counterparty: str


def _line(account: Account, transfer: Transfer, balance_after: int) -> StatementLine:
    other = (transfer.debit_account if transfer.credit_account_id == account.pk
             else transfer.credit_account)
    # The network's own accounts are named in the reader's language (their stored names
    # are English); members and spaces by their names.
    name = other.name if other.kind in (AccountKind.MEMBER, AccountKind.SPACE) \
        else str(other.get_kind_display())
    return StatementLine(transfer=transfer, signed=transfer.signed,
                         balance_after=balance_after, counterparty=name)


def statement_page(account: Account, page_number, per_page: int = 25
                   ) -> tuple[Page, list[StatementLine]]:
    """One page of the statement (newest first) with the balance after each line.

    The running balance starts from the stored balance minus the sum of every newer line,
    computed by the database in one aggregate, so any page is cheap."""
    transfers = statement_transfers(account)
    page = Paginator(transfers, per_page).get_page(page_number)
    newer = page.start_index() - 1 if page.paginator.count else 0
    newer_sum = 0
    if newer:
        newer_sum = transfers[:newer].aggregate(total=Sum("signed"))["total"] or 0
    balance = account_balance(account).posted - newer_sum  # fresh, not the caller's copy
    lines = []
    for transfer in page.object_list:
        lines.append(_line(account, transfer, balance))
        balance -= transfer.signed
    return page, lines


def statement_lines_oldest_first(account: Account) -> Iterator[StatementLine]:
    """The whole statement, oldest first, with the running balance (for CSV export)."""
    balance = 0
    for transfer in statement_transfers(account).order_by("created_at", "id").iterator():
        balance += transfer.signed
        yield _line(account, transfer, balance)


def account_holds_open(account: Account) -> QuerySet[Transfer]:
    """Holds placed on `account` that are neither posted nor voided yet."""
    return (Transfer.objects
            .filter(debit_account=account, state=TransferState.PENDING,
                    resolution__isnull=True)
            .select_related("credit_account")
            .order_by("-created_at"))


def day_passes_of(user, today: datetime.date) -> tuple[list[DayPass], list[DayPass]]:
    """A member's day passes: (upcoming valid ones, soonest first; the rest, newest first)."""
    passes = list(DayPass.objects.filter(user=user).select_related("space").order_by("date", "id"))
    upcoming, past = [], []
    for day_pass in passes:
        day_pass.expired = day_pass.state == DayPassState.VALID and day_pass.date < today
        is_upcoming = day_pass.state == DayPassState.VALID and not day_pass.expired
        (upcoming if is_upcoming else past).append(day_pass)
    return upcoming, past[::-1]


def day_passes_sold(space: SpacePage) -> QuerySet[DayPass]:
    return (DayPass.objects.filter(space=space).select_related("user", "user__profile")
            .order_by("-date", "-id"))


def day_pass_counts(space: SpacePage) -> dict[str, int]:
    counts = dict(DayPass.objects.filter(space=space).values_list("state")
                  .annotate(n=Count("id")).values_list("state", "n"))
    return {state: counts.get(state, 0) for state in DayPassState.values}
