"""The events demo: about sixty events, past and future, every format, registrations, idempotent."""

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.test import TestCase
from django.utils import timezone

from events.demo import ESPRESSO_2017_SLUG, load_events_demo
from events.models import EventFormat, EventPage, Registration, RegistrationState
from home.services import site_tree_ensure
from network.demo import load_network_demo

pytestmark = [pytest.mark.django_db, pytest.mark.strictest_db]


@pytest.fixture(scope="class")
def demo(class_transaction):
    """The network and events demos, loaded once per class of tests (~10 s), with the
    e-mails their registrations would send (run on commit) collected in `demo.outbox`."""
    tree = site_tree_ensure()
    load_network_demo(tree.spaces, tree.members)
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        result = load_events_demo()
    result.outbox = list(mail.outbox)
    return result


class TestTheLoadedDemo:
    """Tests that read the demo: each runs in a savepoint inside the class's transaction."""

    def test_demo_registrations_send_no_emails(self, demo):
        assert demo.registrations > 100
        assert demo.outbox == []

    def test_demo_creates_about_sixty_live_events_past_and_future(self, demo):
        events = EventPage.objects.live()
        assert 55 <= events.count() <= 65
        now = timezone.now()
        assert events.filter(ends_at__lt=now).count() >= 20
        assert events.filter(starts_at__gt=now).count() >= 20
        assert set(events.values_list("format", flat=True)) == set(EventFormat.values)
        assert set(events.values_list("language", flat=True)) == {"it", "en"}
        assert events.values("space").distinct().count() >= 6

    def test_demo_has_paid_cancelled_postponed_and_full_events(self, demo):
        paid = EventPage.objects.filter(price_credits__gt=0)
        assert paid.exists()
        assert all(5 <= price <= 20 for price in paid.values_list("price_credits", flat=True))
        cancelled = EventPage.objects.get(status="cancelled")
        assert cancelled.status_reason
        assert cancelled.sequence == 1  # published again after the cancellation
        assert EventPage.objects.filter(status="postponed").count() == 1
        waiting = Registration.objects.filter(state=RegistrationState.WAITLISTED)
        assert waiting.exists()
        full = waiting.first().event
        assert full.seats_left == 0

    def test_demo_contains_the_2017_national_non_conference_in_racale(self, demo):
        event = EventPage.objects.get(slug=ESPRESSO_2017_SLUG)
        rome = ZoneInfo("Europe/Rome")
        assert event.space.city == "Racale"
        assert event.format == EventFormat.UNCONFERENCE
        assert event.starts_at == dt.datetime(2017, 9, 22, 9, 30, tzinfo=rome)
        assert event.ends_at == dt.datetime(2017, 9, 23, 18, 0, tzinfo=rome)
        agendas = [block for block in event.body if block.block_type == "agenda"]
        assert [a.value["heading"] for a in agendas] == ["Venerdì 22 settembre",
                                                         "Sabato 23 settembre"]
        assert "Cerchio di apertura" in [item["title"] for item in agendas[0].value["items"]]
        assert event.registrations.filter(state=RegistrationState.ATTENDED).count() >= 10

    def test_demo_registrations_are_confirmed_for_future_and_attended_for_past(self, demo):
        now = timezone.now()
        states_past = Counter(Registration.objects.filter(event__ends_at__lt=now)
                              .values_list("state", flat=True))
        states_future = Counter(Registration.objects.filter(event__starts_at__gt=now)
                                .values_list("state", flat=True))
        # Past events: people were checked in; those still waiting when a full event started
        # stay on its waiting list. Nobody is left merely "confirmed".
        assert RegistrationState.ATTENDED in states_past
        assert RegistrationState.CONFIRMED not in states_past
        assert RegistrationState.CONFIRMED in states_future
        assert RegistrationState.ATTENDED not in states_future

    def test_demo_is_idempotent(self, demo):
        events, registrations = EventPage.objects.count(), Registration.objects.count()
        again = load_events_demo()
        assert again.created == 0
        assert (EventPage.objects.count(), Registration.objects.count()) == (events, registrations)


def test_demo_does_nothing_without_spaces(site_tree):
    result = load_events_demo()
    assert result.created == 0
    assert EventPage.objects.count() == 0
