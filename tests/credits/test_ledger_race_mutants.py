"""The ledger's refusals at the unique `resolves` and `reverses` (issue 14, the mutation run),
staged on PostgreSQL instead of hoped for: a post of a hold is inserted and not yet committed
when a void of the same hold passes its own check (it cannot see the post) and inserts; the
void waits on the unique index, the post commits, and the void is refused there. The same
for two reversals of one transfer."""

import threading

import pytest
from django.db import IntegrityError, transaction

from credits.models import Transfer
from credits.services import (
    AlreadyReversed,
    HoldAlreadyResolved,
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
    totals,
)
from tests.credits.locks import TIMEOUT, Worker, start_until_blocked

pytestmark = [pytest.mark.postgres,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_void_racing_an_uncommitted_post_is_refused_with_the_same_sentence():
    member, space = funded_member(10), member_account()
    hold = hold_place(debit=member, credit=space, amount=4, code="spend_event",
                      idempotency_key="race:hold")
    inserted, go = threading.Event(), threading.Event()

    def post_then_wait():
        with transaction.atomic():
            row = hold_post(hold, idempotency_key="race:post")
            inserted.set()
            go.wait(TIMEOUT)
        return row

    poster = Worker(post_then_wait, "poster")
    poster.start()
    assert inserted.wait(TIMEOUT)
    voider = start_until_blocked(
        Worker(lambda: hold_void(hold, idempotency_key="race:void"), "voider"))
    go.set()
    poster.finish()
    voider.finish()
    assert poster.error is None
    assert isinstance(voider.error, HoldAlreadyResolved)
    assert str(voider.error) == "This hold was already posted or voided."
    assert isinstance(voider.error.__cause__, IntegrityError)  # the unique index's refusal
    assert list(Transfer.objects.filter(resolves=hold).values_list("state", flat=True)) == [
        "posted"]
    assert not Transfer.objects.filter(idempotency_key="race:void").exists()
    assert totals(member) == (10, 4, 0)
    assert totals(space) == (4, 0, 0)
    assert_ledger_sound()


def test_a_reversal_racing_an_uncommitted_reversal_is_refused_with_the_sentence():
    """The same for two reversals of one transfer: the second is refused at the unique
    `reverses` with the sentence of the check it passed."""
    member, space = funded_member(10), member_account()
    spent = transfer_post(debit=member, credit=space, amount=3, code="spend_event",
                          idempotency_key="race:spend")
    inserted, go = threading.Event(), threading.Event()

    def reverse_then_wait():
        with transaction.atomic():
            row = transfer_reverse(spent, idempotency_key="race:reverse-1")
            inserted.set()
            go.wait(TIMEOUT)
        return row

    first = Worker(reverse_then_wait, "first")
    first.start()
    assert inserted.wait(TIMEOUT)
    second = start_until_blocked(
        Worker(lambda: transfer_reverse(spent, idempotency_key="race:reverse-2"), "second"))
    go.set()
    first.finish()
    second.finish()
    assert first.error is None
    assert isinstance(second.error, AlreadyReversed)
    assert str(second.error) == "This transfer was already reversed."
    assert isinstance(second.error.__cause__, IntegrityError)
    assert list(Transfer.objects.filter(reverses=spent).values_list(
        "idempotency_key", flat=True)) == ["race:reverse-1"]
    assert totals(member) == (13, 3, 0)  # granted 10, spent 3, given back 3
    assert totals(space) == (3, 3, 0)
    assert_ledger_sound()
