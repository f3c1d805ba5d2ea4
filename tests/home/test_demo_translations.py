"""The demo's Italian pages are Italian throughout (home.demo_translations): a translated
event's introduction and agenda (heading and steps, at the same times), and its space's
tagline, opening hours and description."""

import datetime as dt

import pytest
from django.utils import timezone
from wagtail.rich_text import RichText

from events.demo import AGENDA_TEXTS, CATALOGUE, INTRO, demo_agenda, demo_agenda_translated
from events.models import EventPage
from home.demo import load_home_demo
from home.demo_translations import SPACE_TEXTS_IT, demo_event_slugs, load_translations_demo
from network.demo import DEMO_SPACES
from network.models import SpacePage
from tests.events.registration_factories import space_in

pytestmark = pytest.mark.django_db


def _agenda_rows(event: EventPage) -> list[tuple[str, str]]:
    (agenda,) = [block.value for block in event.body if block.block_type == "agenda"]
    return [(item["time"].strftime("%H:%M"), item["title"]) for item in agenda["items"]]


def test_a_demo_agenda_starts_when_its_event_starts_and_translates_keeping_its_times():
    item = next(c for c in CATALOGUE if c.with_agenda and c.hours == 4)
    _kind, english = demo_agenda(item, "en", start_minutes=14 * 60 + 30)
    assert [(i["time"], i["title"]) for i in english["items"]] == [
        ("14:30", "Welcome and introductions"), ("15:00", "Hands-on part"),
        ("17:30", "Questions and wrap-up")]
    _kind, italian = demo_agenda_translated(english, "it")
    assert italian["heading"] == "Programma"
    assert [(i["time"], i["title"]) for i in italian["items"]] == [
        ("14:30", "Benvenuto e presentazioni"), ("15:00", "Parte pratica"),
        ("17:30", "Domande e saluti")]
    english["items"][1]["title"] = "Lunch"  # not a demo step: left as it is
    assert demo_agenda_translated(english, "it")[1]["items"][1]["title"] == "Lunch"


def test_every_demo_space_has_its_italian_texts():
    assert sorted(SPACE_TEXTS_IT) == sorted(space.slug for space in DEMO_SPACES)


def test_the_demo_translates_an_events_agenda_and_its_space(client, site_tree):
    tree = load_home_demo()
    space = space_in(site_tree, "Cowo360", slug="cowo360", tagline="Where Espresso began",
                     opening_hours="Monday to Friday, 9:00 to 19:30")
    slug, title = next((slug, title) for slug, title in demo_event_slugs()
                       if next(c for c in CATALOGUE if c.title == title).with_agenda)
    item = next(c for c in CATALOGUE if c.title == title)
    start = timezone.now() + dt.timedelta(days=3)
    event = EventPage(title=title, slug=slug, starts_at=start, language="en",
                      ends_at=start + dt.timedelta(hours=4),
                      body=[("text", RichText(INTRO["en"])), demo_agenda(item)])
    space.add_child(instance=event)
    event.save_revision().publish()

    load_translations_demo(tree)

    italian = EventPage.objects.get(translation_key=event.translation_key,
                                    locale__language_code="it")
    heading, steps = AGENDA_TEXTS["it"]
    english_rows = _agenda_rows(EventPage.objects.get(pk=event.pk))
    assert _agenda_rows(italian) == [(time, step) for (time, _en), step
                                     in zip(english_rows, steps, strict=True)]
    assert [b.value["heading"] for b in italian.body if b.block_type == "agenda"] == [heading]
    space_it = SpacePage.objects.get(translation_key=space.translation_key,
                                     locale__language_code="it")
    tagline, hours, description = SPACE_TEXTS_IT["cowo360"]
    assert (space_it.tagline, space_it.opening_hours) == (tagline, hours)
    assert [b.value.source for b in space_it.description] == [description]

    page = client.get(italian.url).content.decode()
    assert f"{heading}</h" in page and steps[0] in page
    for english in (*AGENDA_TEXTS["en"][1], "Open to every member"):
        assert english not in page
    space_page = client.get(space_it.url).content.decode()
    assert tagline in space_page and "Where Espresso began" not in space_page
