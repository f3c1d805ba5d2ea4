"""credits.services.ledger's write path exactly (issue 14, the mutation run of the validators
and the write path): the texts a call leaves out are stored empty, the amounts no whole
number can be, an actor that is not a saved user, any subset of the four totals, a key that
names the limit's constraint, and an unexpected IntegrityError passed on as it is instead of
being taken for a lost race."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import IntegrityError, connection

from credits.models import Transfer
from credits.services import (
    InsufficientCredits,
    InvalidTransfer,
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


def spend(debit, credit, key, amount=1, **extra):
    return transfer_post(debit=debit, credit=credit, amount=amount, code="spend_event",
                         idempotency_key=key, **extra)


def test_texts_left_out_are_stored_empty_on_every_kind_of_row():
    alice, bob = funded_member(10), member_account()
    posted = spend(alice, bob, "defaults-post")
    placed = hold_place(debit=alice, credit=bob, amount=2, code="spend_event",
                        idempotency_key="defaults-hold")
    resolved = hold_post(placed, idempotency_key="defaults-resolve")
    reversal = transfer_reverse(posted, idempotency_key="defaults-reverse")
    rows = Transfer.objects.filter(pk__in=[posted.pk, placed.pk, resolved.pk, reversal.pk])
    assert sorted(rows.values_list("idempotency_key", "memo", "reference",
                                   "external_reference")) == [
        ("defaults-hold", "", "", ""), ("defaults-post", "", "", ""),
        ("defaults-resolve", "", "", ""), ("defaults-reverse", "", "", "")]
    assert totals(alice) == (11, 3, 0)


@pytest.mark.parametrize("amount,shown", [
    (Decimal("Infinity"), "Infinity"),
    (Decimal("-Infinity"), "-Infinity"),
    (Decimal("sNaN"), "sNaN"),
    (Decimal("2.000001"), "2.000001"),
])
def test_a_decimal_that_is_no_whole_number_is_refused_with_its_value(amount, shown):
    alice, bob = funded_member(10), member_account()
    assert refusal(InvalidTransfer, spend, alice, bob, "decimal", amount=amount) == (
        f"The amount must be a whole number of credits, not {shown}.")
    assert not Transfer.objects.filter(idempotency_key="decimal").exists()
    assert totals(alice) == (10, 0, 0)


def test_an_integral_decimal_is_stored_as_that_many_credits():
    alice, bob = funded_member(10), member_account()
    row = spend(alice, bob, "decimal-ok", amount=Decimal("3.000"))
    assert (row.amount, type(row.amount)) == (3, int)
    assert Transfer.objects.get(pk=row.pk).amount == 3
    assert totals(alice) == (10, 3, 0)


@pytest.mark.parametrize("actor", [
    UserFactory.build,
    lambda: SimpleNamespace(is_authenticated=True),  # a user-like object with no pk at all
])
def test_an_actor_that_is_not_a_saved_user_is_refused_with_the_sentence(actor):
    alice, bob = funded_member(10), member_account()
    assert refusal(InvalidTransfer, spend, alice, bob, "actor", created_by=actor()) == (
        "created_by must be a saved user.")
    placed = hold_place(debit=alice, credit=bob, amount=1, code="spend_event",
                        idempotency_key="actor-hold")
    assert refusal(InvalidTransfer, hold_void, placed, idempotency_key="actor-void",
                   created_by=actor()) == "created_by must be a saved user."
    assert not Transfer.objects.filter(idempotency_key__in=["actor", "actor-void"]).exists()
    assert totals(alice) == (10, 0, 1)


def test_every_total_may_change_in_one_statement_and_no_other():
    alice = funded_member(10)
    bob = member_account()
    row = Transfer(idempotency_key="three-totals", request_hash="x", debit_account_id=alice.pk,
                   credit_account_id=bob.pk, amount=1, code="spend_event", state="posted")
    ledger._insert_and_apply_totals(row, {alice.pk: {
        "debits_posted": 1, "credits_posted": 2, "debits_pending": 3}})
    assert totals(alice) == (12, 1, 3)
    assert Transfer.objects.filter(idempotency_key="three-totals").exists()
    # an account has no pending credits: a total that is not a column is refused up front
    row = Transfer(idempotency_key="no-such-total", request_hash="x", debit_account_id=alice.pk,
                   credit_account_id=bob.pk, amount=1, code="spend_event", state="posted")
    with pytest.raises(InvalidTransfer) as caught:
        ledger._insert_and_apply_totals(row, {alice.pk: {"credits_pending": 1}})
    assert str(caught.value) == "Unknown account total."
    assert not Transfer.objects.filter(idempotency_key="no-such-total").exists()
    assert totals(alice) == (12, 1, 3)


def test_a_key_that_names_the_limits_constraint_is_still_replayed():
    """The limit's violation is told by the constraint's name, not by searching the
    database's message, which quotes the colliding key."""
    alice, bob = funded_member(10), member_account()
    first = spend(alice, bob, "account_within_limit", amount=2)
    again = spend(alice, bob, "account_within_limit", amount=2)
    assert again.pk == first.pk
    assert totals(alice) == (10, 2, 0)


