"""events.services.common exactly (issue 14, the mutation run): a member's replay is found by
the tally (no second INSERT left to the unique index), and a refused charge says why."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from credits import services as credits
from events import exceptions, services
from events.models import Registration
from tests.events.registration_factories import publish_event, space_in
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def space(site_tree):
    return space_in(site_tree)


def test_a_members_replay_is_found_by_the_tally_and_inserts_nothing(space):
    event = publish_event(space, capacity=1, waitlist_enabled=True)
    user = UserFactory()
    first = services.registration_create(event, user=user)
    with CaptureQueriesContext(connection) as queries:
        again = services.registration_create(event, user=user)
    assert again.pk == first.pk
    inserts = [q["sql"] for q in queries.captured_queries
               if q["sql"].startswith("INSERT") and Registration._meta.db_table in q["sql"]]
    assert inserts == []
    assert Registration.objects.filter(event=event).count() == 1


def test_a_charge_the_member_cannot_pay_says_the_price(space):
    event = publish_event(space, price_credits=10)
    user = UserFactory()
    credits.transfer_post(debit=credits.account_network("issuance"),
                          credit=credits.account_for_member(user), amount=9,
                          code="grant", idempotency_key=f"test-grant-{uuid.uuid4()}")
    with pytest.raises(exceptions.NotEnoughCredits) as refused:
        services.registration_create(event, user=user)
    assert str(refused.value) == (
        "You need 10 credits for this event and your account does not have them available.")
    assert not Registration.objects.filter(event=event).exists()


def test_member_lock_lets_an_active_member_through(space):
    member = UserFactory()
    with CaptureQueriesContext(connection) as queries:
        assert services.member_lock(member) is None
    (query,) = queries.captured_queries
    assert f"WHERE id = {member.pk} AND is_active" in query["sql"]


@pytest.mark.parametrize("who", ["deactivated", "deleted"])
def test_member_lock_refuses_an_account_that_is_no_longer_active(space, who):
    """What a walk-in (events.checkin) meets when the member found by their address was
    deactivated or erased meanwhile: the lock reads `is_active` under the row lock."""
    member = UserFactory()
    if who == "deactivated":
        type(member).objects.filter(pk=member.pk).update(is_active=False)
    else:
        type(member).objects.filter(pk=member.pk).delete()
    with pytest.raises(exceptions.RegistrationInvalid) as refused:
        services.member_lock(member)
    assert str(refused.value) == "This account is not active."
