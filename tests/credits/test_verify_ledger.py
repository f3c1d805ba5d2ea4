"""`manage.py verify_ledger` passes on a sound ledger and names corrupted accounts."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from credits.services import hold_place, hold_post, hold_void, transfer_post, transfer_reverse
from tests.credits.ledger_factories import funded_member, member_account

pytestmark = pytest.mark.django_db


def busy_ledger():
    alice, bob, carol = funded_member(100), member_account(), member_account()
    transfer_post(debit=alice, credit=bob, amount=30, code="spend_event", idempotency_key="v:1")
    hold = hold_place(debit=alice, credit=carol, amount=20, code="spend_event",
                      idempotency_key="v:2")
    hold_post(hold, idempotency_key="v:3")
    open_hold = hold_place(debit=alice, credit=carol, amount=15, code="spend_event",
                           idempotency_key="v:4")
    voided = hold_place(debit=alice, credit=bob, amount=5, code="spend_event",
                        idempotency_key="v:5")
    hold_void(voided, idempotency_key="v:6")
    transfer_reverse(hold, idempotency_key="v:7")
    return alice, bob, carol, open_hold


def run_verify() -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("verify_ledger", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_sound_ledger_passes_with_a_one_line_summary():
    busy_ledger()
    out, _ = run_verify()
    assert out.strip().splitlines() == [
        "Ledger OK: 4 accounts, 8 transfers, balances sum to 0, stored totals match the "
        "transfers."]


def test_corrupted_stored_total_fails_naming_the_account():
    alice, bob, _carol, _hold = busy_ledger()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE credits_account SET credits_posted = credits_posted + 7 "
                       "WHERE id = %s", [bob.pk])
    err = StringIO()
    with pytest.raises(CommandError, match="2 problem"):
        call_command("verify_ledger", stdout=StringIO(), stderr=err)
    lines = err.getvalue().strip().splitlines()
    assert "the balances of all accounts sum to 7, not 0" in lines
    assert f"account {bob.pk} (member '{bob.name}'): credits_posted stored 37 derived 30" in lines
    assert not any(f"account {alice.pk} " in line for line in lines)


def test_corrupted_pending_total_fails_although_balances_still_sum_to_zero():
    alice, *_ = busy_ledger()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE credits_account SET debits_pending = 0 WHERE id = %s", [alice.pk])
    err = StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("verify_ledger", stdout=StringIO(), stderr=err)
    assert err.getvalue().strip() == (
        f"account {alice.pk} (member '{alice.name}'): debits_pending stored 0 derived 15")


def test_command_exits_non_zero_from_the_shell_entry_point():
    busy_ledger()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE credits_account SET credits_posted = credits_posted + 1 "
                       "WHERE kind = 'issuance'")
    with pytest.raises(SystemExit) as exit_info:
        from django.core.management import ManagementUtility

        ManagementUtility(["manage.py", "verify_ledger"]).execute()
    assert exit_info.value.code == 1
