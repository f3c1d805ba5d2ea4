"""An organiser's message as e-mail, rendered in Chromium at desktop and phone widths:
nasty text stays text, right-to-left text keeps its direction, nothing overflows sideways.
Screenshots go to var/screenshots/ (message-email-*.png)."""

import pytest
from django.utils import translation

from events import services as registration_services
from events.messaging import services
from events.messaging.emails import message_email_build
from events.messaging.models import Audience
from events.tasks import notifications_silenced
from tests.browser.conftest import SCREENSHOTS
from tests.events.registration_factories import make_organiser, publish_event, space_in
from tests.network.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

BODY = ("Cambio di aula: ci vediamo in <b>aula 2</b> <script>alert('x')</script>.\n"
        "Portate un portatile ☕🎉\n\n"
        "\u05e9\u05dc\u05d5\u05dd \u05dc\u05db\u05d5\u05dd — مرحبا بكم\n\n"
        "https://example.org/a-very-long-link-" + "x" * 120)


@pytest.fixture
def email_html(site_tree) -> str:
    space = space_in(site_tree, title="Cowo Racale")
    organiser = make_organiser(space, first_name="Ada", last_name="Lovelace")
    event = publish_event(space, title="Laboratorio di falegnameria", language="it")
    with notifications_silenced():
        registration = registration_services.registration_create(
            event, user=UserFactory(first_name="\u05e0\u05d5\u05e2\u05d4", last_name="Rossi"))
    draft = services.message_draft(event, sender=organiser, subject="Aula cambiata",
                                   body=BODY, audience=Audience.ALL)
    registration.event = event
    with translation.override("it"):
        message = message_email_build(draft, registration)
    return next(content for content, mimetype in message.alternatives
                if mimetype == "text/html")


@pytest.mark.parametrize(("name", "width"), [("desktop", 1280), ("phone", 375)])
def test_the_message_email_renders_without_overflow(page, email_html, name, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.set_content(email_html)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"message-email-{name}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.locator("script").count() == 0
    assert page.locator("b").count() == 0
    text = page.locator("body").inner_text()
    assert "<b>aula 2</b> <script>alert('x')</script>." in text
    assert "Ada Lovelace" in text and "scrive:" in text
    rtl = page.locator("p[dir=auto]", has_text="\u05e9\u05dc\u05d5\u05dd")
    assert rtl.evaluate("el => getComputedStyle(el).direction") == "rtl"
