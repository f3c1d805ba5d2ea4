"""Issue 13 in a real browser with the demo network: an organiser asks about dietary needs,
a member answers while registering, and the organiser writes to the people registered
(preview, send, progress). Screenshots: var/screenshots/journeys/participants-*.png."""

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from playwright.sync_api import BrowserContext, Page, expect

from events import services as registration_services
from events.models import (
    QuestionKind,
    Registration,
    RegistrationQuestion,
)
from events.tasks import notifications_silenced
from network.models import SpacePage
from network.permissions import space_organisers
from tests.events.registration_factories import publish_event
from tests.network.factories import UserFactory

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

JOURNEYS = Path(settings.BASE_DIR) / "var" / "screenshots" / "journeys"


def log_in(context: BrowserContext, server, email: str) -> None:
    client = Client()
    client.force_login(get_user_model().objects.get(email=email))
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": server.url,
                          "value": client.cookies[settings.SESSION_COOKIE_NAME].value}])


def shot(page: Page, name: str) -> None:
    JOURNEYS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(JOURNEYS / f"participants-{name}.png"), full_page=True)


def test_dietary_question_then_a_message_to_the_participants(demo_server, browser):
    member_user = UserFactory(first_name="Noa", last_name="Rossi")
    member_email = member_user.email
    space = next(space for space in SpacePage.objects.order_by("pk")
                 if space_organisers(space).exists())
    event = publish_event(space, title="Laboratorio di falegnameria", capacity=20)
    with notifications_silenced():
        registration_services.registration_create(event, user=UserFactory())
    organiser_email = space_organisers(event.space).first().email
    RegistrationQuestion.objects.create(event=event, label="Dietary needs", required=True,
                                        kind=QuestionKind.ONE_CHOICE,
                                        choices="None\nVegetarian\nVegan")
    RegistrationQuestion.objects.create(event=event, label="Access needs", sensitive=True,
                                        kind=QuestionKind.LONG_TEXT,
                                        help_text="Only the organisers of this space see this.")

    member = browser.new_context(viewport={"width": 390, "height": 844})
    log_in(member, demo_server, member_email)
    page = member.new_page()
    page.goto(demo_server.url + event.url)
    page.locator(f'.registration-panel a[href^="/events/{event.pk}/register/"]').click()
    expect(page.get_by_text("Dietary needs")).to_be_visible()
    # The browser itself asks for the required choice (the server checks again).
    expect(page.get_by_label("Vegan")).to_have_attribute("required", "")
    shot(page, "questions-phone")
    page.get_by_label("Vegan").check()
    page.get_by_label("Access needs").fill("Step-free access, please")
    page.get_by_role("button", name="Register").click()
    registration = Registration.objects.get(event=event, user__email=member_email)
    assert {a.label: a.value for a in registration.answers.all()} == {
        "Dietary needs": "Vegan", "Access needs": "Step-free access, please"}
    member.close()

    organiser = browser.new_context(viewport={"width": 1280, "height": 900})
    log_in(organiser, demo_server, organiser_email)
    page = organiser.new_page()
    page.goto(f"{demo_server.url}/events/{event.pk}/manage/")
    page.get_by_role("link", name="Write to participants").click()
    page.get_by_label("Everyone registered (confirmed, waiting list, checked in)").check()
    page.get_by_label("Subject").fill("Room change ☕")
    page.get_by_label("Message").fill("We moved to room 2.\n\n<b>Bring a laptop</b>.")
    page.get_by_role("button", name="Preview").click()
    preview = page.frame_locator("iframe")
    expect(preview.get_by_text("We moved to room 2.")).to_be_visible()
    expect(preview.get_by_text("<b>Bring a laptop</b>.")).to_be_visible()
    shot(page, "compose-preview-desktop")
    mail.outbox.clear()
    page.get_by_role("button", name="Send to").click()
    expect(page.get_by_text("sent", exact=False).first).to_be_visible()
    shot(page, "message-progress-desktop")
    assert member_email in [email.to[0] for email in mail.outbox]
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{demo_server.url}/events/{event.pk}/messages/")
    shot(page, "message-history-phone")
    organiser.close()
