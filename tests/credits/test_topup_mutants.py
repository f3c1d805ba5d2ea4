"""credits.services.topup exactly (issue 14, the mutation run): the transfer a sale and a
grant write (accounts, amount, code, key, memo, reference, author), the bounds of the amount
and of the texts, and every refusal's sentence."""

import re

import pytest
from django.core.exceptions import PermissionDenied

from credits.models import Account, Transfer
from credits.services import (
    InsufficientCredits,
    InvalidTransfer,
    account_network,
    grant_create,
    topup_sell,
)
from network.models import Membership
from tests.credits.features_factories import (
    balance,
    coordinator,
    member_with_credits,
    space_with_organiser,
    token,
)
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def roma(site_tree):
    return space_with_organiser(site_tree.spaces, "Cowo Roma")


def invalid(message: str):
    """The refusal with exactly this sentence (not a fragment)."""
    return pytest.raises(InvalidTransfer, match=f"^{re.escape(message)}$")


# --- a sale ---------------------------------------------------------------------------------


def test_a_sale_writes_one_purchase_with_every_field(roma):
    space, organiser = roma
    anna, request = member_with_credits(0, space=space), token()
    transfer = topup_sell(space, anna, 40, " Receipt 7 ", organiser, request_token=request)
    stored = Transfer.objects.get(code="purchase")
    assert stored.pk == transfer.pk
    assert (stored.debit_account, stored.credit_account, stored.amount, stored.state,
            stored.idempotency_key, stored.memo, stored.external_reference,
            stored.created_by) == (
        Account.objects.get(space=space), Account.objects.get(user=anna), 40, "posted",
        f"credits.topup:{space.pk}:{request}", "Credits bought at Cowo Roma", "Receipt 7",
        organiser)


def test_a_sale_without_a_token_gets_a_fresh_random_key_of_its_space(roma):
    space, organiser = roma
    anna = member_with_credits(0, space=space)
    topup_sell(space, anna, 5, "R", organiser)
    topup_sell(space, anna, 5, "R", organiser)
    keys = list(Transfer.objects.filter(code="purchase").values_list("idempotency_key",
                                                                     flat=True))
    assert len(keys) == 2 and keys[0] != keys[1]
    assert all(re.fullmatch(rf"credits\.topup:{space.pk}:[0-9a-f]{{32}}", k) for k in keys), keys
    assert balance(anna) == 10


def test_one_token_at_two_spaces_makes_two_sales(roma, site_tree):
    space, organiser = roma
    other, other_organiser = space_with_organiser(site_tree.spaces, "Cowo Milano")
    anna, request = member_with_credits(0, space=space), token()
    Membership.objects.create(user=anna, space=other, role="member")
    topup_sell(space, anna, 5, "R", organiser, request_token=request)
    topup_sell(other, anna, 5, "R", other_organiser, request_token=request)
    assert (balance(anna), balance(space), balance(other)) == (10, -5, -5)


@pytest.mark.parametrize("amount", [1, 100_000])
def test_the_amount_bounds_are_accepted(roma, amount, settings):
    settings.CREDITS_SPACE_ISSUANCE_LIMIT = 100_000
    space, organiser = roma
    anna = member_with_credits(0, space=space)
    assert topup_sell(space, anna, amount, "R", organiser).amount == amount
    assert grant_create(anna, amount, "Thanks", coordinator()).amount == amount
    assert balance(anna) == 2 * amount


@pytest.mark.parametrize(("amount", "message"), [
    (0, "The amount must be at least 1 credit."),
    (-5, "The amount must be at least 1 credit."),
    (100_001, "At most 100000 credits at a time."),
    (True, "The amount must be a whole number of credits."),
    (False, "The amount must be a whole number of credits."),
    (2.0, "The amount must be a whole number of credits."),
    ("10", "The amount must be a whole number of credits."),
    (None, "The amount must be a whole number of credits."),
])
def test_each_bad_amount_is_refused_with_its_sentence(roma, amount, message):
    space, organiser = roma
    anna = member_with_credits(0, space=space)
    with invalid(message):
        topup_sell(space, anna, amount, "R", organiser)
    with invalid(message):
        grant_create(anna, amount, "Thanks", coordinator())
    assert not Transfer.objects.filter(code__in=["purchase", "grant"]).exists()


def test_a_reference_of_200_characters_is_kept_whole(roma):
    space, organiser = roma
    anna = member_with_credits(0, space=space)
    reference = "é" * 200
    assert topup_sell(space, anna, 5, reference, organiser).external_reference == reference


@pytest.mark.parametrize(("reference", "message"), [
    ("", "The payment reference is required."),
    (" \t ", "The payment reference is required."),
    (None, "The payment reference is required."),
    (42, "The payment reference is required."),
    ("a\nb", "The payment reference must be a single line."),
    ("del\x7fchar", "The payment reference must be a single line."),
    ("nul\x00", "The payment reference must be a single line."),
    ("x" * 201, "The payment reference is longer than 200 characters."),
])
def test_each_bad_reference_is_refused_with_its_sentence(roma, reference, message):
    space, organiser = roma
    with invalid(message):
        topup_sell(space, member_with_credits(0, space=space), 10, reference, organiser)
    assert not Transfer.objects.filter(code="purchase").exists()


