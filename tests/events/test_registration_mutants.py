"""events.services.registration exactly (issue 14, the mutation run): every refusal says its
own sentence (a `match=` on a fragment lets a mangled message through), the language a
registration records, and what the organiser-only services refuse."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from events import exceptions, services
from events.models import Registration, RegistrationRole, RegistrationState
from tests.events.registration_factories import make_organiser, publish_event, space_in
from tests.network.factories import UserFactory
from tests.refusals import refusal

pytestmark = pytest.mark.django_db


@pytest.fixture
def space(site_tree):
    return space_in(site_tree)


def test_a_member_and_a_guest_in_one_call_says_so(space):
    event = publish_event(space, guests_allowed=True)
    assert refusal(exceptions.RegistrationInvalid, services.registration_create, event,
                   user=UserFactory(), guest_email="ada@example.org") == (
        "A registration is either for a member or for a guest.")


def test_an_inactive_member_is_told_the_account_is_not_active(space):
    event = publish_event(space)
    assert refusal(exceptions.RegistrationInvalid, services.registration_create, event,
                   user=UserFactory(is_active=False)) == "This account is not active."


def test_an_unknown_role_says_so(space):
    event = publish_event(space)
    assert refusal(exceptions.RegistrationInvalid, services.registration_create, event,
                   user=UserFactory(), role="boss", actor=make_organiser(space)) == (
        "Unknown role.")


def test_a_speaker_role_from_someone_who_does_not_organise_is_refused_with_the_reason(space):
    event = publish_event(space)
    member = UserFactory()
    assert refusal(exceptions.RegistrationNotAllowed, services.registration_create, event,
                   user=member, role=RegistrationRole.SPEAKER, actor=member) == (
        "Only organisers assign speakers, hosts and volunteers.")
    assert not Registration.objects.filter(event=event).exists()
    registration = services.registration_create(event, user=member, role=RegistrationRole.SPEAKER,
                                                actor=make_organiser(space))
    assert (registration.role, registration.state) == (RegistrationRole.SPEAKER,
                                                       RegistrationState.CONFIRMED)


@pytest.mark.parametrize("name,email,message", [
    ("Ada\nLovelace", "ada@example.org", "Names and e-mail addresses must be one line."),
    ("", "ada@example.org", "Please give your name (up to 120 characters)."),
    ("<b> </b>", "ada@example.org", "Please give your name (up to 120 characters)."),
    ("Ada", "ada@", "Please give a valid e-mail address."),
    ("Ada", "", "Please give a valid e-mail address."),
])
def test_bad_guest_data_is_refused_with_its_own_sentence(space, name, email, message):
    event = publish_event(space, guests_allowed=True)
    assert refusal(exceptions.RegistrationInvalid, services.registration_create, event,
                   guest_name=name, guest_email=email) == message
    assert not Registration.objects.filter(event=event).exists()


def test_registration_not_yet_open_says_so(space):
    event = publish_event(space, registration_opens_at=timezone.now() + dt.timedelta(days=1))
    assert refusal(exceptions.RegistrationClosed, services.registration_create, event,
                   user=UserFactory()) == "Registration for this event is not open yet."


def test_a_guest_at_a_paid_event_is_refused_even_when_an_organiser_adds_them(space):
    event = publish_event(space, price_credits=5)
    for actor in (None, make_organiser(space)):
        assert refusal(exceptions.GuestsNotAllowed, services.registration_create, event,
                       guest_name="Ada", guest_email="ada@example.org", actor=actor) == (
            "Paid events are for members with credits.")
    assert not Registration.objects.filter(event=event).exists()


def test_a_guest_at_a_members_only_event_is_asked_to_log_in(space):
    event = publish_event(space, guests_allowed=False)
    assert refusal(exceptions.GuestsNotAllowed, services.registration_create, event,
                   guest_name="Ada", guest_email="ada@example.org") == (
        "Please log in to register for this event.")


@pytest.mark.parametrize("language,recorded", [("it", "it"), ("en", "en"), ("de", "")])
def test_a_registration_records_the_site_language_it_was_made_in(space, language, recorded):
    event = publish_event(space)
    with translation.override(language):
        registration = services.registration_create(event, user=UserFactory())
    assert Registration.objects.get(pk=registration.pk).language == recorded


def test_an_attended_registration_cannot_be_cancelled_and_says_so(space):
    event = publish_event(space, starts_in_days=0.01)
    organiser = make_organiser(space)
    registration = services.registration_create(event, user=UserFactory())
    services.registration_mark_attended(registration, actor=organiser)
    assert refusal(exceptions.RegistrationStateError, services.registration_cancel,
                   registration, actor=organiser) == (
        "An attended registration cannot be cancelled.")
    assert Registration.objects.get(pk=registration.pk).state == RegistrationState.ATTENDED


def test_only_confirmed_people_are_checked_in_and_the_refusal_says_so(space):
    event = publish_event(space, capacity=1, waitlist_enabled=True)
    organiser = make_organiser(space)
    services.registration_create(event, user=UserFactory())
    waiting = services.registration_create(event, user=UserFactory())
    assert refusal(exceptions.RegistrationStateError, services.registration_mark_attended,
                   waiting, actor=organiser) == "Only confirmed people can be checked in."
    fresh = Registration.objects.get(pk=waiting.pk)
    assert (fresh.state, fresh.attended_at, fresh.attended_by) == (
        RegistrationState.WAITLISTED, None, None)


def test_setting_a_role_refuses_with_the_reason(space):
    event = publish_event(space)
    organiser = make_organiser(space)
    registration = services.registration_create(event, user=UserFactory())
    assert refusal(exceptions.RegistrationInvalid, services.registration_set_role,
                   registration, "boss", actor=organiser) == "Unknown role."
    assert refusal(exceptions.RegistrationNotAllowed, services.registration_set_role,
                   registration, RegistrationRole.HOST, actor=UserFactory()) == (
        "You are not allowed to change this registration.")
    services.registration_cancel(registration, actor=organiser)
    assert refusal(exceptions.RegistrationStateError, services.registration_set_role,
                   registration, RegistrationRole.HOST, actor=organiser) == (
        "A cancelled registration has no role.")
    assert Registration.objects.get(pk=registration.pk).role == RegistrationRole.ATTENDEE


def test_setting_the_same_role_again_writes_nothing(space):
    event = publish_event(space)
    organiser = make_organiser(space)
    registration = services.registration_create(event, user=UserFactory(),
                                                role=RegistrationRole.HOST, actor=organiser)
    before = Registration.objects.get(pk=registration.pk).updated_at
    assert services.registration_set_role(registration, RegistrationRole.HOST,
                                          actor=organiser).role == RegistrationRole.HOST
    assert Registration.objects.get(pk=registration.pk).updated_at == before
    changed = services.registration_set_role(registration, RegistrationRole.VOLUNTEER,
                                             actor=organiser)
    assert changed.role == RegistrationRole.VOLUNTEER
    assert Registration.objects.get(pk=registration.pk).role == RegistrationRole.VOLUNTEER


def test_leaving_the_waiting_list_when_confirmed_says_you_are_not_on_it(space):
    event = publish_event(space)
    registration = services.registration_create(event, user=UserFactory())
    assert refusal(exceptions.RegistrationStateError, services.registration_leave_waitlist,
                   registration) == "You are not on the waiting list."
    assert Registration.objects.get(pk=registration.pk).state == RegistrationState.CONFIRMED


def test_cancelling_someone_elses_registration_is_refused(space):
    event = publish_event(space)
    registration = services.registration_create(event, user=UserFactory())
    assert refusal(exceptions.RegistrationNotAllowed, services.registration_cancel,
                   registration, actor=UserFactory()) == (
        "You are not allowed to change this registration.")
    assert Registration.objects.get(pk=registration.pk).state == RegistrationState.CONFIRMED
