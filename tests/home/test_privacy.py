"""A member's own data (issue 7): the export lists everything, the erasure gives up places
through the events services (waiting list promoted, hold voided even after the deadline),
keeps the ledger sound, and leaves the name nowhere public."""

import datetime as dt
import json
import os

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.models import ModelLogEntry
from wagtail.users.models import UserProfile

from credits.models import Account, DayPass, Transfer
from credits.selectors import account_balance, open_holds, transfers_for_reference
from events import payments
from events.models import CalendarToken, EventPage, RegistrationState
from events.services import registration_cancel
from home.privacy import (
    EXPORT_FORMAT,
    ErasureNotAllowed,
    member_data_export,
    member_erase,
    member_erase_preview,
)
from network import privacy as network_privacy
from network.models import MemberProfile, Membership
from tests.home.privacy_factories import (
    EMAIL,
    NASTY_NAME,
    PRICE,
    member_with_everything,
    png_upload,
)
from tests.network.factories import UserFactory, make_coordinator

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(site_tree):
    return member_with_everything(site_tree)


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def public_pages(client: Client, world, site_tree) -> dict[str, str]:
    """Every public place a member's name could show up."""
    pages = {
        "directory": site_tree.members.url,
        "paid event": world.paid_event.url,
        "guest event": world.guest_event.url,
        "space": world.space.url,
        "home": "/en/",
        "json feed": reverse("events:feed_json"),
        "network calendar": reverse("events:calendar_network"),
        "event calendar": reverse("events:calendar_event", args=[world.paid_event.pk]),
    }
    texts = {}
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        texts[name] = response.content.decode()
    return texts


def search_hits(client: Client, query: str) -> dict[str, int]:
    """How many results each group of the site search finds (the page echoes the query, so
    its text says nothing)."""
    response = client.get(reverse("search"), {"q": query})
    assert response.status_code == 200
    return {group.key: group.count for group in response.context["groups"]}


def test_erasing_a_member_promotes_the_next_person_voids_the_hold_and_leaves_no_trace(
        world, site_tree, commit):
    member = world.member
    hold_reference = payments.registration_reference(world.seat)
    (hold,) = transfers_for_reference(hold_reference)
    assert hold.state == "pending"

    # The export before erasure lists all of it.
    data = member_data_export(member)
    assert data["network"]["profile"]["display_name"] == NASTY_NAME
    assert data["network"]["memberships"] == [
        {"space": "Cowo Privacy", "role": "host", "since": data["network"]["memberships"][0]
         ["since"]}]
    registrations = {r["event"]: r for r in data["events"]["registrations"]}
    assert registrations["Paid workshop"]["state"] == "confirmed"
    assert registrations["Paid workshop"]["reference"] == hold_reference
    assert registrations["Full meetup"]["state"] == "waitlisted"
    assert [(r["event"], r["email"]) for r in data["events"]["guest_registrations"]] == [
        ("Open evening", EMAIL)]
    assert [t["state"] for t in data["credits"]["transfers"]
            if t["reference"] == hold_reference] == ["pending"]
    assert [(p["space"], p["state"]) for p in data["credits"]["day_passes"]] == [
        ("Cowo Privacy", "valid")]
    assert [f["active"] for f in data["events"]["calendar_feeds"]] == [True]
    assert data["credits"]["account"]["on_hold"] == PRICE

    # Before: the name is public (so the "after" check below can fail).
    anonymous_before = public_pages(Client(), world, site_tree)
    assert "Brûlée" in anonymous_before["directory"]
    assert search_hits(Client(), "Brûlée")["members"] == 1

    with commit():
        result = member_erase(member, by=member)

    # The next person is promoted and pays; the erased member's hold is voided.
    world.next_in_line.refresh_from_db()
    assert world.next_in_line.state == RegistrationState.CONFIRMED
    assert [t.state for t in transfers_for_reference(
        payments.registration_reference(world.next_in_line))] == ["pending"]
    assert [t.state for t in transfers_for_reference(hold_reference)] == ["pending", "voided"]
    world.seat.refresh_from_db()
    world.waiting.refresh_from_db()
    world.guest.refresh_from_db()
    assert (world.seat.state, world.waiting.state, world.guest.state) == ("cancelled",) * 3
    assert not open_holds().filter(debit_account__user=member).exists()
    account = Account.objects.get(user=member)
    # 100 granted, 5 for the day pass refunded, the event not charged.
    assert (account_balance(account).posted, account_balance(account).on_hold) == (100, 0)
    assert DayPass.objects.get(pk=world.day_pass.pk).state == "refunded"
    assert result.done["events"] == {"registrations_cancelled": 3,
                                     "guest_registrations_erased": 1,
                                     "answers_erased": 0,
                                     "calendar_feeds_revoked": 1}
    assert result.done["credits"] == {"day_passes_refunded": 1, "day_passes_kept": 0,
                                      "holds_voided": 0}

    # The ledger is sound and nothing was deleted from it.
    call_command("verify_ledger")

    # The account and the profile no longer name or reach the person.
    member.refresh_from_db()
    assert not member.is_active and not member.has_usable_password()
    assert (member.first_name, member.last_name) == ("", "")
    assert member.email == f"erased-member-{member.pk}@erased.invalid"
    assert member.username == f"erased-{member.pk}"
    assert not EmailAddress.objects.filter(user=member).exists()
    assert not member.groups.exists()
    assert not MemberProfile.objects.filter(user=member).exists()
    assert not Membership.objects.filter(user=member).exists()
    assert account.name == f"Erased member #{account.pk}"
    assert (world.guest.guest_name, world.guest.guest_email) == (
        "Erased guest", f"erased-guest-{world.guest.pk}@erased.invalid")
    assert not CalendarToken.objects.filter(user=member, revoked_at__isnull=True).exists()

    # Their name appears nowhere public, to anonymous visitors nor to a coordinator.
    coordinator = Client()
    coordinator.force_login(make_coordinator())
    for client in (Client(), coordinator):
        for name, text in public_pages(client, world, site_tree).items():
            for fragment in ("Brûlée", "مريم", "zoe.brulee", "Zoë"):
                assert fragment not in text, (name, fragment)
        for query in ("Brûlée", "Zoë", "Facilitatrice", "Facilitation"):
            assert search_hits(client, query)["members"] == 0, query
    assert Client().get(f"/members/{world.profile.slug}/").status_code == 404

    # One notice went to the address they had; no cancellation mails to them.
    assert [message.to for message in mail.outbox if EMAIL in message.to] == [[EMAIL]]
    assert "erased" in mail.outbox[-1].subject


