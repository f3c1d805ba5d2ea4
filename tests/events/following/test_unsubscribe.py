"""One-click unsubscribe tokens (network.unsubscribe): without a login, never forgeable for
another member, never valid for another list."""

import pytest
from django.core import signing
from django.urls import reverse

from events.following.models import DigestFrequency
from events.following.selectors import digest_frequency
from network.unsubscribe import (
    UnsubscribeTokenInvalid,
    unsubscribe_token,
    unsubscribe_token_read,
)
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db


def url(identifier: str, token: str) -> str:
    return reverse("network:unsubscribe", kwargs={"identifier": identifier, "token": token})


def test_a_token_names_its_member_and_list():
    user = UserFactory()
    found, mailing_list = unsubscribe_token_read("digest", unsubscribe_token(user, "digest"))
    assert found == user
    assert mailing_list.identifier == "digest"


def test_a_token_with_another_members_id_is_refused(client):
    alice, bob = UserFactory(), UserFactory()
    token = unsubscribe_token(alice, "digest")
    _payload, signature = token.rsplit(":", 1)
    forged_payload = signing.dumps({"u": bob.pk, "l": "digest"}, salt="wrong").rsplit(":", 1)[0]
    for forged in (f"{forged_payload}:{signature}",
                   signing.dumps({"u": bob.pk, "l": "digest"}),  # unsalted
                   signing.dumps({"u": bob.pk, "l": "digest"}, salt="espresso.unsubscribe"),
                   token[:-1] + ("A" if token[-1] != "A" else "B")):
        with pytest.raises(UnsubscribeTokenInvalid):
            unsubscribe_token_read("digest", forged)
        assert client.post(url("digest", forged)).status_code == 404
    assert digest_frequency(bob) == DigestFrequency.WEEKLY
    assert digest_frequency(alice) == DigestFrequency.WEEKLY


def test_a_token_of_one_list_does_not_work_for_another():
    user = UserFactory()
    token = unsubscribe_token(user, "digest")
    with pytest.raises(UnsubscribeTokenInvalid):
        unsubscribe_token_read("reminders", token)


@pytest.mark.parametrize("token", ["x", "a:b:c", "\x00", "é" * 10, "A" * 600,
                                   "eyJ1IjoxLCJsIjoiZGlnZXN0In0:bad"])
def test_malformed_tokens_are_a_404_that_changes_nothing(client, token):
    user = UserFactory()
    response = client.post(url("digest", token))
    assert response.status_code == 404
    assert "not valid" in response.content.decode()
    assert digest_frequency(user) == DigestFrequency.WEEKLY


def test_an_unknown_list_is_a_404():
    user = UserFactory()
    with pytest.raises(KeyError):
        unsubscribe_token(user, "newsletter")
    with pytest.raises(UnsubscribeTokenInvalid):
        unsubscribe_token_read("newsletter", signing.dumps({"u": user.pk, "l": "newsletter"}))


def test_a_deactivated_member_cannot_be_unsubscribed_twice_over_or_revealed(client):
    user = UserFactory()
    token = unsubscribe_token(user, "digest")
    user.is_active = False
    user.save()
    assert client.post(url("digest", token)).status_code == 404
