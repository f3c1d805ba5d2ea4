"""Required registration questions are enforced by the registration service itself, not only
by the forms: a caller passing no answers (`answers=None`) is refused, for members and
guests alike, and nothing is written. Organisers adding someone (the admin, a walk-in at the
door) may leave them unanswered: the documented exception."""

import pytest

from events import services
from events.checkin import CheckinOutcome, checkin_walk_in
from events.exceptions import RegistrationAnswersInvalid
from events.models import QuestionKind, Registration, RegistrationAnswer, RegistrationQuestion
from events.tasks import notifications_silenced
from tests.events.registration_factories import make_organiser, publish_event, space_in
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def space(site_tree):
    return space_in(site_tree)


@pytest.fixture
def event(space):
    return publish_event(space, guests_allowed=True, capacity=5)


def ask(event, label, *, required, kind=QuestionKind.SHORT_TEXT, **fields):
    return RegistrationQuestion.objects.create(event=event, label=label, kind=kind,
                                               required=required, **fields)


@pytest.fixture
def required(event):
    """Two required questions and one optional one."""
    return [ask(event, "Diet", required=True, kind=QuestionKind.ONE_CHOICE,
                choices="Vegan\nAny"),
            ask(event, "Bringing a laptop?", required=True, kind=QuestionKind.YES_NO),
            ask(event, "Anything else?", required=False)]


def nothing_written():
    return Registration.objects.count() == 0 and RegistrationAnswer.objects.count() == 0


def test_a_member_passing_no_answers_is_refused_naming_each_required_question(event,
                                                                                required):
    with pytest.raises(RegistrationAnswersInvalid) as caught, notifications_silenced():
        services.registration_create(event, user=UserFactory())
    assert caught.value.errors == {required[0].pk: "This question needs an answer.",
                                   required[1].pk: "This question needs an answer."}
    assert nothing_written()


def test_a_guest_passing_no_answers_is_refused(event, required):
    with pytest.raises(RegistrationAnswersInvalid) as caught, notifications_silenced():
        services.registration_create(event, guest_name="Zoë ☕", guest_email="zoe@example.org")
    assert set(caught.value.errors) == {required[0].pk, required[1].pk}
    assert nothing_written()


def test_a_full_event_with_a_waiting_list_refuses_too_and_promotes_nobody(space):
    event = publish_event(space, capacity=1, waitlist_enabled=True)
    ask(event, "Diet", required=True)
    with notifications_silenced():
        first = services.registration_create(event, user=UserFactory(), actor=make_organiser(
            space))
        with pytest.raises(RegistrationAnswersInvalid):
            services.registration_create(event, user=UserFactory())
    assert list(Registration.objects.values_list("pk", flat=True)) == [first.pk]


def test_someone_who_is_not_an_organiser_cannot_skip_by_naming_themself_the_actor(event,
                                                                                   required):
    member = UserFactory()
    with pytest.raises(RegistrationAnswersInvalid), notifications_silenced():
        services.registration_create(event, user=member, actor=member)
    assert nothing_written()


def test_only_optional_questions_let_no_answers_through(space):
    event = publish_event(space)
    ask(event, "Anything else?", required=False)
    with notifications_silenced():
        registration = services.registration_create(event, user=UserFactory())
    assert (registration.state, registration.answers.count()) == ("confirmed", 0)


def test_a_required_question_of_another_event_does_not_count(space, event, required):
    other = publish_event(space)
    with notifications_silenced():
        registration = services.registration_create(other, user=UserFactory())
    assert registration.event_id == other.pk


def test_an_organiser_adding_someone_may_leave_required_questions_unanswered(event, required,
                                                                              space):
    with notifications_silenced():
        added = services.registration_create(event, user=UserFactory(),
                                             actor=make_organiser(space))
    assert (added.state, added.answers.count()) == ("confirmed", 0)


def test_an_organiser_giving_wrong_answers_is_still_refused(event, required, space):
    with pytest.raises(RegistrationAnswersInvalid), notifications_silenced():
        services.registration_create(event, user=UserFactory(), actor=make_organiser(space),
                                     answers={required[0].pk: "Carnivore"})
    assert nothing_written()


def test_a_walk_in_at_the_door_is_checked_in_without_answers(space):
    door = publish_event(space, starts_in_days=1 / 24, guests_allowed=True)
    ask(door, "Diet", required=True)
    with notifications_silenced():
        result = checkin_walk_in(door, name="Late Comer", email="late@example.org",
                                 actor=make_organiser(space))
    assert result.outcome == CheckinOutcome.CHECKED_IN
    assert (result.registration.walk_in, result.registration.answers.count()) == (True, 0)


def test_no_questions_costs_no_extra_query(space, django_assert_max_num_queries):
    event = publish_event(space, capacity=3)
    member = UserFactory()
    with django_assert_max_num_queries(6) as captured, notifications_silenced():
        services.registration_create(event, user=member)
    assert not [query for query in captured.captured_queries
                if "events_registrationquestion" in query["sql"]
                and "EXISTS" not in query["sql"].upper()]
