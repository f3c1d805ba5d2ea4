"""The language an event is held in is named in the reader's language (an English event on
an Italian page is "Inglese", not "English"), and a code Django does not know never breaks
the page."""

import pytest
from django.utils import translation

from events.models import EventPage
from events.templatetags.event_tags import spoken_language
from tests.events.registration_factories import publish_event, space_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("reader", "event_language", "shown"), [
    ("it", "en", "Inglese"), ("it", "it", "Italiano"),
    ("en", "en", "English"), ("en", "it", "Italian")])
def test_the_spoken_language_is_named_in_the_readers_language(reader, event_language, shown):
    with translation.override(reader):
        assert spoken_language(EventPage(language=event_language)) == shown


def test_an_unknown_language_code_is_shown_as_stored():
    with translation.override("it"):
        assert spoken_language(EventPage(language="xx-klingon")) == "xx-klingon"
        assert spoken_language(EventPage(language="")) == ""


def test_the_event_page_and_its_badge_say_the_language_in_italian(client, site_tree):
    event = publish_event(space_in(site_tree, "Cowo Roma"), title="Laser induction")
    page = client.get(event.url, HTTP_ACCEPT_LANGUAGE="it").content.decode()
    italian = client.get(event.url.replace("/en/", "/it/", 1)).content.decode()
    assert "<dd>English</dd>" in page
    assert "<dd>Inglese</dd>" in italian and '<html lang="it"' in italian
    assert '"Lingua">Inglese</span>' in italian
