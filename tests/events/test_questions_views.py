"""The registration forms with questions: members, guests, paid events; errors register
nothing."""

import pytest
from django.urls import reverse

from events.models import QuestionKind, Registration, RegistrationQuestion
from tests.events.registration_factories import publish_event, space_in
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(site_tree):
    event = publish_event(space_in(site_tree), guests_allowed=True)
    RegistrationQuestion.objects.create(event=event, label="Diet", kind=QuestionKind.ONE_CHOICE,
                                        choices="Vegan\nAny", required=True,
                                        help_text="We order lunch.")
    RegistrationQuestion.objects.create(event=event, label="Access needs", sensitive=True,
                                        kind=QuestionKind.LONG_TEXT)
    return event


def field(event, label) -> str:
    return f"q_{RegistrationQuestion.objects.get(event=event, label=label).pk}"


def test_the_one_click_register_button_leads_to_the_questions(client, event):
    client.force_login(UserFactory())
    response = client.post(reverse("events:register", args=[event.pk]))
    assert response.status_code == 200
    assert "We order lunch." in response.content.decode()
    assert Registration.objects.count() == 0


def test_a_member_registers_with_answers(client, event):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("events:register", args=[event.pk]), {
        "answers_form": "1", field(event, "Diet"): "Vegan",
        field(event, "Access needs"): "<b>Step-free</b> please"})
    assert response.status_code == 302
    registration = Registration.objects.get(user=user)
    assert {a.label: a.value for a in registration.answers.all()} == {
        "Diet": "Vegan", "Access needs": "<b>Step-free</b> please"}


def test_a_missing_required_answer_is_a_form_error_and_registers_nothing(client, event):
    client.force_login(UserFactory())
    response = client.post(reverse("events:register", args=[event.pk]),
                           {"answers_form": "1", field(event, "Diet"): "Carnivore"})
    assert response.status_code == 400
    assert response.context["questions_form"].errors[field(event, "Diet")]
    assert Registration.objects.count() == 0


def test_guests_answer_on_their_form(client, event):
    data = {"name": "Ana", "email": "ana@example.org", field(event, "Diet"): "Any"}
    response = client.post(reverse("events:register_guest", args=[event.pk]), data)
    assert response.status_code == 302
    assert Registration.objects.get().answers.get().value == "Any"


def test_a_guest_without_the_required_answer_gets_the_form_back(client, event):
    response = client.post(reverse("events:register_guest", args=[event.pk]),
                           {"name": "Ana", "email": "ana@example.org"})
    assert response.status_code == 400
    assert "Diet" in response.content.decode()
    assert Registration.objects.count() == 0


def test_the_event_page_links_to_the_questions_instead_of_one_click(client, event):
    html = client.get(event.url).content.decode()
    assert f'href="{reverse("events:register_guest", args=[event.pk])}"' in html
    client.force_login(UserFactory())
    html = client.get(event.url).content.decode()
    assert f'href="{reverse("events:register", args=[event.pk])}?next=' in html


def test_questions_are_added_in_the_page_editor_and_published_with_the_event(site_tree):
    event = publish_event(space_in(site_tree, title="Editor"))
    page = event.get_latest_revision_as_object()
    page.questions.add(RegistrationQuestion(label="Diet", kind=QuestionKind.SHORT_TEXT))
    page.save_revision().publish()
    assert list(RegistrationQuestion.objects.filter(event=event).values_list("label",
                                                                             flat=True)) == ["Diet"]


def test_the_page_editor_offers_the_questions_panel(client, event):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    response = client.get(reverse("wagtailadmin_pages:edit", args=[event.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Registration questions" in html
    assert 'name="questions-TOTAL_FORMS" value="2"' in html
