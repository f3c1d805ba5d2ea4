"""The weekly digest: what it tells, to whom, once, and its one-click unsubscribe."""

import datetime as dt
import re

import pytest
from django.core import mail

from events.following.digest import digest_send, digests_send_due
from events.following.models import Digest, DigestEvent, DigestFrequency, FollowKind
from events.following.selectors import digest_frequency
from events.following.services import digest_frequency_set, follow_add
from events.models import EventStatus
from network.services import profile_ensure
from tests.events.following.factories import due_soon
from tests.events.registration_factories import publish_event, republish, space_in
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def racale(site_tree):
    return space_in(site_tree, title="Cowo Racale", city="Racale")


def follower(space, **fields):
    user = UserFactory(**fields)
    follow_add(user, FollowKind.SPACE, space)
    return user


def test_a_follower_gets_one_digest_with_the_new_event_and_running_again_sends_nothing(racale):
    user = follower(racale)
    event = publish_event(racale, title="Laboratorio di stampa 3D")
    mail.outbox.clear()

    assert digests_send_due(due_soon()) == 1
    assert digests_send_due(due_soon()) == 0
    assert digest_send(user.pk, due_soon()) == 0

    (message,) = mail.outbox
    assert message.to == [user.email]
    assert "Laboratorio di stampa 3D" in message.body
    assert "Laboratorio di stampa 3D" in message.alternatives[0][0]
    assert list(DigestEvent.objects.values_list("user_id", "event_id")) == [(user.pk, event.pk)]


def test_next_week_tells_only_events_not_told_before(racale):
    user = follower(racale)
    first = publish_event(racale, title="First", starts_in_days=20)
    now = due_soon()
    assert digest_send(user.pk, now) == 1
    second = publish_event(racale, title="Second", starts_in_days=21)
    mail.outbox.clear()

    assert digest_send(user.pk, now + dt.timedelta(days=7)) == 1
    (message,) = mail.outbox
    assert "Second" in message.body and "First" not in message.body
    assert set(DigestEvent.objects.values_list("event_id", flat=True)) == {first.pk, second.pk}
    # A third week with nothing new: no e-mail, no claim.
    assert digest_send(user.pk, now + dt.timedelta(days=14)) == 0
    assert Digest.objects.filter(user=user).count() == 2


def test_nothing_new_sends_nothing_and_claims_nothing(racale):
    user = follower(racale)
    assert digest_send(user.pk, due_soon()) == 0
    assert Digest.objects.count() == 0
    assert mail.outbox == []


def test_members_who_chose_never_and_inactive_members_get_nothing(racale):
    never = follower(racale)
    digest_frequency_set(never, DigestFrequency.NEVER)
    inactive = follower(racale, is_active=False)
    publish_event(racale)
    mail.outbox.clear()
    assert digests_send_due(due_soon()) == 0
    assert digest_send(never.pk, due_soon()) == 0 and digest_send(inactive.pk, due_soon()) == 0
    assert mail.outbox == []


def test_cancelled_and_past_events_are_not_told(racale):
    user = follower(racale)
    cancelled = publish_event(racale)
    republish(cancelled, status=EventStatus.CANCELLED, status_reason="Closed")
    publish_event(racale, starts_in_days=-2)
    mail.outbox.clear()
    assert digest_send(user.pk, due_soon()) == 0
    assert mail.outbox == []


def test_the_digest_is_written_in_the_members_language(racale):
    user = follower(racale)
    profile_ensure(user, language="it")
    publish_event(racale)
    mail.outbox.clear()
    digest_send(user.pk, due_soon())
    (message,) = mail.outbox
    assert message.extra_headers["Content-Language"] == "it"
    assert "Annulla l'iscrizione a questo riepilogo" in message.body


def test_nasty_titles_are_escaped_in_html_and_plain_in_text(racale):
    user = follower(racale)
    publish_event(racale, title='<img src="https://evil.example/p.gif"> & שלום 🎉\nbis')
    mail.outbox.clear()
    digest_send(user.pk, due_soon())
    (message,) = mail.outbox
    html = message.alternatives[0][0]
    assert "<img" not in html
    assert "&lt;img src=&quot;https://evil.example/p.gif&quot;&gt; &amp; שלום 🎉" in html
    assert '<img src="https://evil.example/p.gif"> & שלום 🎉' in message.body
    assert "\n" not in message.subject


def _unsubscribe_path(message) -> str:
    header = message.extra_headers["List-Unsubscribe"]
    match = re.fullmatch(r"<http://testserver(/unsubscribe/digest/[^>]+/)>", header)
    assert match, header
    return match.group(1)


def test_the_digest_carries_one_click_unsubscribe_that_works_without_logging_in(client, racale):
    user = follower(racale)
    publish_event(racale)
    mail.outbox.clear()
    digest_send(user.pk, due_soon())
    (message,) = mail.outbox
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = _unsubscribe_path(message)
    assert path in message.body

    # GET (a link scanner) changes nothing; the mail client's one-click POST unsubscribes.
    assert client.get(path).status_code == 200
    assert digest_frequency(user) == DigestFrequency.WEEKLY
    response = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert digest_frequency(user) == DigestFrequency.NEVER
    # Replayed: harmless, still unsubscribed.
    assert client.post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert digest_frequency(user) == DigestFrequency.NEVER
