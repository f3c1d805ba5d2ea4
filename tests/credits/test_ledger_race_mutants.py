"""The ledger's refusal at the unique `resolves` (issue 14, the mutation run), staged on
PostgreSQL instead of hoped for: a post of a hold is inserted and not yet committed when a
void of the same hold passes its own check (it cannot see the post) and inserts; the void
waits on the unique index, the post commits, and the void is refused there."""

import threading

import pytest
from django.db import transaction

from credits.models import Transfer
from credits.services import HoldAlreadyResolved, hold_place, hold_post, hold_void
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
    assert list(Transfer.objects.filter(resolves=hold).values_list("state", flat=True)) == [
        "posted"]
    assert not Transfer.objects.filter(idempotency_key="race:void").exists()
    assert totals(member) == (10, 4, 0)
    assert totals(space) == (4, 0, 0)
    assert_ledger_sound()