def test_who_is_not_a_member_here_is_refused_by_name_of_the_space(roma, site_tree):
    space, organiser = roma
    other, _other_organiser = space_with_organiser(site_tree.spaces, "Cowo Milano")
    member_with_credits(0, space=space)  # the space has members, just not these
    for person in (member_with_credits(0, space=other), member_with_credits(0),
                   UserFactory.build(), None):
        with invalid("This person is not a member of Cowo Roma."):
            topup_sell(space, person, 10, "R", organiser)
    assert not Transfer.objects.filter(code="purchase").exists()


def test_a_seller_who_does_not_organise_the_space_is_refused(roma, site_tree):
    space, _organiser = roma
    _other, other_organiser = space_with_organiser(site_tree.spaces, "Cowo Milano")
    anna = member_with_credits(0, space=space)
    with pytest.raises(PermissionDenied,
                       match=r"^Only the organisers of this space can sell its credits\.$"):
        topup_sell(space, anna, 10, "R", other_organiser)
    assert balance(anna) == 0


def test_a_coordinator_may_sell_at_any_space(roma):
    space, _organiser = roma
    anna, seller = member_with_credits(0, space=space), coordinator()
    assert topup_sell(space, anna, 3, "R", seller).created_by == seller


def test_the_issuance_limit_refusal_names_the_space_and_keeps_the_ledgers_cause(roma, settings):
    settings.CREDITS_SPACE_ISSUANCE_LIMIT = 10
    space, organiser = roma
    anna = member_with_credits(0, space=space)
    with pytest.raises(InsufficientCredits) as raised:
        topup_sell(space, anna, 11, "R", organiser)
    assert str(raised.value) == ("Cowo Roma has reached its issuance limit: it cannot sell "
                                 "more credits until members spend some there.")
    assert isinstance(raised.value.__cause__, InsufficientCredits)
    assert raised.value.__cause__ is not raised.value
    assert (balance(anna), Transfer.objects.filter(code="purchase").count()) == (0, 0)


# --- a grant --------------------------------------------------------------------------------


def test_a_grant_writes_one_transfer_with_every_field(roma):
    anna, granter, request = member_with_credits(0), coordinator(), token()
    transfer = grant_create(anna, 15, "  Hosted the circle  ", granter, request_token=request)
    stored = Transfer.objects.get(code="grant", credit_account__user=anna)
    assert stored.pk == transfer.pk
    assert (stored.debit_account, stored.amount, stored.state, stored.idempotency_key,
            stored.memo, stored.external_reference, stored.created_by) == (
        account_network("issuance"), 15, "posted", f"credits.grant:{request}",
        "Hosted the circle", "", granter)
    assert balance(anna) == 15


def test_a_replayed_grant_returns_the_first_and_grants_once(roma):
    anna, granter, request = member_with_credits(0), coordinator(), token()
    first = grant_create(anna, 15, "Thanks", granter, request_token=request)
    again = grant_create(anna, 15, "Thanks", granter, request_token=request)
    assert again.pk == first.pk
    assert balance(anna) == 15


def test_a_grant_without_a_token_gets_a_fresh_random_key(roma):
    anna, granter = member_with_credits(0), coordinator()
    grant_create(anna, 1, "Thanks", granter)
    grant_create(anna, 1, "Thanks", granter)
    keys = list(Transfer.objects.filter(code="grant", credit_account__user=anna)
                .values_list("idempotency_key", flat=True))
    assert len(keys) == 2 and keys[0] != keys[1]
    assert all(re.fullmatch(r"credits\.grant:[0-9a-f]{32}", k) for k in keys), keys
    assert balance(anna) == 2


@pytest.mark.parametrize("bad", ["", "short", "a" * 65, "new\nline", 12345678, b"abcdefgh"])
def test_a_malformed_request_token_is_refused_by_both(roma, bad):
    space, organiser = roma
    anna = member_with_credits(0, space=space)
    message = "The request is malformed; reload the page and retry."
    with invalid(message):
        topup_sell(space, anna, 5, "R", organiser, request_token=bad)
    with invalid(message):
        grant_create(anna, 5, "Thanks", coordinator(), request_token=bad)
    assert balance(anna) == 0


def test_a_memo_of_300_characters_is_kept_and_301_refused(roma):
    anna, granter = member_with_credits(0), coordinator()
    assert grant_create(anna, 1, "m" * 300, granter).memo == "m" * 300
    with invalid("The reason is longer than 300 characters."):
        grant_create(anna, 1, "m" * 301, granter)
    for memo in ("", "   ", None):
        with invalid("The reason is required."):
            grant_create(anna, 1, memo, granter)
    with invalid("The reason must be a single line."):
        grant_create(anna, 1, "two\r\nlines", granter)
    assert balance(anna) == 1


def test_a_grant_to_nobody_or_by_a_non_coordinator_is_refused(roma):
    _space, organiser = roma
    with invalid("Choose a member."):
        grant_create(UserFactory.build(), 5, "Thanks", coordinator())
    with invalid("Choose a member."):
        grant_create(None, 5, "Thanks", coordinator())
    anna = member_with_credits(0)
    with pytest.raises(PermissionDenied, match=r"^Only network coordinators can grant credits\.$"):
        grant_create(anna, 5, "Thanks", organiser)
    assert not Transfer.objects.filter(code="grant", credit_account__user=anna).exists()