def test_an_unexpected_integrity_error_is_passed_on_as_it_is():
    alice, bob = funded_member(10), member_account()
    placed = hold_place(debit=alice, credit=bob, amount=2, code="spend_event",
                        idempotency_key="unexpected-hold")
    posted = spend(alice, bob, "unexpected-post")
    with pytest.MonkeyPatch.context() as patch:
        error = IntegrityError("some other constraint")

        def fail(row, changes):
            raise error

        patch.setattr(ledger, "_insert_and_apply_totals", fail)
        calls = [
            lambda: spend(alice, bob, "unexpected-1"),
            lambda: hold_place(debit=alice, credit=bob, amount=1, code="spend_event",
                               idempotency_key="unexpected-2"),
            lambda: hold_post(placed, idempotency_key="unexpected-3"),
            lambda: hold_void(placed, idempotency_key="unexpected-4"),
            lambda: transfer_reverse(posted, idempotency_key="unexpected-5"),
        ]
        for call in calls:
            with pytest.raises(IntegrityError) as caught:
                call()
            assert caught.value is error
    assert not Transfer.objects.filter(idempotency_key__startswith="unexpected-").exclude(
        idempotency_key__in=["unexpected-hold", "unexpected-post"]).exists()
    assert totals(alice) == (10, 1, 2)


def test_a_limit_violation_named_only_in_the_message_is_not_enough_credits():
    """SQLite's IntegrityError carries no diagnostics: the constraint is named in its text
    ("CHECK constraint failed: account_within_limit"), and that is read as the limit too."""
    alice, bob = funded_member(10), member_account()
    with pytest.MonkeyPatch.context() as patch:
        error = IntegrityError("CHECK constraint failed: account_within_limit")

        def fail(row, changes):
            raise error

        patch.setattr(ledger, "_insert_and_apply_totals", fail)
        with pytest.raises(InsufficientCredits) as caught:
            spend(alice, bob, "sqlite-limit")
    assert str(caught.value) == "Not enough credits: the account would go below its limit."
    assert caught.value.__cause__ is error
    assert totals(alice) == (10, 0, 0)


def test_the_insert_statement_is_built_on_first_use_with_every_column(monkeypatch):
    """Built once per database vendor and kept: a process starts with none (the mutation
    runner's processes inherit a built one, so this test starts from an empty cache)."""
    monkeypatch.setattr(ledger, "_INSERT_STATEMENTS", {})
    alice, bob = funded_member(10), member_account()
    row = spend(alice, bob, "first-insert", amount=2, memo="m", reference="r",
                external_reference="e")
    vendor = connection.vendor
    assert list(ledger._INSERT_STATEMENTS) == [vendor]
    sql, fields = ledger._INSERT_STATEMENTS[vendor]
    columns = [field.column for field in Transfer._meta.local_concrete_fields]
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    marks = ", ".join(["%s"] * len(columns))
    table = connection.ops.quote_name("credits_transfer")
    assert sql == f"INSERT INTO {table} ({quoted}) VALUES ({marks})"  # noqa: S608 (names)
    assert [field.column for field in fields] == columns
    stored = Transfer.objects.get(pk=row.pk)
    assert (stored.amount, stored.memo, stored.reference, stored.external_reference) == (
        2, "m", "r", "e")
    assert totals(alice) == (10, 2, 0)
