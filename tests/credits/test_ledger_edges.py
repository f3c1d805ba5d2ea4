"""The ledger at its edges (issue 14): text lengths exactly at the limit and one past it,
unsaved spaces and users, account names longer than the column."""

import pytest

from credits.models import Account, Transfer
from credits.services import (
    InvalidTransfer,
    account_for_member,
    account_for_space,
    account_ids_for_members,
    hold_place,
    hold_void,
    transfer_post,
    transfer_reverse,
)
from network.models import SpacePage
from tests.credits.ledger_factories import (
    assert_ledger_sound,
    funded_member,
    member_account,
    totals,
)
from tests.network.factories import UserFactory, make_space

pytestmark = pytest.mark.django_db


def spend(debit, credit, key, **extra):
    return transfer_post(debit=debit, credit=credit, amount=1, code="spend_event",
                         idempotency_key=key, **extra)


def test_an_idempotency_key_of_exactly_200_characters_is_kept_and_201_refused():
    alice, bob = funded_member(10), member_account()
    key = "k" * 199 + "é"
    assert Transfer.objects.get(pk=spend(alice, bob, key).pk).idempotency_key == key
    with pytest.raises(InvalidTransfer, match="idempotency_key is longer than 200"):
        spend(alice, bob, "k" * 201)
    hold = hold_place(debit=alice, credit=bob, amount=1, code="spend_event",
                      idempotency_key="h" * 200)
    with pytest.raises(InvalidTransfer, match="longer than 200"):
        hold_void(hold, idempotency_key="v" * 201)
    assert hold_void(hold, idempotency_key="v" * 200).idempotency_key == "v" * 200
    assert totals(alice) == (10, 1, 0)


def test_a_memo_of_exactly_300_characters_is_kept_and_301_refused():
    alice, bob = funded_member(10), member_account()
    memo = "☕" * 300
    posted = spend(alice, bob, "memo-300", memo=memo)
    assert Transfer.objects.get(pk=posted.pk).memo == memo
    with pytest.raises(InvalidTransfer, match="memo is longer than 300"):
        spend(alice, bob, "memo-301", memo=memo + "x")
    with pytest.raises(InvalidTransfer, match="memo is longer than 300"):
        transfer_reverse(posted, idempotency_key="rev-301", memo=memo + "x")
    assert transfer_reverse(posted, idempotency_key="rev-300", memo=memo).memo == memo
    assert Transfer.objects.filter(idempotency_key__in=["memo-301", "rev-301"]).count() == 0
    assert totals(alice) == (11, 1, 0)
    assert_ledger_sound()


@pytest.mark.parametrize("field,limit", [("reference", 100), ("external_reference", 200)])
def test_references_exactly_at_their_limit_are_kept_and_one_more_refused(field, limit):
    alice, bob = funded_member(10), member_account()
    row = spend(alice, bob, f"{field}-ok", **{field: "r" * limit})
    assert getattr(Transfer.objects.get(pk=row.pk), field) == "r" * limit
    with pytest.raises(InvalidTransfer, match=f"{field} is longer than {limit}"):
        spend(alice, bob, f"{field}-long", **{field: "r" * (limit + 1)})
    assert totals(alice) == (10, 1, 0)


def test_an_unsaved_space_has_no_account():
    with pytest.raises(InvalidTransfer, match="space must be saved"):
        account_for_space(SpacePage(title="Not yet saved"))
    assert not Account.objects.filter(kind="space").exists()


def test_an_unsaved_user_is_refused_as_created_by_and_nothing_moves():
    alice, bob = funded_member(10), member_account()
    before = Transfer.objects.count()
    with pytest.raises(InvalidTransfer, match="created_by must be a saved user"):
        spend(alice, bob, "unsaved-actor", created_by=UserFactory.build())
    with pytest.raises(InvalidTransfer, match="created_by must be a saved user"):
        hold_place(debit=alice, credit=bob, amount=1, code="spend_event",
                   idempotency_key="unsaved-actor-hold", created_by=UserFactory.build())
    assert Transfer.objects.count() == before
    assert totals(alice) == (10, 0, 0)


def test_an_unsaved_user_has_no_account_even_in_bulk():
    saved = UserFactory()
    with pytest.raises(InvalidTransfer, match="registered member"):
        account_for_member(UserFactory.build())
    with pytest.raises(InvalidTransfer, match="registered member"):
        account_ids_for_members([saved, UserFactory.build()])
    assert not Account.objects.filter(user=saved).exists()


def test_account_ids_for_members_creates_the_missing_accounts_once():
    known, new = member_account(), UserFactory()
    ids = account_ids_for_members([known.user, new, new])
    assert ids == {known.user.pk: known.pk, new.pk: Account.objects.get(user=new).pk}
    assert account_ids_for_members([]) == {}


def test_a_member_name_longer_than_200_characters_is_cut_to_the_column():
    user = UserFactory(first_name="Å" * 150, last_name="ß" * 150)
    account = Account.objects.get(pk=account_for_member(user).pk)
    assert account.name == ("Å" * 150 + " " + "ß" * 150)[:200]
    assert len(account.name) == 200


def test_a_space_title_longer_than_200_characters_is_cut_to_the_column(site_tree):
    title = "Coworking " + "ü" * 240
    space = make_space(site_tree.spaces, title=title)
    account = Account.objects.get(pk=account_for_space(space).pk)
    assert account.name == title[:200]
