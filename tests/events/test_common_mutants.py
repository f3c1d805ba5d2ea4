"""events.services.common exactly (issue 14, the mutation run): a member's replay is found by
the tally (no second INSERT left to the unique index), and a refused charge says why."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from credits import services as credits
from events import exceptions, services
from events.models import Registration, RegistrationState
from events.services.common import Tally, registration_tally
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


def test_the_tally_counts_seats_the_queue_its_last_place_and_the_person(space):
    """registration_tally, as the registration reads it again after a promotion (and as
    SQLite reads it instead of the PostgreSQL round trip): seats (confirmed and attended),
    people waiting, the highest waiting-list place ever given (a cancelled one's included),
    and whether this member or this guest address holds an active registration here."""
    event = publish_event(space, capacity=2, waitlist_enabled=True, guests_allowed=True)
    elsewhere = publish_event(space, capacity=5, guests_allowed=True)
    seated, attended, left = UserFactory(), UserFactory(), UserFactory()
    services.registration_create(event, user=seated)
    Registration.objects.filter(pk=services.registration_create(event, user=attended).pk
                                ).update(state=RegistrationState.ATTENDED)
    guest = services.registration_create(event, guest_name="Zoë",
                                         guest_email="zoe@example.org")
    leaving = services.registration_create(event, user=left)
    services.registration_leave_waitlist(leaving)
    services.registration_create(elsewhere, guest_name="Ana", guest_email="ana@example.org")
    assert (guest.waitlist_position, leaving.waitlist_position) == (1, 2)

    def tally(user=None, email=""):
        return registration_tally(event, user, email)

    assert tally(seated) == Tally(taken=2, waiting=1, last_position=2, mine=1)
    assert tally(attended).mine == 1
    assert tally(left).mine == 0
    assert tally(UserFactory()).mine == 0
    assert tally(email="zoe@example.org") == Tally(taken=2, waiting=1, last_position=2, mine=1)
    assert tally(email="ana@example.org").mine == 0
    assert registration_tally(elsewhere, None, "ana@example.org") == Tally(
        taken=1, waiting=0, last_position=0, mine=1)
