"""Registration over HTTP: one-click, guests, cancel, leave the waiting list, secret link,
My events, and the panel on the event page."""

import datetime as dt
import uuid

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from events import services
from events.models import Registration, RegistrationState
from tests.events.registration_factories import publish_event, space_in
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def space(site_tree):
    return space_in(site_tree)


def test_member_registers_with_one_post(client, space):
    event = publish_event(space)
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("events:register", args=[event.pk]))
    assert response.status_code == 302
    assert response["Location"] == event.url
    assert Registration.objects.get(event=event, user=user).state == RegistrationState.CONFIRMED


def test_register_needs_login_and_post(client, space):
    event = publish_event(space)
    response = client.post(reverse("events:register", args=[event.pk]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    client.force_login(UserFactory())
    # GET only shows a confirmation (paid events); for a free one it leads back to the event.
    response = client.get(reverse("events:register", args=[event.pk]))
    assert (response.status_code, response["Location"]) == (302, event.url)
    assert not Registration.objects.exists()


def test_register_for_an_unknown_event_is_404(client):
    client.force_login(UserFactory())
    assert client.post(reverse("events:register", args=[999999])).status_code == 404


def test_refusal_becomes_a_message_and_changes_nothing(client, space):
    event = publish_event(space, registration_closes_at=timezone.now() - dt.timedelta(hours=1))
    client.force_login(UserFactory())
    response = client.post(reverse("events:register", args=[event.pk]), follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert "Registration for this event is closed." in messages
    assert not Registration.objects.exists()


def test_register_ignores_an_offsite_next(client, space):
    event = publish_event(space)
    client.force_login(UserFactory())
    response = client.post(reverse("events:register", args=[event.pk]),
                           {"next": "https://evil.example.org/"})
    assert response["Location"] == event.url


def test_guest_registers_with_name_and_email(client, space):
    event = publish_event(space, guests_allowed=True)
    response = client.post(reverse("events:register_guest", args=[event.pk]),
                           {"name": "Ada Lovelace", "email": "ada@example.org"})
    assert response.status_code == 302
    registration = Registration.objects.get(event=event)
    assert (registration.guest_name, registration.guest_email) == ("Ada Lovelace",
                                                                   "ada@example.org")


@pytest.mark.parametrize("data", [
    {"name": "Ada\nLovelace", "email": "ada@example.org"},
    {"name": "Ada", "email": "ada@example.org\nBcc: evil@example.org"},
    {"name": "Ada", "email": "ada@example.org\r\nCc: evil@example.org"},
    {"name": "<img src=x onerror=alert(1)>", "email": "ada@example.org"},
    {"name": "", "email": "ada@example.org"},
    {"name": "Ada", "email": ""},
])
def test_guest_form_rejects_bad_input_with_400_and_changes_nothing(client, space, data):
    event = publish_event(space, guests_allowed=True)
    response = client.post(reverse("events:register_guest", args=[event.pk]), data)
    assert response.status_code == 400
    assert response.context["form"].errors
    assert not Registration.objects.exists()


def test_guest_form_on_members_only_event_says_why(client, space):
    event = publish_event(space, guests_allowed=False)
    response = client.post(reverse("events:register_guest", args=[event.pk]),
                           {"name": "Ada", "email": "ada@example.org"})
    assert response.status_code == 400
    assert "Please log in to register for this event." in response.content.decode()
    assert not Registration.objects.exists()


def test_member_cancels_own_registration(client, space):
    event = publish_event(space)
    registration = services.registration_create(event, user=UserFactory())
    client.force_login(registration.user)
    response = client.post(reverse("events:registration_cancel", args=[registration.pk]))
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.state == RegistrationState.CANCELLED


def test_member_cannot_cancel_someone_elses_registration(client, space):
    event = publish_event(space)
    registration = services.registration_create(event, user=UserFactory())
    client.force_login(UserFactory())
    response = client.post(reverse("events:registration_cancel", args=[registration.pk]))
    assert response.status_code == 404
    registration.refresh_from_db()
    assert registration.state == RegistrationState.CONFIRMED


def test_member_leaves_the_waiting_list(client, space):
    event = publish_event(space, capacity=1)
    services.registration_create(event, user=UserFactory())
    waiting = services.registration_create(event, user=UserFactory())
    client.force_login(waiting.user)
    client.post(reverse("events:registration_leave_waitlist", args=[waiting.pk]))
    waiting.refresh_from_db()
    assert waiting.state == RegistrationState.CANCELLED


def test_secret_link_get_only_asks_for_confirmation(client, space):
    event = publish_event(space, guests_allowed=True)
    registration = services.registration_create(event, guest_name="Ada",
                                                guest_email="ada@example.org")
    url = reverse("events:registration_cancel_secret", args=[registration.secret])
    response = client.get(url)
    assert response.status_code == 200
    assert "Yes, cancel my registration" in response.content.decode()
    registration.refresh_from_db()
    assert registration.state == RegistrationState.CONFIRMED


def test_secret_link_post_cancels_without_login(client, space):
    event = publish_event(space, guests_allowed=True)
    registration = services.registration_create(event, guest_name="Ada",
                                                guest_email="ada@example.org")
    url = reverse("events:registration_cancel_secret", args=[registration.secret])
    response = client.post(url)
    assert response.status_code == 200
    assert "is cancelled" in response.content.decode()
    registration.refresh_from_db()
    assert registration.state == RegistrationState.CANCELLED


def test_unknown_or_malformed_secret_is_404(client):
    assert client.get(f"/registrations/{uuid.uuid4()}/cancel/").status_code == 404
    assert client.get("/registrations/not-a-uuid/cancel/").status_code == 404


def test_my_events_lists_upcoming_and_past_with_states(client, space):
    user = UserFactory()
    future = publish_event(space, title="Futuro")
    past = publish_event(space, title="Passato")
    services.registration_create(future, user=user)
    services.registration_create(past, user=user)
    from events.models import EventPage

    EventPage.objects.filter(pk=past.pk).update(
        starts_at=timezone.now() - dt.timedelta(days=3),
        ends_at=timezone.now() - dt.timedelta(days=3, hours=-2))
    client.force_login(user)
    response = client.get(reverse("events:my_events"))
    assert response.status_code == 200
    assert [r.event.title for r in response.context["upcoming"]] == ["Futuro"]
    assert [r.event.title for r in response.context["past"]] == ["Passato"]
    assert "badge-success" in response.content.decode()


def test_my_events_needs_login(client):
    response = client.get(reverse("events:my_events"))
    assert response.status_code == 302


def render_panel(event, user=None) -> str:
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get(event.url)
    request.user = user or AnonymousUser()
    template = Template("{% load registration_tags %}{% registration_panel page %}")
    return template.render(Context({"request": request, "page": event}))


def test_panel_offers_register_to_a_member(space):
    event = publish_event(space, capacity=3)
    html = render_panel(event, UserFactory())
    assert "3 places left" in html
    assert reverse("events:register", args=[event.pk]) in html


def test_panel_offers_the_waiting_list_when_full(space):
    event = publish_event(space, capacity=1)
    services.registration_create(event, user=UserFactory())
    html = render_panel(event, UserFactory())
    assert "Join the waiting list" in html


def test_panel_shows_the_waiting_rank_and_leave_button(space):
    event = publish_event(space, capacity=1)
    services.registration_create(event, user=UserFactory())
    services.registration_create(event, user=UserFactory())
    waiting = services.registration_create(event, user=UserFactory())
    html = render_panel(event, waiting.user)
    assert "You are number 2 on the waiting list." in html
    assert reverse("events:registration_leave_waitlist", args=[waiting.pk]) in html


def test_panel_shows_guest_form_to_anonymous_visitors_where_allowed(space):
    event = publish_event(space, guests_allowed=True)
    html = render_panel(event)
    assert reverse("events:register_guest", args=[event.pk]) in html
    assert "Log in to register" in html


def test_panel_says_registration_closed(space):
    event = publish_event(space, registration_closes_at=timezone.now() - dt.timedelta(hours=1))
    html = render_panel(event, UserFactory())
    assert "Registration closed" in html
    assert reverse("events:register", args=[event.pk]) not in html


def test_event_page_shows_the_registration_panel(client, space):
    event = publish_event(space, capacity=4)
    client.force_login(UserFactory())
    content = client.get(event.url).content.decode()
    assert "4 places left" in content
    assert reverse("events:register", args=[event.pk]) in content
