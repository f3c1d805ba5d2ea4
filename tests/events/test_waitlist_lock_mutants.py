"""registration_promote_waitlist's transaction and lock order on PostgreSQL (issue 14, the
mutation run: without a scenario of its own, dropping its transaction or its up-front lock of
the chain's accounts went unnoticed).

Two seats free up silently; the first person waiting has the HIGHER account id, the second
the lower. Locking account by account (the hold of each person as the promotion reaches
them) then locks a lower id after a higher one; the up-front lock takes both first, in
ascending order."""

import pytest

from events import services
from events.models import EventPage, Registration
from tests.credits.features_factories import member_with_credits
from tests.credits.ledger_factories import assert_ledger_sound
from tests.credits.locks import lock_order_of
from tests.events.registration_factories import publish_event, space_in
from tests.events.test_concurrency_paid import assert_seats_match_payments

pytestmark = [pytest.mark.postgres,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PRICE = 10


def promotion_after_a_silent_capacity_raise(site_tree):
    space = space_in(site_tree, title="Cowo Promote")
    second = member_with_credits(100)  # created first: the lower account id
    first = member_with_credits(100)
    seated = member_with_credits(100)
    event = publish_event(space, capacity=1, price_credits=PRICE)
    services.registration_create(event, user=seated)
    for member in (first, second):
        services.registration_create(event, user=member)
    EventPage.objects.filter(pk=event.pk).update(capacity=3)
    event = EventPage.objects.get(pk=event.pk)
    return lambda: services.registration_promote_waitlist(event), (first, second, event)


def test_promoting_locks_the_whole_chain_first_in_ascending_order(site_tree):
    work, (first, second, event) = promotion_after_a_silent_capacity_raise(site_tree)
    recorder = lock_order_of(work)
    assert recorder.violations == []
    assert recorder.account_order == sorted(recorder.account_order)
    states = dict(Registration.objects.filter(event=event, user__in=[first, second])
                  .values_list("user_id", "state"))
    assert states == {first.pk: "confirmed", second.pk: "confirmed"}
    assert_seats_match_payments([event])
    assert_ledger_sound()


def test_control_locking_account_by_account_breaks_the_order(site_tree, settings):
    """Proves the test above can fail: with the up-front lock turned off, the second
    person's account (lower id) is locked after the first's."""
    settings.CREDITS_DISABLE_ACCOUNT_LOCK = True
    work, _objects = promotion_after_a_silent_capacity_raise(site_tree)
    assert lock_order_of(work).violations != []
