"""Registration questions (issue 13): each kind, required or optional, answers kept as
answered, sensitive answers seen only by the event's own organisers, erased on schedule."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from events import services
from events.exceptions import RegistrationAnswersInvalid
from events.models import QuestionKind, Registration, RegistrationAnswer, RegistrationQuestion
from events.privacy import member_data_erase, member_data_export
from events.questions import answers_visible_to, sensitive_answers_erase
from events.tasks import notifications_silenced
from tests.events.registration_factories import (
    make_coordinator,
    make_organiser,
    publish_event,
    space_in,
)
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def space(site_tree):
    return space_in(site_tree)


@pytest.fixture
def event(space):
    return publish_event(space, guests_allowed=True)


def ask(event, label="Question", kind=QuestionKind.SHORT_TEXT, **fields) -> RegistrationQuestion:
    return RegistrationQuestion.objects.create(event=event, label=label, kind=kind, **fields)


@pytest.fixture
def questions(event):
    return {
        "name_on_badge": ask(event, "Name on your badge", QuestionKind.SHORT_TEXT),
        "bio": ask(event, "About you", QuestionKind.LONG_TEXT),
        "diet": ask(event, "Diet", QuestionKind.ONE_CHOICE, choices="Vegan\nVegetarian\nAny",
                    required=True),
        "topics": ask(event, "Topics", QuestionKind.SEVERAL_CHOICES, choices="AI\nWood\nCoffee"),
        "laptop": ask(event, "Bringing a laptop?", QuestionKind.YES_NO, required=True),
        "age": ask(event, "Children coming", QuestionKind.NUMBER),
        "access": ask(event, "Access needs", QuestionKind.LONG_TEXT, sensitive=True),
    }


SHALOM = "\u05e9\u05dc\u05d5\u05dd"  # right-to-left text
GOOD = {"name_on_badge": "Zoë ☕", "bio": f"Line one\n{SHALOM}", "diet": "Vegan",
        "topics": ["Coffee", "AI"], "laptop": "no", "age": "2", "access": "Wheelchair"}


def by_id(questions, answers: dict) -> dict:
    return {questions[key].pk: value for key, value in answers.items()}


def register(event, questions, answers: dict, **who) -> Registration:
    who = who or {"user": UserFactory()}
    with notifications_silenced():
        return services.registration_create(event, answers=by_id(questions, answers), **who)


def stored(registration) -> dict:
    return {answer.label: answer.value for answer in registration.answers.all()}


def test_every_kind_of_answer_is_stored_with_the_question_as_asked(event, questions):
    registration = register(event, questions, GOOD)
    assert stored(registration) == {
        "Name on your badge": "Zoë ☕", "About you": f"Line one\n{SHALOM}", "Diet": "Vegan",
        "Topics": ["AI", "Coffee"],  # in the question's order
        "Bringing a laptop?": False, "Children coming": "2", "Access needs": "Wheelchair"}
    diet = registration.answers.get(label="Diet")
    assert (diet.kind, diet.choices, diet.text) == ("one_choice", ["Vegan", "Vegetarian", "Any"],
                                                    "Vegan")
    assert registration.answers.get(label="Bringing a laptop?").text == "No"
    assert registration.answers.get(label="Access needs").sensitive is True


def test_optional_questions_left_blank_store_nothing(event, questions):
    registration = register(event, questions, {"diet": "Any", "laptop": "yes"})
    assert stored(registration) == {"Diet": "Any", "Bringing a laptop?": True}


@pytest.mark.parametrize(("key", "value"), [
    ("diet", ""),                       # required, blank
    ("laptop", None),                   # required, missing
    ("diet", "Carnivore"),              # not a choice
    ("topics", ["AI", "Gardening"]),    # one not a choice
    ("topics", 5),                      # not a list at all
    ("diet", ["Vegan"]),                # a list where one choice is asked
    ("laptop", "maybe"),
    ("age", "two"),
    ("age", "1e400"),
    ("age", "NaN"),
    ("age", "-1000000001"),
    ("name_on_badge", "two\nlines"),
    ("name_on_badge", "x" * 201),
    ("bio", "y" * 5001),
    ("bio", "bell\x07"),
])
def test_a_wrong_answer_registers_nothing(event, questions, key, value):
    answers = {**GOOD, key: value}
    if value is None:
        del answers[key]
    with pytest.raises(RegistrationAnswersInvalid) as caught:
        register(event, questions, answers)
    assert list(caught.value.errors) == [questions[key].pk]
    assert Registration.objects.count() == 0
    assert RegistrationAnswer.objects.count() == 0


def test_numbers_are_kept_exactly(event, questions):
    registration = register(event, questions, {**GOOD, "age": "-3.50"})
    assert stored(registration)["Children coming"] == "-3.5"


def test_a_member_cannot_skip_required_questions_but_an_organiser_adding_someone_can(
        event, questions, space):
    with pytest.raises(RegistrationAnswersInvalid), notifications_silenced():
        services.registration_create(event, user=UserFactory(), answers={})
    organiser = make_organiser(space)
    with notifications_silenced():
        added = services.registration_create(event, user=UserFactory(), actor=organiser)
    assert added.answers.count() == 0


def test_registering_twice_keeps_the_first_answers(event, questions):
    user = UserFactory()
    first = register(event, questions, GOOD, user=user)
    again = register(event, questions, {**GOOD, "diet": "Any"}, user=user)
    assert again.pk == first.pk
    assert stored(again)["Diet"] == "Vegan"


def test_guests_answer_too(event, questions):
    guest = register(event, questions, GOOD, guest_name="Ana", guest_email="ana@example.org")
    assert stored(guest)["Diet"] == "Vegan"


def test_changing_or_deleting_a_question_keeps_answers_readable(event, questions):
    registration = register(event, questions, GOOD)
    diet = questions["diet"]
    diet.label, diet.choices = "Food", "Fish\nMeat"
    diet.save()
    questions["access"].delete()
    answers = {answer.label: answer for answer in registration.answers.all()}
    assert (answers["Diet"].text, answers["Diet"].choices) == ("Vegan",
                                                               ["Vegan", "Vegetarian", "Any"])
    assert answers["Access needs"].question is None
    assert answers["Access needs"].text == "Wheelchair"


# --- who sees what ---------------------------------------------------------------------

def labels(user, registration) -> set[str]:
    registration = Registration.objects.get(pk=registration.pk)
    return {answer.label for answer in answers_visible_to(user, registration)}


ALL_LABELS = {"Name on your badge", "About you", "Diet", "Topics", "Bringing a laptop?",
              "Children coming", "Access needs"}


def test_sensitive_answers_only_for_the_events_own_organisers(event, questions, space,
                                                               site_tree):
    registration = register(event, questions, GOOD)
    own = make_organiser(space)
    other = make_organiser(space_in(site_tree, title="Elsewhere"))
    coordinator = make_coordinator()
    assert labels(own, registration) == ALL_LABELS
    assert labels(other, registration) == set()
    assert labels(coordinator, registration) == ALL_LABELS - {"Access needs"}
    assert labels(registration.user, registration) == set()


def test_coordinators_see_sensitive_answers_when_the_question_allows(event, questions):
    RegistrationQuestion.objects.filter(pk=questions["access"].pk).update(
        coordinators_may_see=True)
    registration = register(event, questions, GOOD)
    assert labels(make_coordinator(), registration) == ALL_LABELS


def export_rows(client, user) -> list[dict]:
    client.force_login(user)
    response = client.get(reverse("event_registrations:index") + "?export=csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_the_export_shows_answers_sensitive_ones_only_to_the_spaces_organisers(
        client, event, questions, space):
    register(event, questions, GOOD)
    (row,) = export_rows(client, make_organiser(space))
    assert row["Answers to the questions"] == (
        f"Name on your badge: Zoë ☕; About you: Line one\n{SHALOM}; Diet: Vegan; Topics: AI, "
        "Coffee; Bringing a laptop?: No; Children coming: 2; Access needs: Wheelchair")
    (row,) = export_rows(client, make_coordinator())
    assert "Access needs" not in row["Answers to the questions"]
    assert "Diet: Vegan" in row["Answers to the questions"]


def test_the_coordinators_export_shows_a_sensitive_answer_only_when_the_question_allows(
        client, event, questions):
    RegistrationQuestion.objects.filter(pk=questions["access"].pk).update(
        coordinators_may_see=True)
    register(event, questions, GOOD)
    (row,) = export_rows(client, make_coordinator())
    assert row["Answers to the questions"].endswith("; Access needs: Wheelchair")


def test_the_export_never_starts_a_cell_with_a_formula(client, space):
    event = publish_event(space)
    question = ask(event, "=HYPERLINK(\"http://evil\")")
    with notifications_silenced():
        services.registration_create(event, user=UserFactory(), answers={question.pk: "x"})
    (row,) = export_rows(client, make_organiser(space))
    assert row["Answers to the questions"].startswith("'=HYPERLINK")


def test_the_registration_page_in_the_admin_shows_the_answers(client, event, questions,
                                                               space, site_tree):
    registration = register(event, questions, GOOD)
    url = reverse("event_registrations:edit", args=[registration.pk])
    client.force_login(make_organiser(space))
    assert "Wheelchair" in client.get(url).content.decode()
    client.force_login(make_coordinator())
    html = client.get(url).content.decode()
    assert "Vegan" in html and "Wheelchair" not in html


# --- erasure -------------------------------------------------------------------------------

@pytest.mark.parametrize(("ended_days_ago", "erased"), [(31, True), (29, False)])
def test_sensitive_answers_are_erased_a_while_after_the_event(space, settings,
                                                              ended_days_ago, erased):
    settings.EVENTS_SENSITIVE_ANSWERS_KEEP_DAYS = 30
    event = publish_event(space)
    questions = {"access": ask(event, "Access needs", sensitive=True),
                 "diet": ask(event, "Diet")}
    registration = register(event, questions, {"access": "Hearing loop", "diet": "Any"})
    ends = timezone.now() - dt.timedelta(days=ended_days_ago)
    event.__class__.objects.filter(pk=event.pk).update(starts_at=ends - dt.timedelta(hours=2),
                                                       ends_at=ends)
    assert sensitive_answers_erase() == (1 if erased else 0)
    assert sensitive_answers_erase() == 0  # a second run finds nothing more
    expected = {"Diet": "Any"} if erased else {"Access needs": "Hearing loop", "Diet": "Any"}
    assert stored(registration) == expected


def test_the_periodic_task_is_scheduled(settings):
    assert "events.questions.sensitive_answers_erase_periodic" in settings.PERIODIC_TASKS


def test_a_members_answers_are_exported_and_erased_with_their_data(event, questions):
    registration = register(event, questions, GOOD)
    guest = register(event, questions, GOOD, guest_name="Me", guest_email="me@example.org")
    other = register(event, questions, GOOD)
    exported = member_data_export(registration.user)
    assert {"question": "Access needs", "answer": "Wheelchair"} in (
        exported["registrations"][0]["answers"])
    done = member_data_erase(registration.user, by=registration.user,
                             guest_emails=["me@example.org"])
    assert done["answers_erased"] == 14
    assert not RegistrationAnswer.objects.filter(registration__in=[registration, guest]).exists()
    assert other.answers.count() == 7
