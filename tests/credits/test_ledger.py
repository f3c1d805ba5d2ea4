"""The ledger's services: transfers, holds, reversals, idempotency, bad input."""

from decimal import Decimal

import pytest
from django.db import transaction
from django.test import override_settings

from credits.models import Account, Transfer, TransferState
from credits.selectors import account_balance, hold_open_for_reference, transfers_for_reference
from credits.services import (
    AlreadyReversed,
    HoldAlreadyResolved,
    IdempotencyMismatch,
    InsufficientCredits,
    InvalidTransfer,
    account_for_member,
    account_for_space,
    account_network,
    hold_place,
    hold_post,
    hold_void,
    transfer_post,
    transfer_reverse,
)
from tests.credits.ledger_factories import (
    assert_ledger_sound,
    funded_member,
    member_account,
    new_key,
    totals,
)
from tests.network.factories import UserFactory, make_space

pytestmark = pytest.mark.django_db


def spend(debit, credit, amount, key=None, **extra):
    return transfer_post(debit=debit, credit=credit, amount=amount, code="spend_event",
                         idempotency_key=key or new_key(), **extra)


# --- accounts -------------------------------------------------------------------------


def test_member_account_is_created_once_with_limit_zero():
    user = UserFactory(first_name="Anna", last_name="Rossi")
    first = account_for_member(user)
    assert account_for_member(user).pk == first.pk
    assert (first.kind, first.limit, first.unlimited, first.name) == ("member", 0, False,
                                                                       "Anna Rossi")


@override_settings(CREDITS_SPACE_ISSUANCE_LIMIT=250)
def test_space_account_gets_the_configured_issuance_limit(site_tree):
    space = make_space(site_tree.spaces, title="Cowo Roma")
    account = account_for_space(space)
    assert (account.kind, account.limit, account.name) == ("space", 250, "Cowo Roma")
    assert account_for_space(space).pk == account.pk


def test_network_accounts_issuance_unlimited_commons_limit_zero():
    issuance, commons = account_network("issuance"), account_network("commons")
    assert (issuance.unlimited, commons.unlimited, commons.limit) == (True, False, 0)
    assert account_network("issuance").pk == issuance.pk
    assert Account.objects.filter(kind__in=["issuance", "commons"]).count() == 2


def test_unknown_network_account_kind_is_refused():
    with pytest.raises(InvalidTransfer):
        account_network("treasury")


# --- transfers ------------------------------------------------------------------------


def test_transfer_moves_credits_and_balances_the_ledger():
    alice, bob = funded_member(100), member_account()
    transfer = spend(alice, bob, 30, reference="events.registration:1")
    assert (transfer.amount, transfer.state, transfer.code) == (30, "posted", "spend_event")
    assert totals(alice) == (100, 30, 0)
    assert totals(bob) == (30, 0, 0)
    assert account_balance(alice).available == 70
    assert list(transfers_for_reference("events.registration:1")) == [transfer]
    assert_ledger_sound()


def test_overdraft_raises_insufficient_credits_and_changes_nothing():
    alice, bob = funded_member(20), member_account()
    with pytest.raises(InsufficientCredits):
        spend(alice, bob, 21)
    assert totals(alice) == (20, 0, 0)
    assert totals(bob) == (0, 0, 0)
    assert Transfer.objects.count() == 1
    assert_ledger_sound()


def test_refused_transfer_leaves_the_outer_transaction_usable():
    alice, bob = funded_member(5), member_account()
    with transaction.atomic():
        with pytest.raises(InsufficientCredits):
            spend(alice, bob, 6)
        spend(alice, bob, 5)
    assert totals(bob) == (5, 0, 0)
    assert_ledger_sound()


def test_space_may_issue_down_to_its_limit_and_no_further(site_tree):
    space = account_for_space(make_space(site_tree.spaces))
    member = member_account()
    transfer_post(debit=space, credit=member, amount=space.limit, code="purchase",
                  idempotency_key=new_key())
    with pytest.raises(InsufficientCredits):
        transfer_post(debit=space, credit=member, amount=1, code="purchase",
                      idempotency_key=new_key())
    assert account_balance(space).available == -space.limit


def test_issuance_account_is_unlimited():
    member = member_account()
    transfer_post(debit=account_network("issuance"), credit=member, amount=10**12,
                  code="grant", idempotency_key=new_key())
    assert account_balance(account_network("issuance")).posted == -(10**12)


def test_commons_account_cannot_go_below_zero():
    with pytest.raises(InsufficientCredits):
        transfer_post(debit=account_network("commons"), credit=member_account(), amount=1,
                      code="grant", idempotency_key=new_key())


# --- idempotency -------------------------------------------------------------------------


def test_replay_returns_the_original_transfer_and_moves_nothing():
    alice, bob = funded_member(100), member_account()
    first = spend(alice, bob, 10, key="pay:1", memo="first")
    again = spend(alice, bob, 10, key="pay:1", memo="first")
    assert again.pk == first.pk
    assert totals(bob) == (10, 0, 0)


