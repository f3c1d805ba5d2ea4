"""Clearing between the parties of the network, as pure domain code (no database).

A party is a space (its page id) or the network (`NETWORK`: grants). Members redeem credits
at spaces; each redemption is attributed to the parties that issued credits to that member,
pro rata to what each issued (exact integer split). The matrix of attributions gives each
party's net position, and `settlement_payments` the fewest payments that clear them.
The rule is documented in docs/credits-clearing.md. `credits.selectors` reads the ledger
into `Flows` and calls `clearing_compute`; the report PDFs use the same functions.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field

from .models import AccountKind, TransferCode

NETWORK = "network"  # the party key of the network (grants) in clearing

ISSUE_CODES = {TransferCode.PURCHASE, TransferCode.GRANT, TransferCode.EARN_HOST,
               TransferCode.EARN_SPEAKER, TransferCode.EARN_VOLUNTEER}
REDEEM_CODES = {TransferCode.SPEND_EVENT, TransferCode.SPEND_DAYPASS}


@dataclass(frozen=True)
class AccountRef:
    """What clearing needs to know of an account."""

    pk: int
    kind: str
    space_id: int | None = None


@dataclass(frozen=True)
class FlowRow:
    """Posted transfers aggregated by code and accounts (`reverses_code`: the code of the
    transfer a reversal undoes)."""

    code: str
    reverses_code: str | None
    debit: AccountRef
    credit: AccountRef
    total: int


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


def _party(account: AccountRef) -> Hashable | None:
    if account.kind == AccountKind.SPACE:
        return account.space_id
    if account.kind in (AccountKind.ISSUANCE, AccountKind.COMMONS):
        return NETWORK
    return None


def flows_classify(rows: Iterable[FlowRow]) -> Flows:
    """Classify aggregated posted transfers into issuance and redemption.

    Issuance: purchase, grant and earn_* transfers from a space or the network to a member.
    Redemption: spend_event and spend_daypass transfers from a member to a space.
    A refund (space → member) is a negative redemption; a reversal counts as the negative
    of the transfer it reverses. Everything else (expiry, space ↔ space) is not a flow."""
    flows = Flows()
    for row in rows:
        code, sign, debit, credit = row.code, 1, row.debit, row.credit
        if code == TransferCode.REVERSAL:
            code, sign, debit, credit = row.reverses_code, -sign, credit, debit
        if code == TransferCode.REFUND:
            code, sign, debit, credit = TransferCode.SPEND_EVENT, -sign, credit, debit
        amount = sign * row.total
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


def issued_per_party(flows: Flows) -> dict[Hashable, int]:
    """Credits issued by each party over the flows' dates."""
    issued: dict[Hashable, int] = defaultdict(int)
    for per_member in flows.issued.values():
        for issuer, amount in per_member.items():
            issued[issuer] += amount
    return dict(issued)


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


def clearing_compute(*, in_period: Flows, until_end: Flows, names: Mapping[Hashable, str],
                     start: datetime.date | None = None,
                     end: datetime.date | None = None) -> Clearing:
    """Who owes whom for the credits redeemed in the period (`in_period`).

    Each member's redemptions at a space are attributed to the parties that issued credits
    to that member, pro rata to what each issued to them up to the period's end
    (`until_end`); a member with nothing issued is attributed to the network. `names` must
    name every party that appears (see `parties_mentioned`)."""
    shares = until_end.issued
    matrix: dict[tuple[Hashable, Hashable], int] = defaultdict(int)
    for (member, space), amount in sorted(in_period.redeemed.items()):
        weights = {k: v for k, v in shares.get(member, {}).items() if v > 0}
        parts = allocate_pro_rata(amount, weights) if weights else {NETWORK: amount}
        for issuer, part in parts.items():
            if part:
                matrix[(issuer, space)] += part
    issued_in_period = issued_per_party(in_period)
    keys = {k for pair in matrix for k in pair} | {k for k, v in issued_in_period.items() if v}
    parties = sorted((k for k in keys if k != NETWORK), key=lambda k: (names[k].lower(), k))
    if NETWORK in keys:
        parties.append(NETWORK)
    net = {p: sum(matrix.get((q, p), 0) for q in parties if q != p)
           - sum(matrix.get((p, q), 0) for q in parties if q != p) for p in parties}
    return Clearing(start=start, end=end, parties=parties, names=dict(names),
                    matrix={k: v for k, v in matrix.items() if v}, issued=issued_in_period,
                    net=net, payments=settlement_payments(net))


def parties_mentioned(*flows: Flows) -> set[Hashable]:
    """Every party that may appear in a clearing of these flows (what to name)."""
    keys: set[Hashable] = {NETWORK}
    for one in flows:
        keys |= {space for (_member, space) in one.redeemed}
        keys |= {issuer for per_member in one.issued.values() for issuer in per_member}
    return keys
