"""The database itself keeps the ledger: transfers are append-only, accounts stay in limits."""

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models.deletion import ProtectedError

from credits.models import Account, Transfer
from credits.services import hold_place, transfer_post
from tests.credits.ledger_factories import assert_ledger_sound, funded_member, member_account
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db


def raw(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def a_transfer() -> Transfer:
    alice, bob = funded_member(50), member_account()
    return transfer_post(debit=alice, credit=bob, amount=10, code="spend_event",
                         idempotency_key="trigger:1")


def test_raw_update_of_a_transfer_is_refused():
    transfer = a_transfer()
    with pytest.raises(DatabaseError, match="append-only"):
        raw("UPDATE credits_transfer SET amount = 1000 WHERE id = %s", [transfer.pk.hex
            if connection.vendor == "sqlite" else transfer.pk])
    assert Transfer.objects.get(pk=transfer.pk).amount == 10


def test_raw_update_of_a_hold_state_is_refused():
    alice, bob = funded_member(50), member_account()
    hold = hold_place(debit=alice, credit=bob, amount=10, code="spend_event",
                      idempotency_key="trigger:hold")
    with pytest.raises(DatabaseError, match="append-only"):
        raw("UPDATE credits_transfer SET state = 'voided'", [])
    assert Transfer.objects.get(pk=hold.pk).state == "pending"


def test_raw_delete_of_a_transfer_is_refused():
    transfer = a_transfer()
    with pytest.raises(DatabaseError, match="append-only"):
        raw("DELETE FROM credits_transfer", [])
    assert Transfer.objects.filter(pk=transfer.pk).exists()


def test_orm_delete_of_a_transfer_is_refused():
    transfer = a_transfer()
    with pytest.raises(DatabaseError), transaction.atomic():
        Transfer.objects.filter(pk=transfer.pk).delete()
    assert Transfer.objects.count() == 2


def test_raw_update_breaking_an_account_limit_is_refused():
    alice = funded_member(50)
    with pytest.raises(IntegrityError, match="account_within_limit"):
        raw("UPDATE credits_account SET debits_posted = debits_posted + 51 WHERE id = %s",
            [alice.pk])
    with pytest.raises(IntegrityError, match="account_within_limit"):
        raw("UPDATE credits_account SET debits_pending = 51 WHERE id = %s", [alice.pk])
    alice.refresh_from_db()
    assert (alice.credits_posted, alice.debits_posted, alice.debits_pending) == (50, 0, 0)
    assert_ledger_sound()


def test_deleting_a_member_with_an_account_is_refused():
    user = UserFactory()
    account = member_account(username=user.username)
    with pytest.raises(ProtectedError), transaction.atomic():
        user.delete()
    assert Account.objects.filter(pk=account.pk).exists()


def test_deleting_an_account_with_transfers_is_refused():
    transfer = a_transfer()
    with pytest.raises(ProtectedError), transaction.atomic():
        Account.objects.filter(pk=transfer.credit_account_id).delete()
    assert Transfer.objects.filter(pk=transfer.pk).exists()