def test_replay_with_different_content_raises_idempotency_mismatch():
    alice, bob = funded_member(100), member_account()
    spend(alice, bob, 10, key="pay:1")
    with pytest.raises(IdempotencyMismatch):
        spend(alice, bob, 11, key="pay:1")
    with pytest.raises(IdempotencyMismatch):
        spend(bob, alice, 10, key="pay:1")
    with pytest.raises(IdempotencyMismatch):
        hold_place(debit=alice, credit=bob, amount=10, code="spend_event",
                   idempotency_key="pay:1")
    assert totals(bob) == (10, 0, 0)


def test_key_of_a_refused_transfer_can_be_retried_once_funded():
    alice, bob = funded_member(5), member_account()
    with pytest.raises(InsufficientCredits):
        spend(alice, bob, 10, key="pay:retry")
    transfer_post(debit=account_network("issuance"), credit=alice, amount=5, code="grant",
                  idempotency_key=new_key())
    assert spend(alice, bob, 10, key="pay:retry").amount == 10


# --- holds --------------------------------------------------------------------------------


def place(debit, credit, amount, reference="events.registration:7", key=None):
    return hold_place(debit=debit, credit=credit, amount=amount, code="spend_event",
                      idempotency_key=key or new_key("hold"), reference=reference)


def test_hold_reserves_credits_without_paying_the_creditor():
    alice, space = funded_member(50), member_account()
    hold = place(alice, space, 40)
    assert hold.state == TransferState.PENDING
    assert totals(alice) == (50, 0, 40)
    assert totals(space) == (0, 0, 0)
    assert account_balance(alice).available == 10
    assert hold_open_for_reference("events.registration:7") == hold
    with pytest.raises(InsufficientCredits):
        spend(alice, space, 11)
    assert_ledger_sound()


def test_hold_beyond_available_credits_is_refused():
    alice, space = funded_member(50), member_account()
    with pytest.raises(InsufficientCredits):
        place(alice, space, 51)
    assert totals(alice) == (50, 0, 0)


def test_posting_a_hold_appends_a_posted_row_and_pays_the_creditor():
    alice, space = funded_member(50), member_account()
    hold = place(alice, space, 40)
    posted = hold_post(hold, idempotency_key="checkin:7")
    assert (posted.state, posted.resolves_id, posted.amount) == ("posted", hold.pk, 40)
    assert Transfer.objects.get(pk=hold.pk).state == "pending"  # the hold row never changes
    assert totals(alice) == (50, 40, 0)
    assert totals(space) == (40, 0, 0)
    assert hold_open_for_reference("events.registration:7") is None
    assert_ledger_sound()


def test_voiding_a_hold_releases_the_credits():
    alice, space = funded_member(50), member_account()
    hold = place(alice, space, 40)
    voided = hold_void(hold, idempotency_key="cancel:7")
    assert (voided.state, voided.resolves_id) == ("voided", hold.pk)
    assert totals(alice) == (50, 0, 0)
    assert totals(space) == (0, 0, 0)
    assert_ledger_sound()


def test_a_hold_is_resolved_at_most_once():
    alice, space = funded_member(50), member_account()
    hold = place(alice, space, 40)
    hold_post(hold, idempotency_key="checkin:7")
    with pytest.raises(HoldAlreadyResolved):
        hold_void(hold, idempotency_key="cancel:7")
    with pytest.raises(HoldAlreadyResolved):
        hold_post(hold, idempotency_key="checkin:7b")
    assert hold_post(hold, idempotency_key="checkin:7").resolves_id == hold.pk  # replay
    with pytest.raises(IdempotencyMismatch):
        hold_void(hold, idempotency_key="checkin:7")
    assert totals(space) == (40, 0, 0)
    assert_ledger_sound()


def test_only_a_pending_transfer_can_be_posted_or_voided():
    alice, bob = funded_member(50), member_account()
    transfer = spend(alice, bob, 5)
    with pytest.raises(InvalidTransfer):
        hold_post(transfer, idempotency_key=new_key())
    with pytest.raises(InvalidTransfer):
        hold_void(transfer, idempotency_key=new_key())


# --- reversals ----------------------------------------------------------------------------


def test_reversal_moves_the_amount_back_once():
    alice, bob = funded_member(50), member_account()
    transfer = spend(alice, bob, 20)
    reversal = transfer_reverse(transfer, idempotency_key="undo:1", memo="wrong event")
    assert (reversal.code, reversal.reverses_id, reversal.debit_account_id,
            reversal.credit_account_id, reversal.amount) == (
        "reversal", transfer.pk, bob.pk, alice.pk, 20)
    assert account_balance(alice).posted == 50
    assert account_balance(bob).posted == 0
    assert transfer_reverse(transfer, idempotency_key="undo:1").pk == reversal.pk
    with pytest.raises(AlreadyReversed):
        transfer_reverse(transfer, idempotency_key="undo:2")
    assert_ledger_sound()


