"""The retry at the edge (network.db_retry) on a real PostgreSQL deadlock, and the credits
edges wired to it.

The forced deadlock: a partner transaction (standing for a lock taken outside the services)
holds the space's account; the member's refund locks the member's account and waits for
the space's; the partner then asks for the member's account. PostgreSQL aborts the side
whose deadlock check runs first once the cycle exists: the refund's session checks after
2 s of waiting, the partner's after 30 s, so the refund is the victim, every time.
"""

import datetime
import logging
import threading

import pytest
from django.db import connection, transaction
from django.urls import reverse

from credits.models import Account, DayPass, DayPassState, Transfer, TransferCode
from credits.services import account_for_space, daypass_buy, daypass_cancel
from credits.services.daypass import space_today
from home.services import site_tree_ensure
from tests.credits.features_factories import (
    balance,
    coordinator,
    member_with_credits,
    space_with_organiser,
    token,
)
from tests.credits.ledger_factories import assert_ledger_sound
from tests.credits.locks import (
    TIMEOUT,
    Worker,
    deadlock_once,
    is_deadlock,
    set_deadlock_timeout,
    start_until_blocked,
)

pytestmark = [pytest.mark.postgres,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASS_PRICE = 7


class Partner(threading.Thread):
    """Locks `first`; once told to go, asks for `then` (and waits for it); then ends its
    transaction without changing anything."""

    def __init__(self, first: Account, then: Account) -> None:
        super().__init__(name="partner", daemon=True)
        self.first, self.then = first, then
        self.holding, self.go = threading.Event(), threading.Event()
        self.error: BaseException | None = None

    def lock(self, account: Account) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM credits_account WHERE id = %s FOR UPDATE",
                           [account.pk])

    def run(self) -> None:
        try:
            set_deadlock_timeout("30s")
            with transaction.atomic():
                self.lock(self.first)
                self.holding.set()
                self.go.wait(TIMEOUT)
                self.lock(self.then)
        except Exception as exc:
            self.error = exc
        finally:
            self.holding.set()
            connection.close()


def refundable_pass():
    space, _organiser = space_with_organiser(site_tree_ensure().spaces,
                                             day_pass_price=PASS_PRICE)
    member = member_with_credits(100)
    day_pass = daypass_buy(member, space, space_today(space) + datetime.timedelta(days=1))
    member_account, space_account = Account.objects.get(user=member), account_for_space(space)
    assert member_account.pk < space_account.pk  # the refund locks the member's first
    return member, space, day_pass, member_account, space_account


def deadlock_the_first_attempt(work, member_account: Account,
                               space_account: Account) -> Worker:
    partner = Partner(first=space_account, then=member_account)
    partner.start()
    partner.holding.wait(TIMEOUT)
    worker = start_until_blocked(Worker(work, "refund", deadlock_timeout="2s"))
    partner.go.set()
    worker.finish()
    partner.join(TIMEOUT)
    assert partner.error is None
    return worker


def test_a_refund_deadlocked_on_its_first_attempt_succeeds_on_the_second(client, caplog):
    member, _space, day_pass, member_account, space_account = refundable_pass()
    client.force_login(member)

    with caplog.at_level(logging.WARNING, logger="network.db_retry"):
        worker = deadlock_the_first_attempt(
            lambda: client.post(reverse("credits:daypass_cancel", args=[day_pass.pk])),
            member_account, space_account)

    assert worker.error is None
    assert worker.result.status_code == 302
    assert worker.result["Location"] == reverse("credits:statement")
    retries = [r.getMessage() for r in caplog.records if r.name == "network.db_retry"]
    assert retries == ["credits.views.daypass_cancel_view: database error 40P01 on attempt 1 "
                       "of 3; retrying"]
    day_pass.refresh_from_db()
    assert day_pass.state == DayPassState.REFUNDED
    # One refund written, not two.
    assert Transfer.objects.filter(code=TransferCode.REVERSAL).count() == 1
    assert balance(member) == 100
    assert_ledger_sound()


def test_control_without_the_retry_the_same_deadlock_is_an_error(caplog):
    """Proves the test above can fail: the same staging deadlocks the refund, and without
    the retry the error reaches the caller; nothing of the refund is kept."""
    member, _space, day_pass, member_account, space_account = refundable_pass()

    worker = deadlock_the_first_attempt(lambda: daypass_cancel(day_pass, member),
                                        member_account, space_account)

    assert is_deadlock(worker.error)
    assert DayPass.objects.get(pk=day_pass.pk).state == DayPassState.VALID
    assert Transfer.objects.filter(code=TransferCode.REVERSAL).count() == 0
    assert balance(member) == 100 - PASS_PRICE
    assert_ledger_sound()


# --- every credits edge that moves credits retries -----------------------------------------


def test_every_credits_edge_answers_after_a_deadlock(client, monkeypatch, caplog):
    from credits import views, wagtail_hooks

    space, organiser = space_with_organiser(site_tree_ensure().spaces, day_pass_price=5)
    member = member_with_credits(100, space=space)
    client.force_login(member)
    tomorrow = space_today(space) + datetime.timedelta(days=1)

    calls = deadlock_once(monkeypatch, views, "daypass_buy")
    response = client.post(reverse("credits:daypass_buy", args=[space.pk]),
                           {"date": tomorrow.isoformat(), "token": token(), "confirm": "1",
                            "price": "5"})
    bought = DayPass.objects.get(user=member)
    assert (response.status_code, len(calls)) == (302, 2)
    assert response["Location"] == reverse("credits:daypass_detail", args=[bought.pk])

    calls = deadlock_once(monkeypatch, views, "daypass_cancel")
    response = client.post(reverse("credits:daypass_cancel", args=[bought.pk]))
    assert (response.status_code, len(calls)) == (302, 2)
    assert DayPass.objects.get(pk=bought.pk).state == DayPassState.REFUNDED

    today_pass = daypass_buy(member, space, space_today(space))
    client.force_login(organiser)
    calls = deadlock_once(monkeypatch, views, "daypass_validate")
    response = client.post(reverse("credits:space_validate", args=[space.pk]),
                           {"code": today_pass.code})
    assert (response.status_code, len(calls)) == (200, 2)
    assert DayPass.objects.get(pk=today_pass.pk).state == DayPassState.USED

    calls = deadlock_once(monkeypatch, views, "topup_sell")
    response = client.post(reverse("credits:space_topup", args=[space.pk]),
                           {"email": member.email, "amount": 20,
                            "external_reference": "receipt 42", "token": token()})
    assert (response.status_code, len(calls)) == (302, 2)

    client.force_login(coordinator())
    calls = deadlock_once(monkeypatch, views, "grant_create")
    response = client.post(reverse("credits:grant"),
                           {"email": member.email, "amount": 3, "memo": "thanks",
                            "token": token()})
    assert (response.status_code, len(calls)) == (302, 2)

    grant = Transfer.objects.filter(code=TransferCode.GRANT, memo="thanks").get()
    calls = deadlock_once(monkeypatch, wagtail_hooks, "transfer_reverse")
    response = client.post(reverse("credits_transfers:reverse", args=[grant.pk]), {"memo": ""})
    assert (response.status_code, len(calls)) == (302, 2)
    assert Transfer.objects.filter(reverses=grant).count() == 1

    assert balance(member) == 100 + 20 - 5  # the sale; the grant reversed; one pass used
    assert len([r for r in caplog.records if r.name == "network.db_retry"]) == 6
    assert_ledger_sound()
