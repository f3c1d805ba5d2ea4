"""The credits demo: realistic balances across spaces, a non-empty clearing, idempotent."""

import pytest

from credits.demo import load_credits_demo
from credits.models import Account, DayPass, Transfer
from credits.selectors import clearing_for_period
from network.demo import load_network_demo
from tests.credits.ledger_factories import assert_ledger_sound

pytestmark = [pytest.mark.django_db, pytest.mark.strictest_db]


def test_the_demo_fills_the_ledger_once_and_clearing_has_payments(site_tree):
    load_network_demo(site_tree.spaces, site_tree.members)
    load_credits_demo()
    counts = (Transfer.objects.count(), DayPass.objects.count())
    load_credits_demo()
    assert (Transfer.objects.count(), DayPass.objects.count()) == counts
    codes = set(Transfer.objects.values_list("code", flat=True))
    assert {"purchase", "grant", "spend_daypass", "reversal", "earn_host"} <= codes
    assert set(DayPass.objects.values_list("state", flat=True)) == {"valid", "used", "refunded"}
    member = Account.objects.get(user__email="member@espresso.example")
    assert member.balance > 0
    clearing = clearing_for_period(None, None)
    assert len(clearing.parties) >= 4
    assert clearing.payments
    assert_ledger_sound()


def test_without_the_demo_network_the_credits_demo_does_nothing(site_tree):
    load_credits_demo()
    assert Transfer.objects.count() == 0