def test_the_notice_is_one_task_in_the_language_of_whoever_erased(world, commit,
                                                                  italian_catalog):
    mail.outbox.clear()
    with translation.override("it"), commit():
        member_erase(world.member, by=world.member)
    (notice,) = [m for m in mail.outbox if m.to == [EMAIL]]
    assert notice.subject == "Il tuo account Espresso è stato cancellato"
    assert "non puoi più accedere" in notice.body


def test_a_late_ordinary_cancellation_would_have_charged(world):
    """The control for the test above: inside the deadline a plain cancellation posts the
    hold, so the erasure's void is a real difference."""
    registration_cancel(world.seat, actor=world.member)
    assert [t.state for t in transfers_for_reference(
        payments.registration_reference(world.seat))] == ["pending", "posted"]


def test_erasure_runs_in_one_transaction(world, monkeypatch):
    """A failure in the last step (the network's) leaves every earlier step undone."""
    def explode(user):
        raise RuntimeError("boom")

    monkeypatch.setattr(network_privacy, "member_data_erase", explode)
    transfers = Transfer.objects.count()
    with pytest.raises(RuntimeError):
        member_erase(world.member, by=world.member)
    world.seat.refresh_from_db()
    world.member.refresh_from_db()
    assert world.seat.state == RegistrationState.CONFIRMED
    assert world.member.is_active and world.member.email == EMAIL
    assert Transfer.objects.count() == transfers
    assert MemberProfile.objects.filter(user=world.member).exists()


def test_erasing_twice_is_harmless(world):
    member_erase(world.member, by=world.member)
    transfers = Transfer.objects.count()
    result = member_erase(world.member, by=make_coordinator())
    assert Transfer.objects.count() == transfers
    assert result.done["events"]["registrations_cancelled"] == 0
    assert result.done["network"] == {"memberships_removed": 0, "profiles_deleted": 0}
    call_command("verify_ledger")


def test_only_the_member_or_a_coordinator_may_erase(world):
    for stranger in (UserFactory(), None):
        with pytest.raises(ErasureNotAllowed):
            member_erase(world.member, by=stranger)
    world.member.refresh_from_db()
    assert world.member.is_active


def test_a_member_called_like_the_placeholder_does_not_block_the_erasure(world):
    namesake = UserFactory(username=f"erased-{world.member.pk}")
    member_erase(world.member, by=world.member)
    world.member.refresh_from_db()
    assert world.member.username.startswith(f"erased-{world.member.pk}-")
    namesake.refresh_from_db()
    assert namesake.username == f"erased-{world.member.pk}" and namesake.is_active


def test_the_wagtail_admin_profile_and_its_avatar_go_too(world):
    admin_profile = UserProfile.get_for_user(world.member)
    admin_profile.avatar = png_upload("face.png")
    admin_profile.save()
    path = admin_profile.avatar.path
    assert os.path.exists(path)
    member_erase(world.member, by=world.member)
    assert not UserProfile.objects.filter(user=world.member).exists()
    assert not os.path.exists(path)


def test_a_superusers_account_is_not_erased(site_tree):
    admin = get_user_model().objects.create_superuser("root", "root@example.org", "x")
    with pytest.raises(ErasureNotAllowed):
        member_erase(admin, by=admin)
    admin.refresh_from_db()
    assert admin.is_active


def test_a_coordinator_erasing_is_recorded_without_the_name(world):
    coordinator = make_coordinator()
    member_erase(world.member, by=coordinator)
    entry = ModelLogEntry.objects.get(action="espresso.member_erase")
    assert (entry.user_id, entry.object_id) == (coordinator.pk, str(world.member.pk))
    assert "Brûlée" not in entry.label and "zoe" not in entry.label.lower()


def test_registrations_of_events_under_way_stay_as_history(world):
    EventPage.objects.filter(pk=world.paid_event.pk).update(
        starts_at=timezone.now() - dt.timedelta(minutes=30))
    member_erase(world.member, by=world.member)
    world.seat.refresh_from_db()
    assert world.seat.state == RegistrationState.CONFIRMED
    # ...but nobody is charged after they left: the hold is voided by the credits step.
    assert [t.state for t in transfers_for_reference(
        payments.registration_reference(world.seat))] == ["pending", "voided"]
    call_command("verify_ledger")


def test_preview_says_what_will_be_given_up(world):
    preview = member_erase_preview(world.member)
    assert [r.event.title for r in preview.registrations] == [
        "Paid workshop", "Full meetup", "Open evening"]
    assert [p.pk for p in preview.day_passes] == [world.day_pass.pk]
    # 100 granted, 5 spent on the day pass that the erasure refunds.
    assert (preview.balance, preview.on_hold) == (100, PRICE)


def test_export_is_plain_json(world):
    data = member_data_export(world.member)
    assert json.loads(json.dumps(data)) == data
    assert (data["format"], data["version"]) == (EXPORT_FORMAT, 1)
