"""Clearing between spaces: exact pro-rata attribution, the matrix, net positions and the
fewest settlement payments."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from credits.clearing import NETWORK, Payment, allocate_pro_rata, settlement_payments
from credits.selectors import clearing_for_period
from credits.services import (
    account_for_member,
    account_for_space,
    daypass_buy,
    daypass_cancel,
    grant_create,
    topup_sell,
    transfer_post,
    transfer_reverse,
)
from credits.services.daypass import space_today
from tests.credits.features_factories import (
    coordinator,
    member_with_credits,
    space_with_organiser,
    token,
)

DAY = datetime.timedelta(days=1)

# --- the pure parts ---------------------------------------------------------------------------


def test_allocation_splits_exactly_in_proportion():
    assert allocate_pro_rata(20, {"A": 30, "B": 10}) == {"A": 15, "B": 5}


def test_allocation_gives_leftover_units_to_the_largest_remainders():
    assert allocate_pro_rata(10, {"A": 1, "B": 1, "C": 1}) == {"A": 4, "B": 3, "C": 3}
    assert allocate_pro_rata(2, {"A": 1, "B": 2}) == {"A": 1, "B": 1}


def test_allocation_of_a_negative_amount_mirrors_the_positive_one():
    assert allocate_pro_rata(-20, {"A": 30, "B": 10}) == {"A": -15, "B": -5}


def test_allocation_ignores_zero_and_negative_weights():
    assert allocate_pro_rata(7, {"A": 0, "B": -3, "C": 2}) == {"C": 7}


def test_allocation_without_a_positive_weight_is_an_error():
    with pytest.raises(ValueError, match="positive weight"):
        allocate_pro_rata(5, {"A": 0})


@given(amount=st.integers(min_value=-10**9, max_value=10**9),
       weights=st.dictionaries(st.sampled_from("ABCDEFGH"), st.integers(1, 10**6), min_size=1))
def test_allocation_always_sums_to_the_amount_and_stays_within_one_of_the_share(amount, weights):
    parts = allocate_pro_rata(amount, weights)
    assert sum(parts.values()) == amount
    total = sum(weights.values())
    for key, part in parts.items():
        assert abs(part - amount * weights[key] / total) < 1


def test_settlement_matches_largest_debtor_with_largest_creditor():
    payments = settlement_payments({"A": -30, "B": 20, "C": 10})
    assert payments == [Payment("A", "B", 20), Payment("A", "C", 10)]


def test_nothing_to_settle_means_no_payments():
    assert settlement_payments({"A": 0, "B": 0}) == []


def test_positions_that_do_not_sum_to_zero_are_refused():
    with pytest.raises(ValueError, match="sum to zero"):
        settlement_payments({"A": 5, "B": -4})


@given(st.lists(st.integers(-10**6, 10**6), min_size=1, max_size=12))
def test_settlement_clears_every_position_in_at_most_n_minus_one_payments(values):
    net = {f"S{i}": v for i, v in enumerate(values)}
    net["S-last"] = -sum(values)
    payments = settlement_payments(net)
    assert len(payments) <= max(len([v for v in net.values() if v]) - 1, 0)
    left = dict(net)
    for payment in payments:
        assert payment.amount > 0
        left[payment.debtor] += payment.amount
        left[payment.creditor] -= payment.amount
    assert set(left.values()) <= {0}


# --- from the ledger ---------------------------------------------------------------------------


@pytest.fixture
def network(site_tree):
    roma, roma_org = space_with_organiser(site_tree.spaces, "Cowo Roma", day_pass_price=20)
    milano, milano_org = space_with_organiser(site_tree.spaces, "Cowo Milano", day_pass_price=10)
    torino, torino_org = space_with_organiser(site_tree.spaces, "Cowo Torino", day_pass_price=8)
    return {"roma": (roma, roma_org), "milano": (milano, milano_org),
            "torino": (torino, torino_org)}


def sold(space_and_organiser, member, amount):
    space, organiser = space_and_organiser
    from network.models import Membership

    Membership.objects.get_or_create(user=member, space=space)
    return topup_sell(space, member, amount, f"receipt {token()[:6]}", organiser)


def today_period(space):
    return space_today(space), space_today(space)


@pytest.mark.django_db
def test_redemptions_are_attributed_pro_rata_to_the_members_purchases(network):
    roma, milano = network["roma"][0], network["milano"][0]
    anna = member_with_credits(0)
    sold(network["roma"], anna, 30)
    sold(network["milano"], anna, 10)
    daypass_buy(anna, milano, space_today(milano))            # 10 at Milano: 7.5 / 2.5
    daypass_buy(anna, roma, space_today(roma))                # 20 at Roma: 15 / 5
    result = clearing_for_period(*today_period(roma))
    assert result.matrix == {(roma.pk, milano.pk): 8, (milano.pk, milano.pk): 2,
                             (roma.pk, roma.pk): 15, (milano.pk, roma.pk): 5}
    assert result.net == {roma.pk: -3, milano.pk: 3}
    assert result.payments == [Payment(roma.pk, milano.pk, 3)]
    assert result.issued == {roma.pk: 30, milano.pk: 10}


@pytest.mark.django_db
def test_a_refunded_pass_is_not_a_redemption(network):
    roma, milano = network["roma"][0], network["milano"][0]
    anna = member_with_credits(0)
    sold(network["roma"], anna, 30)
    day_pass = daypass_buy(anna, milano, space_today(milano) + DAY)
    daypass_cancel(day_pass, anna)
    result = clearing_for_period(*today_period(roma))
    assert result.matrix == {}
    assert result.payments == []


@pytest.mark.django_db
def test_a_reversed_purchase_is_not_issuance(network):
    roma = network["roma"][0]
    anna = member_with_credits(0)
    purchase = sold(network["roma"], anna, 30)
    transfer_reverse(purchase, idempotency_key=token())
    assert clearing_for_period(*today_period(roma)).issued == {roma.pk: 0}


@pytest.mark.django_db
def test_granted_and_earned_credits_count_for_their_issuers(network):
    roma, torino = network["roma"][0], network["torino"][0]
    anna = member_with_credits(0)
    grant_create(anna, 8, "Volunteering", coordinator())
    transfer_post(debit=account_for_space(roma), credit=account_for_member(anna), amount=8,
                  code="earn_host", idempotency_key=token())
    daypass_buy(anna, torino, space_today(torino))            # 8 at Torino: 4 network, 4 Roma
    result = clearing_for_period(*today_period(roma))
    assert result.matrix == {(NETWORK, torino.pk): 4, (roma.pk, torino.pk): 4}
    assert result.parties == [roma.pk, torino.pk, NETWORK]
    assert sum(result.net.values()) == 0
    assert {(p.debtor, p.creditor, p.amount) for p in result.payments} == {
        (NETWORK, torino.pk, 4), (roma.pk, torino.pk, 4)}


@pytest.mark.django_db
def test_a_period_without_movements_is_empty(network):
    roma = network["roma"][0]
    anna = member_with_credits(0)
    sold(network["roma"], anna, 30)
    daypass_buy(anna, network["milano"][0], space_today(roma))
    past = space_today(roma) - 40 * DAY
    result = clearing_for_period(past, past + DAY)
    assert (result.matrix, result.parties, result.payments) == ({}, [], [])


@pytest.mark.django_db
def test_three_spaces_settle_in_at_most_two_payments(network):
    roma, milano, torino = (network[k][0] for k in ("roma", "milano", "torino"))
    for issuer, redeemer in (("roma", milano), ("roma", torino), ("milano", torino),
                             ("torino", roma)):
        member = member_with_credits(0)
        sold(network[issuer], member, 40)
        daypass_buy(member, redeemer, space_today(redeemer))
    result = clearing_for_period(*today_period(roma))
    assert result.net == {roma.pk: 20 - 10 - 8, milano.pk: 10 - 8, torino.pk: 16 - 20}
    assert len(result.payments) <= 2
    left = dict(result.net)
    for payment in result.payments:
        left[payment.debtor] += payment.amount
        left[payment.creditor] -= payment.amount
    assert set(left.values()) == {0}
