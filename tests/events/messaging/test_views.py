"""The organiser's message pages: permissions, preview, sending, history, dashboard link."""

import pytest
from django.core import mail
from django.urls import reverse

from events import services as registration_services
from events.messaging.models import EventMessage
from events.tasks import notifications_silenced
from tests.events.registration_factories import make_organiser, publish_event, space_in
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(site_tree, django_capture_on_commit_callbacks):
    space = space_in(site_tree)
    organiser = make_organiser(space, email="host@cowo.example")
    event = publish_event(space, capacity=1, language="en")
    with notifications_silenced():
        confirmed = registration_services.registration_create(event, user=UserFactory())
        waiting = registration_services.registration_create(event, user=UserFactory())
    return {"space": space, "organiser": organiser, "event": event, "confirmed": confirmed,
            "waiting": waiting}


def compose_url(event) -> str:
    return reverse("messaging:compose", args=[event.pk])


FORM = {"audience": "waitlisted", "role": "", "subject": "A place may free up",
        "body": "<b>Hello</b>\nSee you soon."}


def test_another_spaces_organiser_and_a_member_get_403(setup, client, site_tree):
    for user in (make_organiser(space_in(site_tree, title="Other")), setup["confirmed"].user):
        client.force_login(user)
        assert client.get(compose_url(setup["event"])).status_code == 403
        assert client.post(compose_url(setup["event"]),
                           {**FORM, "send": "1"}).status_code == 403
        assert client.get(reverse("messaging:list", args=[setup["event"].pk])).status_code == 403
    assert EventMessage.objects.count() == 0


def test_preview_shows_the_email_and_the_count_and_sends_nothing(setup, client):
    client.force_login(setup["organiser"])
    response = client.post(compose_url(setup["event"]), {**FORM, "preview": "1"})
    assert response.status_code == 200
    assert response.context["recipient_count"] == 1
    assert response.context["preview_to"] == setup["waiting"].person_name
    assert "&lt;b&gt;Hello&lt;/b&gt;<br>See you soon." in response.context["preview_html"]
    assert b"Send to 1 person" in response.content
    # The e-mail sits escaped in the srcdoc attribute (a quote in it would end the attribute).
    assert 'srcdoc="&lt;!DOCTYPE html&gt;' in response.content.decode()
    assert "&amp;lt;b&amp;gt;Hello&amp;lt;/b&amp;gt;" in response.content.decode()
    assert EventMessage.objects.count() == 0 and mail.outbox == []


def test_sending_redirects_to_the_progress_page(setup, client, django_capture_on_commit_callbacks):
    client.force_login(setup["organiser"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(compose_url(setup["event"]), {**FORM, "send": "1"})
    message = EventMessage.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("messaging:detail", args=[setup["event"].pk, message.pk])
    assert [email.to for email in mail.outbox] == [[setup["waiting"].email]]
    page = client.get(response.url)
    assert page.context["message"].sent_count == 1
    history = client.get(reverse("messaging:list", args=[setup["event"].pk]))
    assert [m.pk for m in history.context["history"]] == [message.pk]
    assert b"1 of 1 sent" in history.content


def test_a_subject_with_a_newline_is_a_form_error(setup, client):
    client.force_login(setup["organiser"])
    response = client.post(compose_url(setup["event"]),
                           {**FORM, "subject": "Hi\r\nBcc: x@example.org", "send": "1"})
    assert response.status_code == 400
    assert "The subject must be one line of text." in str(response.context["form"].errors)
    assert EventMessage.objects.count() == 0


def test_the_dashboard_links_to_writing_and_to_the_history(setup, client):
    client.force_login(setup["organiser"])
    page = client.get(reverse("events:event_dashboard", args=[setup["event"].pk]))
    assert compose_url(setup["event"]).encode() in page.content
    assert reverse("messaging:list", args=[setup["event"].pk]).encode() in page.content
