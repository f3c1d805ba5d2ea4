"""An event leaving the site goes through the services: deleting or unpublishing a paid event
with people registered cancels them, returns held credits, tells each person once, and
leaves nothing for `events_settle_started` to charge. Members with history are erased, not
deleted."""

import datetime as dt
import io
import uuid

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.core.management import call_command
from django.db.models.deletion import ProtectedError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from credits import services as credits
from credits.selectors import account_balance, open_holds
from events import services
from events.models import EventPage, Registration, RegistrationState
from network.models import SpacePage
from tests.events.registration_factories import publish_event, space_in
from tests.network.factories import UserFactory, make_coordinator, make_organiser

pytestmark = pytest.mark.django_db

PRICE = 10


def member_with(amount: int, **fields):
    user = UserFactory(**fields)
    credits.transfer_post(debit=credits.account_network("issuance"),
                          credit=credits.account_for_member(user), amount=amount,
                          code="grant", idempotency_key=f"test-grant-{uuid.uuid4()}")
    return user


def available(user) -> int:
    return account_balance(credits.account_for_member(user)).available


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def paid_event(site_tree):
    """A paid event of 2 seats: two confirmed members (credits on hold) and one waiting."""
    space = space_in(site_tree, "Cowo Paid")
    event = publish_event(space, title="Paid workshop", price_credits=PRICE, capacity=2)
    people = [member_with(25, email=f"p{n}@example.org") for n in range(3)]
    registrations = [services.registration_create(event, user=user) for user in people]
    assert [r.state for r in registrations] == ["confirmed", "confirmed", "waitlisted"]
    assert [available(user) for user in people] == [15, 15, 25]
    return {"space": space, "event": event, "people": people, "registrations": registrations}


def _assert_nothing_left_to_charge(people) -> None:
    assert not open_holds().exists()
    assert [available(user) for user in people] == [25, 25, 25]
    assert services.event_settle_started(now=timezone.now() + dt.timedelta(days=8)) == 0
    assert [available(user) for user in people] == [25, 25, 25]
    out = io.StringIO()
    call_command("verify_ledger", stdout=out)
    assert "Ledger OK" in out.getvalue()


def _cancel_notices() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to
                  if "cancelled" in message.subject.lower())


def test_deleting_a_paid_event_in_the_admin_refunds_and_tells_everyone_once(
        paid_event, django_capture_on_commit_callbacks):
    event, people = paid_event["event"], paid_event["people"]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(make_coordinator()).post(
            reverse("wagtailadmin_pages:delete", args=[event.pk]))
    assert response.status_code == 302
    assert not EventPage.objects.filter(pk=event.pk).exists()
    assert not Registration.objects.filter(event_id=event.pk).exists()
    assert _cancel_notices() == ["p0@example.org", "p1@example.org", "p2@example.org"]
    assert len(mail.outbox) == 3
    _assert_nothing_left_to_charge(people)


def test_unpublishing_a_paid_event_in_the_admin_refunds_and_tells_everyone_once(
        paid_event, django_capture_on_commit_callbacks):
    event, people = paid_event["event"], paid_event["people"]
    organiser = make_organiser(paid_event["space"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(organiser).post(
            reverse("wagtailadmin_pages:unpublish", args=[event.pk]))
    assert response.status_code == 302
    assert not EventPage.objects.get(pk=event.pk).live
    assert set(Registration.objects.filter(event=event).values_list("state", flat=True)) == {
        RegistrationState.CANCELLED}
    assert _cancel_notices() == ["p0@example.org", "p1@example.org", "p2@example.org"]
    assert len(mail.outbox) == 3
    _assert_nothing_left_to_charge(people)
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("3 registered people will be told" in text for text in shown)


def test_deleting_a_space_withdraws_every_event_under_it(site_tree,
                                                         django_capture_on_commit_callbacks):
    space = space_in(site_tree, "Cowo Free")
    event = publish_event(space, title="Free meetup", capacity=5)
    services.registration_create(event, user=UserFactory(email="free@example.org"))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(make_coordinator()).post(
            reverse("wagtailadmin_pages:delete", args=[space.pk]))
    assert response.status_code == 302
    assert not SpacePage.objects.filter(pk=space.pk).exists()
    assert not EventPage.objects.filter(pk=event.pk).exists()
    assert _cancel_notices() == ["free@example.org"]


def test_a_space_with_a_ledger_account_is_not_deleted_and_nothing_changes(
        paid_event, django_capture_on_commit_callbacks):
    space, event = paid_event["space"], paid_event["event"]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(make_coordinator()).post(
            reverse("wagtailadmin_pages:delete", args=[space.pk]))
    assert response.status_code == 302
    shown = " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert "cannot be deleted" in shown and "accounts" in shown
    assert SpacePage.objects.filter(pk=space.pk).exists()
    assert [r.state for r in Registration.objects.filter(event=event).order_by("pk")] == [
        "confirmed", "confirmed", "waitlisted"]
    assert [available(user) for user in paid_event["people"]] == [15, 15, 25]
    assert mail.outbox == []


def test_withdrawing_twice_tells_nobody_twice(paid_event, django_capture_on_commit_callbacks):
    event = paid_event["event"]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.event_withdraw(event) == 3
    with django_capture_on_commit_callbacks(execute=True):
        assert services.event_withdraw(event) == 0
    assert len(mail.outbox) == 3


def test_an_event_with_registrations_cannot_be_deleted_behind_the_services_back(paid_event):
    with pytest.raises(ProtectedError):
        EventPage.objects.get(pk=paid_event["event"].pk).delete()
    assert Registration.objects.filter(event=paid_event["event"]).count() == 3


def test_settlement_charges_nobody_for_an_event_unpublished_by_another_path(paid_event):
    """A scheduled expiry or a raw update may take an event offline without the admin view:
    settlement then returns the holds instead of charging for an event that did not run."""
    event, people = paid_event["event"], paid_event["people"]
    EventPage.objects.filter(pk=event.pk).update(live=False)
    assert services.event_settle_started(now=event.starts_at + dt.timedelta(hours=1)) == 0
    assert [available(user) for user in people] == [25, 25, 25]


def test_settlement_still_charges_for_an_event_that_took_place(paid_event):
    event, people = paid_event["event"], paid_event["people"]
    assert services.event_settle_started(now=event.starts_at + dt.timedelta(hours=1)) == 2
    assert [account_balance(credits.account_for_member(u)).posted for u in people] == [
        15, 15, 25]


def test_the_user_admin_refuses_to_delete_a_member_with_registrations(paid_event):
    member = paid_event["people"][0]
    superuser = UserFactory(is_superuser=True, is_staff=True)
    response = client_for(superuser).post(reverse("wagtailusers_users:delete",
                                                  args=[member.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailusers_users:edit", args=[member.pk])
    assert type(member).objects.filter(pk=member.pk).exists()
    assert Registration.objects.filter(user=member).count() == 1
    shown = " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert "cannot be deleted" in shown and "registrations" in shown


def test_the_user_admin_still_deletes_a_user_without_history(site_tree):
    user = UserFactory()
    superuser = UserFactory(is_superuser=True, is_staff=True)
    response = client_for(superuser).post(reverse("wagtailusers_users:delete", args=[user.pk]))
    assert response.status_code == 302
    assert not type(user).objects.filter(pk=user.pk).exists()
