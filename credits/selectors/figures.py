"""Figures over a period: the flows between parties and the clearing between spaces (the rule
itself is pure code in credits/clearing.py), the public transparency figures, and the
figures reports read (site/reports reads the ledger only through these).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from django.db.models import (
    Count,
    F,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from network.models import SpacePage
from network.translations import originals, titles_in_language

from ..clearing import (
    NETWORK,
    AccountRef,
    Clearing,
    FlowRow,
    Flows,
    clearing_compute,
    flows_classify,
    issued_per_party,
    parties_mentioned,
)
from ..models import (
    Account,
    AccountKind,
    DayPass,
    DayPassState,
    Transfer,
    TransferCode,
    TransferState,
)
from .ledger import (
    amount_sum,
    open_holds,
)


def ledger_flows(start: datetime.date | None, end: datetime.date | None) -> Flows:
    """Posted transfers between `start` and `end` (inclusive, local dates), aggregated in
    the database and classified by `clearing.flows_classify`."""
    transfers = Transfer.objects.filter(state=TransferState.POSTED)
    if start is not None:
        transfers = transfers.filter(created_at__date__gte=start)
    if end is not None:
        transfers = transfers.filter(created_at__date__lte=end)
    rows = list(transfers.values("code", "reverses__code", "debit_account_id", "credit_account_id")
                .annotate(total=Sum("amount")).order_by())
    ids = {r["debit_account_id"] for r in rows} | {r["credit_account_id"] for r in rows}
    accounts = {pk: AccountRef(pk=pk, kind=kind, space_id=space_id) for pk, kind, space_id in
                Account.objects.filter(pk__in=ids).values_list("pk", "kind", "space_id")}
    return flows_classify(
        FlowRow(code=r["code"], reverses_code=r["reverses__code"],
                debit=accounts[r["debit_account_id"]], credit=accounts[r["credit_account_id"]],
                total=r["total"]) for r in rows)


def clearing_for_period(start: datetime.date | None, end: datetime.date | None) -> Clearing:
    """Who owes whom for the credits redeemed between `start` and `end` (inclusive): the
    rule of `credits.clearing.clearing_compute` applied to the ledger."""
    in_period, until_end = ledger_flows(start, end), ledger_flows(None, end)
    names = _party_names(parties_mentioned(in_period, until_end))
    return clearing_compute(in_period=in_period, until_end=until_end, names=names,
                            start=start, end=end)


def _party_names(keys: Iterable[Hashable]) -> dict[Hashable, str]:
    names: dict[Hashable, str] = {NETWORK: str(_("Network (grants)"))}
    space_ids = [k for k in keys if k != NETWORK]
    names.update(titles_in_language(space_ids))  # in the reader's language
    return names


def transparency_figures() -> dict:
    """Per space and for the network: credits issued, redeemed, outstanding. No personal data.

    issued: credits the space sold or paid as rewards (net of reversals); redeemed: credits
    spent at the space (net of refunds); outstanding: what the space issued minus the
    redemptions attributed to it anywhere (the clearing rule), i.e. its credits still held."""
    flows = ledger_flows(None, None)
    clearing = clearing_for_period(None, None)
    issued = issued_per_party(flows)
    redeemed_at: dict[Hashable, int] = defaultdict(int)
    for (_member, space), amount in flows.redeemed.items():
        redeemed_at[space] += amount
    attributed: dict[Hashable, int] = defaultdict(int)
    for (issuer, _space), amount in clearing.matrix.items():
        attributed[issuer] += amount
    # Each space once (a translated space is its original, which holds the account), named
    # in the reader's language; a space with movements but unpublished comes last.
    live = list(originals(SpacePage.objects.live()).values_list("pk", flat=True))
    known = set(live)
    extra = sorted(k for k in set(issued) | set(redeemed_at) if k != NETWORK and k not in known)
    titles = titles_in_language([*live, *extra])
    spaces = sorted(((pk, titles[pk]) for pk in live if pk in titles),
                    key=lambda row: (row[1].casefold(), row[0]))
    spaces += [(pk, titles[pk]) for pk in extra if pk in titles]
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


# --- Report figures (site/reports reads the ledger only through these) ---------------------


def _net_by_code(rows: Iterable[dict], key: str) -> dict:
    """Fold grouped posted rows into {key: {code: net}}: a reversal counts against the code
    of the transfer it reverses."""
    totals: dict = defaultdict(lambda: defaultdict(int))
    for row in rows:
        code, sign = row["code"], 1
        if code == TransferCode.REVERSAL and row["reverses__code"]:
            code, sign = row["reverses__code"], -1
        totals[row[key]][code] += sign * row["total"]
    return {k: dict(v) for k, v in totals.items()}


def reference_totals(*, references: Iterable[str] | None = None,
                     prefix: str | None = None) -> dict[str, dict[str, int]]:
    """Net posted credits per reference and transfer code, for the given `references` or
    every reference starting with `prefix` (exactly one of the two): e.g.
    {"events.registration:42": {"spend_event": 5, "earn_host": 10}}. Pending holds and
    voided rows do not count; a reversal is subtracted from the code it reverses. One
    grouped query (references are looked up 1,000 at a time). Raises ValueError when both
    or neither selector is given."""
    if (references is None) == (prefix is None):
        raise ValueError("give either references or prefix")
    posted = Transfer.objects.filter(state=TransferState.POSTED)
    fields = ("reference", "code", "reverses__code")
    if prefix is not None:
        rows = list(posted.filter(reference__startswith=prefix).values(*fields)
                    .annotate(total=Sum("amount")).order_by())
        return _net_by_code(rows, "reference")
    wanted = sorted(set(references))
    rows = []
    for start in range(0, len(wanted), 1000):
        rows += list(posted.filter(reference__in=wanted[start:start + 1000]).values(*fields)
                     .annotate(total=Sum("amount")).order_by())
    return _net_by_code(rows, "reference")


def reference_holds_open(references: Iterable[str]) -> int:
    """Credits still on hold (placed, neither posted nor voided) for these references."""
    wanted = sorted(set(references))
    total = 0
    for start in range(0, len(wanted), 1000):
        total += amount_sum(open_holds().filter(reference__in=wanted[start:start + 1000]))
    return total


@dataclass(frozen=True)
class SpaceCreditFigures:
    """What moved through a space's account in a period (posted, net of reversals)."""

    earned_events: int = 0      # members paying for the space's events
    earned_day_passes: int = 0  # members buying day passes at the space
    sold: int = 0               # credits the space sold to members (purchases)
    rewards_paid: int = 0       # rewards paid to hosts, speakers, volunteers

    @property
    def earned(self) -> int:
        return self.earned_events + self.earned_day_passes


