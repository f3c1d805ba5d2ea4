"""Reads of the credits app, one module per concept; import them from here.

`ledger` (balances, holds, derived totals, visibility), `statements` (statements and day
passes), `figures` (flows, clearing, transparency and the figures reports read).
"""

from .figures import (
    SpaceCreditFigures,
    clearing_for_period,
    day_pass_figures,
    ledger_flows,
    reference_holds_open,
    reference_totals,
    space_credit_figures,
    transparency_figures,
)
from .ledger import (
    Balance,
    account_balance,
    account_totals_derived,
    accounts_visible_to,
    amount_sum,
    hold_open_for_reference,
    ledger_balance_sum,
    ledger_discrepancies,
    ledger_totals_derived,
    open_holds,
    transfers_for_reference,
    transfers_visible_to,
)
from .statements import (
    StatementLine,
    account_holds_open,
    day_pass_counts,
    day_passes_of,
    day_passes_sold,
    member_label,
    statement_lines_oldest_first,
    statement_page,
    statement_transfers,
)

__all__ = [
    "Balance",
    "SpaceCreditFigures",
    "StatementLine",
    "account_balance",
    "account_holds_open",
    "account_totals_derived",
    "accounts_visible_to",
    "amount_sum",
    "clearing_for_period",
    "day_pass_counts",
    "day_pass_figures",
    "day_passes_of",
    "day_passes_sold",
    "hold_open_for_reference",
    "ledger_balance_sum",
    "ledger_discrepancies",
    "ledger_flows",
    "ledger_totals_derived",
    "member_label",
    "open_holds",
    "reference_holds_open",
    "reference_totals",
    "space_credit_figures",
    "statement_lines_oldest_first",
    "statement_page",
    "statement_transfers",
    "transfers_for_reference",
    "transfers_visible_to",
    "transparency_figures",
]
