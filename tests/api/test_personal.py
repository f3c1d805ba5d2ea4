"""/api/v1/me/: a member's own registrations and balance, with a personal token."""

import pytest
from django.core.cache import cache

from credits.models import Account
from credits.services import account_for_member, account_network, transfer_post
from events.models import RegistrationState
from events.services import registration_cancel, registration_create
from tests.api.helpers import assert_matches_schema, get, token_for
from tests.events.registration_factories import publish_event, space_in
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_a_member_without_an_account_reads_zero_and_none_is_made(client, site_tree):
    member = UserFactory()
    response = get(client, "my_balance", token=token_for(member))
    assert response.status_code == 200
    assert response.json() == {"posted": 0, "on_hold": 0, "available": 0, "limit": 0}
    assert not Account.objects.filter(user=member).exists()
    assert "private" in response["Cache-Control"]


def test_the_balance_counts_holds(client, site_tree):
    member = UserFactory()
    account = account_for_member(member)
    transfer_post(debit=account_network("issuance"), credit=account, amount=30, code="grant",
                  idempotency_key="api-test-grant")
    event = publish_event(space_in(site_tree), price_credits=12)
    registration_create(event, user=member)
    body = get(client, "my_balance", token=token_for(member)).json()
    assert_matches_schema(body, "Balance")
    assert body == {"posted": 30, "on_hold": 12, "available": 18, "limit": 0}


def test_my_registrations_are_mine_only_newest_first(client, site_tree):
    space = space_in(site_tree)
    member, other = UserFactory(), UserFactory()
    first, second = publish_event(space, title="First"), publish_event(space, title="Second")
    kept = registration_create(first, user=member)
    gone = registration_create(second, user=member)
    registration_cancel(gone, actor=member)
    registration_create(first, user=other)
    response = get(client, "my_registrations", token=token_for(member))
    results = response.json()["results"]
    for item in results:
        assert_matches_schema(item, "Registration")
    assert [(r["id"], r["state"], r["event"]["title"]) for r in results] == [
        (gone.pk, RegistrationState.CANCELLED, "Second"),
        (kept.pk, RegistrationState.CONFIRMED, "First")]
    assert results[0]["cancel_reason"] == "person"
    assert results[1]["event"]["url"].endswith(first.url_path.split("/", 2)[2])