def space_credit_figures(start: datetime.date | None, end: datetime.date | None,
                         space_ids: Iterable[int] | None = None) -> dict[int, SpaceCreditFigures]:
    """Per space (page id), the credits its account received and paid between `start` and
    `end` (inclusive dates of the transfers, in the site's time zone). Spaces without a
    movement are absent. Two grouped queries whatever the number of spaces."""
    posted = Transfer.objects.filter(state=TransferState.POSTED)
    if start is not None:
        posted = posted.filter(created_at__date__gte=start)
    if end is not None:
        posted = posted.filter(created_at__date__lte=end)
    fields = ("code", "reverses__code")
    received = _net_by_code(
        posted.filter(credit_account__kind=AccountKind.SPACE)
        .values("credit_account__space_id", *fields).annotate(total=Sum("amount")).order_by(),
        "credit_account__space_id")
    paid = _net_by_code(
        posted.filter(debit_account__kind=AccountKind.SPACE)
        .values("debit_account__space_id", *fields).annotate(total=Sum("amount")).order_by(),
        "debit_account__space_id")
    wanted = set(space_ids) if space_ids is not None else None
    figures = {}
    for space_id in set(received) | set(paid):
        if wanted is not None and space_id not in wanted:
            continue
        came, went = received.get(space_id, {}), paid.get(space_id, {})
        figures[space_id] = SpaceCreditFigures(
            # A refund (space -> member) takes back what an event had earned.
            earned_events=(came.get(TransferCode.SPEND_EVENT, 0)
                           - went.get(TransferCode.REFUND, 0)),
            earned_day_passes=came.get(TransferCode.SPEND_DAYPASS, 0),
            sold=went.get(TransferCode.PURCHASE, 0),
            rewards_paid=sum(went.get(code, 0) for code in (
                TransferCode.EARN_HOST, TransferCode.EARN_SPEAKER,
                TransferCode.EARN_VOLUNTEER)))
    return figures


def day_pass_figures(start: datetime.date | None, end: datetime.date | None,
                     space_ids: Iterable[int] | None = None) -> dict[int, dict[str, int]]:
    """Per space, the day passes for days between `start` and `end` (inclusive): `sold`
    (not refunded) and `used` (validated at the door). One grouped query."""
    passes = DayPass.objects.all()
    if start is not None:
        passes = passes.filter(date__gte=start)
    if end is not None:
        passes = passes.filter(date__lte=end)
    if space_ids is not None:
        passes = passes.filter(space_id__in=list(space_ids))
    figures: dict[int, dict[str, int]] = defaultdict(lambda: {"sold": 0, "used": 0})
    for space_id, state, count in (passes.values_list("space_id", "state")
                                   .annotate(n=Count("id")).order_by()):
        if state != DayPassState.REFUNDED:
            figures[space_id]["sold"] += count
        if state == DayPassState.USED:
            figures[space_id]["used"] += count
    return dict(figures)
