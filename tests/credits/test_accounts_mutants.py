"""credits.services.accounts exactly (issue 14, the mutation run): the name, kind and limit
each account is created with, the fallbacks, and what `accounts_lock` returns and asks the
database for."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from credits.models import Account
from credits.services import (
    InvalidTransfer,
    account_for_member,
    account_for_space,
    account_ids_for_members,
    account_network,
    accounts_lock,
)
from tests.credits.ledger_factories import member_account
from tests.network.factories import UserFactory, make_space

pytestmark = pytest.mark.django_db


def test_the_network_accounts_are_created_with_their_exact_names_and_limits():
    issuance, commons = account_network("issuance"), account_network("commons")
    stored = Account.objects.filter(pk__in=[issuance.pk, commons.pk]).order_by("kind")
    assert [(a.kind, a.name, a.limit, a.unlimited, a.user_id, a.space_id) for a in stored] == [
        ("commons", "Network commons", 0, False, None, None),
        ("issuance", "Network issuance", 0, True, None, None)]
    assert (account_network("commons").pk, account_network("issuance").pk) == (
        commons.pk, issuance.pk)


def test_an_unknown_network_kind_is_named_in_the_refusal_and_creates_nothing():
    with pytest.raises(InvalidTransfer, match=r"^Unknown network account kind: treasury$"):
        account_network("treasury")
    assert not Account.objects.exists()


def test_a_member_without_a_full_name_gets_an_account_named_after_the_username():
    user = UserFactory(first_name="", last_name="", username="ada-l")
    account = Account.objects.get(pk=account_for_member(user).pk)
    assert (account.name, account.kind, account.user_id) == ("ada-l", "member", user.pk)


@pytest.mark.parametrize("nobody", [None, "ada", object()])
def test_the_refusals_say_exactly_why_whatever_is_passed_for_a_member_or_a_space(nobody):
    member = r"^Only a registered member has a credit account\.$"
    with pytest.raises(InvalidTransfer, match=member):
        account_for_member(nobody)
    with pytest.raises(InvalidTransfer, match=member):
        account_ids_for_members([nobody])
    space = r"^The space must be saved before it has an account\.$"
    with pytest.raises(InvalidTransfer, match=space):
        account_for_space(nobody)
    assert not Account.objects.exists()


def test_a_space_account_without_the_setting_gets_the_default_limit_of_1000(site_tree,
                                                                            settings):
    del settings.CREDITS_SPACE_ISSUANCE_LIMIT
    space = make_space(site_tree.spaces, title="Cowo Torino")
    account = account_for_space(space)
    assert (account.kind, account.limit, account.space_id, account.unlimited) == (
        "space", 1000, space.pk, False)


def test_a_space_limit_given_as_text_is_stored_as_a_number(site_tree, settings):
    settings.CREDITS_SPACE_ISSUANCE_LIMIT = "250"  # as an environment variable would give it
    account = account_for_space(make_space(site_tree.spaces, title="Cowo Bari"))
    assert account.limit == 250
    assert Account.objects.get(pk=account.pk).limit == 250


def test_accounts_lock_returns_the_existing_ids_once_each_ascending():
    first, second = member_account(), member_account()
    missing = second.pk + 1000
    assert accounts_lock([second, first.pk, second.pk, missing, first]) == [first.pk, second.pk]


def test_accounts_lock_of_nothing_asks_the_database_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert accounts_lock([]) == []


def test_accounts_lock_turned_off_by_the_setting_only_sorts_the_ids(settings,
                                                                    django_assert_num_queries):
    settings.CREDITS_DISABLE_ACCOUNT_LOCK = True
    account = member_account()
    with django_assert_num_queries(0):
        assert accounts_lock([account.pk + 1000, account]) == [account.pk, account.pk + 1000]


@pytest.mark.postgres
def test_accounts_lock_is_one_select_for_no_key_update_in_id_order():
    """The promise of its docstring, as PostgreSQL receives it: the ledger's own lock (NO
    KEY UPDATE: new transfers' foreign-key checks are not blocked), rows taken in id order."""
    first, second = member_account(), member_account()
    with CaptureQueriesContext(connection) as queries:
        accounts_lock([second, first])
    [query] = queries.captured_queries
    # Django orders by the selected id's position ("ORDER BY 1") when only ids are selected
    assert re.search(r' ORDER BY (1|"credits_account"\."id") ASC FOR NO KEY UPDATE$',
                     query["sql"]), query["sql"]
