"""events.services.tickets exactly (issue 14, the mutation run): who may renew a ticket and
the sentence of each refusal, what the revoked row records, the retries when a new code
collides, and the e-mail with the new ticket."""

import datetime as dt

import pytest
from django.utils import timezone

from events import exceptions, services
from events.models import EventPage, Registration, RegistrationState, RevokedTicket
from events.services import tickets as tickets_module
from tests.events.registration_factories import make_organiser, publish_event, space_in
from tests.network.factories import UserFactory
from tests.refusals import refusal

pytestmark = pytest.mark.django_db


@pytest.fixture
def space(site_tree):
    return space_in(site_tree)


def test_the_holder_renews_their_ticket_and_is_sent_the_new_one(space, told):
    event = publish_event(space)
    user = UserFactory()
    registration = services.registration_create(event, user=user)
    old = registration.ticket_code
    told.clear()
    before = timezone.now()
    renewed = services.ticket_rotate(registration, actor=user)
    fresh = Registration.objects.get(pk=registration.pk)
    assert fresh.ticket_code == renewed.ticket_code != old
    assert len(fresh.ticket_code) == 24
    revoked = RevokedTicket.objects.get(registration=registration)
    assert (revoked.code, revoked.revoked_by) == (old, user)
    assert before <= revoked.revoked_at <= timezone.now()
    assert told == [("ticket_reissued", registration.pk)]


def test_nobody_signed_in_may_renew_a_ticket_and_is_told_so(space, told):
    event = publish_event(space, guests_allowed=True)
    guest = services.registration_create(event, guest_name="Ada", guest_email="ada@example.org")
    member = services.registration_create(event, user=UserFactory())
    told.clear()
    for registration in (guest, member):
        assert refusal(exceptions.RegistrationNotAllowed, services.ticket_rotate, registration,
                       actor=None) == "You are not allowed to change this registration."
    assert not RevokedTicket.objects.exists()
    assert told == []


def test_a_member_may_not_renew_a_guests_ticket(space):
    event = publish_event(space, guests_allowed=True)
    guest = services.registration_create(event, guest_name="Ada", guest_email="ada@example.org")
    assert refusal(exceptions.RegistrationNotAllowed, services.ticket_rotate, guest,
                   actor=UserFactory()) == "You are not allowed to change this registration."
    organiser = make_organiser(space)
    renewed = services.ticket_rotate(guest, actor=organiser)
    assert RevokedTicket.objects.get(registration=guest).revoked_by == organiser
    assert renewed.ticket_code != guest.ticket_code


def test_a_cancelled_registration_has_no_ticket_to_renew(space, told):
    event = publish_event(space)
    user = UserFactory()
    registration = services.registration_create(event, user=user)
    services.registration_cancel(registration, actor=user)
    told.clear()
    assert refusal(exceptions.RegistrationStateError, services.ticket_rotate, registration,
                   actor=user) == "A cancelled registration has no ticket."
    assert Registration.objects.get(pk=registration.pk).ticket_code == registration.ticket_code
    assert not RevokedTicket.objects.exists()
    assert told == []


def test_a_waitlisted_person_may_renew_their_ticket(space):
    event = publish_event(space, capacity=1, waitlist_enabled=True)
    services.registration_create(event, user=UserFactory())
    user = UserFactory()
    waiting = services.registration_create(event, user=user)
    renewed = services.ticket_rotate(waiting, actor=user)
    assert (renewed.state, renewed.ticket_code != waiting.ticket_code) == (
        RegistrationState.WAITLISTED, True)


def test_a_colliding_new_code_is_drawn_again(space, monkeypatch):
    event = publish_event(space)
    user = UserFactory()
    taken = services.registration_create(event, user=UserFactory()).ticket_code
    registration = services.registration_create(event, user=user)
    draws = iter([taken, "n" * 24])
    calls = []

    def drawn():
        calls.append(1)
        return next(draws)

    monkeypatch.setattr(tickets_module, "ticket_code_new", drawn)
    renewed = services.ticket_rotate(registration, actor=user)
    assert renewed.ticket_code == "n" * 24
    assert len(calls) == 2
    assert RevokedTicket.objects.filter(registration=registration).count() == 1


def test_three_collisions_give_up_with_a_sentence_and_change_nothing(space, monkeypatch, told):
    event = publish_event(space)
    user = UserFactory()
    taken = services.registration_create(event, user=UserFactory()).ticket_code
    registration = services.registration_create(event, user=user)
    calls = []

    def drawn():
        calls.append(1)
        return taken

    monkeypatch.setattr(tickets_module, "ticket_code_new", drawn)
    told.clear()
    assert refusal(exceptions.RegistrationStateError, services.ticket_rotate, registration,
                   actor=user) == "The ticket could not be renewed; try again."
    assert len(calls) == 3
    assert Registration.objects.get(pk=registration.pk).ticket_code == registration.ticket_code
    assert not RevokedTicket.objects.exists()
    assert told == []
    assert EventPage.objects.filter(pk=event.pk).exists()


def test_the_revocation_is_stamped_with_the_services_clock(space, monkeypatch):
    """revoked_at is the moment the service read (the model's default would read the clock
    on its own): one clock for everything the renewal records."""
    event = publish_event(space)
    user = UserFactory()
    registration = services.registration_create(event, user=user)
    moment = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=5)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    services.ticket_rotate(registration, actor=user)
    assert RevokedTicket.objects.get(registration=registration).revoked_at == moment
