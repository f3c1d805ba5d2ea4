"""A Hypothesis state machine drives random transfers, holds, posts, voids, reversals,
replays and bad requests through the services and checks every ledger invariant after
each step, against a plain-Python model of what each account should hold."""

import itertools

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from credits.models import Account, Transfer
from credits.selectors import ledger_balance_sum, ledger_discrepancies
from credits.services import (
    AlreadyReversed,
    HoldAlreadyResolved,
    IdempotencyMismatch,
    InsufficientCredits,
    InvalidTransfer,
    account_network,
    hold_place,
    hold_post,
    hold_void,
    transfer_post,
    transfer_reverse,
)
from tests.credits.ledger_factories import member_account

ACCOUNTS = 4
amounts = st.integers(min_value=1, max_value=60)
indexes = st.integers(min_value=0, max_value=ACCOUNTS - 1)
bad_amounts = st.one_of(st.integers(max_value=0), st.integers(min_value=10**12 + 1),
                        st.floats(allow_nan=True), st.booleans(), st.text(max_size=3))


class LedgerMachine(RuleBasedStateMachine):
    transfers = Bundle("transfers")
    holds = Bundle("holds")

    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.keys = itertools.count()
        self.issuance = account_network("issuance")
        self.commons = account_network("commons")
        self.accounts = [member_account() for _ in range(ACCOUNTS)] + [self.commons]
        self.model = {a.pk: {"credits_posted": 0, "debits_posted": 0, "debits_pending": 0}
                      for a in [self.issuance, *self.accounts]}
        self.resolved: set = set()
        self.reversed: set = set()
        self.requests: list[tuple] = []  # (callable, kwargs, expected pk) for replays

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- helpers ---
    def key(self) -> str:
        return f"sm:{next(self.keys)}"

    def available(self, account: Account) -> float:
        if account.unlimited:
            return float("inf")
        m = self.model[account.pk]
        return m["credits_posted"] - m["debits_posted"] - m["debits_pending"] + account.limit

    def move(self, debit_pk: int, credit_pk: int, amount: int) -> None:
        self.model[debit_pk]["debits_posted"] += amount
        self.model[credit_pk]["credits_posted"] += amount

    def pair(self, i: int, j: int) -> tuple[Account, Account]:
        return self.accounts[i], self.accounts[(i + 1 + j) % len(self.accounts)]

    # --- rules ---
    @rule(i=st.integers(0, ACCOUNTS), amount=amounts)
    def grant(self, i, amount):
        kwargs = {"debit": self.issuance, "credit": self.accounts[i], "amount": amount,
                  "code": "grant", "idempotency_key": self.key()}
        transfer = transfer_post(**kwargs)
        self.move(self.issuance.pk, self.accounts[i].pk, amount)
        self.requests.append((transfer_post, kwargs, transfer.pk))

    @rule(target=transfers, i=indexes, j=indexes, amount=amounts)
    def transfer(self, i, j, amount):
        debit, credit = self.pair(i, j)
        kwargs = {"debit": debit, "credit": credit, "amount": amount, "code": "spend_event",
                  "idempotency_key": self.key()}
        if amount > self.available(debit):
            with pytest.raises(InsufficientCredits):
                transfer_post(**kwargs)
            return multiple()
        transfer = transfer_post(**kwargs)
        self.move(debit.pk, credit.pk, amount)
        self.requests.append((transfer_post, kwargs, transfer.pk))
        return transfer

    @rule(target=holds, i=indexes, j=indexes, amount=amounts)
    def hold(self, i, j, amount):
        debit, credit = self.pair(i, j)
        kwargs = {"debit": debit, "credit": credit, "amount": amount, "code": "spend_event",
                  "idempotency_key": self.key(), "reference": f"test.hold:{i}{j}"}
        if amount > self.available(debit):
            with pytest.raises(InsufficientCredits):
                hold_place(**kwargs)
            return multiple()
        hold = hold_place(**kwargs)
        self.model[debit.pk]["debits_pending"] += amount
        self.requests.append((hold_place, kwargs, hold.pk))
        return hold

    @rule(target=transfers, hold=holds, post=st.booleans())
    def resolve(self, hold, post):
        action = hold_post if post else hold_void
        if hold.pk in self.resolved:
            with pytest.raises(HoldAlreadyResolved):
                action(hold, idempotency_key=self.key())
            return multiple()
        row = action(hold, idempotency_key=self.key())
        self.resolved.add(hold.pk)
        self.model[hold.debit_account_id]["debits_pending"] -= hold.amount
        if post:
            self.move(hold.debit_account_id, hold.credit_account_id, hold.amount)
            return row
        return multiple()

    @rule(transfer=transfers)
    def reverse(self, transfer):
        key = self.key()
        receiver = Account.objects.get(pk=transfer.credit_account_id)
        if transfer.code == "reversal":
            with pytest.raises(InvalidTransfer):
                transfer_reverse(transfer, idempotency_key=key)
        elif transfer.pk in self.reversed:
            with pytest.raises(AlreadyReversed):
                transfer_reverse(transfer, idempotency_key=key)
        elif transfer.amount > self.available(receiver):
            with pytest.raises(InsufficientCredits):
                transfer_reverse(transfer, idempotency_key=key)
        else:
            transfer_reverse(transfer, idempotency_key=key)
            self.reversed.add(transfer.pk)
            self.move(transfer.credit_account_id, transfer.debit_account_id, transfer.amount)

    @rule(data=st.data())
    def replay(self, data):
        if not self.requests:
            return
        call, kwargs, pk = data.draw(st.sampled_from(self.requests))
        assert call(**kwargs).pk == pk
        changed = {**kwargs, "amount": kwargs["amount"] + 1}
        with pytest.raises(IdempotencyMismatch):
            call(**changed)

    @rule(i=indexes, amount=bad_amounts, to_self=st.booleans())
    def bad_request(self, i, amount, to_self):
        debit = self.accounts[i]
        credit = debit if to_self else self.accounts[i + 1]
        with pytest.raises(InvalidTransfer):
            transfer_post(debit=debit, credit=credit, amount=amount if not to_self else 1,
                          code="spend_event", idempotency_key=self.key())

    @rule(hold=consumes(holds))
    def open_hold_cannot_be_reversed(self, hold):
        if hold.pk not in self.resolved:
            with pytest.raises(InvalidTransfer):
                transfer_reverse(hold, idempotency_key=self.key())

    # --- invariants ---
    @invariant()
    def balances_sum_to_zero(self):
        assert ledger_balance_sum() == 0

    @invariant()
    def stored_totals_equal_transfers_and_model(self):
        assert ledger_discrepancies() == []
        for account in Account.objects.filter(pk__in=self.model):
            stored = {"credits_posted": account.credits_posted,
                      "debits_posted": account.debits_posted,
                      "debits_pending": account.debits_pending}
            assert stored == self.model[account.pk]

    @invariant()
    def every_limit_is_respected(self):
        for account in Account.objects.filter(unlimited=False):
            assert account.available >= -account.limit

    @invariant()
    def holds_resolved_and_transfers_reversed_at_most_once(self):
        rows = Transfer.objects.values_list("resolves_id", "reverses_id")
        resolves = [r for r, _ in rows if r is not None]
        reverses = [r for _, r in rows if r is not None]
        assert len(resolves) == len(set(resolves)) == len(self.resolved)
        assert len(reverses) == len(set(reverses)) == len(self.reversed)


@pytest.mark.django_db
def test_ledger_invariants_hold_under_random_operations():
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(max_examples=20, stateful_step_count=20, deadline=None,
                          suppress_health_check=list(HealthCheck), database=None))
