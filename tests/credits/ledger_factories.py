"""Factories for ledger tests: accounts for fresh members, funded from the issuance account."""

import uuid

from credits.models import Account
from credits.selectors import ledger_balance_sum, ledger_discrepancies
from credits.services import account_for_member, account_network, transfer_post
from tests.network.factories import UserFactory


def new_key(prefix: str = "test") -> str:
    return f"{prefix}:{uuid.uuid4()}"


def member_account(**user_fields) -> Account:
    """A member's account (limit 0, empty) for a new user."""
    return account_for_member(UserFactory(**user_fields))


def funded_member(amount: int, **user_fields) -> Account:
    """A member's account holding `amount` credits granted by the network issuance account."""
    account = member_account(**user_fields)
    if amount:
        transfer_post(debit=account_network("issuance"), credit=account, amount=amount,
                      code="grant", idempotency_key=new_key("grant"))
    account.refresh_from_db()
    return account


def assert_ledger_sound() -> None:
    """Sum of balances zero and every account's stored totals equal to its transfers."""
    assert ledger_balance_sum() == 0
    assert ledger_discrepancies() == []


def totals(account: Account) -> tuple[int, int, int]:
    account.refresh_from_db()
    return account.credits_posted, account.debits_posted, account.debits_pending
