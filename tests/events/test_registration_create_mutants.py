"""events.services.registration's registration path exactly (issue 14, the mutation run of
registration_create and _registration_create_locked after issue 11's rewrite): what the
statement that locks the event is asked for, and the race window that only the control
tests (the lock turned off) open."""

import uuid
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from credits import services as credits
from credits.selectors import account_balance
from events import payments
from events.models import (
    EventPage,
    QuestionKind,
    Registration,
    RegistrationAnswer,
    RegistrationQuestion,
    RegistrationState,
)
from events.services import registration as registration_module
from events.services import registration_create
from tests.events.registration_factories import make_organiser, publish_event, space_in
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db

PRICE = 10


@pytest.fixture
def space(site_tree):
    return space_in(site_tree)


def member_with(amount: int):
    user = UserFactory()
    credits.transfer_post(debit=credits.account_network("issuance"),
                          credit=credits.account_for_member(user), amount=amount,
                          code="grant", idempotency_key=f"test-grant-{uuid.uuid4()}")
    return user


@pytest.fixture
def slept(monkeypatch) -> list:
    """The pauses the registration path asks for (its own `time` only)."""
    pauses: list = []
    monkeypatch.setattr(registration_module, "time", SimpleNamespace(sleep=pauses.append))
    return pauses


def test_a_registration_with_its_lock_never_pauses(space, slept):
    event = publish_event(space, capacity=1, waitlist_enabled=True)
    assert registration_create(event, user=UserFactory()).state == RegistrationState.CONFIRMED
    assert registration_create(event, user=UserFactory()).state == RegistrationState.WAITLISTED
    assert slept == []


def test_only_the_control_without_the_lock_opens_the_race_window(space, slept, settings):
    settings.EVENTS_DISABLE_REGISTRATION_LOCK = True
    event = publish_event(space, capacity=3)
    assert registration_create(event, user=UserFactory()).state == RegistrationState.CONFIRMED
    assert slept == [registration_module.RACE_WINDOW_SECONDS] == [0.05]


@pytest.fixture
def lock_calls(monkeypatch) -> list[tuple]:
    """What the registration path asks the statement that locks the event for."""
    calls: list[tuple] = []
    original = registration_module.lock_event_for_registration

    def spy(event_pk, **kwargs):
        calls.append((event_pk, kwargs))
        return original(event_pk, **kwargs)

    monkeypatch.setattr(registration_module, "lock_event_for_registration", spy)
    return calls


def test_a_member_registering_locks_their_row_with_the_event_and_counts_their_tally(
        space, lock_calls):
    event = publish_event(space)
    user = UserFactory()
    registration_create(event, user=user)
    assert lock_calls == [(event.pk, {"lock": True, "asks_required": True, "member": user,
                                      "tally_of": (user, "")})]


def test_a_guest_registering_locks_the_event_only_and_counts_the_guests_tally(
        space, lock_calls):
    event = publish_event(space, guests_allowed=True)
    registration_create(event, guest_name="Zoë", guest_email="Zoe@Example.org")
    assert lock_calls == [(event.pk, {"lock": True, "asks_required": True, "member": None,
                                      "tally_of": (None, "zoe@example.org")})]


def test_answers_given_or_an_organiser_adding_someone_need_no_required_question_check(
        space, lock_calls):
    event = publish_event(space)
    member, added = UserFactory(), UserFactory()
    registration_create(event, user=member, answers={})
    registration_create(event, user=added, actor=make_organiser(space))
    assert [kwargs["asks_required"] for _, kwargs in lock_calls] == [False, False]


def test_the_control_without_the_lock_locks_neither_the_event_nor_the_member(
        space, slept, settings, lock_calls):
    settings.EVENTS_DISABLE_REGISTRATION_LOCK = True
    event = publish_event(space)
    user = UserFactory()
    registration_create(event, user=user)
    assert lock_calls == [(event.pk, {"lock": False, "asks_required": True, "member": None,
                                      "tally_of": (user, "")})]


@pytest.mark.parametrize("guest", [False, True])
def test_a_replay_found_by_the_tally_never_tries_a_second_insert(space, guest):
    """The tally says the person already holds a registration: it is read and returned, no
    INSERT left to the unique index to refuse (and no lost race to recover from)."""
    event = publish_event(space, guests_allowed=True)
    person = ({"guest_name": "Ada", "guest_email": "ada@example.org"} if guest
              else {"user": UserFactory()})
    first = registration_create(event, **person)
    with CaptureQueriesContext(connection) as ctx:
        again = registration_create(event, **person)
    assert again.pk == first.pk
    assert [q["sql"] for q in ctx.captured_queries if "INSERT" in q["sql"]] == []


def test_one_person_waiting_is_promoted_before_a_newcomer_takes_a_freed_seat(
        space, monkeypatch):
    """Capacity raised from 1 to 3 with ONE person waiting (paid event): that person is
    promoted and charged, the newcomer takes the last seat; both their accounts are locked
    in one call before the first payment."""
    event = publish_event(space, capacity=1, waitlist_enabled=True, price_credits=PRICE)
    registration_create(event, user=member_with(PRICE))
    waiting = registration_create(event, user=member_with(PRICE))
    assert waiting.state == RegistrationState.WAITLISTED
    EventPage.objects.filter(pk=event.pk).update(capacity=3)
    placed: list = []
    original = payments.registration_accounts_lock

    def spy(event, **kwargs):
        placed.append([r.user_id for r in kwargs["place"]])
        return original(event, **kwargs)

    monkeypatch.setattr(payments, "registration_accounts_lock", spy)
    newcomer_user = member_with(PRICE)
    newcomer = registration_create(EventPage.objects.get(pk=event.pk), user=newcomer_user)
    assert placed == [[waiting.user_id, newcomer_user.pk]]
    assert (newcomer.state, newcomer.waitlist_position) == (RegistrationState.CONFIRMED, None)
    promoted = Registration.objects.get(pk=waiting.pk)
    assert promoted.state == RegistrationState.CONFIRMED
    holds = [account_balance(credits.account_for_member(user))
             for user in (waiting.user, newcomer_user)]
    assert [(b.available, b.on_hold) for b in holds] == [(0, PRICE), (0, PRICE)]


def test_answers_given_are_stored_with_the_new_registration(space):
    """registration_create writes the cleaned answers in the registration's transaction,
    each against the new registration, as the question was asked."""
    event = publish_event(space, guests_allowed=True)
    diet = RegistrationQuestion.objects.create(event=event, label="Diet", required=True,
                                               kind=QuestionKind.ONE_CHOICE,
                                               choices="Vegan\nAny")
    badge = RegistrationQuestion.objects.create(event=event, label="Name on your badge",
                                                kind=QuestionKind.SHORT_TEXT)
    member = registration_create(event, user=UserFactory(),
                                 answers={diet.pk: "Vegan", badge.pk: " Zoë ☕ "})
    guest = registration_create(event, guest_name="Ada", guest_email="ada@example.org",
                                answers={diet.pk: "Any"})
    stored = [(a.registration_id, a.question_id, a.label, a.value)
              for a in RegistrationAnswer.objects.order_by("registration_id", "question_id")]
    assert stored == [(member.pk, diet.pk, "Diet", "Vegan"),
                      (member.pk, badge.pk, "Name on your badge", "Zoë ☕"),
                      (guest.pk, diet.pk, "Diet", "Any")]
