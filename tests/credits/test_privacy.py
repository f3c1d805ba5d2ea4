"""The credits' part of a member's data (credits.privacy): the export of the account, its
transfers and day passes; the erasure refunds coming day passes, voids open holds, and
anonymises the account without touching a ledger row."""

import datetime as dt

import pytest
from django.core.management import call_command

from credits import services as credits
from credits.models import Account, DayPass, Transfer
from credits.privacy import member_data_erase, member_data_export
from credits.selectors import account_balance, open_holds
from credits.services.daypass import space_today
from tests.credits.ledger_factories import new_key
from tests.home.privacy_factories import grant
from tests.network.factories import UserFactory, make_space

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


@pytest.fixture
def space(site_tree):
    return make_space(site_tree.spaces, "Cowo Ledger", day_pass_price=5)


@pytest.fixture
def member(site_tree):
    user = UserFactory(first_name="Bea", last_name="Conti")
    grant(user, 50)
    return user


def test_a_member_without_account_exports_none(site_tree):
    assert member_data_export(UserFactory()) == {"account": None, "transfers": [],
                                                 "day_passes": []}


def test_export_lists_the_account_transfers_and_passes(member, space):
    day_pass = credits.daypass_buy(member, space, space_today(space) + DAY)
    data = member_data_export(member)
    assert data["account"] | {"created_at": None} == {
        "name": "Bea Conti", "balance": 45, "on_hold": 0, "available": 45, "created_at": None}
    assert [(t["direction"], t["amount"], t["code"], t["counterparty"])
            for t in data["transfers"]] == [("in", 50, "grant", "Network issuance"),
                                            ("out", 5, "spend_daypass", "Cowo Ledger")]
    assert data["day_passes"] == [{
        "space": "Cowo Ledger", "date": day_pass.date.isoformat(), "price": 5,
        "state": "valid", "code": day_pass.code, "created_at": data["day_passes"][0]
        ["created_at"], "used_at": None}]


def test_another_member_on_the_other_side_is_not_named(member):
    friend = UserFactory(first_name="Carla", last_name="Segreta")
    credits.transfer_post(debit=credits.account_for_member(member),
                          credit=credits.account_for_member(friend), amount=3, code="grant",
                          idempotency_key=new_key())
    (gift,) = [t for t in member_data_export(member)["transfers"] if t["amount"] == 3]
    assert gift["counterparty"] == "another member"


def test_erasure_refunds_coming_passes_and_keeps_todays(member, space):
    today = credits.daypass_buy(member, space, space_today(space))
    coming = credits.daypass_buy(member, space, space_today(space) + 2 * DAY)
    done = member_data_erase(member, by=member)
    assert done == {"day_passes_refunded": 1, "day_passes_kept": 0, "holds_voided": 0}
    states = dict(DayPass.objects.values_list("pk", "state"))
    assert (states[today.pk], states[coming.pk]) == ("valid", "refunded")
    assert account_balance(credits.account_for_member(member)).posted == 45
    call_command("verify_ledger")


def test_a_pass_the_space_cannot_refund_stays_valid(member, space):
    coming = credits.daypass_buy(member, space, space_today(space) + DAY)
    space_account = credits.account_for_space(space)
    Account.objects.filter(pk=space_account.pk).update(limit=0)
    credits.transfer_post(debit=space_account, credit=credits.account_network("commons"),
                          amount=5, code="grant", idempotency_key=new_key())
    done = member_data_erase(member, by=member)
    assert (done["day_passes_refunded"], done["day_passes_kept"]) == (0, 1)
    assert DayPass.objects.get(pk=coming.pk).state == "valid"
    call_command("verify_ledger")


def test_erasure_voids_open_holds_and_anonymises_the_account(member, space):
    hold = credits.hold_place(debit=credits.account_for_member(member),
                              credit=credits.account_for_space(space), amount=7,
                              code="spend_event", idempotency_key=new_key())
    transfers = list(Transfer.objects.values_list("pk", "state", "amount"))
    done = member_data_erase(member, by=member)
    assert done["holds_voided"] == 1
    assert not open_holds().filter(pk=hold.pk).exists()
    # Old rows unchanged, one voided row added.
    assert set(transfers) <= set(Transfer.objects.values_list("pk", "state", "amount"))
    assert Transfer.objects.count() == len(transfers) + 1
    account = Account.objects.get(user=member)
    assert account.name == f"Erased member #{account.pk}"
    assert (account_balance(account).posted, account_balance(account).on_hold) == (50, 0)
    assert member_data_erase(member, by=member)["holds_voided"] == 0
    call_command("verify_ledger")