def test_reversal_refused_when_the_receiver_has_spent_the_credits():
    alice, bob, carol = funded_member(50), member_account(), member_account()
    transfer = spend(alice, bob, 20)
    spend(bob, carol, 15)
    with pytest.raises(InsufficientCredits):
        transfer_reverse(transfer, idempotency_key=new_key())
    assert_ledger_sound()


def test_open_hold_cannot_be_reversed_but_a_posted_hold_can():
    alice, space = funded_member(50), member_account()
    hold = place(alice, space, 30)
    with pytest.raises(InvalidTransfer, match="void it instead"):
        transfer_reverse(hold, idempotency_key=new_key())
    posted = hold_post(hold, idempotency_key=new_key())
    reversal = transfer_reverse(hold, idempotency_key=new_key())
    assert reversal.reverses_id == posted.pk
    assert account_balance(alice).posted == 50
    assert_ledger_sound()


def test_voided_hold_and_reversal_rows_cannot_be_reversed():
    alice, space = funded_member(50), member_account()
    hold = place(alice, space, 30)
    voided = hold_void(hold, idempotency_key=new_key())
    with pytest.raises(InvalidTransfer):
        transfer_reverse(hold, idempotency_key=new_key())
    with pytest.raises(InvalidTransfer):
        transfer_reverse(voided, idempotency_key=new_key())
    reversal = transfer_reverse(spend(alice, space, 5), idempotency_key=new_key())
    with pytest.raises(InvalidTransfer):
        transfer_reverse(reversal, idempotency_key=new_key())


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize("amount", [0, -1, -(10**12), 1.5, 10.0, Decimal("2.5"), "10", None,
                                    True, 10**12 + 1, 10**30, float("nan"), Decimal("NaN")])
def test_bad_amounts_are_refused_and_change_nothing(amount):
    alice, bob = funded_member(100), member_account()
    before = Transfer.objects.count()
    with pytest.raises(InvalidTransfer):
        spend(alice, bob, amount)
    with pytest.raises(InvalidTransfer):
        place(alice, bob, amount)
    assert Transfer.objects.count() == before
    assert totals(alice) == (100, 0, 0)


def test_integral_decimal_amount_is_accepted_as_int():
    alice, bob = funded_member(100), member_account()
    assert spend(alice, bob, Decimal("7")).amount == 7


def test_transfer_to_oneself_is_refused():
    alice = funded_member(100)
    with pytest.raises(InvalidTransfer, match="itself"):
        spend(alice, alice, 10)


def test_unknown_or_unsaved_accounts_are_refused():
    alice = funded_member(100)
    ghost = Account(pk=999_999, kind="member", name="ghost")
    with pytest.raises(InvalidTransfer):
        spend(alice, ghost, 10)
    with pytest.raises(InvalidTransfer):
        spend(ghost, alice, 10)
    with pytest.raises(InvalidTransfer):
        place(alice, ghost, 10)
    with pytest.raises(InvalidTransfer):
        spend(alice, Account(kind="member", name="unsaved"), 10)
    with pytest.raises(InvalidTransfer):
        spend(alice, "account 2", 10)
    assert totals(alice) == (100, 0, 0)
    assert_ledger_sound()


@pytest.mark.parametrize("code", ["", "gift", "REVERSAL", "reversal", None, 3])
def test_unknown_codes_and_reversal_code_are_refused(code):
    alice, bob = funded_member(100), member_account()
    with pytest.raises(InvalidTransfer):
        transfer_post(debit=alice, credit=bob, amount=1, code=code, idempotency_key=new_key())


@pytest.mark.parametrize("key", ["", "   ", None, "k" * 201])
def test_bad_idempotency_keys_are_refused(key):
    alice, bob = funded_member(100), member_account()
    with pytest.raises(InvalidTransfer):
        transfer_post(debit=alice, credit=bob, amount=1, code="grant", idempotency_key=key)
    with pytest.raises(InvalidTransfer):
        hold_void(place(alice, bob, 1), idempotency_key=key)


def test_memo_over_length_is_refused_and_nasty_text_is_kept_intact():
    alice, bob = funded_member(100), member_account()
    with pytest.raises(InvalidTransfer):
        spend(alice, bob, 1, memo="x" * 301)
    memo = "Caffè ☕ <b>bold</b>\nשלום — «ok»"  # noqa: RUF001
    assert Transfer.objects.get(pk=spend(alice, bob, 1, memo=memo).pk).memo == memo


def test_anonymous_user_has_no_account():
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(InvalidTransfer):
        account_for_member(AnonymousUser())


def test_created_by_is_recorded_and_an_anonymous_actor_counts_as_nobody():
    from django.contrib.auth.models import AnonymousUser

    alice, bob = funded_member(100), member_account()
    actor = UserFactory()
    assert spend(alice, bob, 1, created_by=actor).created_by == actor
    assert spend(alice, bob, 1, created_by=AnonymousUser()).created_by is None
