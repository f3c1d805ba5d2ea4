"""Top-ups: organisers sell credits to their space's members; coordinators grant."""

import pytest
from django.core.exceptions import PermissionDenied

from credits.models import Transfer
from credits.services import (
    IdempotencyMismatch,
    InsufficientCredits,
    InvalidTransfer,
    grant_create,
    topup_sell,
)
from tests.credits.features_factories import (
    balance,
    coordinator,
    member_with_credits,
    space_with_organiser,
    token,
)
from tests.credits.ledger_factories import assert_ledger_sound

pytestmark = pytest.mark.django_db


@pytest.fixture
def roma(site_tree):
    return space_with_organiser(site_tree.spaces, "Cowo Roma")


def test_a_sale_moves_credits_from_the_space_to_the_member(roma):
    space, organiser = roma
    anna = member_with_credits(0, space=space)
    transfer = topup_sell(space, anna, 40, "  Receipt 7  ", organiser)
    assert (transfer.code, transfer.amount, transfer.external_reference, transfer.created_by) == (
        "purchase", 40, "Receipt 7", organiser)
    assert (balance(anna), balance(space)) == (40, -40)
    assert_ledger_sound()


def test_a_replayed_sale_returns_the_first_transfer(roma):
    space, organiser = roma
    anna, request = member_with_credits(0, space=space), token()
    first = topup_sell(space, anna, 40, "R", organiser, request_token=request)
    second = topup_sell(space, anna, 40, "R", organiser, request_token=request)
    assert first.pk == second.pk
    assert balance(anna) == 40


def test_a_replay_with_another_amount_is_refused(roma):
    space, organiser = roma
    anna, request = member_with_credits(0, space=space), token()
    topup_sell(space, anna, 40, "R", organiser, request_token=request)
    with pytest.raises(IdempotencyMismatch):
        topup_sell(space, anna, 41, "R", organiser, request_token=request)
    assert balance(anna) == 40


@pytest.mark.parametrize("amount", [0, -1, 1.5, 100_001, 10**30, True, "10", None])
def test_bad_amounts_are_refused(roma, amount):
    space, organiser = roma
    anna = member_with_credits(0, space=space)
    with pytest.raises(InvalidTransfer):
        topup_sell(space, anna, amount, "R", organiser)
    assert not Transfer.objects.filter(code="purchase").exists()


@pytest.mark.parametrize("reference", ["", "  ", "a\nb", "tab\there", "x" * 201, None])
def test_the_payment_reference_is_required_on_one_line(roma, reference):
    space, organiser = roma
    with pytest.raises(InvalidTransfer):
        topup_sell(space, member_with_credits(0, space=space), 10, reference, organiser)
    assert not Transfer.objects.filter(code="purchase").exists()


def test_only_members_of_the_space_can_buy_there(roma, site_tree):
    space, organiser = roma
    other, _other_organiser = space_with_organiser(site_tree.spaces, "Cowo Milano")
    with pytest.raises(InvalidTransfer, match="not a member of Cowo Roma"):
        topup_sell(space, member_with_credits(0, space=other), 10, "R", organiser)


def test_only_the_spaces_organisers_sell(roma, site_tree):
    space, _organiser = roma
    _other, other_organiser = space_with_organiser(site_tree.spaces, "Cowo Milano")
    anna = member_with_credits(0, space=space)
    for seller in (other_organiser, anna):
        with pytest.raises(PermissionDenied):
            topup_sell(space, anna, 10, "R", seller)
    assert balance(anna) == 0


def test_a_space_cannot_sell_beyond_its_issuance_limit(roma, settings):
    settings.CREDITS_SPACE_ISSUANCE_LIMIT = 100
    space, organiser = roma
    anna = member_with_credits(0, space=space)
    topup_sell(space, anna, 100, "R1", organiser)
    with pytest.raises(InsufficientCredits, match="issuance limit"):
        topup_sell(space, anna, 1, "R2", organiser)
    assert balance(anna) == 100


def test_a_coordinator_grants_from_the_network(roma):
    anna = member_with_credits(0)
    transfer = grant_create(anna, 15, "Hosted the opening circle", coordinator())
    assert (transfer.code, transfer.debit_account.kind, transfer.memo) == (
        "grant", "issuance", "Hosted the opening circle")
    assert balance(anna) == 15
    assert_ledger_sound()


def test_only_coordinators_grant(roma):
    _space, organiser = roma
    anna = member_with_credits(0)
    with pytest.raises(PermissionDenied):
        grant_create(anna, 15, "Thanks", organiser)
    assert balance(anna) == 0


@pytest.mark.parametrize("memo", ["", "two\nlines", "x" * 301])
def test_a_grant_needs_a_one_line_reason(roma, memo):
    with pytest.raises(InvalidTransfer):
        grant_create(member_with_credits(0), 15, memo, coordinator())


def test_accents_emoji_and_rtl_text_are_kept(roma):
    space, organiser = roma
    anna = member_with_credits(0, space=space)
    transfer = topup_sell(space, anna, 5, "Ricevuta nº 3 — caffè ☕ שלום", organiser)
    transfer.refresh_from_db()
    assert transfer.external_reference == "Ricevuta nº 3 — caffè ☕ שלום"
