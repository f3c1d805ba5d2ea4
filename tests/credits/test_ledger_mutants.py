"""credits.services.ledger exactly (issue 14, the mutation run): the request hash stored on
each row (it must stay the same across releases, or a replay after a deploy would be taken
for another request), key reuse across holds, who is recorded on each row, and every
refusal's own sentence (a `match=` on a fragment lets a mangled message through)."""

import hashlib
import json
import uuid
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser

from credits.models import Account, Transfer
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
    ledger,
    transfer_post,
    transfer_reverse,
)
from tests.credits.ledger_factories import funded_member, member_account, totals
from tests.network.factories import UserFactory
from tests.refusals import refusal

pytestmark = pytest.mark.django_db


def canonical(operation: str, **fields) -> str:
    """The documented request hash: SHA-256 of the sorted, compact JSON of the request."""
    payload = json.dumps({"operation": operation, **fields}, sort_keys=True,
                         separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def spend(debit, credit, key, amount=1, **extra):
    return transfer_post(debit=debit, credit=credit, amount=amount, code="spend_event",
                         idempotency_key=key, **extra)


def hold(debit, credit, key, amount=1, **extra):
    return hold_place(debit=debit, credit=credit, amount=amount, code="spend_event",
                      idempotency_key=key, **extra)


# --- the stored request hash ----------------------------------------------------------


def test_each_operation_stores_the_canonical_hash_of_its_request():
    alice, bob = funded_member(20), member_account()
    posted = spend(alice, bob, "h-transfer", amount=3, reference="ref-1", memo="coffee")
    assert Transfer.objects.get(pk=posted.pk).request_hash == canonical(
        "transfer", debit=alice.pk, credit=bob.pk, amount=3, code="spend_event",
        reference="ref-1")
    placed = hold(alice, bob, "h-hold", amount=2, reference="ref-2")
    assert placed.request_hash == canonical("hold", debit=alice.pk, credit=bob.pk, amount=2,
                                            code="spend_event", reference="ref-2")
    assert hold_post(placed, idempotency_key="h-post").request_hash == canonical(
        "hold_post", hold=str(placed.pk))
    voided = hold_void(hold(alice, bob, "h-hold-2"), idempotency_key="h-void")
    assert voided.request_hash == canonical("hold_void", hold=str(voided.resolves_id))
    reversal = transfer_reverse(posted, idempotency_key="h-reverse")
    assert reversal.request_hash == canonical("reverse", transfer=str(posted.pk))
    assert Transfer.objects.get(pk=reversal.pk).memo == ""  # not the original's memo


def test_a_key_that_posted_one_hold_cannot_post_or_void_another():
    alice, bob = funded_member(10), member_account()
    first, second = hold(alice, bob, "k-first"), hold(alice, bob, "k-second")
    hold_post(first, idempotency_key="k-resolve")
    assert refusal(IdempotencyMismatch, hold_post, second, idempotency_key="k-resolve") == (
        "The idempotency key k-resolve was already used for a different request.")
    with pytest.raises(IdempotencyMismatch):
        hold_void(first, idempotency_key="k-resolve")
    assert not Transfer.objects.filter(resolves=second).exists()
    assert totals(alice) == (10, 1, 1)


# --- who is recorded --------------------------------------------------------------------


def test_the_actor_is_recorded_on_posts_voids_and_reversals():
    alice, bob = funded_member(10), member_account()
    clerk = UserFactory()
    posted = hold_post(hold(alice, bob, "a-1"), idempotency_key="a-post", created_by=clerk)
    voided = hold_void(hold(alice, bob, "a-2"), idempotency_key="a-void", created_by=clerk)
    reversed_ = transfer_reverse(posted, idempotency_key="a-rev", created_by=clerk)
    placed = hold(alice, bob, "a-3", created_by=clerk)
    assert [Transfer.objects.get(pk=row.pk).created_by_id
            for row in (posted, voided, reversed_, placed)] == [clerk.pk] * 4


def test_a_resolution_copies_the_holds_code_texts_and_accounts():
    network, bob = account_network("issuance"), member_account()
    texts = {"memo": "Caffè ☕", "reference": "event:7", "external_reference": "ext-9"}
    for resolve in (hold_post, hold_void):
        placed = hold_place(debit=network, credit=bob, amount=4, code="grant",
                            idempotency_key=f"copy-{resolve.__name__}", **texts)
        row = Transfer.objects.get(pk=resolve(placed, idempotency_key=f"{resolve.__name__}-r").pk)
        assert (row.code, row.memo, row.reference, row.external_reference, row.amount,
                row.debit_account_id, row.credit_account_id, row.resolves_id) == (
            "grant", *texts.values(), 4, network.pk, bob.pk, placed.pk)


# --- every refusal's sentence ------------------------------------------------------------


@pytest.mark.parametrize("amount,message", [
    (True, "The amount must be a whole number of credits, not True."),
    (Decimal("1.5"), "The amount must be a whole number of credits, not 1.5."),
    (Decimal("NaN"), "The amount must be a whole number of credits, not NaN."),
    (1.0, "The amount must be a whole number of credits, not 1.0."),
    ("3", "The amount must be a whole number of credits, not '3'."),
    (0, "The amount must be positive, not 0."),
    (-5, "The amount must be positive, not -5."),
    (10**12 + 1, "The amount 1000000000001 is larger than the maximum 1000000000000."),
])
def test_a_bad_amount_is_refused_with_its_own_sentence(amount, message):
    alice, bob = funded_member(10), member_account()
    assert refusal(InvalidTransfer, spend, alice, bob, "bad-amount", amount=amount) == message
    assert not Transfer.objects.filter(idempotency_key="bad-amount").exists()


def test_the_largest_amount_is_accepted():
    bob = member_account()
    row = transfer_post(debit=account_network("issuance"), credit=bob, amount=10**12,
                        code="grant", idempotency_key="max")
    assert Transfer.objects.get(pk=row.pk).amount == 10**12
    assert totals(bob) == (10**12, 0, 0)


@pytest.mark.parametrize("field,value,message", [
    ("idempotency_key", 7, "idempotency_key must be text."),
    ("idempotency_key", "  ", "idempotency_key must not be empty."),
    ("memo", None, "memo must be text."),
    ("reference", "r" * 101, "reference is longer than 100 characters."),
])
def test_bad_texts_are_refused_with_their_own_sentence(field, value, message):
    alice, bob = funded_member(10), member_account()
    request = {"idempotency_key": "texts", field: value}
    assert refusal(InvalidTransfer, transfer_post, debit=alice, credit=bob, amount=1,
                   code="spend_event", **request) == message
    assert totals(alice) == (10, 0, 0)


def test_a_memo_and_an_external_reference_may_be_empty():
    alice, bob = funded_member(10), member_account()
    row = spend(alice, bob, "empty-texts", memo="", external_reference="")
    assert (row.memo, row.external_reference) == ("", "")


def test_bad_accounts_are_refused_with_their_own_sentence():
    alice, bob = funded_member(10), member_account()
    unsaved = Account(kind="member", name="nobody")
    assert refusal(InvalidTransfer, spend, unsaved, bob, "acc-1") == (
        "The debit account must be a saved account.")
    assert refusal(InvalidTransfer, spend, alice, unsaved, "acc-2") == (
        "The credit account must be a saved account.")
    assert refusal(InvalidTransfer, spend, alice, bob.pk, "acc-3") == (
        "The credit account must be a saved account.")
    assert refusal(InvalidTransfer, spend, alice, alice, "acc-4") == (
        "An account cannot transfer credits to itself.")
    gone = Account(pk=bob.pk + 1000, kind="member", name="gone")
    assert refusal(InvalidTransfer, spend, alice, gone, "acc-5") == (
        f"Account {gone.pk} does not exist.")
    assert refusal(InvalidTransfer, hold, alice, gone, "acc-6") == (
        f"Account {gone.pk} does not exist.")
    assert refusal(InvalidTransfer, hold, gone, alice, "acc-7") == (
        f"Account {gone.pk} does not exist.")
    assert totals(alice) == (10, 0, 0)
    assert not Transfer.objects.filter(idempotency_key__startswith="acc-").exists()


@pytest.mark.parametrize("code,message", [
    ("gift", "Unknown transfer code: 'gift'."),
    (True, "Unknown transfer code: True."),
    ("reversal", "Reversals are recorded only by transfer_reverse."),
])
def test_bad_codes_are_refused_with_their_own_sentence(code, message):
    alice, bob = funded_member(10), member_account()
    assert refusal(InvalidTransfer, transfer_post, debit=alice, credit=bob, amount=1,
                   code=code, idempotency_key="code") == message


def test_an_overdraft_says_not_enough_credits():
    alice, bob = funded_member(1), member_account()
    assert refusal(InsufficientCredits, spend, alice, bob, "over", amount=2) == (
        "Not enough credits: the account would go below its limit.")


def test_holds_refuse_with_their_own_sentences():
    alice, bob = funded_member(10), member_account()
    posted = spend(alice, bob, "posted")
    assert refusal(InvalidTransfer, hold_post, posted, idempotency_key="x-1") == (
        "Only a hold (a pending transfer) can be posted or voided.")
    placed = hold(alice, bob, "placed")
    hold_void(placed, idempotency_key="x-2")
    assert refusal(HoldAlreadyResolved, hold_post, placed, idempotency_key="x-3") == (
        "This hold was already posted or voided.")
    assert refusal(InvalidTransfer, hold_post, "not a transfer", idempotency_key="x-4") == (
        "Expected a transfer.")
    ghost = Transfer(pk=uuid.uuid4())
    assert refusal(InvalidTransfer, hold_void, ghost, idempotency_key="x-5") == (
        f"Transfer {ghost.pk} does not exist.")


def test_reversals_refuse_with_their_own_sentences():
    alice, bob = funded_member(10), member_account()
    open_hold = hold(alice, bob, "r-open")
    assert refusal(InvalidTransfer, transfer_reverse, open_hold, idempotency_key="r-1") == (
        "An open hold cannot be reversed: void it instead.")
    voided = hold_void(hold(alice, bob, "r-void"), idempotency_key="r-voided")
    assert refusal(InvalidTransfer, transfer_reverse, voided, idempotency_key="r-2") == (
        "A voided hold moved no credits: there is nothing to reverse.")
    posted = spend(alice, bob, "r-posted")
    reversal = transfer_reverse(posted, idempotency_key="r-3")
    assert refusal(InvalidTransfer, transfer_reverse, reversal, idempotency_key="r-4") == (
        "A reversal cannot itself be reversed; post a new transfer.")
    assert refusal(AlreadyReversed, transfer_reverse, posted, idempotency_key="r-5") == (
        "This transfer was already reversed.")


# --- the write path (the mutants the first run did not reach) -----------------------------


def test_an_anonymous_or_unknown_actor_is_recorded_as_nobody():
    alice, bob = funded_member(10), member_account()
    for key, actor in (("anon", AnonymousUser()), ("text", "the cron job")):
        row = spend(alice, bob, f"actor-{key}", created_by=actor)
        assert Transfer.objects.get(pk=row.pk).created_by_id is None
    assert totals(alice) == (10, 2, 0)


def test_every_row_returned_is_a_saved_row():
    """Rows are written by raw SQL: what comes back must behave as a saved instance (an
    unsaved one would find its own idempotency key taken)."""
    alice, bob = funded_member(10), member_account()
    placed = hold(alice, bob, "saved-hold")
    rows = [spend(alice, bob, "saved-post"), placed,
            hold_post(placed, idempotency_key="saved-resolve")]
    rows.append(transfer_reverse(rows[0], idempotency_key="saved-reverse"))
    for row in rows:
        assert (row._state.adding, row._state.db) == (False, "default")
        row.validate_unique()


def test_an_unknown_account_total_is_refused_before_anything_is_written():
    alice = funded_member(10)
    row = Transfer(idempotency_key="bad-total", request_hash="x", debit_account_id=alice.pk,
                   credit_account_id=alice.pk, amount=1, code="spend_event", state="posted")
    with pytest.raises(InvalidTransfer) as caught:
        ledger._insert_and_apply_totals(row, {alice.pk: {"balance": 1}})
    assert str(caught.value) == "Unknown account total."
    assert not Transfer.objects.filter(idempotency_key="bad-total").exists()
    assert totals(alice) == (10, 0, 0)


def test_a_reversal_row_swaps_the_accounts_and_keeps_the_reference_only():
    alice, bob = funded_member(10), member_account()
    posted = spend(alice, bob, "rev-fields", amount=4, memo="coffee", reference="event:3",
                   external_reference="ext-1")
    reversal = Transfer.objects.get(pk=transfer_reverse(
        posted, idempotency_key="rev-fields-undo", memo="wrong member").pk)
    assert (reversal.debit_account_id, reversal.credit_account_id, reversal.amount,
            reversal.code, reversal.state, reversal.reverses_id, reversal.resolves_id,
            reversal.memo, reversal.reference, reversal.external_reference) == (
        bob.pk, alice.pk, 4, "reversal", "posted", posted.pk, None,
        "wrong member", "event:3", "")
    assert (totals(alice), totals(bob)) == ((14, 4, 0), (4, 4, 0))


def test_overlong_texts_are_refused_with_the_exact_sentence_on_every_path():
    alice, bob = funded_member(10), member_account()
    posted = spend(alice, bob, "long-texts")
    placed = hold(alice, bob, "long-texts-hold")
    assert refusal(InvalidTransfer, spend, alice, bob, "m", memo="m" * 301) == (
        "memo is longer than 300 characters.")
    assert refusal(InvalidTransfer, spend, alice, bob, "k" * 201) == (
        "idempotency_key is longer than 200 characters.")
    assert refusal(InvalidTransfer, spend, alice, bob, "e", external_reference="e" * 201) == (
        "external_reference is longer than 200 characters.")
    assert refusal(InvalidTransfer, hold, alice, bob, "h", reference="r" * 101) == (
        "reference is longer than 100 characters.")
    assert refusal(InvalidTransfer, transfer_reverse, posted, idempotency_key="r",
                   memo="m" * 301) == "memo is longer than 300 characters."
    assert refusal(InvalidTransfer, transfer_reverse, posted, idempotency_key=" ") == (
        "idempotency_key must not be empty.")
    assert refusal(InvalidTransfer, hold_post, placed, idempotency_key=None) == (
        "idempotency_key must be text.")
    assert totals(alice) == (10, 1, 1)
