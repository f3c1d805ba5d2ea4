"""Day passes under real concurrency (PostgreSQL, threads released by a barrier)."""

import datetime
import threading

import pytest
from django.db import connection

from credits.models import DayPass, Transfer
from credits.services import DayPassError, daypass_buy, daypass_validate
from credits.services.daypass import space_today
from home.services import site_tree_ensure
from tests.credits.features_factories import (
    balance,
    member_with_credits,
    space_with_organiser,
    token,
)
from tests.credits.ledger_factories import assert_ledger_sound

pytestmark = [pytest.mark.postgres,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]
THREADS = 12


def run_together(work) -> list:
    """Run `work()` in THREADS threads released at once; return results or exceptions."""
    barrier, results, lock = threading.Barrier(THREADS), [], threading.Lock()

    def target():
        try:
            barrier.wait()
            outcome = work()
        except Exception as exc:  # collected and asserted on below
            outcome = exc
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=target) for _i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_concurrent_replays_of_one_buy_request_buy_one_pass():
    space, _organiser = space_with_organiser(site_tree_ensure().spaces, day_pass_price=10)
    member, request = member_with_credits(100), token()
    day = space_today(space)
    results = run_together(lambda: daypass_buy(member, space, day, request_token=request).pk)
    assert [r for r in results if isinstance(r, Exception)] == []
    assert len(set(results)) == 1
    assert DayPass.objects.count() == 1
    assert Transfer.objects.filter(code="spend_daypass").count() == 1
    assert balance(member) == 90
    assert_ledger_sound()


def test_concurrent_purchases_never_overdraw_the_member():
    space, _organiser = space_with_organiser(site_tree_ensure().spaces, day_pass_price=10)
    member = member_with_credits(45)
    days = iter(range(THREADS))
    lock = threading.Lock()

    def buy():
        with lock:
            offset = next(days)
        return daypass_buy(member, space, space_today(space) + datetime.timedelta(days=offset))

    results = run_together(buy)
    bought = [r for r in results if isinstance(r, DayPass)]
    refused = [r for r in results if not isinstance(r, DayPass)]
    assert len(bought) == 4
    assert {type(r).__name__ for r in refused} == {"InsufficientCredits"}
    assert balance(member) == 5
    assert_ledger_sound()


def test_concurrent_validations_of_one_pass_succeed_once():
    space, organiser = space_with_organiser(site_tree_ensure().spaces, day_pass_price=10)
    day_pass = daypass_buy(member_with_credits(50), space, space_today(space))
    results = run_together(lambda: daypass_validate(day_pass.code, space, organiser).state)
    assert results.count("used") == 1
    assert all(isinstance(r, DayPassError) for r in results if r != "used")
    day_pass.refresh_from_db()
    assert day_pass.state == "used"
