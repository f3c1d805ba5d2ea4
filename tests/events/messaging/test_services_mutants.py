"""events.messaging.services exactly (issue 14, the mutation run): the subject and text as
stored, every refusal's sentence, the bounds, who is named as the sender, the default
limits and the rolling window, the rows a send writes (one per recipient, nothing on a
refusal), and the row locks as PostgreSQL receives them."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from events import services as registration_services
from events.messaging import services
from events.messaging.exceptions import (
    MessageInvalid,
    MessageNoRecipients,
    MessageNotAllowed,
    MessageRateLimited,
)
from events.messaging.models import Audience, DeliveryStatus, EventMessage, EventMessageDelivery
from events.models import EventPage, RegistrationRole
from events.tasks import notifications_silenced
from network.models import MemberProfile
from tests.events.registration_factories import make_organiser, publish_event, space_in
from tests.network.factories import UserFactory, make_coordinator
from tests.refusals import refusal

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def space(site_tree):
    return space_in(site_tree)


@pytest.fixture
def organiser(space):
    return make_organiser(space, email="host@cowo.example", first_name="Ada", last_name="Host")


@pytest.fixture
def event(space):
    """Capacity 1: one confirmed member, one on the waiting list, one cancelled."""
    event = publish_event(space, capacity=1, language="it")
    with notifications_silenced():
        event.confirmed = registration_services.registration_create(event, user=UserFactory())
        event.waiting = registration_services.registration_create(event, user=UserFactory())
        event.cancelled = registration_services.registration_create(event, user=UserFactory())
        registration_services.registration_cancel(event.cancelled, actor=event.cancelled.user)
    return event


def clean(subject="Hi", body="Text", audience=Audience.ALL, role=""):
    return services.message_clean(subject, body, audience, role)


# --- message_clean: what is kept, what is refused and how it is said -----------------------

def test_the_subject_and_text_are_stripped_and_line_ends_made_unix():
    assert clean("  Room change \t", "\r\n  a\r\nb\rc\n\n d  \r\n", Audience.CONFIRMED,
                 RegistrationRole.SPEAKER) == ("Room change", "a\nb\nc\n\n d", "")


def test_a_role_is_kept_only_for_the_role_audience():
    assert clean("S", "B", Audience.ROLE, RegistrationRole.SPEAKER) == ("S", "B", "speaker")
    for audience in (Audience.ALL, Audience.WAITLISTED, Audience.ATTENDED):
        assert clean("S", "B", audience, RegistrationRole.HOST) == ("S", "B", "")


def test_tabs_and_newlines_are_allowed_in_the_text():
    body = "Agenda:\n\t1. coffee\n\t2. talk"
    assert clean(body=body) == ("Hi", body, "")


def test_none_is_an_empty_subject_or_text():
    assert refusal(MessageInvalid, clean, None, "Text") == "Please write a subject."
    assert refusal(MessageInvalid, clean, "Hi", None) == "Please write the message."
    assert refusal(MessageInvalid, clean, " \t ", "Text") == "Please write a subject."
    assert refusal(MessageInvalid, clean, "Hi", "\r\n \r ") == "Please write the message."


@pytest.mark.parametrize("subject", ["Room\nchange", "Room\r\nBcc: x@example.org",
                                     "Line\u2028separator", "Para\u2029graph", "Next\x85line",
                                     "bell\x07"])
def test_a_subject_of_more_than_one_line_is_refused_with_its_sentence(subject):
    assert refusal(MessageInvalid, clean, subject) == "The subject must be one line of text."


def test_the_subject_may_have_150_characters_not_151():
    assert clean("é" * 150)[0] == "é" * 150
    assert refusal(MessageInvalid, clean, "é" * 151) == (
        "The subject is too long (at most 150 characters).")


def test_the_text_may_have_20000_characters_not_20001():
    assert clean(body="ü" * 20_000)[1] == "ü" * 20_000
    assert refusal(MessageInvalid, clean, "Hi", "ü" * 20_001) == (
        "The message is too long (at most 20000 characters).")


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x1f", "\x7f"])
def test_control_characters_in_the_text_are_refused_with_their_sentence(char):
    assert refusal(MessageInvalid, clean, "Hi", f"a{char}b") == (
        "The message contains control characters.")


def test_an_unknown_audience_or_role_is_refused_with_its_sentence():
    assert refusal(MessageInvalid, clean, audience="everyone") == (
        "Please choose who receives the message.")
    assert refusal(MessageInvalid, clean, audience="") == "Please choose who receives the message."
    assert refusal(MessageInvalid, clean, audience=Audience.ROLE, role="boss") == (
        "Please choose a role.")
    assert refusal(MessageInvalid, clean, audience=Audience.ROLE) == "Please choose a role."


# --- who is named as the sender -----------------------------------------------------------

def test_the_sender_is_named_by_profile_then_full_name_then_address():
    with_profile = UserFactory(first_name="Ada", last_name="Host", email="ada@example.org")
    MemberProfile.objects.create(user=with_profile, slug="ada", display_name="Ada from Roma")
    assert services.sender_name_of(with_profile) == "Ada from Roma"
    blank_profile = UserFactory(first_name="Grace", last_name="Hopper")
    MemberProfile.objects.create(user=blank_profile, slug="grace", display_name="")
    assert services.sender_name_of(blank_profile) == "Grace Hopper"
    no_profile = UserFactory(first_name="Linus", last_name="")
    assert services.sender_name_of(no_profile) == "Linus"
    nameless = UserFactory(email="nobody@example.org")
    assert services.sender_name_of(nameless) == "nobody@example.org"


# --- message_draft ------------------------------------------------------------------------

def test_a_draft_is_the_message_as_it_would_be_sent_and_saves_nothing(event, organiser):
    draft = services.message_draft(event, sender=organiser, subject=" Aula 2 ",
                                   body="Ci vediamo\r\nlì.", audience=Audience.ROLE,
                                   role=RegistrationRole.ATTENDEE)
    assert draft.pk is None and EventMessage.objects.count() == 0
    assert (draft.event, draft.sender, draft.sender_name, draft.reply_to) == (
        event, organiser, "Ada Host", "host@cowo.example")
    assert (draft.audience, draft.role, draft.language, draft.subject, draft.body) == (
        "role", "attendee", "it", "Aula 2", "Ci vediamo\nlì.")


def test_an_event_without_a_language_is_written_in_the_sites(event, organiser):
    EventPage.objects.filter(pk=event.pk).update(language="")
    event.language = ""
    draft = services.message_draft(event, sender=organiser, subject="Hi", body="x",
                                   audience=Audience.ALL)
    assert draft.language == "en"
    sent = services.message_send(event, sender=organiser, subject="Hi", body="x",
                                 audience=Audience.ALL)
    assert EventMessage.objects.get(pk=sent.pk).language == "en"


def test_only_the_spaces_organisers_and_coordinators_may_write(event, organiser, site_tree):
    coordinator = make_coordinator()
    assert services.message_draft(event, sender=coordinator, subject="Hi", body="x",
                                  audience=Audience.ALL).sender == coordinator
    other = make_organiser(space_in(site_tree, title="Elsewhere"))
    for sender in (other, event.confirmed.user):
        assert refusal(MessageNotAllowed, services.message_draft, event, sender=sender,
                       subject="Hi", body="x", audience=Audience.ALL) == (
            "Only the event's organisers can write to its participants.")
    organiser.is_active = False
    organiser.save()
    assert refusal(MessageNotAllowed, services.message_send, event, sender=organiser,
                   subject="Hi", body="x", audience=Audience.ALL) == (
        "Only the event's organisers can write to its participants.")
    assert EventMessage.objects.count() == 0


def test_a_refused_text_is_refused_before_anything_is_saved(event, organiser):
    assert refusal(MessageInvalid, services.message_send, event, sender=organiser,
                   subject="Hi\nthere", body="x", audience=Audience.ALL) == (
        "The subject must be one line of text.")
    assert refusal(MessageInvalid, services.message_send, event, sender=organiser,
                   subject="Hi", body="x", audience=Audience.ROLE, role="") == (
        "Please choose a role.")
    assert EventMessage.objects.count() == EventMessageDelivery.objects.count() == 0


# --- message_send: the rows it writes -------------------------------------------------------

def test_a_send_stores_the_message_and_one_pending_delivery_per_recipient(
        event, organiser, monkeypatch):
    moment = timezone.now().replace(microsecond=123456)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    with notifications_silenced():
        speaker = registration_services.registration_create(
            event, user=UserFactory(), role=RegistrationRole.SPEAKER, actor=organiser)
    # The caller's object is stale (Italian): the row says English now, and the message
    # follows the row.
    EventPage.objects.filter(pk=event.pk).update(language="en")
    sent = services.message_send(event, sender=organiser, subject=" Aula 2 ",
                                 body="Ci vediamo.\r\n", audience=Audience.ALL)
    stored = EventMessage.objects.get()
    assert sent.pk == stored.pk
    assert (stored.event_id, stored.sender_id, stored.sender_name, stored.reply_to) == (
        event.pk, organiser.pk, "Ada Host", "host@cowo.example")
    assert (stored.audience, stored.role, stored.language, stored.subject, stored.body) == (
        "all", "", "en", "Aula 2", "Ci vediamo.")
    assert stored.created_at == sent.created_at == moment
    deliveries = list(EventMessageDelivery.objects.order_by("registration_id").values_list(
        "message_id", "registration_id", "status", "attempts", "claimed_at", "sent_at"))
    assert deliveries == sorted(
        (stored.pk, registration.pk, DeliveryStatus.PENDING, 0, None, None)
        for registration in (event.confirmed, event.waiting, speaker))


def test_a_role_message_reaches_only_that_role(event, organiser):
    with notifications_silenced():
        speaker = registration_services.registration_create(
            event, user=UserFactory(), role=RegistrationRole.SPEAKER, actor=organiser)
    sent = services.message_send(event, sender=organiser, subject="Slides", body="x",
                                 audience=Audience.ROLE, role=RegistrationRole.SPEAKER)
    assert (sent.audience, sent.role) == ("role", "speaker")
    assert list(sent.deliveries.values_list("registration_id", flat=True)) == [speaker.pk]


def test_an_audience_nobody_matches_is_refused_with_its_sentence_and_saves_nothing(
        event, organiser):
    assert refusal(MessageNoRecipients, services.message_send, event, sender=organiser,
                   subject="Hi", body="x", audience=Audience.ATTENDED) == (
        "Nobody matches this choice of recipients.")
    assert EventMessage.objects.count() == EventMessageDelivery.objects.count() == 0


def test_two_sends_are_two_messages_each_with_its_own_deliveries(event, organiser):
    first = services.message_send(event, sender=organiser, subject="1", body="x",
                                  audience=Audience.CONFIRMED)
    second = services.message_send(event, sender=organiser, subject="2", body="x",
                                   audience=Audience.WAITLISTED)
    assert list(first.deliveries.values_list("registration_id", flat=True)) == [
        event.confirmed.pk]
    assert list(second.deliveries.values_list("registration_id", flat=True)) == [
        event.waiting.pk]


def test_the_send_is_enqueued_when_the_transaction_commits(event, organiser,
                                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        services.message_send(event, sender=organiser, subject="Hi", body="x",
                              audience=Audience.ALL)
    assert len(callbacks) == 1


# --- the limits -----------------------------------------------------------------------------

def earlier_messages(event, sender, count: int, at) -> None:
    EventMessage.objects.bulk_create(
        EventMessage(event=event, sender=sender, sender_name="x", reply_to="x@example.org",
                     audience=Audience.ALL, language="en", subject=f"#{n}", body="x",
                     created_at=at) for n in range(count))


def test_the_default_limit_is_five_messages_per_event(event, organiser, settings):
    del settings.EVENTS_MESSAGES_PER_EVENT_PER_DAY
    assert services.per_event_limit() == 5
    earlier_messages(event, make_organiser(event.space), 4, timezone.now())
    services.message_send(event, sender=organiser, subject="5", body="x", audience=Audience.ALL)
    assert refusal(MessageRateLimited, services.message_send, event, sender=organiser,
                   subject="6", body="x", audience=Audience.ALL) == (
        "This event has had 5 messages in the last 24 hours; please wait before sending "
        "another one.")
    assert EventMessage.objects.filter(event=event).count() == 5


def test_the_default_limit_is_twenty_messages_per_sender(event, organiser, space, settings):
    del settings.EVENTS_MESSAGES_PER_SENDER_PER_DAY
    assert services.per_sender_limit() == 20
    elsewhere = publish_event(space)
    earlier_messages(elsewhere, organiser, 19, timezone.now())
    services.message_send(event, sender=organiser, subject="20", body="x",
                          audience=Audience.ALL)
    assert refusal(MessageRateLimited, services.message_send, event, sender=organiser,
                   subject="21", body="x", audience=Audience.ALL) == (
        "You have sent 20 messages in the last 24 hours; please wait before sending "
        "another one.")
    assert EventMessage.objects.filter(sender=organiser).count() == 20


def test_the_limits_are_read_from_the_settings(settings):
    settings.EVENTS_MESSAGES_PER_EVENT_PER_DAY = 7
    settings.EVENTS_MESSAGES_PER_SENDER_PER_DAY = 9
    assert (services.per_event_limit(), services.per_sender_limit()) == (7, 9)


def test_a_message_exactly_24_hours_old_no_longer_counts(event, organiser, settings,
                                                         monkeypatch):
    """For either limit: the old message is this event's and this sender's."""
    settings.EVENTS_MESSAGES_PER_EVENT_PER_DAY = 1
    settings.EVENTS_MESSAGES_PER_SENDER_PER_DAY = 1
    moment = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: moment)
    earlier_messages(event, organiser, 1, moment - dt.timedelta(hours=24))
    services.message_send(event, sender=organiser, subject="ok", body="x",
                          audience=Audience.ALL)
    EventMessage.objects.filter(subject="ok").update(
        created_at=moment - dt.timedelta(hours=24) + dt.timedelta(microseconds=1))
    assert refusal(MessageRateLimited, services.message_send, event, sender=organiser,
                   subject="no", body="x", audience=Audience.ALL).startswith(
        "This event has had 1 messages")


def test_the_event_limit_counts_only_this_events_messages(event, organiser, space, settings):
    settings.EVENTS_MESSAGES_PER_EVENT_PER_DAY = 1
    settings.EVENTS_MESSAGES_PER_SENDER_PER_DAY = 100
    earlier_messages(publish_event(space), organiser, 3, timezone.now())
    sent = services.message_send(event, sender=organiser, subject="ok", body="x",
                                 audience=Audience.ALL)
    assert EventMessage.objects.filter(event=event).get() == sent


def test_the_sender_limit_counts_only_this_senders_messages(event, organiser, space, settings):
    settings.EVENTS_MESSAGES_PER_EVENT_PER_DAY = 100
    settings.EVENTS_MESSAGES_PER_SENDER_PER_DAY = 1
    earlier_messages(event, make_organiser(space), 3, timezone.now())
    sent = services.message_send(event, sender=organiser, subject="ok", body="x",
                                 audience=Audience.ALL)
    assert EventMessage.objects.filter(sender=organiser).get() == sent


# --- the row locks, as PostgreSQL receives them ---------------------------------------------

@pytest.mark.postgres
def test_a_send_locks_the_senders_row_then_the_events_alone(event, organiser):
    with CaptureQueriesContext(connection) as queries:
        services.message_send(event, sender=organiser, subject="Hi", body="x",
                              audience=Audience.ALL)
    locks = [q["sql"] for q in queries.captured_queries if " FOR " in q["sql"]]
    assert len(locks) == 2, locks
    user_lock, event_lock = locks
    expected = ('SELECT "auth_user"."id" AS "pk" FROM "auth_user" '
                'WHERE "auth_user"."id" = %d FOR NO KEY UPDATE')
    assert user_lock == expected % organiser.pk, user_lock
    assert 'FROM "events_eventpage"' in event_lock, event_lock
    assert f'"events_eventpage"."page_ptr_id" = {event.pk}' in event_lock, event_lock
    assert event_lock.endswith('FOR UPDATE OF "events_eventpage"'), event_lock
