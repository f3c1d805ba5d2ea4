"""Reads behind the credits pages: who may see what, a member's statement, a space's
activity, clearing between spaces with its settlement, and the public transparency figures.

Every number is an integer amount of credits. Only *posted* transfers count as movements;
pending holds are shown apart ("on hold") and voided rows are history only. The attribution
rule used by clearing is documented in docs/credits-clearing.md.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import BigIntegerField, Case, Count, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from network.models import SpacePage

from .models import (
    Account,
    AccountKind,
    DayPass,
    DayPassState,
    Transfer,
    TransferCode,
    TransferState,
)
from .selectors import account_balance

NETWORK = "network"  # the party key of the network (grants) in clearing

def member_label(user) -> str:
    """How a member is named to organisers and coordinators: their directory name, else
    their full name, else their username (never their e-mail address)."""
    profile = getattr(user, "profile", None)
    if profile is not None and profile.display_name:
        return profile.display_name
    return user.get_full_name() or user.get_username()


# --- Statements ---------------------------------------------------------------------------


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
    return StatementLine(transfer=transfer, signed=transfer.signed,
                         balance_after=balance_after, counterparty=other.name)


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


def open_holds(account: Account) -> QuerySet[Transfer]:
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


# --- Clearing -------------------------------------------------------------------------

ISSUE_CODES = {TransferCode.PURCHASE, TransferCode.GRANT, TransferCode.EARN_HOST,
               TransferCode.EARN_SPEAKER, TransferCode.EARN_VOLUNTEER}
REDEEM_CODES = {TransferCode.SPEND_EVENT, TransferCode.SPEND_DAYPASS}


def allocate_pro_rata(amount: int, weights: dict[Hashable, int]) -> dict[Hashable, int]:
    """Split the integer `amount` over `weights` (positive integers) in proportion, exactly:
    floors first, then the leftover units to the largest remainders (ties: key order).
    The parts always sum to `amount`; a negative amount is split like its opposite."""
    if amount < 0:
        return {k: -v for k, v in allocate_pro_rata(-amount, weights).items()}
    weights = {k: w for k, w in weights.items() if w > 0}
    if not weights:
        raise ValueError("allocate_pro_rata needs at least one positive weight")
    total = sum(weights.values())
    keys = sorted(weights, key=str)
    parts = {k: amount * weights[k] // total for k in keys}
    leftover = amount - sum(parts.values())
    by_remainder = sorted(keys, key=lambda k: (-(amount * weights[k] % total), keys.index(k)))
    for k in by_remainder[:leftover]:
        parts[k] += 1
    return parts


@dataclass(frozen=True)
class Payment:
    debtor: Hashable
    creditor: Hashable
    amount: int


def settlement_payments(net: dict[Hashable, int]) -> list[Payment]:
    """The payments that clear `net` positions (positive: is owed; negative: owes; they sum
    to zero). Greedy: the largest debtor pays the largest creditor as much as both allow;
    each payment settles at least one party, so n parties need at most n - 1 payments."""
    if sum(net.values()) != 0:
        raise ValueError("net positions must sum to zero")
    owed = {k: v for k, v in net.items() if v > 0}
    owes = {k: -v for k, v in net.items() if v < 0}
    payments = []
    while owed and owes:
        creditor = max(sorted(owed, key=str), key=lambda k: owed[k])
        debtor = max(sorted(owes, key=str), key=lambda k: owes[k])
        amount = min(owed[creditor], owes[debtor])
        payments.append(Payment(debtor=debtor, creditor=creditor, amount=amount))
        for side, key in ((owed, creditor), (owes, debtor)):
            side[key] -= amount
            if not side[key]:
                del side[key]
    return payments


@dataclass
class Flows:
    """Net issuance to each member by each party, and net redemption by each member at
    each space (both over the requested dates)."""

    issued: dict[int, dict[Hashable, int]] = field(default_factory=lambda: defaultdict(dict))
    redeemed: dict[tuple[int, int], int] = field(default_factory=dict)


def _party(account: Account) -> Hashable | None:
    if account.kind == AccountKind.SPACE:
        return account.space_id
    if account.kind in (AccountKind.ISSUANCE, AccountKind.COMMONS):
        return NETWORK
    return None


def ledger_flows(start: datetime.date | None, end: datetime.date | None) -> Flows:
    """Classify posted transfers between `start` and `end` (inclusive, local dates).

    Issuance: purchase, grant and earn_* transfers from a space or the network to a member.
    Redemption: spend_event and spend_daypass transfers from a member to a space.
    A refund (space → member) is a negative redemption; a reversal counts as the negative
    of the transfer it reverses. Everything else (expiry, space ↔ space) is not a flow."""
    transfers = Transfer.objects.filter(state=TransferState.POSTED)
    if start is not None:
        transfers = transfers.filter(created_at__date__gte=start)
    if end is not None:
        transfers = transfers.filter(created_at__date__lte=end)
    rows = list(transfers.values("code", "reverses__code", "debit_account_id", "credit_account_id")
                .annotate(total=Sum("amount")).order_by())
    ids = {r["debit_account_id"] for r in rows} | {r["credit_account_id"] for r in rows}
    accounts = Account.objects.in_bulk(ids)
    flows = Flows()
    for row in rows:
        code, sign = row["code"], 1
        debit, credit = accounts[row["debit_account_id"]], accounts[row["credit_account_id"]]
        if code == TransferCode.REVERSAL:
            code, sign, debit, credit = row["reverses__code"], -sign, credit, debit
        if code == TransferCode.REFUND:
            code, sign, debit, credit = TransferCode.SPEND_EVENT, -sign, credit, debit
        amount = sign * row["total"]
        if code in ISSUE_CODES and credit.kind == AccountKind.MEMBER:
            issuer = _party(debit)
            if issuer is not None:
                per_member = flows.issued[credit.pk]
                per_member[issuer] = per_member.get(issuer, 0) + amount
        elif (code in REDEEM_CODES and debit.kind == AccountKind.MEMBER
              and credit.kind == AccountKind.SPACE):
            key = (debit.pk, credit.space_id)
            flows.redeemed[key] = flows.redeemed.get(key, 0) + amount
    return flows


@dataclass
class Clearing:
    start: datetime.date | None
    end: datetime.date | None
    parties: list[Hashable]                   # ordered: spaces by title, then the network
    names: dict[Hashable, str]
    matrix: dict[tuple[Hashable, Hashable], int]  # (issuer, redeemed at) -> credits
    issued: dict[Hashable, int]               # credits issued in the period, per party
    net: dict[Hashable, int]                  # positive: is owed; negative: owes
    payments: list[Payment]

    def rows(self) -> list[dict]:
        """The matrix as rows for display: issuer, one cell per redeeming party, total."""
        return [{"party": p, "name": self.names[p],
                 "cells": [self.matrix.get((p, q), 0) for q in self.parties],
                 "total": sum(self.matrix.get((p, q), 0) for q in self.parties),
                 "issued": self.issued.get(p, 0), "net": self.net.get(p, 0)}
                for p in self.parties]

    def party_names(self) -> list[str]:
        return [self.names[p] for p in self.parties]

    def column_totals(self) -> list[int]:
        return [sum(self.matrix.get((p, q), 0) for p in self.parties) for q in self.parties]

    def named_payments(self) -> list[dict]:
        return [{"debtor": self.names[p.debtor], "creditor": self.names[p.creditor],
                 "amount": p.amount} for p in self.payments]


def clearing_for_period(start: datetime.date | None, end: datetime.date | None) -> Clearing:
    """Who owes whom for the credits redeemed between `start` and `end` (inclusive).

    Each member's redemptions at a space are attributed to the parties that issued credits
    to that member, pro rata to what each issued to them up to `end` (exact integer split);
    a member with nothing issued is attributed to the network."""
    redeemed = ledger_flows(start, end).redeemed
    shares = ledger_flows(None, end).issued
    matrix: dict[tuple[Hashable, Hashable], int] = defaultdict(int)
    for (member, space), amount in sorted(redeemed.items()):
        weights = {k: v for k, v in shares.get(member, {}).items() if v > 0}
        parts = allocate_pro_rata(amount, weights) if weights else {NETWORK: amount}
        for issuer, part in parts.items():
            if part:
                matrix[(issuer, space)] += part
    issued_in_period: dict[Hashable, int] = defaultdict(int)
    for per_member in ledger_flows(start, end).issued.values():
        for issuer, amount in per_member.items():
            issued_in_period[issuer] += amount
    keys = {k for pair in matrix for k in pair} | {k for k, v in issued_in_period.items() if v}
    names = _party_names(keys)
    parties = sorted((k for k in keys if k != NETWORK), key=lambda k: (names[k].lower(), k))
    if NETWORK in keys:
        parties.append(NETWORK)
    net = {p: sum(matrix.get((q, p), 0) for q in parties if q != p)
           - sum(matrix.get((p, q), 0) for q in parties if q != p) for p in parties}
    return Clearing(start=start, end=end, parties=parties, names=names,
                    matrix={k: v for k, v in matrix.items() if v}, issued=dict(issued_in_period),
                    net=net, payments=settlement_payments(net))


def _party_names(keys: Iterable[Hashable]) -> dict[Hashable, str]:
    names: dict[Hashable, str] = {NETWORK: str(_("Network (grants)"))}
    space_ids = [k for k in keys if k != NETWORK]
    names.update(SpacePage.objects.filter(pk__in=space_ids).values_list("pk", "title"))
    return names


# --- Public transparency ------------------------------------------------------------------


def transparency_figures() -> dict:
    """Per space and for the network: credits issued, redeemed, outstanding. No personal data.

    issued: credits the space sold or paid as rewards (net of reversals); redeemed: credits
    spent at the space (net of refunds); outstanding: what the space issued minus the
    redemptions attributed to it anywhere (the clearing rule), i.e. its credits still held."""
    flows = ledger_flows(None, None)
    clearing = clearing_for_period(None, None)
    issued: dict[Hashable, int] = defaultdict(int)
    for per_member in flows.issued.values():
        for issuer, amount in per_member.items():
            issued[issuer] += amount
    redeemed_at: dict[Hashable, int] = defaultdict(int)
    for (_member, space), amount in flows.redeemed.items():
        redeemed_at[space] += amount
    attributed: dict[Hashable, int] = defaultdict(int)
    for (issuer, _space), amount in clearing.matrix.items():
        attributed[issuer] += amount
    spaces = list(SpacePage.objects.live()
                  .order_by("title").values_list("pk", "title"))
    known = {pk for pk, _t in spaces}
    extra = [k for k in set(issued) | set(redeemed_at) if k != NETWORK and k not in known]
    spaces += list(SpacePage.objects.filter(pk__in=extra).values_list("pk", "title"))
    passes = dict(DayPass.objects.exclude(state=DayPassState.REFUNDED)
                  .values_list("space").annotate(n=Count("id")).values_list("space", "n"))
    rows = [{"name": title, "issued": issued.get(pk, 0), "redeemed": redeemed_at.get(pk, 0),
             "outstanding": issued.get(pk, 0) - attributed.get(pk, 0),
             "day_passes": passes.get(pk, 0)} for pk, title in spaces]
    members = Account.objects.filter(kind=AccountKind.MEMBER).aggregate(
        held=Coalesce(Sum(F("credits_posted") - F("debits_posted")), Value(0)),
        on_hold=Coalesce(Sum("debits_pending"), Value(0)),
        accounts=Count("id"))
    network = {"issued": issued.get(NETWORK, 0),
               "outstanding": issued.get(NETWORK, 0) - attributed.get(NETWORK, 0)}
    totals = {"issued": sum(issued.values()), "redeemed": sum(redeemed_at.values()),
              "outstanding": sum(issued.values()) - sum(attributed.values()),
              "held_by_members": members["held"], "on_hold": members["on_hold"],
              "member_accounts": members["accounts"], "day_passes": sum(passes.values())}
    return {"spaces": rows, "network": network, "totals": totals}
