"""Guests (no account) unsubscribe from reminders with one click too: a signed link naming
their address, RFC 8058 headers, no login, never forgeable for another address or list
(issue 13)."""

import datetime as dt
import re

import pytest
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from events import services
from events.models import GuestReminderOptOut
from events.reminders import reminders_due, reminders_send_due
from network.unsubscribe import (
    GuestAddress,
    UnsubscribeTokenInvalid,
    unsubscribe_address_url,
    unsubscribe_token_read,
)
from tests.events.registration_factories import publish_event, space_in
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def space(site_tree):
    return space_in(site_tree, title="Cowo Racale", city="Racale")


def tomorrow(space, **fields):
    start = timezone.now().replace(microsecond=0) + dt.timedelta(hours=20)
    return publish_event(space, starts_at=start, guests_allowed=True, **fields)


def guest(event, email="ospite@example.org", name="Ospite ☕"):
    return services.registration_create(event, guest_name=name, guest_email=email)


def path_of(url: str) -> str:
    return url.removeprefix("http://testserver")


def test_a_guests_reminder_carries_a_one_click_link_for_their_address(space):
    guest(tomorrow(space))
    mail.outbox.clear()
    reminders_send_due()
    (message,) = mail.outbox
    link = re.fullmatch(r"<(http://testserver/unsubscribe/reminders/([^/>]+)/)>",
                        message.extra_headers["List-Unsubscribe"])
    assert link, message.extra_headers["List-Unsubscribe"]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    found, _list = unsubscribe_token_read("reminders", link[2])
    assert found == GuestAddress("ospite@example.org")
    assert link[1] in message.body
    assert f'href="{link[1]}"' in message.alternatives[0][0]


def test_the_one_click_post_stops_the_guests_reminders_without_logging_in(client, space):
    guest(tomorrow(space))
    mail.outbox.clear()
    reminders_send_due()
    (message,) = mail.outbox
    link = path_of(re.fullmatch(r"<(.+)>", message.extra_headers["List-Unsubscribe"])[1])

    page = client.get(link)  # a link scanner: shows the button, changes nothing
    assert page.status_code == 200
    assert '<bdi class="long-text">ospite@example.org</bdi>' in page.content.decode()
    assert not GuestReminderOptOut.objects.exists()
    response = client.post(link, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "will no longer receive" in response.content.decode()
    assert client.post(link, {"List-Unsubscribe": "One-Click"}).status_code == 200  # replay
    assert list(GuestReminderOptOut.objects.values_list("email", flat=True)) == [
        "ospite@example.org"]

    # The next event: the same address (any case) gets none, another guest still does.
    later = tomorrow(space)
    guest(later, email="Ospite@Example.org")
    other = guest(later, email="altro@example.org", name="Altro")
    mail.outbox.clear()
    assert reminders_due() == [other.pk]
    assert reminders_send_due() == 1
    assert [m.to for m in mail.outbox] == [["altro@example.org"]]


def test_a_member_with_that_address_keeps_their_own_choice(space):
    GuestReminderOptOut.objects.create(email="shared@example.org")
    member = UserFactory(email="shared@example.org")
    registration = services.registration_create(tomorrow(space), user=member)
    assert reminders_due() == [registration.pk]


def test_an_address_token_cannot_be_forged_for_another_address(client, space):
    link = path_of(unsubscribe_address_url("ospite@example.org", "reminders"))
    token = link.rstrip("/").rsplit("/", 1)[1]
    _payload, _colon, stamp_and_signature = token.partition(":")
    other = signing.b64_encode(b'{"a":"victim@example.org","l":"reminders"}').decode()
    forged = reverse("network:unsubscribe", kwargs={"identifier": "reminders",
                                                    "token": f"{other}:{stamp_and_signature}"})
    assert client.post(forged).status_code == 404
    assert not GuestReminderOptOut.objects.exists()


@pytest.mark.parametrize("payload", [
    {"a": "ospite@example.org", "l": "digest"},              # a list that takes no address
    {"a": "ospite@example.org", "u": 1, "l": "reminders"},   # two subscribers at once
    {"a": "not-an-address", "l": "reminders"},
    {"a": ["ospite@example.org"], "l": "reminders"},
    {"a": "x" * 250 + "@example.org", "l": "reminders"},
])
def test_malformed_address_tokens_are_refused(payload):
    identifier = payload["l"]
    token = signing.dumps(payload, salt=f"espresso.unsubscribe:{identifier}")
    with pytest.raises(UnsubscribeTokenInvalid):
        unsubscribe_token_read(identifier, token)


def test_an_address_token_of_reminders_is_not_valid_for_the_digest(client):
    link = path_of(unsubscribe_address_url("ospite@example.org", "reminders"))
    assert client.post(link.replace("/reminders/", "/digest/")).status_code == 404
    found, mailing_list = unsubscribe_token_read("reminders", link.rstrip("/").rsplit("/")[-1])
    assert (found, mailing_list.identifier) == (GuestAddress("ospite@example.org"), "reminders")


def test_lists_that_take_no_addresses_give_no_address_link():
    with pytest.raises(KeyError):
        unsubscribe_address_url("ospite@example.org", "digest")
