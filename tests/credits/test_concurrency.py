"""Real threads against PostgreSQL: no double spend, one transfer per key, no deadlock,
one resolution per hold. Each thread waits on a Barrier so the calls really race."""

import threading
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connection

from credits.models import Transfer
from credits.services import (
    HoldAlreadyResolved,
    InsufficientCredits,
    hold_place,
    hold_post,
    hold_void,
    transfer_post,
)
from tests.credits.ledger_factories import (
    assert_ledger_sound,
    funded_member,
    member_account,
    new_key,
    totals,
)

pytestmark = [pytest.mark.postgres,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def race(calls: list[Callable[[], object]]) -> list[object]:
    """Run every call in its own thread, released together; return results or exceptions."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def worker(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # the outcome under test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def outcome(result: object) -> str:
    return type(result).__name__


def test_fifty_concurrent_spends_of_ten_from_a_hundred_succeed_exactly_ten_times():
    member, space = funded_member(100), member_account()

    def spend():
        return transfer_post(debit=member, credit=space, amount=10, code="spend_event",
                             idempotency_key=new_key("spend"))

    results = race([spend] * 50)
    assert Counter(map(outcome, results)) == {"Transfer": 10, "InsufficientCredits": 40}
    assert all(isinstance(r, Transfer | InsufficientCredits) for r in results)
    assert totals(member) == (100, 100, 0)
    assert totals(space) == (100, 0, 0)
    assert_ledger_sound()


def test_twenty_concurrent_replays_of_one_key_record_one_transfer():
    member, space = funded_member(100), member_account()

    def pay():
        return transfer_post(debit=member, credit=space, amount=7, code="spend_event",
                             idempotency_key="registration:1:pay")

    results = race([pay] * 20)
    assert {outcome(r) for r in results} == {"Transfer"}
    assert len({r.pk for r in results}) == 1
    assert Transfer.objects.filter(idempotency_key="registration:1:pay").count() == 1
    assert totals(space) == (7, 0, 0)
    assert_ledger_sound()


def test_concurrent_transfers_both_ways_never_deadlock():
    alice, bob = funded_member(1000), funded_member(1000)

    def a_to_b():
        return transfer_post(debit=alice, credit=bob, amount=1, code="spend_event",
                             idempotency_key=new_key("ab"))

    def b_to_a():
        return transfer_post(debit=bob, credit=alice, amount=1, code="spend_event",
                             idempotency_key=new_key("ba"))

    results = race([a_to_b, b_to_a] * 20)
    assert {outcome(r) for r in results} == {"Transfer"}
    assert totals(alice) == (1020, 20, 0)
    assert totals(bob) == (1020, 20, 0)
    assert_ledger_sound()


def test_post_and_void_racing_on_one_hold_exactly_one_wins():
    member, space = funded_member(100), member_account()
    hold = hold_place(debit=member, credit=space, amount=60, code="spend_event",
                      idempotency_key="registration:2:hold")

    def post():
        return hold_post(hold, idempotency_key="registration:2:checkin")

    def void():
        return hold_void(hold, idempotency_key="registration:2:cancel")

    results = race([post, void] * 5)
    winners = [r for r in results if isinstance(r, Transfer)]
    assert len({w.pk for w in winners}) == 1
    assert all(isinstance(r, Transfer | HoldAlreadyResolved) for r in results)
    # a loser refused before its insert or by the unique `resolves` after it: one sentence
    assert {str(r) for r in results if isinstance(r, HoldAlreadyResolved)} == {
        "This hold was already posted or voided."}
    assert Transfer.objects.filter(resolves=hold).count() == 1
    if winners[0].state == "posted":
        assert totals(member) == (100, 60, 0)
        assert totals(space) == (60, 0, 0)
    else:
        assert totals(member) == (100, 0, 0)
        assert totals(space) == (0, 0, 0)
    assert_ledger_sound()


def test_concurrent_holds_never_overcommit_the_available_credits():
    member, space = funded_member(100), member_account()

    def place():
        return hold_place(debit=member, credit=space, amount=30, code="spend_event",
                          idempotency_key=new_key("hold"))

    results = race([place] * 10)
    assert Counter(map(outcome, results)) == {"Transfer": 3, "InsufficientCredits": 7}
    assert totals(member) == (100, 0, 90)
    assert_ledger_sound()
